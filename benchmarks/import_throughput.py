"""Import throughput: a generated YouTube Studio "Chart data" file of many rows, read and imported.

    python benchmarks/import_throughput.py                 # 1 M rows, SQLite
    python benchmarks/import_throughput.py --rows 100000 --postgres URL

The file has the real export's columns (Date, Content, Video title, Video publish time,
Duration, Views): `--videos` videos, one row per video and day, written as YouTube writes it.
Two figures: reading it (`importers.read_export`: bytes to rows) and the whole import as
`shortops import` runs it (read, match every row to its post, write the days, derive), in one
transaction. Target (issue 5): >= 50 k rows/s.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from shortops.db.migrate import upgrade
from shortops.db.session import make_engine, session_factory
from shortops.metrics import flows, importers
from shortops.metrics.importers.types import ImportOptions, SourceFile
from shortops.models import Membership, Role, User, Workspace
from shortops.workspaces.service import Actor

FIRST_DAY = date(2024, 1, 1)


def chart_data(rows: int, videos: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["Date", "Content", "Video title", "Video publish time", "Duration", "Views"])
    days = -(-rows // videos)
    written = 0
    for video in range(videos):
        published = FIRST_DAY + timedelta(days=video % 300)
        title = f"Video {video} #shorts 第{video}条"
        stamp = published.strftime("%b %-d, %Y")
        for offset in range(days):
            if written == rows:
                break
            day = FIRST_DAY + timedelta(days=offset)
            writer.writerow(
                [
                    day.isoformat(),
                    f"vid{video:08d}",
                    title,
                    stamp,
                    30 + video % 40,
                    offset * 7 % 991,
                ]
            )
            written += 1
    return out.getvalue().encode()


def actor_in(session: Session) -> Actor:
    user = User(email="bench@example.com", name="Bench", password_hash="x")
    workspace = Workspace(name="Bench", slug="bench", timezone="UTC")
    session.add_all([user, workspace])
    session.flush()
    session.add(Membership(user_id=user.id, workspace_id=workspace.id, role=Role.owner))
    session.flush()
    return Actor(user=user, workspace=workspace, role=Role.owner)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--videos", type=int, default=2_000)
    parser.add_argument("--postgres", metavar="URL", help="a PostgreSQL database to use (dropped)")
    args = parser.parse_args(argv)
    data = chart_data(args.rows, args.videos)
    file = SourceFile("Chart data.csv", data)
    print(f"Chart data.csv: {args.rows:,} rows of {args.videos:,} videos, {len(data) / 1e6:.0f} MB")

    start = time.perf_counter()
    parsed = importers.read_export([file], ImportOptions())
    read_s = time.perf_counter() - start
    print(f"read:   {read_s:6.2f} s  {len(parsed.post_days) / read_s:>9,.0f} rows/s")
    del parsed  # the import reads the file again, as `shortops import` does

    with tempfile.TemporaryDirectory() as folder:
        if args.postgres:
            engine = make_engine(args.postgres)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        upgrade(engine)
        with session_factory(engine)() as session:
            actor = actor_in(session)
            session.commit()
            start = time.perf_counter()
            outcome = flows.import_export(
                session, actor=actor, files=[file], options=ImportOptions(), account_handle="chan"
            )
            session.commit()
            total_s = time.perf_counter() - start
        engine.dispose()
    summary = outcome.summary()
    print(
        f"import: {total_s:6.2f} s  {summary['rows'] / total_s:>9,.0f} rows/s "
        f"({engine.dialect.name}; {summary['created']:,} posts created, "
        f"{summary['matched']:,} rows matched, {summary['skipped']} skipped)"
    )
    print("target: >= 50,000 rows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
