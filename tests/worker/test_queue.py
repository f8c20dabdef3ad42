"""The queue: tasks bound from settings, drained in tests, heartbeats on SQLite and Redis."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.models import WorkerHeartbeat
from shortops.system.tasks import heartbeat
from shortops.worker import queue as queue_module
from shortops.worker.consumer import start_embedded_consumer
from shortops.worker.queue import Queue, build_huey, get_queue
from tests.conftest import private_redis_queue, require_env


def _beats(session: Session) -> int:
    session.expire_all()
    return sum(row.beats for row in session.scalars(select(WorkerHeartbeat)))


def test_sqlite_queue_file_lives_in_home(settings: Settings) -> None:
    huey = build_huey(settings)
    assert Path(huey.storage.filename) == settings.home / "queue.db"


def test_enqueued_heartbeat_runs_when_drained(settings: Settings, session: Session) -> None:
    queue = get_queue()
    queue.enqueue(heartbeat)
    assert queue.pending_count() == 1
    assert _beats(session) == 0
    assert queue.drain() == 1
    assert queue.pending_count() == 0
    assert _beats(session) == 1
    queue.enqueue(heartbeat)
    queue.drain()
    assert _beats(session) == 2  # one row per worker, updated in place


def test_heartbeat_is_periodic_every_minute(settings: Settings) -> None:
    from datetime import datetime

    from huey.api import PeriodicTask

    wrapper = get_queue().tasks[f"{heartbeat.__module__}.{heartbeat.__qualname__}"]
    assert issubclass(wrapper.task_class, PeriodicTask)
    task = wrapper.task_class()
    assert task.validate_datetime(datetime(2026, 1, 1, 12, 34))
    assert task.validate_datetime(datetime(2026, 1, 1, 12, 35))


def test_embedded_consumer_processes_work_in_threads(settings: Settings, session: Session) -> None:
    consumer = start_embedded_consumer(settings)
    try:
        deadline = time.monotonic() + 20
        while _beats(session) == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        consumer.stop(graceful=True)
    assert _beats(session) >= 1


def test_system_page_shows_queue_and_heartbeat(
    settings: Settings, session: Session, app: object
) -> None:
    from fastapi.testclient import TestClient

    from tests import factories

    owner = factories.create_user(session, email="sys@example.com")
    factories.create_workspace(session, owner=owner)
    get_queue().enqueue(heartbeat)
    get_queue().enqueue(heartbeat)
    client = TestClient(app)  # type: ignore[arg-type]
    factories.login(client, owner.email)
    page = client.get("/settings/system").text
    assert 'id="queue-pending">2<' in page
    assert 'id="heartbeat">—<' in page
    get_queue().drain()
    page = client.get("/settings/system").text
    assert 'id="queue-pending">0<' in page
    assert 'id="heartbeat">—<' not in page


@pytest.mark.redis
def test_redis_queue_runs_tasks(
    settings: Settings, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = require_env("SHORTOPS_TEST_REDIS_URL")
    huey = private_redis_queue(settings, url, "shortops-test")
    assert type(huey).__name__ == "RedisHuey"
    queue = Queue(huey)
    queue_module.set_queue(queue)
    try:
        queue.enqueue(heartbeat)
        assert queue.pending_count() == 1
        assert queue.drain() == 1
        assert _beats(session) == 1
    finally:
        huey.storage.flush_all()


def test_unreachable_redis_is_reported_not_raised(
    settings: Settings, session: Session, app: object
) -> None:
    from fastapi.testclient import TestClient

    bad = settings.model_copy(update={"queue_url": "redis://127.0.0.1:1/0"})
    queue_module.set_queue(Queue(build_huey(bad)))
    response = TestClient(app).get("/api/v1/health")  # type: ignore[arg-type]
    assert response.status_code == 503
    health = response.json()
    assert health["status"] == "degraded"
    assert health["queue_pending"] is None


def test_simultaneous_beats_of_one_worker_make_one_row(
    settings: Settings, session: Session
) -> None:
    """F15: the start-up beat and the scheduled one raced: UNIQUE worker_heartbeat.worker."""
    import threading

    from sqlalchemy import select

    from shortops.db.session import get_engine, session_factory
    from shortops.models import WorkerHeartbeat
    from shortops.system import service as system

    factory = session_factory(get_engine(settings))
    start = threading.Barrier(6)
    crashes: list[str] = []

    def beat() -> None:
        start.wait()
        try:
            with factory() as own:
                system.beat(own, worker="racer@host", queue_backend="sqlite")
                own.commit()
        except Exception as exc:  # the test reports any crash by its type
            crashes.append(f"{type(exc).__name__}: {exc}"[:200])

    threads = [threading.Thread(target=beat) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert crashes == []
    session.expire_all()
    rows = session.scalars(select(WorkerHeartbeat).where(WorkerHeartbeat.worker == "racer@host"))
    assert [row.beats for row in rows] == [6]
