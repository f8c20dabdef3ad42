"""Fault test: Redis restarted with publications queued (issue "Security and robustness").

Redis here keeps nothing on disk, so a restart loses every queued message. The database is the
source of truth: the reconciler finds the due publications no message covers and sends them
again. Each is uploaded exactly once (the platform's own count) and goes live.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from shortops.kit.clock import utcnow
from shortops.models import Publication
from shortops.models import PublicationStatus as S
from shortops.publishing import tasks
from shortops.worker import queue as queue_module
from shortops.worker.queue import Queue
from tests.conftest import private_redis_queue, require_env
from tests.publishing.conftest import World


@pytest.mark.redis
def test_a_redis_restart_loses_no_publication_and_uploads_none_twice(world: World) -> None:
    url = require_env("SHORTOPS_TEST_REDIS_URL")
    huey = private_redis_queue(world.settings, url, "shortops-restart")
    queue = Queue(huey)
    queue_module.set_queue(queue)
    try:
        accounts = [world.account, world.add_account(), world.add_account()]
        publications = world.schedule(*accounts)  # queued as they are committed
        assert queue.pending_count() + queue.scheduled_count() == len(publications)

        # The restart: every queued message is gone, and the outage outlasts the grace.
        huey.storage.flush_all()
        huey.storage.conn.connection_pool.disconnect()
        assert queue.pending_count() + queue.scheduled_count() == 0
        past = utcnow() - timedelta(minutes=5)
        world.session.execute(
            update(Publication)
            .where(Publication.id.in_([p.id for p in publications]))
            .values(scheduled_at=past, next_attempt_at=past)
        )
        world.session.commit()

        tasks.reconcile_publications()  # the periodic reconciler, on the restarted Redis
        assert queue.pending_count() == len(publications)
        queue.drain()
        assert world.fake.duplicates() == {}
        assert sorted(world.fake.inits.values()) == [1] * len(publications)
        assert {world.reload(p).status for p in publications} == {S.processing}
        engine = world.engine()
        for _ in range(10):
            world.clock.advance(65)
            engine.run_due()
        assert {world.reload(p).status for p in publications} == {S.published}
        assert world.fake.duplicates() == {}
    finally:
        huey.storage.flush_all()
        queue_module.set_queue(None)
