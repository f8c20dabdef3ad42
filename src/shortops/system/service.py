"""Worker heartbeats and the system status shown on Settings → System and /api/v1/health."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from shortops import __version__
from shortops.db.migrate import head_revision_from_files
from shortops.db.upsert import dialect_insert
from shortops.kit.clock import utcnow
from shortops.models import WorkerHeartbeat


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(session: Session, *, worker: str, queue_backend: str) -> WorkerHeartbeat:
    """Record that `worker` is alive now (one upsert: the start-up beat and the scheduled one
    may run at the same moment)."""
    now = utcnow()
    upsert = (
        dialect_insert(session, WorkerHeartbeat)
        .values(worker=worker, beat_at=now, queue_backend=queue_backend, beats=1)
        .on_conflict_do_update(
            index_elements=["worker"],
            set_={
                "beat_at": now,
                "queue_backend": queue_backend,
                "beats": WorkerHeartbeat.beats + 1,
            },
        )
    )
    returning = upsert.returning(WorkerHeartbeat)
    return session.scalars(returning, execution_options={"populate_existing": True}).one()


@dataclass(frozen=True)
class SystemStatus:
    version: str
    database_backend: str
    database_revision: str | None
    expected_revision: str | None
    queue_backend: str
    queue_pending: int | None
    queue_scheduled: int | None
    queue_error: str | None
    last_heartbeat: datetime | None
    workers: list[WorkerHeartbeat]

    @property
    def database_current(self) -> bool:
        return self.database_revision == self.expected_revision

    @property
    def heartbeat_age_s(self) -> float | None:
        if self.last_heartbeat is None:
            return None
        return (utcnow() - self.last_heartbeat).total_seconds()


def database_revision(session: Session) -> str | None:
    revision = session.scalar(text("SELECT version_num FROM alembic_version"))
    return str(revision) if revision is not None else None


def system_status(
    session: Session,
    *,
    queue_backend: str,
    queue_counts: tuple[int, int] | None,
    queue_error: str | None = None,
) -> SystemStatus:
    workers = list(
        session.scalars(select(WorkerHeartbeat).order_by(WorkerHeartbeat.beat_at.desc()).limit(20))
    )
    bind = session.get_bind()
    return SystemStatus(
        version=__version__,
        database_backend=bind.dialect.name,
        database_revision=database_revision(session),
        expected_revision=head_revision_from_files(),
        queue_backend=queue_backend,
        queue_pending=queue_counts[0] if queue_counts else None,
        queue_scheduled=queue_counts[1] if queue_counts else None,
        queue_error=queue_error,
        last_heartbeat=workers[0].beat_at if workers else None,
        workers=workers,
    )
