"""What the publishing pages share: permissions, stores, labels and advice, time helpers."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request

from shortops.errors import N_
from shortops.kit.i18n import gettext
from shortops.media.store import MediaStore
from shortops.providers.base import Provider
from shortops.providers.registry import UnknownPlatform, provider_class
from shortops.publishing import service
from shortops.web.pages import (
    request_language,
)
from shortops.workspaces.deps import web_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

log = logging.getLogger("shortops.publishing")


Reader = Annotated[Actor, Depends(web_actor(Permission.read))]


Writer = Annotated[Actor, Depends(web_actor(Permission.write))]


ACCOUNTS_SHOWN = 200


VISIBILITY_LABELS = {
    "public": N_("Public"),
    "private": N_("Private"),
    "unlisted": N_("Unlisted"),
    "friends": N_("Friends"),
    "followers": N_("Followers"),
    "inbox": N_("Draft in the inbox"),
    "unknown": N_("Unknown"),
}


# What to do about a failure, by the publication's error code.
REAUTH_ADVICE = N_("Reconnect the account under Accounts, then duplicate the post.")


UNAVAILABLE_ADVICE = N_(
    "The platform did not take the video, so nothing was posted. Duplicate the post to try "
    "again (the copy can be scheduled right away)."
)


ADVICE = {
    "provider_unavailable": UNAVAILABLE_ADVICE,
    "provider_rate_limited": UNAVAILABLE_ADVICE,
    "provider_rejected": N_(
        "Change what the platform names, then duplicate the post and schedule the copy."
    ),
    "provider_reauth_required": REAUTH_ADVICE,
    "account_needs_reauth": REAUTH_ADVICE,
    "account_signed_out": REAUTH_ADVICE,
    "account_disconnected": N_(
        "Reconnect the account under Accounts (or leave it out), then duplicate the post."
    ),
    "missing_app_credentials": N_(
        "Add the platform's app credentials under Settings → Platforms, then duplicate the post."
    ),
    "invalid_for_platform": N_(
        "The account's rules changed since the post was scheduled: duplicate the post, adjust "
        "its text or options, and schedule the copy."
    ),
    "rendition_failed": N_(
        "Open the video under Produce to see why its version for this platform failed, then "
        "duplicate the post."
    ),
    "video_deleted": N_("The video was deleted: compose a new post with another video."),
    "missing_media_file": N_(
        "The video file is missing from the media store: upload it again and compose a new post."
    ),
}


FAILED_ADVICE = N_("Duplicate the post to try again once the cause is fixed.")


REVIEW_ADVICE = N_(
    "Open the platform with “Check on the platform”. If the post is there, it went through: "
    "nothing more to do. If it is not, duplicate the post and schedule the copy. shortops does "
    "not upload it again by itself, so it is never posted twice."
)


Gettext = Callable[[str], str]


def media_store(request: Request) -> MediaStore:
    return MediaStore.from_settings(request.app.state.settings)


def page_gettext(request: Request) -> Gettext:
    language = request_language(request)
    return lambda text: gettext(language, text)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def provider_or_none(platform: str) -> type[Provider] | None:
    try:
        return provider_class(platform)
    except UnknownPlatform:
        return None


def account_groups(accounts: Sequence[Any]) -> list[dict[str, Any]]:
    """Accounts by platform (for filters and the composer), platforms in name order."""
    groups: dict[str, dict[str, Any]] = {}
    for account in accounts:
        name = account.platform_name or account.platform
        key = f"{account.platform}:{name}"
        group = groups.setdefault(
            key,
            {"platform": account.platform, "name": name, "sandbox": account.is_sandbox,
             "accounts": []},
        )  # fmt: skip
        group["accounts"].append(account)
    return sorted(groups.values(), key=lambda g: (not g["sandbox"], g["name"].casefold()))


def local_input(moment: datetime | None, timezone: str) -> str:
    """A UTC time as a datetime-local input's value in the workspace's timezone."""
    if moment is None:
        return ""
    return f"{moment.astimezone(service.workspace_zone(timezone)):%Y-%m-%dT%H:%M}"
