"""Dispatch, the upload: the claim is committed, the one irreversible call runs with a heartbeat
and progress, and every way it can end is recorded."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.db.session import session_scope
from shortops.errors import N_
from shortops.models import (
    NotificationKind,
    Publication,
)
from shortops.notifications.service import notify
from shortops.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.types import (
    Progress,
    Ticket,
)
from shortops.publishing import renditions, transitions
from shortops.publishing.engine.base import (
    FIRST_CHECK,
    PROGRESS_INTERVAL_S,
    PROGRESS_STEP,
    Followup,
    Job,
    Outcome,
    Reason,
    S,
    no_error,
)
from shortops.publishing.engine.outcomes import Outcomes
from shortops.publishing.service import publication_link

log = logging.getLogger("shortops.publishing")


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
                transitions.beat(
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
                    alive = transitions.beat(
                        session, publication_id=self.publication_id, now=self.clock()
                    )
            except Exception:
                log.warning("publication %s: heartbeat not stored", self.publication_id)
                continue
            if not alive:
                return


class Uploading(Outcomes):
    def _upload(self, job: Job) -> Outcome:
        """Steps 4 and 5: the one irreversible call, and what its outcome means."""
        recorded: list[Ticket] = []

        def record_ticket(ticket: Ticket) -> None:
            # Committed before the provider sends anything more: a crash after this point
            # leaves a reference to reconcile, never a mystery.
            with session_scope(self.settings) as session:
                transitions.record_ticket(
                    session,
                    publication_id=job.publication_id,
                    ticket=ticket.model_dump(mode="json"),
                    now=self.clock(),
                )
                transitions.add_event(
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

    def _record_file(self, job: Job) -> None:
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
        job: Job,
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

    def _upload_error(self, job: Job, exc: ProviderError, recorded: list[Ticket]) -> Outcome:
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

    def _upload_crashed(self, job: Job, exc: Exception, recorded: list[Ticket]) -> Outcome:
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

    def _uploaded(self, job: Job, ticket: Ticket) -> Outcome:
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
        job: Job,
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
            **no_error(),
        }
        moved = transitions.move(
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
        return transitions.move(
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
