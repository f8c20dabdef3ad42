"""Worker tasks of Measure: polling the platforms' read APIs on each post's cadence.

The periodic job only finds accounts with work due and sends one task per account; each task
re-reads what is due under the account's lock, so a duplicate message polls nothing twice.
"""

from __future__ import annotations

import logging

from shortops.config import get_settings
from shortops.db.session import session_scope
from shortops.kit.clock import utcnow
from shortops.metrics import polling
from shortops.worker.queue import get_queue, periodic, task

log = logging.getLogger("shortops.metrics")


@task
def poll_account_metrics(account_id: int) -> None:
    """Read one account's due posts (and, daily, the account itself)."""
    report = polling.poll_account(get_settings(), account_id)
    if report.posts_read or report.account_read or report.error:
        log.info(
            "metrics of account %s: %d posts read, %d snapshots, %d new external, error: %s",
            account_id,
            report.posts_read,
            report.snapshots,
            report.discovered,
            report.error or "none",
        )


@periodic(minute="*/5")
def poll_metrics() -> None:
    """Send a poll task for every account with posts (or its daily account read) due."""
    with session_scope(get_settings()) as session:
        due = polling.accounts_due(session, now=utcnow())
    queue = get_queue()
    for account_id in due:
        queue.enqueue(poll_account_metrics, account_id)
