"""Dashboard queries on a large workspace: p50 / p95 of each query the Measure pages run.

    python benchmarks/dashboard_queries.py                       # 1 M snapshots on SQLite
    python benchmarks/dashboard_queries.py --postgres URL --snapshots 10000000
    python benchmarks/dashboard_queries.py --postgres URL --reuse   # measure again, same data

The workspace has `--accounts` accounts on four platforms, each with publications (a post with
hashtags and a pillar) that have 50 snapshots each, one derived day per snapshot day, their
latest figures and each account's daily post totals: the tables `refresh_derived` keeps. Rows
are written in bulk as imports write them, the queries run through the app's own code
(`shortops.metrics.dashboard` / `queries`), each `--runs` times with varying filters. Target
(issue 5): p95 <= 150 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from shortops.db.base import Base
from shortops.db.migrate import upgrade
from shortops.db.session import make_engine, session_factory
from shortops.metrics import dashboard, queries
from shortops.metrics.queries import Filters
from shortops.metrics.writes import insert_rows
from shortops.models import (
    Account,
    AccountDay,
    MetricDay,
    MetricSnapshot,
    Post,
    Publication,
    PublicationFigures,
    User,
    Workspace,
)

SNAPSHOTS_PER_POST = 50
PLATFORMS = ("youtube", "tiktok", "instagram", "douyin")
TAGS = ("tips", "vlog", "food", "tech", "travel", "music")
TODAY = date(2026, 12, 1)
CHUNK = 50_000


def _engine(postgres: str | None, folder: Path) -> Engine:
    if postgres:
        engine = make_engine(postgres)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        engine = make_engine(f"sqlite:///{folder / 'bench.db'}")
    upgrade(engine)
    return engine


def _rows_in_chunks(rows: Iterator[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    chunk: list[dict[str, Any]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _write(engine: Engine, model: type[Base], rows: Iterator[dict[str, Any]]) -> int:
    """Bulk-write rows as imports do (`metrics.writes.insert_rows`: executemany, or COPY)."""
    written = 0
    with session_factory(engine)() as session:
        for chunk in _rows_in_chunks(rows):
            insert_rows(session, model, chunk)
            written += len(chunk)
        session.commit()
    return written


def generate(engine: Engine, *, accounts: int, posts: int, seed: int = 7) -> dict[str, Any]:
    """The workspace and its figures; returns ids the queries ask about."""
    rng = random.Random(seed)
    with session_factory(engine)() as session:
        user = User(email="bench@example.com", name="Bench", password_hash="x")
        session.add(user)
        session.flush()
        workspace = Workspace(name="Bench", slug="bench", timezone="Asia/Shanghai")
        session.add(workspace)
        session.flush()
        account_ids = []
        for n in range(accounts):
            account = Account(
                workspace_id=workspace.id,
                platform=PLATFORMS[n % len(PLATFORMS)],
                remote_id=f"acct{n}",
                handle=f"acct{n}",
            )
            session.add(account)
            session.flush()
            account_ids.append(account.id)
        session.commit()
        workspace_id = workspace.id
    per_account = posts // accounts
    plan = []  # (post id, publication id, account id, platform, published day, views at end)
    post_rows, pub_rows = [], []
    pid = 0
    for index, account_id in enumerate(account_ids):
        platform = PLATFORMS[index % len(PLATFORMS)]
        for _ in range(per_account):
            pid += 1
            published = TODAY - timedelta(days=rng.randrange(SNAPSHOTS_PER_POST, 730))
            at = datetime.combine(published, datetime.min.time(), UTC) + timedelta(
                hours=rng.randrange(24)
            )
            tags = rng.sample(TAGS, 2)
            post_rows.append(
                {
                    "id": pid,
                    "workspace_id": workspace_id,
                    "title": f"Post {pid} #{tags[0]}",
                    "hashtags": tags,
                    "pillar": rng.choice(("how-to", "story", "promo")),
                    "created_at": at,
                }
            )
            pub_rows.append(
                {
                    "id": pid,
                    "workspace_id": workspace_id,
                    "post_id": pid,
                    "account_id": account_id,
                    "status": "published",
                    "published_at": at,
                    "external": True,
                    "remote_id": f"r{pid}",
                    "idempotency_key": f"k{pid}",
                    "created_at": at,
                    "options": {},
                    "overrides": {},
                    "error_params": {},
                    "verification": {},
                    "attempts": 0,
                    "upload_progress": 0.0,
                    "published_precision": "minute",
                }
            )
            plan.append((pid, account_id, platform, at, rng.lognormvariate(8, 1.5)))
    _write(engine, Post, iter(post_rows))
    _write(engine, Publication, iter(pub_rows))
    del post_rows, pub_rows
    snapshots = _write(engine, MetricSnapshot, _snapshot_rows(plan, workspace_id))
    _write(engine, MetricDay, _day_rows(plan, workspace_id))
    _write(engine, PublicationFigures, _figure_rows(plan, workspace_id))
    _write(engine, AccountDay, _account_day_rows(plan, workspace_id))
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("post", "publication"):
                conn.execute(
                    text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))")
                )
            conn.execute(text("ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return {
        "workspace_id": workspace_id,
        "accounts": account_ids,
        "snapshots": snapshots,
        "publications": [p[0] for p in plan],
    }


def _generated(engine: Engine) -> dict[str, Any]:
    """The ids `generate` returned, read back from a database it filled."""
    with engine.connect() as conn:
        workspace_id = conn.execute(text("SELECT min(id) FROM workspace")).scalar_one()
        accounts = list(conn.execute(text("SELECT id FROM account ORDER BY id")).scalars())
        publications = list(conn.execute(text("SELECT id FROM publication ORDER BY id")).scalars())
        snapshots = conn.execute(text("SELECT count(*) FROM metric_snapshot")).scalar_one()
    return {
        "workspace_id": workspace_id,
        "accounts": accounts,
        "snapshots": snapshots,
        "publications": publications,
    }


def _growth(total: float, day: int) -> float:
    """Cumulative share of a post's views by its `day`-th day (fast start, long tail)."""
    return total * (1 - 0.85 ** (day + 1))


