"""What the engine's parts share: timings, results and reasons, the job being published, one
HTTP client per platform, and the account's tokens."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from shortops.accounts import flows as account_flows
from shortops.config import Settings
from shortops.db.session import session_scope
from shortops.errors import N_, ShortopsError
from shortops.kit.clock import utcnow
from shortops.media.store import MediaStore
from shortops.models import (
    Account,
    PublicationStatus,
)
from shortops.providers.base import Provider
from shortops.providers.errors import (
    ProviderError,
    ReauthRequired,
)
from shortops.providers.http import Http
from shortops.providers.types import (
    PublishRequest,
    Tokens,
)
from shortops.publishing import service
from shortops.publishing.renditions import MANUAL

log = logging.getLogger("shortops.publishing")

S = PublicationStatus

# A publication whose rendition is still being made looks again this much later (a short
# video renders in 10–20 s; a look is one small query).
RENDITION_WAIT = timedelta(seconds=10)
# The first status check after an upload; later ones follow the platform's poll_after_s.
FIRST_CHECK = timedelta(seconds=5)
MIN_POLL = timedelta(seconds=1)
MAX_POLL = timedelta(minutes=10)
# Retries of work that never reached the platform: 30 s, 1 min, 2 min … at most 15 min.
RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(minutes=15)
# A status check that could not reach the platform tries again this much later.
CHECK_RETRY = timedelta(seconds=60)
# The periodic reconciler leaves rows this fresh to the messages already on their way.
RECONCILE_GRACE = timedelta(seconds=30)
# A check message may arrive this early (clocks of the queue and the database differ slightly).
EARLY = timedelta(seconds=1)
PROGRESS_STEP = 0.05
PROGRESS_INTERVAL_S = 1.0

# "Check on the platform": where a person can see what an account really posted.
CHECK_URLS = {
    "tiktok": "https://www.tiktok.com/@{handle}",
    "youtube": "https://studio.youtube.com/",
    "instagram": "https://www.instagram.com/{handle}/",
    "douyin": "https://creator.douyin.com/",
    "kuaishou": "https://cp.kuaishou.com/",
    "bilibili": "https://member.bilibili.com/platform/upload-manager/article",
    "xiaohongshu": "https://creator.xiaohongshu.com/",
    "weibo": "https://weibo.com/",
}


def check_url(platform: str, handle: str) -> str | None:
    """The account's page or the platform's studio, where a person can see what was posted."""
    pattern = CHECK_URLS.get(platform)
    return pattern.format(handle=handle.lstrip("@")) if pattern else None


@dataclass(frozen=True)
class Followup:
    """A message to send once the work is committed."""

    task: Literal["dispatch", "check"]
    publication_id: int
    eta: datetime


@dataclass(frozen=True)
class Outcome:
    result: str  # skipped, waiting, retry, processing, kit_due, kit_overdue, published, failed …
    followup: Followup | None = None
    render_ids: tuple[int, ...] = ()


SKIPPED = Outcome("skipped")


@dataclass(frozen=True)
class Reason:
    """Why a publication failed or needs review: an English template, its params, a code."""

    template: str
    params: dict[str, Any]
    code: str

    @classmethod
    def of(cls, exc: ShortopsError) -> Reason:
        return cls(exc.message_template, plain_params(exc.params), exc.code)

    def text(self) -> str:
        return service.render_message(self.template, self.params)


def plain_params(params: dict[str, Any]) -> dict[str, Any]:
    """Params as JSON can store them."""
    return {
        key: value if isinstance(value, str | int | float | bool) or value is None else str(value)
        for key, value in params.items()
    }


@dataclass
class Job:
    """A publication about to be uploaded, with everything read before the claim."""

    publication_id: int
    workspace_id: int
    account_id: int
    platform: str
    platform_name: str
    handle: str
    attempts: int
    scheduled_at: datetime
    provider: Provider
    request: PublishRequest
    tokens: Tokens = field(default_factory=lambda: Tokens(access_token=""))

    @property
    def manual(self) -> bool:
        return self.platform == MANUAL


_http_lock = threading.Lock()


_https: dict[str, Http] = {}


def shared_http(platform: str) -> Http:
    """One HTTP client per platform per process (connections are reused between tasks)."""
    with _http_lock:
        if platform not in _https:
            _https[platform] = Http(platform)
        return _https[platform]


@dataclass
class Reconciled:
    dispatch: list[int]
    check: list[int]
    reviewed: int = 0


@dataclass
class DueRun:
    reviewed: int = 0
    results: list[tuple[str, int, Outcome]] = field(default_factory=list)

    def followups(self) -> list[Followup]:
        return [outcome.followup for _, _, outcome in self.results if outcome.followup]


def no_error() -> dict[str, Any]:
    return {"error": None, "error_code": None, "error_params": {}}


def video_deleted() -> Reason:
    return Reason(
        N_("The video of this post was deleted from the media library."), {}, "video_deleted"
    )


def file_missing(filename: str) -> Reason:
    return Reason(
        N_("The file of “{filename}” is missing from the media folder. Import it again."),
        {"filename": filename},
        "missing_media_file",
    )


class EngineBase:
    """The publishing engine for one process's settings (clock and HTTP are injectable)."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utcnow,
        http: Callable[[str], Http] = shared_http,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.http = http
        self.store = MediaStore.from_settings(settings)
        self.lease = timedelta(seconds=settings.publish_upload_lease_seconds)

    def _tokens(self, account_id: int, provider: Provider, refused: Tokens | None = None) -> Tokens:
        """The account's tokens, refreshed first when they run out soon, or when the platform
        just refused `refused` as expired (accounts.flows.usable_tokens, in its own
        transaction: a refused refresh marks the account, and that is kept)."""
        with session_scope(self.settings) as session:
            try:
                return account_flows.usable_tokens(
                    session,
                    account_id=account_id,
                    provider=provider,
                    refused=refused,
                    notify_workspace=False,  # the failed publication says it
                )
            except ReauthRequired as exc:
                error = exc
        raise error

    def _refresh_now(self, account_id: int, provider: Provider, refused: Tokens) -> Tokens:
        """Refresh after the platform refused `refused` as expired (whatever its expiry said)."""
        return self._tokens(account_id, provider, refused)

    def _mark_reauth(self, session: Session, account_id: int, exc: ProviderError) -> None:
        account = session.get(Account, account_id)
        if account is not None:
            account_flows.mark_needs_reauth(session, account, exc, notify_workspace=False)
