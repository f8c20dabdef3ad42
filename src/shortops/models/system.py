"""Worker liveness, written by the periodic heartbeat task."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from shortops.db.base import Base, IdMixin


class WorkerHeartbeat(IdMixin, Base):
    """One row per worker process (host + pid), updated in place on every beat."""

    __tablename__ = "worker_heartbeat"

    worker: Mapped[str] = mapped_column(String(200), unique=True)
    beat_at: Mapped[datetime]
    queue_backend: Mapped[str] = mapped_column(String(16))
    beats: Mapped[int] = mapped_column(default=0)
