"""The fault table: bursts of platform faults while eight publications are due.

    .venv/bin/python benchmarks/publish_faults.py [--database-url postgresql+psycopg://…]

For each row of tests/publishing/test_fault_table.py (5xx, 429, timeouts and dropped connections
at upload init, upload bytes and status checks), this builds a fresh workspace with four loopback
accounts (a real HTTP fake of a platform, tests/publishing/fake_platform.py), schedules eight
publications, injects the burst and runs the publishing engine until every publication settles.
It prints a Markdown table: outcomes, duplicate uploads (the platform's own count per
idempotency key) and lost publications (not settled, or failed without a reason). Both must be 0.

The database must be a throw-away one (default: a SQLite file in a temporary directory; for
PostgreSQL an empty database, emptied again before each row).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="shortops-faults-"))
    os.environ.update(
        SHORTOPS_HOME=str(scratch / "home"),
        SHORTOPS_SECRET_KEY="fault-table-secret-key-fault-table-secret-key",
        SHORTOPS_ALLOW_PRIVATE_TARGETS="true",
        SHORTOPS_LOG_LEVEL="error",
    )
    print("| fault | outcomes | duplicates | lost | engine rounds |")
    print("|---|---|---:|---:|---:|")
    for number, burst in enumerate(_bursts()):
        url = args.database_url or f"sqlite:///{scratch / f'row{number}.db'}"
        row = _run_row(burst, url)
        outcomes = ", ".join(f"{n} {status}" for status, n in sorted(row.outcomes.items()))
        print(f"| {burst.name} | {outcomes} | {row.duplicates} | {row.lost} | {row.rounds} |")


def _bursts() -> list:  # type: ignore[type-arg]
    from tests.publishing.test_fault_table import BURSTS

    return BURSTS


def _run_row(burst: object, url: str) -> object:
    from sqlalchemy import text
    from tests.publishing.conftest import LoopbackProvider, RenderedLoopbackProvider, build_world
    from tests.publishing.fake_platform import LoopbackFake
    from tests.publishing.test_fault_table import run_burst

    from shortops.config import get_settings
    from shortops.db.migrate import upgrade
    from shortops.db.session import dispose_engines, get_engine, session_factory
    from shortops.providers import registry

    os.environ["SHORTOPS_DATABASE_URL"] = url
    get_settings.cache_clear()
    dispose_engines()
    settings = get_settings()
    engine = get_engine(settings)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    installed = registry.provider_classes()
    found = {
        **installed,
        "loopback": LoopbackProvider,
        "loopback_rendered": RenderedLoopbackProvider,
    }
    registry.provider_classes = lambda: found  # type: ignore[assignment]
    fake = LoopbackFake()
    try:
        with session_factory(engine)() as session:
            world = build_world(settings, session, fake, name="Faults")
            return run_burst(world, burst)  # type: ignore[arg-type]
    finally:
        fake.close()


if __name__ == "__main__":
    main()
