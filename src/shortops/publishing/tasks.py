"""Worker tasks of publishing: dispatch, status checks, and the reconciler every minute.

A publication is sent to the queue with eta = its time when it is scheduled (`schedule`, called
after the commit). The queue only executes: every task re-reads its row and claims it, so a
duplicate message does nothing, and the reconciler re-sends whatever is due that no message
covers, so a lost message delays a publication but never loses it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from shortops.config import get_settings
from shortops.kit.clock import utcnow
from shortops.media.tasks import enqueue_renditions
from shortops.publishing import flows, linkcheck
from shortops.publishing.engine.base import Followup, Outcome
from shortops.worker.queue import get_queue, periodic, task

log = logging.getLogger("shortops.publishing")


@task
def publish_publication(publication_id: int) -> None:
    """Publish one due publication (two-phase; see publishing/flows.py)."""
    follow(flows.dispatch(get_settings(), publication_id))


@task
def check_publication(publication_id: int) -> None:
    """Ask the platform where one processing publication stands."""
    follow(flows.check(get_settings(), publication_id))


@task
def check_live_link(publication_id: int) -> None:
    """Check that the link pasted for a manual post answers (publishing/linkcheck.py)."""
    linkcheck.check_live_link(get_settings(), publication_id)


@periodic(minute="*")
def reconcile_publications() -> None:
    """Re-send due work no message covers; take over uploads whose worker went silent."""
    found = flows.reconcile(get_settings())
    queue = get_queue()
    for publication_id in found.dispatch:
        queue.enqueue(publish_publication, publication_id)
    for publication_id in found.check:
        queue.enqueue(check_publication, publication_id)
    if found.dispatch or found.check:
        log.info(
            "reconciler re-sent %d publications and %d checks",
            len(found.dispatch),
            len(found.check),
        )


def follow(outcome: Outcome) -> None:
    """Send what an engine step asked for (its work is committed by now)."""
    if outcome.render_ids:
        enqueue_renditions(list(outcome.render_ids))
    if outcome.followup is not None:
        send(outcome.followup)


def send(followup: Followup) -> None:
    func = publish_publication if followup.task == "dispatch" else check_publication
    _enqueue_at(func, followup.publication_id, followup.eta)


def _enqueue_at(func: Callable[[int], None], publication_id: int, eta: datetime | None) -> None:
    queue = get_queue()
    if eta is None or eta <= utcnow():
        queue.enqueue(func, publication_id)
    else:
        queue.enqueue(func, publication_id, eta=eta)
