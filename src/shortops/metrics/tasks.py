"""Worker tasks of Measure: polling the platforms' read APIs on each post's cadence, and the
hourly look for spikes, stalls and early verdicts (stored and notified once each).

The periodic job only finds accounts with work due and sends one task per account; each task
re-reads what is due under the account's lock, so a duplicate message polls nothing twice.
"""

from __future__ import annotations

import logging

from shortops.config import get_settings
from shortops.db.session import session_scope
from shortops.errors import ShortopsError
from shortops.kit.clock import utcnow
from shortops.metrics import competitor_polling, insights, polling
from shortops.models import Competitor
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


@task
def raise_workspace_alerts(workspace_id: int) -> None:
    with session_scope(get_settings()) as session:
        raised = insights.raise_and_notify(session, workspace_id=workspace_id)
    if raised:
        log.info("metrics alerts of workspace %s: %d raised", workspace_id, raised)


@periodic(minute="17")
def raise_metric_alerts() -> None:
    """Send an alert run for every workspace with published posts."""
    with session_scope(get_settings()) as session:
        workspace_ids = insights.workspaces_with_posts(session)
    queue = get_queue()
    for workspace_id in workspace_ids:
        queue.enqueue(raise_workspace_alerts, workspace_id)


@periodic(hour="4", minute="41")
def refresh_competitors() -> None:
    """Read every YouTube competitor from the public Data API, once a day (3 quota units each)."""
    settings = get_settings()
    if not settings.youtube_api_key:
        return
    with session_scope(settings) as session:
        ids = competitor_polling.refreshable(session)
    queue = get_queue()
    for competitor_id in ids:
        queue.enqueue(refresh_competitor, competitor_id)


@task
def refresh_competitor(competitor_id: int) -> None:
    settings = get_settings()
    with session_scope(settings) as session:
        competitor = session.get(Competitor, competitor_id)
        if competitor is None:
            return
        try:
            competitor_polling.refresh(session, settings, competitor)
        except ShortopsError as exc:
            log.info("competitor %s not read: %s", competitor_id, exc)
