"""The publishing engine: dispatch (two-phase publish), check (verification), reconcile.

The database is the truth and the queue only executes (DESIGN.md "Background work"). Every step
re-reads its row and moves it with a conditional UPDATE, so a duplicate message, a second worker
or the reconciler finding the same row does nothing. The one irreversible call,
`Provider.start_publish`, runs only after the row was claimed and that claim COMMITTED:

    dispatch(id)
      1. read: still scheduled and due? rendition ready (else wait 30 s; failed ⇒ failed)?
         account connected, platform known, app credentials present?
      2. tokens (refreshed ahead of expiry, one worker per account), the account's live posting
         rules, provider.validate again: every error ⇒ failed with every reason
      3. CLAIM  UPDATE … SET status='uploading' WHERE id=:id AND status='scheduled' AND due;
         COMMIT. Only the worker whose UPDATE matched goes on.
      4. start_publish(record=…): the platform's reference is committed the moment it exists;
         a heartbeat thread and progress reports keep `heartbeat_at` fresh.
      5. success ⇒ processing + a status check; failures:
           nothing sent yet (Transient, RateLimited, AuthExpired before record()) ⇒ scheduled
               again with exponential backoff (AuthExpired: refresh once and try at once);
               after SHORTOPS_PUBLISH_MAX_ATTEMPTS ⇒ failed
           Rejected ⇒ failed with the platform's reason
           anything after record() ⇒ processing: check_publish finds out what happened
           outcome unknown without a reference ⇒ needs_review, NEVER uploaded again

    check(id)        processing only; Pending ⇒ look again after poll_after_s (at most
                     SHORTOPS_PUBLISH_MAX_PROCESSING_HOURS); Published with a remote id and a URL
                     ⇒ published + verification; Failed ⇒ failed (permanent) or needs_review
    reconcile()      every minute: due rows no worker holds, checks whose time came, uploads whose
                     worker went silent for a lease (reference ⇒ processing, else needs_review)

Manual publications (provider "manual") stop at processing with a publish kit and a "kit due"
notification; `complete_manual` marks them published with the live URL; a kit still open
SHORTOPS_MANUAL_KIT_OVERDUE_MINUTES after its time escalates once.

Flows return what must be sent to the queue next (`Followup`); tasks.py sends it after the
commit, so no message ever names a row that was rolled back.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import update
from sqlalchemy.orm import Session

from shortops.accounts import flows as account_flows
from shortops.accounts import service as accounts_service
from shortops.accounts.credentials import (
    provider_for,
)
from shortops.config import Settings
from shortops.db.session import session_scope
from shortops.errors import N_, InvalidInput, ShortopsError
from shortops.kit.clock import utcnow
from shortops.media import service as media_service
from shortops.media.spec import EditSpec
from shortops.media.store import MediaStore
from shortops.models import (
    Account,
    MediaAsset,
    NotificationKind,
    Post,
    Publication,
    PublicationStatus,
    Rendition,
    RenditionStatus,
)
from shortops.notifications.service import notify
from shortops.providers.base import PostingRules, Provider
from shortops.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.http import Http
from shortops.providers.manual import link_on_platform, preset_for
from shortops.providers.registry import UnknownPlatform, provider_class
from shortops.providers.types import (
    Failed,
    MediaFile,
    Pending,
    Progress,
    Published,
    PublishRequest,
    Severity,
    Ticket,
    Tokens,
)
from shortops.publishing import renditions, service
from shortops.publishing.errors import PublicationLocked
from shortops.publishing.renditions import MANUAL
from shortops.publishing.service import publication_link
from shortops.worker.after_commit import send_after_commit
from shortops.workspaces.service import Actor, record

log = logging.getLogger("shortops.publishing")

S = PublicationStatus

# A publication whose rendition is still being made looks again this much later.
RENDITION_WAIT = timedelta(seconds=30)
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


# --- what happened, and what comes next ----------------------------------------------------------


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
        return cls(exc.message_template, _plain(exc.params), exc.code)

    def text(self) -> str:
        return service.render_message(self.template, self.params)


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Params as JSON can store them."""
    return {
        key: value if isinstance(value, str | int | float | bool) or value is None else str(value)
        for key, value in params.items()
    }


@dataclass
class _Job:
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


# --- the engine -----------------------------------------------------------------------------------


