"""Worker tasks of notifications: delivering one by webhook or e-mail, with retries.

A delivery that fails in a way that may pass (network, timeout, HTTP 429/5xx, SMTP 4xx) goes
back to the queue with a growing delay, up to MAX_ATTEMPTS; a refusal (other HTTP 4xx, SMTP 5xx)
is logged and dropped. Each attempt re-reads the settings, so switching a channel off stops the
retries too.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from shortops.config import get_settings
from shortops.db.session import session_scope
from shortops.kit.clock import utcnow
from shortops.kit.outbound import PrivateTargetRefused
from shortops.notifications import flows
from shortops.worker.queue import get_queue, task

log = logging.getLogger("shortops.notifications")

MAX_ATTEMPTS = 6
BACKOFF = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=2),
)


def backoff(attempt: int) -> timedelta:
    """How long to wait after failed attempt number `attempt` (1-based)."""
    return BACKOFF[min(attempt, len(BACKOFF)) - 1]


@task
def deliver_notification(notification_id: int, channel: str, attempt: int = 1) -> None:
    """Send one notification by one channel (webhook or email)."""
    try:
        with session_scope(get_settings()) as session:
            flows.deliver(session, notification_id=notification_id, channel=channel)
    except flows.DeliveryFailed as exc:
        if exc.retryable and attempt < MAX_ATTEMPTS:
            log.info("notification %s by %s: %s; retrying", notification_id, channel, exc)
            get_queue().enqueue(
                deliver_notification,
                notification_id,
                channel,
                attempt + 1,
                eta=utcnow() + backoff(attempt),
            )
            return
        log.warning("notification %s by %s not delivered: %s", notification_id, channel, exc)
    except PrivateTargetRefused as exc:
        # Trying again would resolve to the same place: the owner must change the address.
        log.warning("notification %s by %s not delivered: %s", notification_id, channel, exc)
