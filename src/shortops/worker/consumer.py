"""Running consumers: embedded in `serve`, or standalone with `shortops worker`."""

from __future__ import annotations

import logging
import signal

from huey.consumer import Consumer

from shortops.config import Settings
from shortops.system.tasks import heartbeat
from shortops.worker.queue import Queue, build_huey, set_queue

log = logging.getLogger("shortops.worker")


IDLE_POLL_CEILING_S = 1.0


def build_consumer(settings: Settings) -> Consumer:
    """A consumer of the queue built from `settings` (which becomes the process-wide queue)."""
    queue = Queue(build_huey(settings))
    set_queue(queue)
    return queue.huey.create_consumer(
        workers=settings.worker_threads,
        worker_type="thread",
        periodic=True,
        check_worker_health=True,
        # An idle thread polls the SQLite queue with growing pauses; Huey's default ceiling
        # (10 s) would let a publication due now wait that long. A poll is one cheap query.
        max_delay=IDLE_POLL_CEILING_S,
    )


def start_embedded_consumer(settings: Settings) -> Consumer:
    """Start consumer threads inside this process; the server keeps its signal handlers."""
    consumer = build_consumer(settings)
    signals = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    saved = {sig: signal.getsignal(sig) for sig in signals}
    try:
        consumer.start()
    finally:
        # huey's start() installs its own handlers; without uvicorn's the server never stops.
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    # Beat once at start so Settings → System shows a live worker without waiting a minute.
    # Here, not through the queue: another worker could take the message and beat in its name.
    heartbeat()
    log.info("embedded worker started with %d threads", settings.worker_threads)
    return consumer


def run_consumer(settings: Settings) -> None:
    """Run a standalone consumer until interrupted (SIGINT/SIGTERM stop it gracefully)."""
    consumer = build_consumer(settings)
    heartbeat()  # in this worker's own name (see start_embedded_consumer)
    consumer.run()
