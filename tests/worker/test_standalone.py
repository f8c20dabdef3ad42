"""Several `shortops worker` processes share PostgreSQL and Redis, as a team deployment does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from shortops.config import Settings
from shortops.db.base import Base
from shortops.db.session import make_engine, session_factory
from shortops.models import WorkerHeartbeat
from shortops.system.tasks import heartbeat
from shortops.worker.queue import Queue, build_huey
from tests.conftest import TEST_SECRET, require_env

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def _workers_env(home: Path, database_url: str, queue_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHORTOPS_")}
    env.update(
        SHORTOPS_HOME=str(home),
        SHORTOPS_DATABASE_URL=database_url,
        SHORTOPS_QUEUE_URL=queue_url,
        SHORTOPS_SECRET_KEY=TEST_SECRET,
        SHORTOPS_WORKER_THREADS="1",
    )
    return env


def test_two_workers_share_postgres_and_redis(postgres_url: str, tmp_path: Path) -> None:
    redis_url = require_env("SHORTOPS_TEST_REDIS_URL")
    settings = Settings(
        home=tmp_path, database_url=postgres_url, queue_url=redis_url, secret_key=TEST_SECRET
    )
    queue = Queue(build_huey(settings))
    queue.huey.storage.flush_all()
    engine = make_engine(postgres_url)
    env = _workers_env(tmp_path, postgres_url, redis_url)
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "shortops", "worker"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for _ in range(20):
            queue.enqueue(heartbeat)
        deadline = time.monotonic() + 60
        rows: list[WorkerHeartbeat] = []
        while time.monotonic() < deadline:
            with session_factory(engine)() as session:
                rows = list(session.scalars(select(WorkerHeartbeat)))
            # Done when both workers beat and the queue is empty: periodic beats at a minute
            # boundary can reach 22 while queued ones still wait.
            drained = queue.pending_count() == 0
            if drained and len(rows) >= 2 and sum(row.beats for row in rows) >= 22:
                break
            time.sleep(0.5)
        assert queue.pending_count() == 0
        assert len({row.worker for row in rows}) == 2, [row.worker for row in rows]
        # 2 start-up beats + 20 queued ones (a minute boundary may add periodic beats).
        assert sum(row.beats for row in rows) >= 22
        assert {row.queue_backend for row in rows} == {"redis"}
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGINT)
        for worker in workers:
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
        queue.huey.storage.flush_all()
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
