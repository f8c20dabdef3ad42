"""Shared fixtures: a throw-away database per test on SQLite and PostgreSQL, settings, clients.

PostgreSQL runs when SHORTOPS_TEST_DATABASE_URL is set, Redis when SHORTOPS_TEST_REDIS_URL is;
outside CI the tests that need them skip with a message naming the variable, and under CI=true a
missing variable fails the run instead.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.orm import Session

from shortops.config import Settings, get_settings
from shortops.db.base import Base
from shortops.db.migrate import upgrade
from shortops.db.session import dispose_engines, make_engine, session_factory
from shortops.worker import queue as queue_module
from shortops.worker.queue import Queue, build_huey

TEST_SECRET = "test-secret-key-" + "x" * 40
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def private_redis_queue(settings: Settings, url: str, prefix: str) -> Any:
    """A RedisHuey on `url` whose keys are its own, so parallel runs on one Redis never take
    each other's tasks."""
    import uuid

    from shortops.worker.queue import build_huey

    huey = build_huey(settings.model_copy(update={"queue_url": url}))
    huey.storage.name = f"{prefix}-{uuid.uuid4().hex[:8]}"
    huey.storage.queue_key = f"huey.redis.{huey.storage.name}"
    huey.storage.schedule_key = f"huey.schedule.{huey.storage.name}"
    huey.storage.result_key = f"huey.results.{huey.storage.name}"
    return huey


def require_env(name: str) -> str:
    """The variable's value; skip (or fail under CI) when it is unset."""
    value = os.environ.get(name)
    if value:
        return value
    message = f"set {name} to run this test (e.g. in .ci/run)"
    if IN_CI:
        pytest.fail(f"CI=true but {name} is unset: {message}")
    pytest.skip(message)


# --- no real network ----------------------------------------------------------------------------

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: Any) -> Any:
    host = address[0] if isinstance(address, tuple) else None
    if host is not None:
        try:
            allowed = ipaddress.ip_address(host).is_loopback
        except ValueError:
            allowed = host == "localhost"
        if not allowed:
            raise RuntimeError(f"tests must not reach the network (tried {address!r})")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    # Nothing leaves the machine, and the platforms' fakes and receivers listen on 127.0.0.1:
    # private targets are allowed (tests/notifications/test_private_targets.py turns it off).
    monkeypatch.setenv("SHORTOPS_ALLOW_PRIVATE_TARGETS", "true")
    get_settings.cache_clear()


@pytest.fixture(autouse=True, scope="session")
def _own_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never read or write the user's cache (SHORTOPS_CACHE_DIR), even without `settings`."""
    before = os.environ.get("SHORTOPS_CACHE_DIR")
    os.environ["SHORTOPS_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    get_settings.cache_clear()
    yield
    if before is None:
        os.environ.pop("SHORTOPS_CACHE_DIR", None)
    else:
        os.environ["SHORTOPS_CACHE_DIR"] = before
    get_settings.cache_clear()


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Argon2 at its lowest cost in this process: a production-cost hash takes ~0.17 s and the
    suite creates and signs in users thousands of times. Hashes stay argon2 (a server started
    by a test verifies them as usual, and rehashes them at full cost on sign-in)."""
    from argon2 import PasswordHasher

    from shortops.kit import crypto

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(crypto, "_HASHER", PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        yield


# --- databases ------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str]:
    url = _worker_database(require_env("SHORTOPS_TEST_DATABASE_URL"), worker_id)
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    engine.dispose()
    yield url


def _worker_database(url: str, worker_id: str) -> str:
    """The database this pytest-xdist worker owns: `<name>_<worker>` beside the one given
    (created when missing), so parallel workers never drop each other's tables. A run without
    workers uses the database given."""
    if worker_id == "master":
        return url
    given = make_url(url)
    name = f"{given.database}_{worker_id}"
    engine = create_engine(given, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            found = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if found.first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
) -> Iterator[str]:
    """Each test that uses the database runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "shortops.db"
        shutil.copyfile(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    dispose_engines()
    engine = make_engine(url)
    _truncate_all(engine)
    engine.dispose()


@pytest.fixture
def settings(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings for this test, also returned by get_settings() (the queue runs in memory)."""
    home = tmp_path / "home"
    monkeypatch.setenv("SHORTOPS_HOME", str(home))
    monkeypatch.setenv("SHORTOPS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("SHORTOPS_DATABASE_URL", database_url)
    monkeypatch.setenv("SHORTOPS_SECRET_KEY", TEST_SECRET)
    monkeypatch.delenv("SHORTOPS_QUEUE_URL", raising=False)
    get_settings.cache_clear()
    current = get_settings()
    queue_module.set_queue(Queue(build_huey(current, immediate=False)))
    yield current
    queue_module.set_queue(None)
    get_settings.cache_clear()
    dispose_engines()


@pytest.fixture
def session(settings: Settings) -> Iterator[Session]:
    """A session for arranging and asserting; commit to make data visible to the app."""
    from shortops.db.session import get_engine

    db = session_factory(get_engine(settings))()
    yield db
    db.rollback()
    db.close()


@pytest.fixture
def app(settings: Settings) -> Any:
    from shortops.app import create_app

    return create_app(settings)


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


# --- real browser ---------------------------------------------------------------------------------

# Generous: the server, its worker and Chromium share two cores in CI.
EXPECT_TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one per session (Playwright's sync API allows one).

    Skips without Chromium or the playwright package, and fails instead under CI=true.
    """
    from tests.e2e.live import CHROMIUM, CHROMIUM_ARGS

    if not CHROMIUM.exists():
        _browser_unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _browser_unavailable("the playwright package is missing: pip install -e '.[dev]'")
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield _PolicyWatchedBrowser(chromium)
        chromium.close()


# Every browser test also checks the Content-Security-Policy: a page that needs an inline script
# or style (or anything else the policy refuses) fails the test that opened it.
CSP_VIOLATIONS: list[str] = []
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => {
  console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} `
                + `at ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
});
"""


def _note_violation(message: Any) -> None:
    text = message.text
    if "CSP violation" in text or "Content Security Policy" in text:
        CSP_VIOLATIONS.append(text)


class _PolicyWatchedBrowser:
    """The Playwright browser; its contexts and pages report policy violations."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)

    def new_context(self, **options: Any) -> Any:
        context = self._browser.new_context(**options)
        context.add_init_script(_REPORT_VIOLATIONS)
        context.on("console", _note_violation)
        return context

    def new_page(self, **options: Any) -> Any:
        return self.new_context(**options).new_page()


@pytest.fixture(autouse=True)
def _no_policy_violations(request: pytest.FixtureRequest) -> Iterator[None]:
    CSP_VIOLATIONS.clear()
    yield
    if "browser" in request.fixturenames and CSP_VIOLATIONS:
        pytest.fail("the pages broke their Content-Security-Policy:\n" + "\n".join(CSP_VIOLATIONS))


def _browser_unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(f"CI=true but {message}")
    pytest.skip(message)
