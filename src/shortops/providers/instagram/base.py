"""What the Instagram provider's parts share: endpoints, scopes, limits, Graph API calls and the
token answer."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ClassVar

from shortops.errors import N_
from shortops.kit.clock import utcnow
from shortops.providers import tokens as token_answer
from shortops.providers.base import Provider
from shortops.providers.http import Http, json_body
from shortops.providers.instagram.envelope import PLATFORM, classify
from shortops.providers.instagram.rules import (
    MAX_HASHTAGS,
    InstagramOptions,
)
from shortops.providers.types import (
    AppCredentials,
    Capability,
    Limits,
    ReadBudget,
    Tokens,
)

AUTH_BASE = "https://www.instagram.com"
TOKEN_BASE = "https://api.instagram.com"
GRAPH_BASE = "https://graph.instagram.com"
# The Graph API version in every path; an app registration may pin another one
# (AppCredentials.extra["graph_version"]).
GRAPH_VERSION = "v23.0"

SCOPE_BASIC = "instagram_business_basic"
SCOPE_PUBLISH = "instagram_business_content_publish"
SCOPE_INSIGHTS = "instagram_business_manage_insights"
PROFILE_FIELDS = "user_id,username,name,account_type,profile_picture_url"
# Instagram's guidance: poll a container once a minute.
POLL_S = 60.0
# How long a PUBLISHED container's media may be missing from the account's media list before
# the publication is handed to a person (the list may lag behind; unconfirmed).
NOT_LISTED_GRACE = timedelta(hours=1)
# Media created this long before the container are not ours (clock skew allowance).
MATCH_SKEW = timedelta(minutes=5)
MEDIA_PAGE = 25

PERSONAL_ACCOUNT = N_(
    "This Instagram account is a personal account. Instagram only lets apps publish to "
    "professional accounts: switch it to a Business or Creator account in the Instagram app "
    "(Settings → Account type and tools), then connect it again."
)
PUBLISH_NOT_GRANTED = N_(
    "The Instagram sign-in did not allow publishing ({scope}). Connect the account again and "
    "allow content publishing on Instagram's consent screen."
)
CONTAINER_UNCONFIRMED = N_(
    "Instagram did not confirm that it prepared the post ({detail}). Nothing was published "
    "(Instagram only publishes a prepared post when shortops asks it to); trying again is safe."
)
PUBLISH_UNCONFIRMED = N_(
    "Instagram did not confirm the publish; shortops checks the prepared post's status before "
    "doing anything else."
)
NOT_READY = N_("Instagram has not finished processing the video yet.")
LOOKING_FOR_MEDIA = N_("Instagram says the Reel is published; looking for its link.")
MEDIA_NOT_FOUND = N_(
    "Instagram says the prepared post {container} was published, but the Reel does not appear "
    "among the account's recent posts. Check on Instagram."
)
MATCHED_BY_CAPTION = N_(
    "Found among the account's recent posts by its caption and time (Instagram's answer to the "
    "publish was lost)."
)
NO_PERMALINK = N_("Instagram published the Reel but gave no link to it.")


class InstagramBase(Provider):
    """Publish Reels to an Instagram professional (Business or Creator) account."""

    slug: ClassVar[str] = "instagram"
    name: ClassVar[str] = PLATFORM
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.publish, Capability.post_metrics, Capability.account_metrics}
    )
    metrics_batch: ClassVar[int] = 1
    # No documented figure: Business Use Case limits ("4800 × impressions a day" is quoted,
    # unconfirmed). A media's metrics cost 2 calls (3 when the newer metrics are refused).
    read_budget: ClassVar[ReadBudget] = ReadBudget(
        costs={"fetch_post_metrics": 3, "list_posts": 1, "fetch_account_metrics": 1}
    )
    # An expired long-lived token cannot be refreshed: renew a week ahead (it lasts 60 days and
    # may be refreshed once it is a day old).
    refresh_ahead: ClassVar[timedelta] = timedelta(days=7)
    limits: ClassVar[Limits] = Limits(
        min_duration_s=3,
        max_duration_s=15 * 60,
        max_bytes=300_000_000,  # "300 MB", read strictly
        aspect_ratios=(9 / 16,),  # recommended: other shapes are a warning
        caption_max=2200,
        hashtags_max=MAX_HASHTAGS,
        containers=("mp4", "mov"),
        profile_slug="instagram_reels",
    )
    options_model = InstagramOptions
    default_scopes: ClassVar[tuple[str, ...]] = (SCOPE_BASIC, SCOPE_PUBLISH, SCOPE_INSIGHTS)

    def __init__(
        self,
        app: AppCredentials | None = None,
        *,
        http: Http | None = None,
        clock: Callable[[], datetime] = utcnow,
        allow_local_media_url: bool = False,
    ) -> None:
        super().__init__(app, http=http, clock=clock)
        # Tests and sandboxes serve the video from loopback; the real Instagram cannot fetch it.
        self.allow_local_media_url = allow_local_media_url

    def _graph(self, path: str) -> str:
        version = GRAPH_VERSION
        if self.app is not None and self.app.extra.get("graph_version"):
            version = self.app.extra["graph_version"].strip("/")
        return f"{self.endpoint('graph', GRAPH_BASE)}/{version}{path}"

    def _me(self, tokens: Tokens, fields: str, *, scope: str = "") -> dict[str, Any]:
        response = self.http.read(
            "GET",
            self._graph("/me"),
            params={"fields": fields, "access_token": tokens.access_token},
            classify=partial(classify, scope=scope),
        )
        return json_body(response)

    def _tokens(
        self,
        answer: dict[str, Any],
        *,
        scopes: tuple[str, ...],
        remote_id: str | None,
        previous: Tokens | None,
    ) -> Tokens:
        access = token_answer.access_token(answer, platform=PLATFORM)
        now = self.clock()
        expires_at = token_answer.expires_after(now, answer.get("expires_in"))
        return Tokens(
            access_token=access,
            # The long-lived token refreshes itself (see the module docstring).
            refresh_token=access,
            expires_at=expires_at,
            refresh_expires_at=expires_at,
            scopes=scopes,
            remote_id=remote_id,
            extra={**(previous.extra if previous else {}), "issued_at": now.isoformat()},
        )


# --- helpers ------------------------------------------------------------------------------------


def _token_answer(body: dict[str, Any]) -> dict[str, Any]:
    """The code exchange's answer: `{"data": [{…}]}` (Business Login) or flat (older docs)."""
    data = body.get("data")
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return data[0]
    return body


def _scopes(permissions: Any) -> tuple[str, ...]:
    if isinstance(permissions, str):
        return tuple(p.strip() for p in permissions.split(",") if p.strip())
    if isinstance(permissions, list):
        return tuple(str(p).strip() for p in permissions if str(p).strip())
    return ()


def _caption_hash(caption: str) -> str:
    return hashlib.sha256(caption.strip().encode()).hexdigest()


def _when(value: Any) -> datetime | None:
    """An ISO time; Graph writes offsets without a colon ("2024-05-01T10:00:00+0000")."""
    if not isinstance(value, str) or not value:
        return None
    for parse in (datetime.fromisoformat, _graph_time):
        try:
            moment = parse(value)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def _graph_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