class Engine:
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

    # --- dispatch ---------------------------------------------------------------------------

    def dispatch(self, publication_id: int) -> Outcome:
        """Publish one due publication (a duplicate message finds nothing to claim)."""
        now = self.clock()
        try:
            with session_scope(self.settings) as session:
                found = self._load(session, publication_id, now)
            if isinstance(found, Outcome):
                return found
            prepared = self._prepare(found)
        except Exception as exc:
            log.exception("publication %s: unexpected error before the upload", publication_id)
            reason = Reason(
                N_("Publishing stopped on an unexpected error before anything was sent "
                   "({detail}). It was logged."),
                {"detail": type(exc).__name__},
                "internal_error",
            )  # fmt: skip
            with session_scope(self.settings) as session:
                return self._fail(session, publication_id, reason, from_statuses=(S.scheduled,))
        if isinstance(prepared, Outcome):
            return prepared
        job = prepared
        with session_scope(self.settings) as session:
            claimed = service.claim_for_upload(session, publication_id=job.publication_id, now=now)
        if not claimed:
            return SKIPPED
        return self._upload(job)

    def _load(self, session: Session, publication_id: int, now: datetime) -> _Job | Outcome:
        """Step 1: everything the database can tell before the platform is asked anything."""
        publication = session.get(Publication, publication_id, populate_existing=True)
        if publication is None or publication.status != S.scheduled:
            return SKIPPED
        if not service.is_due(publication, now):
            return SKIPPED  # an early or outdated message: the right one is queued
        account = session.get(Account, publication.account_id)
        assert account is not None  # the foreign key cascades
        try:
            cls = provider_class(account.platform)
        except UnknownPlatform as exc:
            return self._fail(session, publication_id, Reason.of(exc))
        for issue in service.account_issues(account, cls):
            kind = (
                NotificationKind.needs_reauth
                if issue.code != "account_disconnected"
                else NotificationKind.publish_failed
            )
            reason = Reason(issue.message, issue.params, issue.code)
            return self._fail(session, publication_id, reason, kind=kind)
        post = session.get(Post, publication.post_id) if publication.post_id else None
        if post is None or post.asset_id is None:
            return self._fail(session, publication_id, _video_deleted())
        media = self._media(session, publication, post, account, cls, now)
        if isinstance(media, Outcome):
            return media
        provider = provider_for(
            session,
            workspace_id=publication.workspace_id,
            platform=account.platform,
            http=self.http(account.platform),
        )
        if cls.uses_oauth and provider.app is None:
            return self._fail(
                session,
                publication_id,
                Reason(
                    N_("{platform} has no app credentials in this workspace. Add them under "
                       "Settings → Platforms."),
                    {"platform": cls.name},
                    "missing_app_credentials",
                ),
            )  # fmt: skip
        request = service.publish_request(
            account=account,
            media=media,
            cover=self._cover(session, publication, post, cls),
            text=service.target_text(
                title=post.title,
                caption=post.caption,
                hashtags=post.hashtags,
                overrides=publication.overrides,
            ),
            options=publication.options or {},
            idempotency_key=publication.idempotency_key,
        )
        assert publication.scheduled_at is not None
        return _Job(
            publication_id=publication.id,
            workspace_id=publication.workspace_id,
            account_id=account.id,
            platform=account.platform,
            platform_name=accounts_service.account_platform_name(account),
            handle=account.handle,
            attempts=publication.attempts,
            scheduled_at=publication.scheduled_at,
            provider=provider,
            request=request,
        )

    def _cover(
        self, session: Session, publication: Publication, post: Post, cls: type[Provider]
    ) -> Path | None:
        """The post's cover image, else the rendition's own cover in the platform's shape."""
        chosen = session.get(MediaAsset, post.cover_asset_id) if post.cover_asset_id else None
        if chosen is not None:
            return self.store.path(chosen.storage_path)
        rendition = (
            session.get(Rendition, publication.rendition_id) if publication.rendition_id else None
        )
        if rendition is None or not cls.limits.cover_shape:
            return None
        stored = renditions.rendition_cover(rendition.covers, cls.limits.cover_shape)
        return self.store.path(stored) if stored and self.store.exists(stored) else None

    def _media(
        self,
        session: Session,
        publication: Publication,
        post: Post,
        account: Account,
        cls: type[Provider],
        now: datetime,
    ) -> MediaFile | Outcome:
        """The file to upload; waits while the rendition is being made."""
        asset = session.get(MediaAsset, post.asset_id)
        if asset is None:
            return self._fail(session, publication.id, _video_deleted())
        rendition = (
            session.get(Rendition, publication.rendition_id) if publication.rendition_id else None
        )
        slug = (
            rendition.profile_slug
            if rendition is not None
            else renditions.profile_slug_for(account, cls, asset)
        )
        if slug is None:
            if not self.store.exists(asset.storage_path):
                return self._fail(session, publication.id, _file_missing(asset.filename))
            return renditions.asset_media(self.store, asset)
        lost = (
            rendition is not None
            and rendition.status == RenditionStatus.ready
            and not self.store.exists(rendition.output_path)
        )
        if rendition is None or lost:
            # Deleted, or its file went missing: ask again, for the same edit (content-
            # addressed, so a rendition that exists is reused and a lost file is made again).
            spec = EditSpec.model_validate(rendition.spec) if rendition and rendition.spec else None
            try:
                profile = media_service.get_profile_or_raise(
                    session, workspace_id=publication.workspace_id, slug=slug
                )
                rendition, must_render = media_service.request_rendition(
                    session,
                    workspace_id=publication.workspace_id,
                    asset=asset,
                    profile=profile,
                    spec=spec or EditSpec(),
                    created_by_id=None,
                    file_exists=self.store.exists,
                )
            except ShortopsError as exc:
                return self._fail(session, publication.id, Reason.of(exc))
            publication.rendition_id = rendition.id
            return self._wait_for_rendition(
                session, publication, now, (rendition.id,) if must_render else ()
            )
        if rendition.status in (RenditionStatus.queued, RenditionStatus.rendering):
            return self._wait_for_rendition(session, publication, now, ())
        if rendition.status != RenditionStatus.ready:
            detail = (
                service.render_message(rendition.error_template, rendition.error_params)
                if rendition.error_template
                else rendition.error or rendition.status.value
            )
            return self._fail(
                session,
                publication.id,
                Reason(
                    N_("The {profile} version of the video could not be made: {detail}"),
                    {"profile": str(rendition.profile.get("name") or slug), "detail": detail},
                    rendition.error_code or "rendition_failed",
                ),
            )
        return renditions.rendition_media(self.store, rendition)

    def _wait_for_rendition(
        self, session: Session, publication: Publication, now: datetime, render_ids: tuple[int, ...]
    ) -> Outcome:
        at = now + RENDITION_WAIT
        if publication.next_attempt_at is None:
            service.add_event(
                session,
                publication_id=publication.id,
                status=S.scheduled,
                message=N_("Waiting for the video to be made for this platform."),
            )
        service.set_next_attempt(session, publication_id=publication.id, status=S.scheduled, at=at)
        return Outcome("waiting", Followup("dispatch", publication.id, at), render_ids)

    def _prepare(self, job: _Job) -> _Job | Outcome:
        """Step 2: tokens, the account's live rules, and the platform's own validation."""
        try:
            job.tokens = self._tokens(job.account_id, job.provider)
            rules = self._posting_rules(job)
        except ProviderError as exc:
            return self._before_upload_error(job, exc)
        found = job.provider.validate(job.request, rules)
        issues = [issue for issue in found if issue.severity == Severity.error]
        if issues:
            reasons = " ".join(
                service.sentence(service.render_message(i.message, i.params)) for i in issues
            )
            reason = Reason(
                N_("{platform} would refuse this post: {reasons}"),
                {"platform": job.platform_name, "reasons": reasons},
                "invalid_for_platform",
            )
            with session_scope(self.settings) as session:
                return self._fail(session, job.publication_id, reason)
        return job

    def _posting_rules(self, job: _Job) -> PostingRules | None:
        try:
            return job.provider.posting_rules(job.tokens)
        except AuthExpired:
            job.tokens = self._refresh_now(job.account_id, job.provider, job.tokens)
            return job.provider.posting_rules(job.tokens)

    def _before_upload_error(self, job: _Job, exc: ProviderError) -> Outcome:
        """A platform error while nothing had been sent (refresh, rules): retry or fail."""
        with session_scope(self.settings) as session:
            if isinstance(exc, ReauthRequired):
                self._mark_reauth(session, job.account_id, exc)
                return self._fail(
                    session, job.publication_id, Reason.of(exc), kind=NotificationKind.needs_reauth
                )
            if isinstance(exc, Rejected):
                return self._fail(session, job.publication_id, Reason.of(exc))
            return self._retry(session, job, exc, from_statuses=(S.scheduled,))

    # --- the upload -------------------------------------------------------------------------

    def _upload(self, job: _Job) -> Outcome:
        """Steps 4 and 5: the one irreversible call, and what its outcome means."""
        recorded: list[Ticket] = []

        def record_ticket(ticket: Ticket) -> None:
            # Committed before the provider sends anything more: a crash after this point
            # leaves a reference to reconcile, never a mystery.
            with session_scope(self.settings) as session:
                service.record_ticket(
                    session,
                    publication_id=job.publication_id,
                    ticket=ticket.model_dump(mode="json"),
                    now=self.clock(),
                )
                service.add_event(
                    session,
                    publication_id=job.publication_id,
                    status=S.uploading,
                    message=N_("{platform} accepted the upload (reference {reference})."),
                    params={"platform": job.platform_name, "reference": ticket.reference},
                )
            recorded.append(ticket)

        self._record_file(job)
        progress = _ProgressWriter(self.settings, job.publication_id, self.clock)
        interval = max(0.5, self.lease.total_seconds() / 4)
        with _Heartbeat(self.settings, job.publication_id, interval, self.clock):
            try:
                ticket = self._start(job, record_ticket, progress, recorded)
            except ProviderError as exc:
                return self._upload_error(job, exc, recorded)
            except Exception as exc:
                log.exception(
                    "publication %s: unexpected error during the upload", job.publication_id
                )
                return self._upload_crashed(job, exc, recorded)
        return self._uploaded(job, ticket)

    def _record_file(self, job: _Job) -> None:
        """Keep the SHA-256 of the file about to be sent: what the platform gets is provably
        the edit that was chosen."""
        try:
            digest = renditions.file_sha256(job.request.media.path)
        except OSError:
            return  # the provider's own file check says what is wrong with it
        with session_scope(self.settings) as session:
            session.execute(
                update(Publication)
                .where(Publication.id == job.publication_id)
                .values(uploaded_sha256=digest)
            )

    def _start(
        self,
        job: _Job,
        record_ticket: Callable[[Ticket], None],
        progress: Callable[[Progress], None],
        recorded: list[Ticket],
    ) -> Ticket:
        provider = job.provider
        try:
            return provider.start_publish(
                job.tokens, job.request, record=record_ticket, on_progress=progress
            )
        except AuthExpired:
            if recorded:
                raise
        # The platform refused the token before it took anything: refresh once, try at once.
        job.tokens = self._refresh_now(job.account_id, provider, job.tokens)
        return provider.start_publish(
            job.tokens, job.request, record=record_ticket, on_progress=progress
        )

    def _upload_error(self, job: _Job, exc: ProviderError, recorded: list[Ticket]) -> Outcome:
        reason = Reason.of(exc)
        with session_scope(self.settings) as session:
            if isinstance(exc, Rejected):
                return self._fail(session, job.publication_id, reason, from_statuses=(S.uploading,))
            if recorded:
                # The platform has a reference: ask it what became of the upload.
                return self._to_processing(
                    session,
                    job,
                    message=N_("The upload stopped ({reason}); asking {platform} where it stands."),
                    params={"reason": reason.text(), "platform": job.platform_name},
                )
            if isinstance(exc, Transient | RateLimited | AuthExpired):
                # Raised before the platform handed out anything: nothing of it exists there.
                return self._retry(session, job, exc, from_statuses=(S.uploading,))
            if isinstance(exc, ReauthRequired):
                self._mark_reauth(session, job.account_id, exc)
                return self._fail(
                    session,
                    job.publication_id,
                    reason,
                    from_statuses=(S.uploading,),
                    kind=NotificationKind.needs_reauth,
                )
            if not isinstance(exc, OutcomeUnknown):
                reason = Reason(
                    N_("The upload to {platform} stopped with an error after it may have begun "
                       "({detail}). Check on the platform before trying again."),
                    {"platform": job.platform_name, "detail": reason.text()},
                    exc.code,
                )  # fmt: skip
            return self._needs_review(session, job, reason)

    def _upload_crashed(self, job: _Job, exc: Exception, recorded: list[Ticket]) -> Outcome:
        with session_scope(self.settings) as session:
            if recorded:
                return self._to_processing(
                    session,
                    job,
                    message=N_("The upload stopped on an unexpected error ({detail}); asking "
                               "{platform} where it stands."),
                    params={"detail": type(exc).__name__, "platform": job.platform_name},
                )  # fmt: skip
            reason = Reason(
                N_("The upload to {platform} stopped on an unexpected error ({detail}); it may or "
                   "may not have arrived. Check on the platform before trying again."),
                {"platform": job.platform_name, "detail": type(exc).__name__},
                "internal_error",
            )  # fmt: skip
            return self._needs_review(session, job, reason)

    def _uploaded(self, job: _Job, ticket: Ticket) -> Outcome:
        now = self.clock()
        with session_scope(self.settings) as session:
            if job.manual:
                due = job.scheduled_at + timedelta(minutes=self.settings.manual_kit_overdue_minutes)
                moved = self._finish_upload(
                    session,
                    job,
                    ticket,
                    next_at=due,
                    message=N_("The publish kit is ready: post it on the platform, then paste "
                               "the live link here."),
                )  # fmt: skip
                if moved:
                    notify(
                        session,
                        workspace_id=job.workspace_id,
                        kind=NotificationKind.manual_kit_due,
                        message=N_("Time to post on {platform} (@{handle}): the publish kit is "
                                   "ready."),
                        params={"platform": job.platform_name, "handle": job.handle},
                        link=publication_link(job.publication_id),
                    )  # fmt: skip
                return Outcome("kit_due", Followup("check", job.publication_id, due))
            at = now + FIRST_CHECK
            self._finish_upload(
                session,
                job,
                ticket,
                next_at=at,
                message=N_("Uploaded to {platform}; waiting for it to go live."),
                params={"platform": job.platform_name},
            )
            return Outcome("processing", Followup("check", job.publication_id, at))

    def _finish_upload(
        self,
        session: Session,
        job: _Job,
        ticket: Ticket,
        *,
        next_at: datetime,
        message: str,
        params: dict[str, Any] | None = None,
    ) -> bool:
        values = {
            "ticket": ticket.model_dump(mode="json"),
            "upload_progress": 1.0,
            "next_attempt_at": next_at,
            **_no_error(),
        }
        moved = service.move(
            session,
            publication_id=job.publication_id,
            from_statuses=(S.uploading,),
            to=S.processing,
            values=values,
            message=message,
            params=params,
            now=self.clock(),
        )
        if moved:
            return True
        # The reconciler gave this upload up while it was still running (a worker stalled past
        # its lease). The platform's answer is better than the guess: take it back.
        return service.move(
            session,
            publication_id=job.publication_id,
            from_statuses=(S.needs_review,),
            to=S.processing,
            values=values,
            where=(Publication.error_code == "upload_abandoned",),
            message=message,
            params=params,
            now=self.clock(),
        )

    def _to_processing(
        self, session: Session, job: _Job, *, message: str, params: dict[str, Any]
    ) -> Outcome:
        at = self.clock() + FIRST_CHECK
        service.move(
            session,
            publication_id=job.publication_id,
            from_statuses=(S.uploading,),
            to=S.processing,
            values={"next_attempt_at": at},
            message=message,
            params=params,
            now=self.clock(),
        )
        return Outcome("processing", Followup("check", job.publication_id, at))

    # --- check ------------------------------------------------------------------------------

    def check(self, publication_id: int) -> Outcome:
        """Ask the platform where a processing publication stands; verify it before published."""
        now = self.clock()
        with session_scope(self.settings) as session:
            publication = session.get(Publication, publication_id, populate_existing=True)
            if publication is None or publication.status != S.processing:
                return SKIPPED
            account = session.get(Account, publication.account_id)
            assert account is not None
            if account.platform == MANUAL:
                return self._kit_deadline(session, publication, account, now)
            if not service.claim_check(
                session, publication_id=publication_id, now=now + EARLY, hold=self.lease
            ):
                return SKIPPED
        # The claim is committed: a duplicate message now finds the check taken.
        with session_scope(self.settings) as session:
            publication = session.get(Publication, publication_id, populate_existing=True)
            assert publication is not None
            try:
                cls = provider_class(account.platform)
            except UnknownPlatform as exc:
                return self._review_processing(session, publication, account, Reason.of(exc))
            if not publication.ticket:
                return self._review_processing(
                    session,
                    publication,
                    account,
                    Reason(
                        N_("{platform} never handed out a reference for this upload, so "
                           "shortops cannot ask about it. Check on the platform."),
                        {"platform": cls.name},
                        "no_reference",
                    ),
                )  # fmt: skip
            started = publication.upload_started_at or publication.scheduled_at or now
            limit = timedelta(hours=self.settings.publish_max_processing_hours)
            if now - started > limit:
                return self._review_processing(
                    session,
                    publication,
                    account,
                    Reason(
                        N_("{platform} had still not finished processing after {hours} h. "
                           "Check on the platform."),
                        {"platform": cls.name, "hours": self.settings.publish_max_processing_hours},
                        "processing_too_long",
                    ),
                )  # fmt: skip
            provider = provider_for(
                session,
                workspace_id=publication.workspace_id,
                platform=account.platform,
                http=self.http(account.platform),
            )
            ticket = Ticket.model_validate(publication.ticket)
        try:
            state = self._read_state(account.id, provider, ticket)
        except ProviderError as exc:
            return self._check_error(publication_id, account, provider, exc)
        except Exception as exc:
            log.exception("publication %s: unexpected error while checking", publication_id)
            with session_scope(self.settings) as session:
                return self._review_processing(
                    session,
                    publication,
                    account,
                    Reason(
                        N_("Checking with {platform} stopped on an unexpected error ({detail}). "
                           "Check on the platform."),
                        {"platform": provider.name, "detail": type(exc).__name__},
                        "internal_error",
                    ),
                )  # fmt: skip
        with session_scope(self.settings) as session:
            return self._apply_state(session, publication, account, provider, state)

    def _read_state(self, account_id: int, provider: Provider, ticket: Ticket) -> Any:
        tokens = self._tokens(account_id, provider)
        try:
            return provider.check_publish(tokens, ticket)
        except AuthExpired:
            tokens = self._refresh_now(account_id, provider, tokens)
            return provider.check_publish(tokens, ticket)

    def _check_error(
        self, publication_id: int, account: Account, provider: Provider, exc: ProviderError
    ) -> Outcome:
        with session_scope(self.settings) as session:
            publication = session.get(Publication, publication_id)
            assert publication is not None
            if isinstance(exc, RateLimited):
                return self._check_later(
                    session, publication_id, timedelta(seconds=exc.retry_after_s)
                )
            if isinstance(exc, Transient | AuthExpired):
                return self._check_later(session, publication_id, CHECK_RETRY)
            kind = NotificationKind.needs_review
            if isinstance(exc, ReauthRequired):
                self._mark_reauth(session, account.id, exc)
                kind = NotificationKind.needs_reauth
            return self._review_processing(session, publication, account, Reason.of(exc), kind=kind)

    def _check_later(self, session: Session, publication_id: int, delay: timedelta) -> Outcome:
        at = self.clock() + min(max(delay, MIN_POLL), MAX_POLL)
        service.set_next_attempt(session, publication_id=publication_id, status=S.processing, at=at)
        return Outcome("pending", Followup("check", publication_id, at))

    def _apply_state(
        self,
        session: Session,
        publication: Publication,
        account: Account,
        provider: Provider,
        state: Any,
    ) -> Outcome:
        now = self.clock()
        if isinstance(state, Pending):
            return self._check_later(session, publication.id, timedelta(seconds=state.poll_after_s))
        if isinstance(state, Failed):
            reason = Reason(
                state.reason,
                {"platform": provider.name, **_plain(state.params)},
                state.platform_code or "platform_failed",
            )
            if state.permanent:
                return self._fail(session, publication.id, reason, from_statuses=(S.processing,))
            return self._review_processing(session, publication, account, reason)
        assert isinstance(state, Published)
        url = state.url or provider.live_url(state.remote_id) or ""
        if not state.remote_id or not url:
            return self._review_processing(
                session,
                publication,
                account,
                Reason(
                    N_("{platform} reports the post as published but gave no link to it. Check "
                       "on the platform."),
                    {"platform": provider.name},
                    "unverified",
                ),
            )  # fmt: skip
        verification = {
            "checked_at": now.isoformat(),
            "visibility": state.visibility,
            "url": url,
            "remote_id": state.remote_id,
            "detail": state.detail,
        }
        moved = service.move(
            session,
            publication_id=publication.id,
            from_statuses=(S.processing,),
            to=S.published,
            values={
                "remote_id": state.remote_id,
                "url": url,
                "verification": verification,
                "published_at": now,
                "next_attempt_at": None,
                **_no_error(),
            },
            message=N_("Live on {platform} ({visibility}): {url}"),
            params={"platform": provider.name, "visibility": state.visibility, "url": url},
            now=now,
        )
        if moved:
            session.execute(
                update(Account).where(Account.id == account.id).values(last_success_at=now)
            )
            notify(
                session,
                workspace_id=publication.workspace_id,
                kind=NotificationKind.published,
                message=N_("Published on {platform} (@{handle})."),
                params={"platform": provider.name, "handle": account.handle},
                link=publication_link(publication.id),
            )
        return Outcome("published")

    def _kit_deadline(
        self, session: Session, publication: Publication, account: Account, now: datetime
    ) -> Outcome:
        """A manual kit still open at its deadline escalates, once."""
        if publication.next_attempt_at is None or publication.next_attempt_at > now + EARLY:
            return SKIPPED
        if not service.claim_kit_deadline(session, publication_id=publication.id, now=now + EARLY):
            return SKIPPED
        due = publication.scheduled_at or now
        service.add_event(
            session,
            publication_id=publication.id,
            status=S.processing,
            message=N_("The publish kit is overdue: nobody has pasted the live link yet."),
        )
        notify(
            session,
            workspace_id=publication.workspace_id,
            kind=NotificationKind.manual_kit_overdue,
            message=N_("The publish kit for {platform} (@{handle}) is overdue: it was due "
                       "{minutes} minutes ago."),
            params={
                "platform": accounts_service.account_platform_name(account),
                "handle": account.handle,
                "minutes": int((now - due).total_seconds() // 60),
            },
            link=publication_link(publication.id),
        )  # fmt: skip
        return Outcome("kit_overdue")

    # --- reconcile --------------------------------------------------------------------------

    def reconcile(self, *, grace: timedelta = RECONCILE_GRACE) -> Reconciled:
        """Find the work no message covers: due rows, due checks, uploads whose worker died.

        `grace` leaves rows that just became due to the messages already on their way (their
        duplicates would be harmless, just wasted).
        """
        now = self.clock()
        silent_since = now - self.lease
        checks: list[int] = []
        reviewed = 0
        with session_scope(self.settings) as session:
            for publication in service.abandoned_uploads(session, heartbeat_before=silent_since):
                account = session.get(Account, publication.account_id)
                assert account is not None
                where = (service.silent_clause(silent_since),)
                name = accounts_service.account_platform_name(account)
                if publication.ticket:
                    moved = service.move(
                        session,
                        publication_id=publication.id,
                        from_statuses=(S.uploading,),
                        to=S.processing,
                        values={"next_attempt_at": now},
                        where=where,
                        message=N_("The worker uploading this stopped answering; asking "
                                   "{platform} where the upload stands."),
                        params={"platform": name},
                        now=now,
                    )  # fmt: skip
                    if moved:
                        checks.append(publication.id)
                    continue
                reason = Reason(
                    N_("The worker uploading this to {platform} stopped before the platform "
                       "confirmed anything. The video may or may not have arrived: check on the "
                       "platform. It is not uploaded again automatically."),
                    {"platform": name},
                    "upload_abandoned",
                )  # fmt: skip
                if self._review(session, publication.id, account, reason, (S.uploading,), where):
                    reviewed += 1
            dispatch = service.due_for_dispatch(session, now=now - grace)
            checks += service.due_for_check(session, now=now - grace)
        if reviewed:
            log.warning("%d abandoned uploads sent for review", reviewed)
        return Reconciled(dispatch=dispatch, check=list(dict.fromkeys(checks)), reviewed=reviewed)

    def run_due(self) -> DueRun:
        """Reconcile once (without grace) and do the due work in this process."""
        found = self.reconcile(grace=timedelta(0))
        run = DueRun(reviewed=found.reviewed)
        for publication_id in found.dispatch:
            run.results.append(("dispatch", publication_id, self.dispatch(publication_id)))
        for publication_id in found.check:
            run.results.append(("check", publication_id, self.check(publication_id)))
        return run

    # --- tokens -----------------------------------------------------------------------------

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

    # --- outcomes ---------------------------------------------------------------------------

    def _retry(
        self,
        session: Session,
        job: _Job,
        exc: ProviderError,
        *,
        from_statuses: tuple[PublicationStatus, ...],
    ) -> Outcome:
        """Nothing reached the platform: try again later, or give up after the last attempt."""
        attempts = job.attempts + 1
        reason = Reason.of(exc)
        if attempts >= self.settings.publish_max_attempts:
            return self._fail(
                session,
                job.publication_id,
                Reason(
                    N_("Gave up after {attempts} tries: {reason}"),
                    {"attempts": attempts, "reason": reason.text()},
                    reason.code,
                ),
                from_statuses=from_statuses,
            )
        delay = min(RETRY_CAP, RETRY_BASE * 2 ** (attempts - 1))
        if isinstance(exc, RateLimited):
            delay = max(delay, timedelta(seconds=exc.retry_after_s))
        at = self.clock() + delay
        moved = service.move(
            session,
            publication_id=job.publication_id,
            from_statuses=from_statuses,
            to=S.scheduled,
            values={
                "attempts": attempts,
                "next_attempt_at": at,
                "upload_started_at": None,
                "heartbeat_at": None,
                "upload_progress": 0.0,
                "error": reason.template,
                "error_code": reason.code,
                "error_params": reason.params,
            },
            where=(Publication.attempts == job.attempts,),
            message=N_("Nothing was sent ({reason}). Trying again in {seconds} s."),
            params={"reason": reason.text(), "seconds": round(delay.total_seconds())},
            now=self.clock(),
        )
        if not moved:
            return SKIPPED
        return Outcome("retry", Followup("dispatch", job.publication_id, at))

    def _fail(
        self,
        session: Session,
        publication_id: int,
        reason: Reason,
        *,
        from_statuses: tuple[PublicationStatus, ...] = (S.scheduled,),
        kind: NotificationKind = NotificationKind.publish_failed,
    ) -> Outcome:
        moved = service.move(
            session,
            publication_id=publication_id,
            from_statuses=from_statuses,
            to=S.failed,
            values={
                "error": reason.template,
                "error_code": reason.code,
                "error_params": reason.params,
                "next_attempt_at": None,
            },
            message=reason.template,
            params=reason.params,
            now=self.clock(),
        )
        if not moved:
            return SKIPPED
        publication = session.get(Publication, publication_id)
        account = session.get(Account, publication.account_id) if publication else None
        if publication is not None and account is not None:
            notify(
                session,
                workspace_id=publication.workspace_id,
                kind=kind,
                message=N_("Publishing to {platform} (@{handle}) failed: {reason}"),
                params={
                    "platform": accounts_service.account_platform_name(account),
                    "handle": account.handle,
                    "reason": reason.text(),
                },
                link=publication_link(publication_id),
            )
        return Outcome("failed")

    def _needs_review(self, session: Session, job: _Job, reason: Reason) -> Outcome:
        account = session.get(Account, job.account_id)
        assert account is not None
        self._review(session, job.publication_id, account, reason, (S.uploading,))
        return Outcome("needs_review")

    def _review_processing(
        self,
        session: Session,
        publication: Publication,
        account: Account,
        reason: Reason,
        *,
        kind: NotificationKind = NotificationKind.needs_review,
    ) -> Outcome:
        self._review(session, publication.id, account, reason, (S.processing,), kind=kind)
        return Outcome("needs_review")

    def _review(
        self,
        session: Session,
        publication_id: int,
        account: Account,
        reason: Reason,
        from_statuses: tuple[PublicationStatus, ...],
        where: tuple[Any, ...] = (),
        *,
        kind: NotificationKind = NotificationKind.needs_review,
    ) -> bool:
        """→ needs_review with the reason and a "check on the platform" link; never re-sent."""
        params = dict(reason.params)
        link = check_url(account.platform, account.handle)
        if link:
            params["check_url"] = link
        moved = service.move(
            session,
            publication_id=publication_id,
            from_statuses=from_statuses,
            to=S.needs_review,
            values={
                "error": reason.template,
                "error_code": reason.code,
                "error_params": params,
                "next_attempt_at": None,
            },
            where=where,
            message=reason.template,
            params=params,
            now=self.clock(),
        )
        if moved:
            publication = session.get(Publication, publication_id)
            assert publication is not None
            notify(
                session,
                workspace_id=publication.workspace_id,
                kind=kind,
                message=N_("Publishing to {platform} (@{handle}) needs a look: {reason}"),
                params={
                    "platform": accounts_service.account_platform_name(account),
                    "handle": account.handle,
                    "reason": reason.text(),
                },
                link=publication_link(publication_id),
            )
        return moved


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


# --- manual kits ----------------------------------------------------------------------------------


def complete_manual(
    session: Session,
    *,
    publication: Publication,
    url: str,
    actor: Actor,
    now: datetime | None = None,
) -> Publication:
    """Mark a manual publication published with the live post's URL the operator pasted."""
    now = now or utcnow()
    account = session.get(Account, publication.account_id)
    assert account is not None
    if account.platform != MANUAL:
        raise InvalidInput(
            N_("Only manual publications are completed by hand; {platform} posts are confirmed "
               "with the platform itself."),
            platform=accounts_service.account_platform_name(account),
        )  # fmt: skip
    url, parts = service.pasted_url(url)
    if not link_on_platform(account.platform_label, parts.hostname or ""):
        preset = preset_for(account.platform_label)
        raise InvalidInput(
            N_("{host} is not {platform}: paste the link of the post on {platform} ({domains})."),
            host=parts.hostname or "",
            platform=preset.name,
            domains=", ".join(preset.domains),
        )
    name = actor.user.name or actor.user.email
    moved = service.move(
        session,
        publication_id=publication.id,
        from_statuses=(S.scheduled, S.processing, S.needs_review),
        to=S.published,
        values={
            "url": url,
            "published_at": now,
            "next_attempt_at": None,
            "verification": {
                "checked_at": now.isoformat(),
                "visibility": "public",
                "url": url,
                "remote_id": None,
                "source": "operator",
                "by": name,
            },
            **_no_error(),
        },
        message=N_("Marked published by {name}: {url}"),
        params={"name": name, "url": url},
        now=now,
    )
    session.refresh(publication)
    if not moved:
        raise PublicationLocked(status=publication.status.value)
    account.last_success_at = now
    record(
        session,
        action="publication.completed",
        actor=actor,
        target=("publication", publication.id),
        data={"url": url},
    )
    # Without a queue the post stays published, unchecked, and the log says so.
    send_after_commit(session, service.CHECK_LINK_TASK, publication.id)
    return publication


# --- helpers --------------------------------------------------------------------------------------


class _ProgressWriter:
    """Stores upload progress (and a heartbeat) when it moved 5 %, or a second after the last."""

    def __init__(
        self, settings: Settings, publication_id: int, clock: Callable[[], datetime]
    ) -> None:
        self.settings = settings
        self.publication_id = publication_id
        self.clock = clock
        self.last_value = 0.0
        self.last_time: datetime | None = None
        self.lock = threading.Lock()

    def __call__(self, progress: Progress) -> None:
        fraction = progress.sent / progress.total if progress.total else 0.0
        # 0 says nothing new, and the end is stored with the upload's result.
        if not 0.0 < fraction < 1.0:
            return
        now = self.clock()
        with self.lock:
            if fraction <= self.last_value:
                return
            recent = (
                self.last_time is not None
                and (now - self.last_time).total_seconds() < PROGRESS_INTERVAL_S
            )
            if recent and fraction - self.last_value < PROGRESS_STEP:
                return
            self.last_value, self.last_time = fraction, now
        try:
            with session_scope(self.settings) as session:
                service.beat(
                    session, publication_id=self.publication_id, now=now, progress=fraction
                )
        except Exception:  # progress is a nicety: it must never break an upload
            log.warning("publication %s: could not store progress", self.publication_id)


class _Heartbeat:
    """Keeps `heartbeat_at` fresh while the upload runs, whatever the provider is doing."""

    def __init__(
        self,
        settings: Settings,
        publication_id: int,
        interval_s: float,
        clock: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.publication_id = publication_id
        self.interval_s = interval_s
        self.clock = clock
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name=f"publish-heartbeat-{publication_id}", daemon=True
        )

    def __enter__(self) -> _Heartbeat:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(timeout=5)

    def _run(self) -> None:
        while not self.stop.wait(self.interval_s):
            try:
                with session_scope(self.settings) as session:
                    alive = service.beat(
                        session, publication_id=self.publication_id, now=self.clock()
                    )
            except Exception:
                log.warning("publication %s: heartbeat not stored", self.publication_id)
                continue
            if not alive:
                return


def _no_error() -> dict[str, Any]:
    return {"error": None, "error_code": None, "error_params": {}}


def _video_deleted() -> Reason:
    return Reason(
        N_("The video of this post was deleted from the media library."), {}, "video_deleted"
    )


def _file_missing(filename: str) -> Reason:
    return Reason(
        N_("The file of “{filename}” is missing from the media folder. Import it again."),
        {"filename": filename},
        "missing_media_file",
    )


# --- entry points for tasks and the command line ------------------------------------------------


def dispatch(settings: Settings, publication_id: int) -> Outcome:
    return Engine(settings).dispatch(publication_id)


def check(settings: Settings, publication_id: int) -> Outcome:
    return Engine(settings).check(publication_id)


def reconcile(settings: Settings, *, grace: timedelta = RECONCILE_GRACE) -> Reconciled:
    return Engine(settings).reconcile(grace=grace)
