"""What the Douyin provider's parts share: endpoints, scopes, limits, the token answer and the
classification of Douyin's answers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from shortops.errors import N_
from shortops.kit.clock import utcnow
from shortops.providers import tokens as token_answer
from shortops.providers.base import Provider
from shortops.providers.douyin import status
from shortops.providers.douyin.envelope import (
    PLATFORM,
    classify,
)
from shortops.providers.douyin.parts import (
    DEFAULT_PART_BYTES,
    DIRECT_PREFERRED_MAX_BYTES,
)
from shortops.providers.douyin.rules import (
    DouyinOptions,
)
from shortops.providers.errors import (
    ProviderError,
    ReauthRequired,
)
from shortops.providers.http import Http, json_body
from shortops.providers.types import (
    AppCredentials,
    Capability,
    Limits,
    Published,
    ReadBudget,
    Tokens,
)

log = logging.getLogger("shortops.providers.douyin")

AUTH_BASE = "https://open.douyin.com"
API_BASE = "https://open.douyin.com"

SCOPE_USER = "user_info"
SCOPE_CREATE = "video.create.bind"
SCOPE_DATA = "video.data.bind"
SCOPE_LIST = "video.list.bind"
SCOPE_RENEW = "renew_refresh_token"

VIDEO_API = "/api/douyin/v1/video"
# Renew the refresh token when it has less than this left: access tokens last 15 days, so the
# refresh at day ~15 renews a 30-day refresh token before the next refresh needs it.
RENEW_WHEN_LEFT = timedelta(days=20)
# How long a created item may be missing from video_data, and an unconfirmed create_video from
# the video list, before a person is asked to look (the lists may lag; unconfirmed).
NOT_LISTED_GRACE = timedelta(minutes=30)
RECONCILE_GRACE = timedelta(minutes=10)
LIST_PAGES, LIST_COUNT = 3, 20
# Items per video_data call: the contract names no maximum (unconfirmed; 20 like the list).
DATA_BATCH = 20
# fetch_account_metrics pages through at most this many video_list pages (1000 videos).
ACCOUNT_PAGES = 50

TOO_LARGE = N_("The video is {size} bytes; Douyin takes at most 4 GB.")
UPLOAD_BROKE = N_(
    "The upload to {platform} broke off ({detail}). Nothing was published (an uploaded video "
    "only appears once shortops creates the post); starting again is safe."
)
CREATE_UNCONFIRMED = N_(
    "{platform} did not confirm whether it created the post ({detail}). shortops looks for it "
    "in the account's videos before doing anything else."
)
NOT_LISTED = N_("Douyin has not listed the video yet.")
CHECKING = N_("Checking whether Douyin created the post.")
GONE = N_(
    "Douyin created the post {item_id}, but it is not among the account's videos any more: it "
    "was deleted or removed. Check in the Douyin app."
)
NOT_FOUND = N_(
    "Douyin never confirmed creating the post, and the uploaded video {video_id} does not "
    "appear among the account's videos. Check in the Douyin app before publishing again."
)


class DouyinBase(Provider):
    """Publish videos to Douyin through the Open Platform (enterprise apps only)."""

    slug: ClassVar[str] = "douyin"
    name: ClassVar[str] = PLATFORM
    # account_metrics: the video count and totals only; no follower count (see the docstring).
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.publish, Capability.post_metrics, Capability.account_metrics}
    )
    metrics_batch: ClassVar[int] = DATA_BATCH
    # Per-scope quotas exist but have no published figure (§4.5). An account read costs one
    # video_list call per LIST_COUNT videos (this is the cost of one page).
    read_budget: ClassVar[ReadBudget] = ReadBudget(
        costs={"fetch_post_metrics": 1, "list_posts": 1, "fetch_account_metrics": 1}
    )
    limits: ClassVar[Limits] = Limits(
        min_duration_s=3,  # unconfirmed; the render profile's minimum
        max_duration_s=15 * 60,
        max_bytes=4_000_000_000,  # "4 GB", read strictly
        aspect_ratios=(9 / 16,),  # "vertical recommended": other shapes are a warning
        containers=("mp4", "mov", "webm"),
        profile_slug="douyin",
    )
    options_model = DouyinOptions
    default_scopes: ClassVar[tuple[str, ...]] = (
        SCOPE_USER,
        SCOPE_CREATE,
        SCOPE_DATA,
        SCOPE_LIST,
        SCOPE_RENEW,
    )

    def __init__(
        self,
        app: AppCredentials | None = None,
        *,
        http: Http | None = None,
        clock: Callable[[], datetime] = utcnow,
        direct_max_bytes: int = DIRECT_PREFERRED_MAX_BYTES,
        part_bytes: int = DEFAULT_PART_BYTES,
    ) -> None:
        super().__init__(app, http=http, clock=clock)
        self.direct_max_bytes = direct_max_bytes
        self.part_bytes = part_bytes

    def _api(self, path: str) -> str:
        return self.endpoint("api", API_BASE) + path

    def _video(self, path: str) -> str:
        return self.endpoint("api", API_BASE) + VIDEO_API + path

    def _tokens(self, data: dict[str, Any], *, previous: Tokens | None) -> Tokens:
        access = token_answer.access_token(data, platform=PLATFORM)
        now = self.clock()
        refresh = token_answer.refresh_token(data.get("refresh_token"), previous)
        refresh_expires_at = token_answer.expires_after(now, data.get("refresh_expires_in"))
        if previous is not None and refresh == previous.refresh_token:
            # The refresh token keeps its expiry across refreshes (documented): should the
            # answer count a fresh 30 days (unconfirmed either way), the earlier expiry wins.
            known = [t for t in (refresh_expires_at, previous.refresh_expires_at) if t]
            refresh_expires_at = min(known) if known else None
        return Tokens(
            access_token=access,
            refresh_token=refresh,
            expires_at=token_answer.expires_after(now, data.get("expires_in")),
            refresh_expires_at=refresh_expires_at,
            scopes=token_answer.scope_list(data.get("scope"))
            or (previous.scopes if previous else ()),
            remote_id=token_answer.remote_id(data.get("open_id"), previous),
            extra=dict(previous.extra) if previous else {},
        )

    def _token_classify(self, response: Any) -> ProviderError | None:
        return classify(response, context="token")

    def _read_classify(self, scope: str) -> Callable[[Any], ProviderError | None]:
        return partial(classify, context="read", scope=scope, now=self.clock())


# --- helpers ------------------------------------------------------------------------------------


def _unverified(item_id: str) -> Published:
    return Published(
        remote_id=item_id,
        url=status.fallback_url(item_id),
        visibility="unknown",
        detail=status.UNVERIFIED,
    )


def _read(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as file:
        file.seek(offset)
        chunk = file.read(length)
    if len(chunk) != length:
        raise OSError(f"{path} ended at byte {offset + len(chunk)}")
    return chunk


def _auth(tokens: Tokens) -> dict[str, str]:
    return {"access-token": tokens.access_token}


def _open_id(tokens: Tokens) -> str:
    if not tokens.remote_id:
        raise ReauthRequired(platform=PLATFORM, detail="the sign-in named no open_id")
    return tokens.remote_id


def _granted(tokens: Tokens, scope: str) -> bool:
    """Whether the token carries `scope` (tokens that list no scopes are taken as default)."""
    return scope in tokens.scopes or not tokens.scopes


def _data(response: Any) -> dict[str, Any]:
    data = json_body(response).get("data")
    return data if isinstance(data, dict) else {}


def _items(response: Any) -> list[dict[str, Any]]:
    found = _data(response).get("list")
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def _listed(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The items of a video_list `data` that name their item_id."""
    found = data.get("list")
    items = found if isinstance(found, list) else []
    return [item for item in items if isinstance(item, dict) and item.get("item_id")]
