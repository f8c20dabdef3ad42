"""System status across the database and the queue."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.system.service import SystemStatus, system_status
from shortops.worker.queue import get_queue


def current_status(session: Session, *, settings: Settings) -> SystemStatus:
    """Status with queue depth; a queue that cannot be reached is reported, not raised."""
    try:
        queue = get_queue()
        counts: tuple[int, int] | None = (queue.pending_count(), queue.scheduled_count())
        error = None
    except Exception as exc:  # any backend failure is a fact to show on the status page
        counts, error = None, str(exc)
    return system_status(
        session, queue_backend=settings.queue_backend, queue_counts=counts, queue_error=error
    )
