"""What the YouTube provider's parts share: endpoints, scopes, limits, the token answer and the
classification of Google's answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx
from pydantic import BaseModel

from shortops.errors import N_
from shortops.kit.clock import utcnow
from shortops.providers.base import Provider
from shortops.providers.errors import (
    ProviderError,
    Transient,
)
from shortops.providers.http import Classify, Http
from shortops.providers.parsing import number
from shortops.providers.types import (
    AppCredentials,
    Capability,
    Limits,
    ReadBudget,
    Tokens,
)
from shortops.providers.youtube import envelope
from shortops.providers.youtube.rules import (
    TITLE_MAX_CHARS,
    YouTubeOptions,
)

AUTH_BASE = "https://accounts.google.com"
TOKEN_BASE = "https://oauth2.googleapis.com"
API_BASE = "https://www.googleapis.com"
UPLOAD_BASE = "https://www.googleapis.com"
AUTHORIZE_PATH = "/o/oauth2/v2/auth"
TOKEN_PATH = "/token"
REVOKE_PATH = "/revoke"
CHANNELS_PATH = "/youtube/v3/channels"
VIDEOS_PATH = "/youtube/v3/videos"
# The upload path googleapiclient builds for videos.insert: rootUrl + "upload/" + servicePath +
# path (the discovery document's `mediaUpload.protocols.simple.path`), with uploadType=resumable.
UPLOAD_PATH = "/upload/youtube/v3/videos"
PLAYLIST_ITEMS_PATH = "/youtube/v3/playlistItems"
ANALYTICS_BASE = "https://youtubeanalytics.googleapis.com"
REPORTS_PATH = "/v2/reports"
METRIC_PARTS = "statistics,contentDetails,snippet"
# videos.list and playlistItems.list take at most 50 ids / items a call (2.4; discovery doc).
MAX_IDS = 50
UPLOAD_PARTS = "snippet,status"
STATUS_PARTS = "status,processingDetails,snippet"

SCOPE_UPLOAD = "https://www.googleapis.com/auth/youtube.upload"
SCOPE_READONLY = "https://www.googleapis.com/auth/youtube.readonly"
# reports.query accepts youtube.readonly too (the youtubeAnalytics discovery document), so the
# default scopes need not ask for this one; it is what the refusal names.
SCOPE_ANALYTICS = "https://www.googleapis.com/auth/yt-analytics.readonly"
# Any of these lets the token upload videos.
UPLOAD_SCOPES = frozenset(
    {
        SCOPE_UPLOAD,
        "https://www.googleapis.com/auth/youtube",
        "https://www.googleapis.com/auth/youtube.force-ssl",
    }
)

CHUNK_UNIT = 256 * 1024
DEFAULT_CHUNK_BYTES = 64 * CHUNK_UNIT  # 16 MiB in memory at a time
DEFAULT_MAX_RESUMES = 5
# How long a video YouTube named in the upload answer may be missing from videos.list before
# check_publish calls it gone (videos.list may lag behind the upload; unconfirmed).
NOT_LISTED_GRACE = timedelta(minutes=10)
PROCESSING_POLL_S = 15.0
_RANGE = re.compile(r"bytes=(\d+)-(\d+)")
NO_CHANNEL = N_(
    "This Google account has no YouTube channel yet. Create one on youtube.com, then connect "
    "the account again."
)


class YouTubeBase(Provider):
    """Publish Shorts (and regular videos) to a YouTube channel."""

    slug: ClassVar[str] = "youtube"
    name: ClassVar[str] = "YouTube"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.publish,
            Capability.native_schedule,
            Capability.post_metrics,
            Capability.account_metrics,
        }
    )
    metrics_batch: ClassVar[int] = MAX_IDS
    # Data API units (2.3): the two revisions of Google's quota page agree on list calls (1
    # unit) and disagree on uploads; see `read_budget_now`.
    read_budget: ClassVar[ReadBudget] = ReadBudget(
        units_per_day=10_000,
        resets_at_midnight_in="America/Los_Angeles",
        costs={
            "fetch_post_metrics": 1,
            "list_posts": 3,
            "fetch_account_metrics": 1,
            "start_publish": 1600,
        },
    )
    # The Shorts rule (≤ 180 s, height ≥ width) depends on the `short` option, so it is checked in
    # `validate`; these are the limits of any upload (12 h: verified channels; 256 GiB: discovery).
    limits: ClassVar[Limits] = Limits(
        min_duration_s=1,
        max_duration_s=12 * 3600,
        max_bytes=256 * 1024**3,
        title_max=TITLE_MAX_CHARS,
        # 5000 *bytes* (checked in `validate`); as characters it is an upper bound for counters.
        caption_max=5000,
        title_required=True,
        containers=("mp4", "mov", "webm"),
        profile_slug="youtube_shorts",
    )
    options_model: ClassVar[type[BaseModel]] = YouTubeOptions
    default_scopes: ClassVar[tuple[str, ...]] = (SCOPE_UPLOAD, SCOPE_READONLY)

    def __init__(
        self,
        app: AppCredentials | None = None,
        *,
        http: Http | None = None,
        clock: Callable[[], datetime] = utcnow,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        max_resumes: int = DEFAULT_MAX_RESUMES,
    ) -> None:
        super().__init__(app, http=http, clock=clock)
        if chunk_bytes <= 0 or chunk_bytes % CHUNK_UNIT:
            raise ValueError(f"chunk_bytes must be a positive multiple of {CHUNK_UNIT} bytes")
        self.chunk_bytes = chunk_bytes
        self.max_resumes = max(0, max_resumes)

    def _token_url(self) -> str:
        return f"{self.endpoint('token', TOKEN_BASE)}{TOKEN_PATH}"

    def _classify(self, response: httpx.Response) -> ProviderError | None:
        return envelope.classify_api(response, self.clock())

    def _classify_session(self, response: httpx.Response) -> ProviderError | None:
        return envelope.classify_session(response, self.clock())

    def _classify_token(self, response: httpx.Response) -> ProviderError | None:
        return envelope.classify_token(response, self.clock())

    def _tokens(self, answer: dict[str, Any], previous: Tokens | None) -> Tokens:
        access = answer.get("access_token")
        if not isinstance(access, str) or not access:
            raise Transient(platform=self.name, detail="the token answer has no access_token")
        now = self.clock()
        expires_in = number(answer.get("expires_in"))
        refresh_expires_in = number(answer.get("refresh_token_expires_in"))
        scope = answer.get("scope")
        return Tokens(
            access_token=access,
            # Google does not rotate refresh tokens: a refresh answer has none, keep ours.
            refresh_token=str(answer.get("refresh_token") or "")
            or (previous.refresh_token if previous else None),
            expires_at=now + timedelta(seconds=expires_in) if expires_in is not None else None,
            refresh_expires_at=(
                now + timedelta(seconds=refresh_expires_in)
                if refresh_expires_in is not None
                else (previous.refresh_expires_at if previous else None)
            ),
            scopes=tuple(scope.split())
            if isinstance(scope, str) and scope
            else (previous.scopes if previous else ()),
            remote_id=previous.remote_id if previous else None,
            extra=dict(previous.extra) if previous else {},
        )

    def _classify_read(self, scope: str) -> Classify:
        def classify(response: httpx.Response) -> ProviderError | None:
            return envelope.classify_read(response, self.clock(), scope=scope)

        return classify


def _auth(tokens: Tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.access_token}"}


def _playlist_video_id(item: Any) -> str:
    """The video a playlistItem points at (`contentDetails.videoId`, else the snippet's)."""
    if not isinstance(item, dict):
        return ""
    details = item.get("contentDetails") or {}
    resource = (item.get("snippet") or {}).get("resourceId") or {}
    return str(details.get("videoId") or resource.get("videoId") or "")


def _received(response: httpx.Response) -> int:
    """How many bytes a session holds, from a 308's `Range: bytes=0-N` (none: nothing yet)."""
    match = _RANGE.search(response.headers.get("range", ""))
    return int(match.group(2)) + 1 if match else 0


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _processing_progress(processing: dict[str, Any]) -> float | None:
    progress = processing.get("processingProgress") or {}
    done, parts = number(progress.get("partsProcessed")), number(progress.get("partsTotal"))
    if done is None or not parts:
        return None
    return max(0.0, min(1.0, done / parts))