def _snapshot_rows(plan: list[Any], workspace_id: int) -> Iterator[dict[str, Any]]:
    for pid, _account, _platform, at, total in plan:
        for day in range(SNAPSHOTS_PER_POST):
            views = int(_growth(total, day))
            yield {
                "workspace_id": workspace_id,
                "publication_id": pid,
                "captured_at": at + timedelta(days=day, hours=1),
                "source": "api",
                "views": views,
                "likes": views // 20,
                "comments": views // 400,
                "shares": views // 300,
            }


def _day_rows(plan: list[Any], workspace_id: int) -> Iterator[dict[str, Any]]:
    for pid, account, _platform, at, total in plan:
        before = 0.0
        for day in range(SNAPSHOTS_PER_POST):
            now = _growth(total, day)
            views = int(now) - int(before)
            before = now
            yield {
                "workspace_id": workspace_id,
                "publication_id": pid,
                "account_id": account,
                "day": at.date() + timedelta(days=day),
                "origin": "derived",
                "views": views,
                "likes": views // 20,
                "comments": views // 400,
                "shares": views // 300,
                "extra": {},
            }


def _figure_rows(plan: list[Any], workspace_id: int) -> Iterator[dict[str, Any]]:
    for pid, account, platform, at, total in plan:
        views = int(_growth(total, SNAPSHOTS_PER_POST - 1))
        yield {
            "publication_id": pid,
            "workspace_id": workspace_id,
            "account_id": account,
            "platform": platform,
            "published_at": at,
            "basis": "snapshot",
            "as_of": at + timedelta(days=SNAPSHOTS_PER_POST),
            "views": views,
            "likes": views // 20,
            "comments": views // 400,
            "shares": views // 300,
            "source": "api",
        }


