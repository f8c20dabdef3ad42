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

`Engine` is put together from the parts in `publishing/engine/`: loading (step 1–2), uploading
(3–5), verifying (check), outcomes (retry, fail, review) and base (results, tokens).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from shortops.accounts import service as accounts_service
from shortops.config import Settings
from shortops.db.session import session_scope
from shortops.errors import N_, InvalidInput
from shortops.kit.clock import utcnow
from shortops.models import (
    Account,
    Publication,
)
from shortops.providers.manual import link_on_platform, preset_for
from shortops.publishing import service, transitions
from shortops.publishing.engine.base import (
    RECONCILE_GRACE,
    SKIPPED,
    DueRun,
    Outcome,
    Reason,
    Reconciled,
    S,
    no_error,
)
from shortops.publishing.engine.loading import Loading
from shortops.publishing.engine.uploading import Uploading
from shortops.publishing.engine.verifying import Verifying
from shortops.publishing.errors import PublicationLocked
from shortops.publishing.renditions import MANUAL
from shortops.worker.after_commit import send_after_commit
from shortops.workspaces.service import Actor, record

log = logging.getLogger("shortops.publishing")


class Engine(Loading, Uploading, Verifying):
    """The publishing engine: dispatch (load, then upload), check, reconcile."""

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
            claimed = transitions.claim_for_upload(
                session, publication_id=job.publication_id, now=now
            )
        if not claimed:
            return SKIPPED
        return self._upload(job)

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
            for publication in transitions.abandoned_uploads(
                session, heartbeat_before=silent_since
            ):
                account = session.get(Account, publication.account_id)
                assert account is not None
                where = (transitions.silent_clause(silent_since),)
                name = accounts_service.account_platform_name(account)
                if publication.ticket:
                    moved = transitions.move(
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
            dispatch = transitions.due_for_dispatch(session, now=now - grace)
            checks += transitions.due_for_check(session, now=now - grace)
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
    moved = transitions.move(
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
            **no_error(),
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


# --- entry points for tasks and the command line ------------------------------------------------


def dispatch(settings: Settings, publication_id: int) -> Outcome:
    return Engine(settings).dispatch(publication_id)


def check(settings: Settings, publication_id: int) -> Outcome:
    return Engine(settings).check(publication_id)


def reconcile(settings: Settings, *, grace: timedelta = RECONCILE_GRACE) -> Reconciled:
    return Engine(settings).reconcile(grace=grace)
