"""What the engine does with a result: retry later, fail, hand to a person (needs review),
move to processing, look again later."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from shortops.accounts import service as accounts_service
from shortops.errors import N_
from shortops.models import (
    Account,
    NotificationKind,
    Publication,
    PublicationStatus,
)
from shortops.notifications.service import notify
from shortops.providers.errors import (
    ProviderError,
    RateLimited,
)
from shortops.publishing import transitions
from shortops.publishing.engine.base import (
    FIRST_CHECK,
    MAX_POLL,
    MIN_POLL,
    RETRY_BASE,
    RETRY_CAP,
    SKIPPED,
    EngineBase,
    Followup,
    Job,
    Outcome,
    Reason,
    S,
    check_url,
)
from shortops.publishing.service import publication_link

log = logging.getLogger("shortops.publishing")


class Outcomes(EngineBase):
    def _retry(
        self,
        session: Session,
        job: Job,
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
        moved = transitions.move(
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
        moved = transitions.move(
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

    def _needs_review(self, session: Session, job: Job, reason: Reason) -> Outcome:
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
        moved = transitions.move(
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

    def _to_processing(
        self, session: Session, job: Job, *, message: str, params: dict[str, Any]
    ) -> Outcome:
        at = self.clock() + FIRST_CHECK
        transitions.move(
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

    def _check_later(self, session: Session, publication_id: int, delay: timedelta) -> Outcome:
        at = self.clock() + min(max(delay, MIN_POLL), MAX_POLL)
        transitions.set_next_attempt(
            session, publication_id=publication_id, status=S.processing, at=at
        )
        return Outcome("pending", Followup("check", publication_id, at))
