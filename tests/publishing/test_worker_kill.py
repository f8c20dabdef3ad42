"""Fault test: a real `shortops worker` is killed (SIGKILL) in the middle of uploads.

The loopback platform answers uploads slowly, so the worker is killed while the platform holds
the bytes but before it answered. After the upload lease the reconciler takes the abandoned
uploads over, a second worker finishes the rest, and the platform's own count shows that no
publication was uploaded twice; each one ends published or needs_review.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from shortops.config import Settings, get_settings
from shortops.db.session import get_engine, session_factory
from shortops.models import Publication
from shortops.models import PublicationStatus as S
from shortops.publishing import tasks
from tests.conftest import require_env
from tests.publishing.conftest import World
from tests.publishing.fake_platform import write_plugin

ROOT = Path(__file__).resolve().parents[2]
LEASE_S = 2
WORKER_THREADS = 2
TIMEOUT_S = 90


def _statuses(settings: Settings) -> dict[int, S]:
    with session_factory(get_engine(settings))() as session:
        return {p.id: p.status for p in session.scalars(select(Publication))}


def _wait_for(predicate: object, what: str, timeout_s: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def start_worker(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[object]:
    monkeypatch.setenv("SHORTOPS_PUBLISH_UPLOAD_LEASE_SECONDS", str(LEASE_S))
    get_settings.cache_clear()
    plugin = write_plugin(tmp_path / "plugin")
    env = {
        **os.environ,
        "SHORTOPS_HOME": str(settings.home),
        "SHORTOPS_DATABASE_URL": settings.resolved_database_url,
        "SHORTOPS_QUEUE_URL": settings.resolved_queue_url,
        "SHORTOPS_SECRET_KEY": str(settings.secret_key),
        "SHORTOPS_WORKER_THREADS": str(WORKER_THREADS),
        "SHORTOPS_PUBLISH_UPLOAD_LEASE_SECONDS": str(LEASE_S),
        "SHORTOPS_LOG_LEVEL": "warning",
        "PYTHONPATH": os.pathsep.join([str(plugin), str(ROOT)]),
    }
    started: list[subprocess.Popen[bytes]] = []

    def start(name: str) -> subprocess.Popen[bytes]:
        log = (tmp_path / f"{name}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, "-m", "shortops", "worker"],
            env=env,
            cwd=tmp_path,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def test_killing_a_worker_mid_upload_never_uploads_twice(
    world: World, start_worker: object
) -> None:
    fake = world.fake
    fake.upload_delay_s = 30  # the platform has the bytes but takes its time to answer
    fake.processing_polls = 0
    fake.poll_after_s = 0.2
    accounts = [world.account, world.add_account(), world.add_account()]
    world.schedule(*accounts)  # queued as they are committed

    first = start_worker("worker-1")  # type: ignore[operator]
    # Both of its threads are inside an upload (the third publication waits in the queue).
    for _ in range(WORKER_THREADS):
        assert fake.receiving.acquire(timeout=TIMEOUT_S), "the worker never started uploading"
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    fake.upload_delay_s = 0
    statuses = _statuses(world.settings)
    assert sorted(statuses.values()) == sorted([S.uploading, S.uploading, S.scheduled])

    time.sleep(LEASE_S + 1)  # the dead worker's lease runs out
    tasks.reconcile_publications()
    assert S.uploading not in _statuses(world.settings).values()

    start_worker("worker-2")  # type: ignore[operator]
    _wait_for(
        lambda: all(s in (S.published, S.needs_review) for s in _statuses(world.settings).values()),
        "every publication to finish",
    )
    assert fake.duplicates() == {}
    assert sum(fake.inits.values()) == 3
    # The two cut-off uploads had their reference recorded: reconciled to published.
    assert set(_statuses(world.settings).values()) == {S.published}


@pytest.mark.serial  # restarts the PostgreSQL every other test uses
def test_postgresql_restarted_under_a_running_worker_loses_nothing(
    world: World, start_worker: object
) -> None:
    """The database goes away mid-publish (PostgreSQL restarted while both worker threads are
    inside an upload): every publication still ends published, none uploaded twice."""
    if world.settings.database_backend != "postgresql":
        pytest.skip("restarts PostgreSQL: runs on the PostgreSQL half of the suite")
    restart = require_env("SHORTOPS_TEST_PG_RESTART")
    fake = world.fake
    fake.upload_delay_s = 4  # the uploads are in flight while the database restarts
    fake.processing_polls = 0
    fake.poll_after_s = 0.2
    world.schedule(world.account, world.add_account(), world.add_account())
    start_worker("worker-pg")  # type: ignore[operator]
    for _ in range(WORKER_THREADS):
        assert fake.receiving.acquire(timeout=TIMEOUT_S), "the worker never started uploading"
    world.session.close()
    subprocess.run(restart, shell=True, check=True, capture_output=True, timeout=60)
    _wait_for(lambda: _database_answers(world.settings), "PostgreSQL to come back", 60)
    fake.upload_delay_s = 0

    def settled() -> bool:
        tasks.reconcile_publications()  # what the worker's periodic reconciler does
        return all(s in (S.published, S.needs_review) for s in _statuses(world.settings).values())

    _wait_for(settled, "every publication to settle")
    assert fake.duplicates() == {}
    assert set(_statuses(world.settings).values()) == {S.published}


def _database_answers(settings: Settings) -> bool:
    try:
        _statuses(settings)
    except Exception:  # still restarting
        return False
    return True