def _account_day_rows(plan: list[Any], workspace_id: int) -> Iterator[dict[str, Any]]:
    sums: dict[tuple[int, date], list[int]] = {}
    for _pid, account, _platform, at, total in plan:
        before = 0.0
        for day in range(SNAPSHOTS_PER_POST):
            now = _growth(total, day)
            bucket = sums.setdefault((account, at.date() + timedelta(days=day)), [0, 0])
            bucket[0] += int(now) - int(before)
            bucket[1] += (int(now) - int(before)) // 20
            before = now
    for (account, day), (views, likes) in sums.items():
        yield {
            "workspace_id": workspace_id,
            "account_id": account,
            "day": day,
            "origin": "posts",
            "views": views,
            "likes": likes,
            "extra": {},
        }


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered) * 1000, p95 * 1000


def measure(engine: Engine, ids: dict[str, Any], runs: int) -> list[tuple[str, float, float]]:
    rng = random.Random(11)
    workspace_id = ids["workspace_id"]
    results = []
    with session_factory(engine)() as session:
        workspace = session.get(Workspace, workspace_id)
        assert workspace is not None

        def window(days: int) -> Filters:
            end = TODAY - timedelta(days=rng.randrange(0, 300))
            return Filters(start=end - timedelta(days=days - 1), end=end)

        cases: dict[str, Callable[[], Any]] = {
            "overview, 28 days, all accounts": lambda: dashboard.overview(
                session, workspace=workspace, filters=window(28)
            ),
            "overview, 90 days, one platform": lambda: dashboard.overview(
                session,
                workspace=workspace,
                filters=Filters(**{**window(90).__dict__, "platform": rng.choice(PLATFORMS)}),
            ),
            "overview, 28 days, one account": lambda: dashboard.overview(
                session,
                workspace=workspace,
                filters=Filters(
                    **{**window(28).__dict__, "account_id": rng.choice(ids["accounts"])}
                ),
            ),
            "overview, 28 days, one tag": lambda: dashboard.overview(
                session,
                workspace=workspace,
                filters=Filters(**{**window(28).__dict__, "tag": rng.choice(TAGS)}),
            ),
            "posts page, 28 days": lambda: dashboard.published_page(
                session,
                workspace=workspace,
                filters=window(28),
                sort=lambda p: p.views or 0,
                limit=500,
            ),
            "totals, posts scope": lambda: queries.post_totals(
                session, queries.Scope(workspace_id=workspace_id)
            ),
            "totals, account scope": lambda: queries.account_totals(
                session, queries.Scope(workspace_id=workspace_id)
            ),
            "post page growth curve": lambda: dashboard.growth(
                session, publication=session.get(Publication, rng.choice(ids["publications"]))
            ),
        }
        for name, run in cases.items():
            run()  # warm the caches once, as a second page view would
            times = []
            for _ in range(runs):
                session.expire_all()
                start = time.perf_counter()
                run()
                times.append(time.perf_counter() - start)
            p50, p95 = _percentiles(times)
            results.append((name, p50, p95))
            print(f"{name:<36} p50 {p50:8.1f} ms   p95 {p95:8.1f} ms", flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database to fill (dropped)")
    parser.add_argument("--snapshots", type=int, default=1_000_000)
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure the PostgreSQL database an earlier run filled, without filling it again",
    )
    args = parser.parse_args(argv)
    posts = args.snapshots // SNAPSHOTS_PER_POST
    with tempfile.TemporaryDirectory() as folder:
        if args.reuse and args.postgres:
            engine = make_engine(args.postgres)
            upgrade(engine)
            ids = _generated(engine)
            print(f"postgresql: reusing {ids['snapshots']:,} snapshots", flush=True)
        else:
            engine = _engine(args.postgres, Path(folder))
            print(
                f"{engine.dialect.name}: {args.snapshots:,} snapshots of {posts:,} posts on "
                f"{args.accounts} accounts",
                flush=True,
            )
            start = time.perf_counter()
            ids = generate(engine, accounts=args.accounts, posts=posts)
            print(f"generated in {time.perf_counter() - start:.0f} s", flush=True)
        results = measure(engine, ids, args.runs)
        worst = max(p95 for _n, _p50, p95 in results)
        print(f"worst p95: {worst:.1f} ms (target <= 150 ms)")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
