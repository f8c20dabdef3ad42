"""Worker tasks of the media library: rendering, and the periodic upkeep around it.

How many FFmpeg processes run at once: every worker process (`shortops worker`, or the worker
embedded in `shortops serve`) runs `SHORTOPS_WORKER_THREADS` consumer threads, and at most
`SHORTOPS_RENDER_CONCURRENCY` of them render at the same time (one FFmpeg process each). A
render task that finds every slot taken goes back to the queue for a few seconds instead of
holding a thread, so publishing and other jobs keep flowing. Size a render machine with
worker threads = render concurrency + 1 or more; N worker processes render at most
N × render concurrency videos at once.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from shortops.config import get_settings
from shortops.db.session import session_scope
from shortops.errors import N_, ShortopsError
from shortops.kit.clock import utcnow
from shortops.media import flows, rendition_service, upload
from shortops.media.store import MediaStore
from shortops.worker.queue import get_queue, periodic, task

log = logging.getLogger("shortops.media")

BUSY_RETRY = timedelta(seconds=5)
# A queued rendition older than this, while the queue holds nothing, lost its message.
LOST_AFTER = timedelta(minutes=2)
# Margin on top of the render timeout before a 'rendering' row counts as abandoned.
STALL_MARGIN = timedelta(minutes=10)

_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def render_slots(concurrency: int) -> threading.BoundedSemaphore:
    """The process-wide render slots for `concurrency` (one semaphore per configured value)."""
    with _slots_lock:
        if concurrency not in _slots:
            _slots[concurrency] = threading.BoundedSemaphore(concurrency)
        return _slots[concurrency]


@task
def render_rendition(rendition_id: int) -> None:
    """Render one queued rendition (a duplicate message finds nothing to claim and stops)."""
    settings = get_settings()
    slots = render_slots(settings.render_concurrency)
    if not slots.acquire(blocking=False):
        get_queue().enqueue(render_rendition, rendition_id, eta=utcnow() + BUSY_RETRY)
        return
    try:
        flows.run_rendition(settings, rendition_id)
    finally:
        slots.release()


def enqueue_renditions(rendition_ids: list[int]) -> None:
    """Send each rendition to the queue (call after the rows are committed)."""
    queue = get_queue()
    for rendition_id in rendition_ids:
        queue.enqueue(render_rendition, rendition_id)


@periodic(minute="*")
def reconcile_renditions() -> None:
    """Re-send queued renditions whose message was lost; fail ones no worker is rendering."""
    settings = get_settings()
    now = utcnow()
    queue = get_queue()
    with session_scope(settings) as session:
        stalled = rendition_service.fail_stalled(
            session,
            started_before=now - timedelta(seconds=settings.render_timeout_seconds) - STALL_MARGIN,
            error=ShortopsError(
                N_("The worker rendering this stopped before it finished. Render it again.")
            ),
        )
        lost: list[int] = []
        # With messages still waiting, a queued row is most likely just waiting its turn.
        if queue.pending_count() == 0:
            lost = rendition_service.queued_without_worker(session, queued_before=now - LOST_AFTER)
            rendition_service.touch_queued(session, rendition_ids=lost)
    if stalled:
        log.warning("%d stalled renditions marked failed", stalled)
    enqueue_renditions(lost)


@periodic(minute="*/15")
def expire_uploads() -> None:
    """Delete uploads abandoned for a day, with the bytes they received."""
    settings = get_settings()
    with session_scope(settings) as session:
        count = upload.expire_uploads(session, store=MediaStore.from_settings(settings))
    if count:
        log.info("%d abandoned uploads deleted", count)
