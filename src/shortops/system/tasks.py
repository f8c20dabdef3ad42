"""Periodic liveness beat of every worker."""

from __future__ import annotations

from shortops.config import get_settings
from shortops.db.session import session_scope
from shortops.system import service
from shortops.worker.queue import periodic


@periodic(minute="*")
def heartbeat() -> None:
    """Write this worker's heartbeat row (every minute)."""
    settings = get_settings()
    with session_scope(settings) as session:
        service.beat(session, worker=service.worker_name(), queue_backend=settings.queue_backend)
