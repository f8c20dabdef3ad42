"""Publish dispatch under load: many publications due in the same minute, several worker processes.

    .venv/bin/python benchmarks/publish_dispatch.py --publications 1000 --workers 4 \
        [--database-url postgresql+psycopg://…] [--queue-url redis://…] [--threads 4] \
        [--accounts 20] [--spread 60] [--lead 20]

What it does:

1. Starts the loopback platform (tests/publishing/fake_platform.py) on 127.0.0.1: a real HTTP
   server that counts, server-side, every upload session opened per idempotency key and notes
   when the first one arrived.
2. Creates a workspace with `--accounts` connected loopback accounts, one video, and posts whose
   publications (`--publications` in all) fall due across `--spread` seconds (60: "the same
   minute"; 0: all at the very same second), the first `--lead` seconds from now, through the
   same service the API uses; then queues them with eta = their time, as the API does.
3. Runs `--workers` real `shortops worker` processes (each with `--threads` consumer threads)
   against the same database and queue. They find the loopback provider the way they find any
   plug-in: an entry point in the `shortops.providers` group (a distribution record written to a
   temporary directory on their PYTHONPATH).
4. Waits until every publication is published (or `--timeout` seconds after the last one fell
   due), stops the workers and prints:

   - lag: from a publication's due time to the platform receiving its upload (p50, p99);
   - throughput: publications published per second, from the first due time to the last one
     published;
   - duplicates: publications the platform received more than one upload for (must be 0);
   - lost: publications not published at the end (must be 0).

The last line is one JSON object: {"publications", "workers", "p50_lag_s", "p99_lag_s",
"throughput_per_s", "duplicates", "lost"}.

The database must be a throw-away one (PostgreSQL: an empty database; the default is a SQLite
file in a temporary directory). The queue is emptied first: with Redis, use a database number
nothing else uses.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402
from tests.publishing.fake_platform import LoopbackFake, write_plugin  # noqa: E402

from shortops.accounts.credentials import APP_SECRET_PURPOSE, seal, store_tokens  # noqa: E402
from shortops.config import get_settings  # noqa: E402
from shortops.db.migrate import upgrade  # noqa: E402
from shortops.db.session import get_engine, session_scope  # noqa: E402
from shortops.kit.clock import utcnow  # noqa: E402
from shortops.media.store import MediaStore  # noqa: E402
from shortops.models import (  # noqa: E402
    Account,
    AssetKind,
    MediaAsset,
    PlatformApp,
    Publication,
    PublicationStatus,
    Role,
    Workspace,
)
from shortops.providers.registry import provider_classes  # noqa: E402
from shortops.publishing import service, tasks  # noqa: E402
from shortops.publishing.schemas import PostCreate, Schedule, TargetCreate  # noqa: E402
from shortops.worker.queue import get_queue  # noqa: E402
from shortops.workspaces import service as workspaces  # noqa: E402
from shortops.workspaces.schemas import WorkspaceCreate  # noqa: E402
from shortops.workspaces.service import Actor  # noqa: E402

SECRET = "benchmark-secret-key-" + "x" * 40
TARGETS_PER_POST_MAX = 50
FINAL = {PublicationStatus.published, PublicationStatus.failed, PublicationStatus.needs_review}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--publications", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=4, help="shortops worker processes")
    parser.add_argument("--threads", type=int, default=4, help="consumer threads per worker")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--queue-url", default=None, help="default: SQLite in a temp dir")
    parser.add_argument("--accounts", type=int, default=20)
    parser.add_argument("--spread", type=float, default=60, help="seconds the due times span")
    parser.add_argument("--lead", type=float, default=20, help="seconds until the first is due")
    parser.add_argument("--video-kb", type=int, default=64, help="size of the uploaded file")
    parser.add_argument("--timeout", type=float, default=300, help="seconds after the last due")
    return parser.parse_args()


def configure(home: Path, args: argparse.Namespace) -> dict[str, str]:
    """Settings for this process and the workers (the same database, queue and media)."""
    env = {
        "SHORTOPS_HOME": str(home),
        "SHORTOPS_SECRET_KEY": SECRET,
        "SHORTOPS_DATABASE_URL": args.database_url or f"sqlite:///{home / 'shortops.db'}",
        "SHORTOPS_QUEUE_URL": args.queue_url or f"sqlite:///{home / 'queue.db'}",
        "SHORTOPS_WORKER_THREADS": str(args.threads),
        "SHORTOPS_LOG_LEVEL": "warning",
        "SHORTOPS_ALLOW_PRIVATE_TARGETS": "true",  # the loopback platform listens on 127.0.0.1
    }
    os.environ.update(env)
    get_settings.cache_clear()
    return env


def set_up(fake: LoopbackFake, args: argparse.Namespace) -> list[Publication]:
    """A workspace, accounts, one video, and the posts; returns the queued publications."""
    settings = get_settings()
    upgrade(get_engine(settings))
    store = MediaStore.from_settings(settings)
    run = f"bench{int(time.time())}"
    with session_scope(settings) as session:
        busy = session.scalar(
            select(func.count())
            .select_from(Publication)
            .where(Publication.status.notin_([*FINAL, PublicationStatus.cancelled]))
        )
        if busy:
            raise SystemExit(f"the database has {busy} unfinished publications: use an empty one")
        user = workspaces.create_user(session, email=f"{run}@bench.example", password=SECRET)
        workspace = workspaces.create_workspace(session, owner=user, data=WorkspaceCreate(name=run))
        session.add(
            PlatformApp(
                workspace_id=workspace.id,
                platform="loopback",
                client_id="bench",
                client_secret=seal("bench-secret", APP_SECRET_PURPOSE),
                endpoints={"api": fake.url},
            )
        )
        asset = _video(session, store, workspace, args.video_kb)
        accounts = []
        for n in range(args.accounts):
            account = Account(
                workspace_id=workspace.id,
                platform="loopback",
                remote_id=f"{run}-{n}",
                handle=f"creator{n}",
            )
            store_tokens(account, fake.connect(account.handle))
            session.add(account)
            accounts.append(account)
        session.flush()
        actor = Actor(user=user, workspace=workspace, role=Role.owner)
        publications = _posts(session, actor, store, asset, accounts, args)
    tasks.schedule(publications)
    return publications


def _video(session: Session, store: MediaStore, workspace: Workspace, size_kb: int) -> MediaAsset:
    content = os.urandom(size_kb * 1024)
    sha = hashlib.sha256(content).hexdigest()
    path = store.asset_path(sha, ".mp4")
    store.path(path).parent.mkdir(parents=True, exist_ok=True)
    store.path(path).write_bytes(content)
    asset = MediaAsset(
        workspace_id=workspace.id,
        sha256=sha,
        filename="bench.mp4",
        content_type="video/mp4",
        kind=AssetKind.video,
        size_bytes=len(content),
        storage_path=path,
        duration_s=15.0,
        width=1080,
        height=1920,
        probe={"facts": {"duration_s": 15.0, "width": 1080, "height": 1920, "has_video": True}},
    )
    session.add(asset)
    session.flush()
    return asset


def _posts(
    session: Session,
    actor: Actor,
    store: MediaStore,
    asset: MediaAsset,
    accounts: list[Account],
    args: argparse.Namespace,
) -> list[Publication]:
    per_post = min(len(accounts), TARGETS_PER_POST_MAX)
    posts = -(-args.publications // per_post)
    first_due = utcnow() + timedelta(seconds=args.lead)
    publications: list[Publication] = []
    for index in range(posts):
        count = min(per_post, args.publications - len(publications))
        offset = args.spread * index / max(1, posts - 1) if posts > 1 else 0.0
        data = PostCreate(
            title=f"Benchmark {index}",
            caption="Load test",
            asset_id=asset.id,
            targets=[TargetCreate(account_id=a.id) for a in accounts[:count]],
            schedule=Schedule(at=first_due + timedelta(seconds=offset)),
        )
        created = service.create_post(session, actor=actor, data=data, store=store)
        publications += created.publications
    return publications


def start_workers(
    env: dict[str, str], plugin: Path, count: int, logs: Path
) -> list[subprocess.Popen[bytes]]:
    worker_env = {
        **os.environ,
        **env,
        "PYTHONPATH": os.pathsep.join([str(plugin), str(ROOT)]),
    }
    processes = []
    for n in range(count):
        log = (logs / f"worker-{n}.log").open("wb")
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "shortops", "worker"],
                env=worker_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=logs,
            )
        )
    return processes


def stop_workers(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def statuses(ids: list[int]) -> Counter[PublicationStatus]:
    with session_scope(get_settings()) as session:
        rows = session.scalars(select(Publication.status).where(Publication.id.in_(ids)))
        return Counter(rows)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="shortops-bench-") as folder:
        home = Path(folder)
        env = configure(home, args)
        get_queue().huey.flush()  # a throw-away queue: nothing from an earlier run
        fake = LoopbackFake()
        fake.processing_polls = 0
        fake.poll_after_s = 1
        print(
            f"database {get_settings().database_backend}, queue {get_settings().queue_backend}, "
            f"{args.workers} workers × {args.threads} threads, {args.publications} publications "
            f"on {args.accounts} accounts due over {args.spread:g} s",
            flush=True,
        )
        # This process checks the posts with the same provider the workers will load.
        plugin = write_plugin(home / "plugin")
        sys.path.insert(0, str(plugin))
        provider_classes.cache_clear()
        started = time.monotonic()
        publications = set_up(fake, args)
        ids = [p.id for p in publications]
        due = {
            p.idempotency_key: p.scheduled_at.timestamp() for p in publications if p.scheduled_at
        }
        print(f"created and queued in {time.monotonic() - started:.1f} s", flush=True)
        workers = start_workers(env, plugin, args.workers, home)
        try:
            last_due = max(due.values())
            deadline = last_due + args.timeout
            while time.time() < deadline:
                counts = statuses(ids)
                if sum(counts[s] for s in FINAL) == len(ids):
                    break
                time.sleep(0.5)
        finally:
            stop_workers(workers)
        counts = statuses(ids)
        with session_scope(get_settings()) as session:
            last_published = session.scalar(
                select(func.max(Publication.published_at)).where(Publication.id.in_(ids))
            )
        lags = [
            fake.first_init_at[key] - at for key, at in due.items() if key in fake.first_init_at
        ]
        duplicates = len([key for key in due if fake.inits.get(key, 0) > 1])
        published = counts[PublicationStatus.published]
        span = (last_published.timestamp() - min(due.values())) if last_published else float("nan")
        result = {
            "publications": len(ids),
            "workers": args.workers,
            "p50_lag_s": round(percentile(lags, 50), 3),
            "p99_lag_s": round(percentile(lags, 99), 3),
            "throughput_per_s": round(published / span, 1) if span and span > 0 else 0.0,
            "duplicates": duplicates,
            "lost": len(ids) - published,
        }
        print("statuses: " + ", ".join(f"{s.value} {n}" for s, n in sorted(counts.items())))
        if lags:
            print(
                f"lag due → upload start: p50 {result['p50_lag_s']} s, p90 "
                f"{percentile(lags, 90):.3f} s, p99 {result['p99_lag_s']} s, max "
                f"{max(lags):.3f} s, mean {statistics.fmean(lags):.3f} s"
            )
        print(
            f"throughput {result['throughput_per_s']}/s over {span:.1f} s; "
            f"duplicates {duplicates}; lost {result['lost']}"
        )
        fake.close()
        print(json.dumps(result))


if __name__ == "__main__":
    main()
