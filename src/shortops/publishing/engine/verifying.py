"""Check: ask the platform where a processing publication stands, and act on the answer."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from shortops.accounts import service as accounts_service
from shortops.accounts.credentials import (
    provider_for,
)
from shortops.db.session import session_scope
from shortops.errors import N_
from shortops.models import (
    Account,
    NotificationKind,
    Publication,
)
from shortops.notifications.service import notify
from shortops.providers.base import Provider
from shortops.providers.errors import (
    AuthExpired,
    ProviderError,
    RateLimited,
    ReauthRequired,
    Transient,
)
from shortops.providers.registry import UnknownPlatform, provider_class
from shortops.providers.types import (
    Failed,
    Pending,
    Published,
    Ticket,
)
from shortops.publishing import transitions
from shortops.publishing.engine.base import (
    CHECK_RETRY,
    EARLY,
    SKIPPED,
    Outcome,
    Reason,
    S,
    no_error,
    plain_params,
)
from shortops.publishing.engine.outcomes import Outcomes
from shortops.publishing.renditions import MANUAL
from shortops.publishing.service import publication_link

log = logging.getLogger("shortops.publishing")


class Verifying(Outcomes):
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
            if not transitions.claim_check(
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
                {"platform": provider.name, **plain_params(state.params)},
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
        moved = transitions.move(
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
                **no_error(),
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
        if not transitions.claim_kit_deadline(
            session, publication_id=publication.id, now=now + EARLY
        ):
            return SKIPPED
        due = publication.scheduled_at or now
        transitions.add_event(
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
