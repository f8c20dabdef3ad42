"""Daily clean-up of sign-in state: ended-by-age browser sessions and old throttle rows."""

from __future__ import annotations

from datetime import timedelta

from shortops.config import get_settings
from shortops.db.session import session_scope
from shortops.kit.clock import utcnow
from shortops.worker.queue import periodic
from shortops.workspaces import signin, web_sessions


@periodic(hour="3", minute="17")
def forget_expired_sign_ins() -> None:
    """Delete sessions past their lifetime and throttle rows older than a day."""
    settings = get_settings()
    now = utcnow()
    with session_scope(settings) as session:
        web_sessions.delete_expired(
            session, older_than=now - timedelta(seconds=settings.session_max_age)
        )
        signin.delete_expired_throttles(session, older_than=now - timedelta(days=1))
