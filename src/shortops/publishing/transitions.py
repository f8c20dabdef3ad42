"""The publication state machine: every move is one conditional UPDATE (status from → to), so
two workers, or a worker and a person cancelling, never both win; and the engine's queries for
due work. See service.py for the states.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, and_, or_, select, update
from sqlalchemy.orm import Session

from shortops.errors import N_
from shortops.kit.clock import utcnow
from shortops.models import (
    Publication,
    PublicationEvent,
    PublicationStatus,
)

S = PublicationStatus


def _rowcount(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


def add_event(
    session: Session,
    *,
    publication_id: int,
    status: str,
    message: str,
    params: dict[str, Any] | None = None,
) -> None:
    """Append a step to the publication's timeline."""
    session.add(
        PublicationEvent(
            publication_id=publication_id, status=str(status), message=message, params=params or {}
        )
    )


def move(
    session: Session,
    *,
    publication_id: int,
    from_statuses: Sequence[PublicationStatus],
    to: PublicationStatus,
    message: str,
    params: dict[str, Any] | None = None,
    values: dict[str, Any] | None = None,
    where: Sequence[Any] = (),
    now: datetime | None = None,
) -> bool:
    """One conditional move (with a timeline entry); False when the row was not in
    `from_statuses` (or failed `where`): someone else moved it first."""
    statement = (
        update(Publication)
        .where(
            Publication.id == publication_id,
            Publication.status.in_(list(from_statuses)),
            *where,
        )
        .values(status=to, updated_at=now or utcnow(), **(values or {}))
        .execution_options(synchronize_session=False)
    )
    if _rowcount(session.execute(statement)) != 1:
        return False
    add_event(session, publication_id=publication_id, status=to, message=message, params=params)
    return True


def due_clause(now: datetime) -> Any:
    """A scheduled publication is due when its time has come and no retry waits for later."""
    return and_(
        Publication.scheduled_at <= now,
        or_(Publication.next_attempt_at.is_(None), Publication.next_attempt_at <= now),
    )


def is_due(publication: Publication, now: datetime) -> bool:
    if publication.scheduled_at is None or publication.scheduled_at > now:
        return False
    return publication.next_attempt_at is None or publication.next_attempt_at <= now


def claim_for_upload(session: Session, *, publication_id: int, now: datetime) -> bool:
    """scheduled → uploading for the one worker whose UPDATE matches; commit before uploading."""
    return move(
        session,
        publication_id=publication_id,
        from_statuses=(S.scheduled,),
        to=S.uploading,
        values={
            "upload_started_at": now,
            "heartbeat_at": now,
            "upload_progress": 0.0,
            "next_attempt_at": None,
        },
        where=(due_clause(now),),
        message=N_("Upload started."),
        now=now,
    )


def record_ticket(
    session: Session, *, publication_id: int, ticket: dict[str, Any], now: datetime
) -> bool:
    """Keep the platform's reference the moment it exists (even when the reconciler has already
    given the upload up: the reference is what lets the platform be asked)."""
    result = session.execute(
        update(Publication)
        .where(
            Publication.id == publication_id,
            Publication.status.in_([S.uploading, S.processing, S.needs_review]),
        )
        .values(ticket=ticket, heartbeat_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def beat(
    session: Session, *, publication_id: int, now: datetime, progress: float | None = None
) -> bool:
    """The uploading worker is alive (and how far it got); False when the row moved on."""
    values: dict[str, Any] = {"heartbeat_at": now}
    if progress is not None:
        values["upload_progress"] = min(max(progress, 0.0), 1.0)
    result = session.execute(
        update(Publication)
        .where(Publication.id == publication_id, Publication.status == S.uploading)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def claim_check(session: Session, *, publication_id: int, now: datetime, hold: timedelta) -> bool:
    """Take the next status check of a processing publication (holding it for `hold`), so two
    messages for the same check do not start two chains of checks."""
    result = session.execute(
        update(Publication)
        .where(
            Publication.id == publication_id,
            Publication.status == S.processing,
            or_(Publication.next_attempt_at.is_(None), Publication.next_attempt_at <= now),
        )
        .values(next_attempt_at=now + hold)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def claim_kit_deadline(session: Session, *, publication_id: int, now: datetime) -> bool:
    """Take a manual kit's deadline (it escalates once): the one caller whose UPDATE matches."""
    result = session.execute(
        update(Publication)
        .where(
            Publication.id == publication_id,
            Publication.status == S.processing,
            Publication.next_attempt_at <= now,
        )
        .values(next_attempt_at=None)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def set_next_attempt(
    session: Session, *, publication_id: int, status: PublicationStatus, at: datetime | None
) -> bool:
    result = session.execute(
        update(Publication)
        .where(Publication.id == publication_id, Publication.status == status)
        .values(next_attempt_at=at)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def due_for_dispatch(session: Session, *, now: datetime, limit: int = 5000) -> list[int]:
    """Scheduled publications whose time (and retry time) has come."""
    return list(
        session.scalars(
            select(Publication.id)
            .where(Publication.status == S.scheduled, due_clause(now))
            .order_by(Publication.scheduled_at, Publication.id)
            .limit(limit)
        )
    )


def due_for_check(session: Session, *, now: datetime, limit: int = 5000) -> list[int]:
    """Processing publications whose next look (status check, kit deadline) has come."""
    return list(
        session.scalars(
            select(Publication.id)
            .where(
                Publication.status == S.processing,
                Publication.next_attempt_at.is_not(None),
                Publication.next_attempt_at <= now,
            )
            .order_by(Publication.next_attempt_at, Publication.id)
            .limit(limit)
        )
    )


def abandoned_uploads(
    session: Session, *, heartbeat_before: datetime, limit: int = 1000
) -> list[Publication]:
    """Uploading publications whose worker has not signalled since `heartbeat_before`."""
    return list(
        session.scalars(
            select(Publication)
            .where(Publication.status == S.uploading, silent_clause(heartbeat_before))
            .order_by(Publication.id)
            .limit(limit)
        )
    )


def silent_clause(moment: datetime) -> Any:
    """No sign of life from the uploading worker since `moment`."""
    return or_(Publication.heartbeat_at.is_(None), Publication.heartbeat_at < moment)
