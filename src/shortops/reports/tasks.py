"""Worker task of reports: send each enabled weekly / monthly report once its period ends."""

from __future__ import annotations

import logging

from shortops.config import get_settings
from shortops.db.session import session_scope
from shortops.kit.clock import utcnow
from shortops.models import ReportSchedule
from shortops.reports import flows
from shortops.worker.queue import periodic

log = logging.getLogger("shortops.reports")


@periodic(minute="7")
def send_due_reports() -> None:
    """Hourly: make and deliver the reports whose period has ended (each in its own commit, so
    one workspace's failure does not hold back the others)."""
    settings = get_settings()
    with session_scope(settings) as session:
        due = [(s.id, start, end) for s, start, end in flows.due_schedules(session, now=utcnow())]
    for schedule_id, start, end in due:
        try:
            with session_scope(settings) as session:
                schedule = session.get(ReportSchedule, schedule_id)
                if schedule is None:
                    continue
                flows.send_scheduled(
                    session, settings=settings, schedule=schedule, start=start, end=end
                )
        except Exception:
            log.exception("report schedule %s failed", schedule_id)
