"""Competitors: public accounts a workspace watches, their counters over time, their posts, and
a benchmark of the workspace's own accounts against them.

Figures come from the people who watch (a snapshot typed in, a CSV/XLSX of the competitor's
counters or posts) or, for YouTube channels, from the public Data API (`competitor_polling`).
Snapshots are append-only and idempotent by (competitor, moment, source), like the own
accounts' snapshots; a post is kept once per competitor and remote id, with its latest figures.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.errors import N_, Conflict, InvalidInput, NotFound
from shortops.kit.clock import utcnow
from shortops.metrics import service
from shortops.metrics.schemas import (
    BenchmarkRow,
    CompetitorIn,
    CompetitorPostIn,
    CompetitorSnapshotIn,
)
from shortops.models import (
    Account,
    AccountDay,
    Competitor,
    CompetitorPost,
    CompetitorSnapshot,
    CompetitorSource,
    Publication,
    PublicationFigures,
)
from shortops.workspaces.service import Actor, record

BENCHMARK_DAYS = 28
# A snapshot may be dated a little ahead of the server's clock (another machine's), not more.
FUTURE_SLACK = timedelta(minutes=10)


def known_platforms() -> dict[str, str]:
    return dict(service.import_platforms())


# --- competitors ---------------------------------------------------------------------------------


def list_competitors(session: Session, *, workspace_id: int) -> list[Competitor]:
    query = (
        select(Competitor)
        .where(Competitor.workspace_id == workspace_id)
        .order_by(Competitor.platform, Competitor.handle)
    )
    return list(session.scalars(query))


def get_competitor(session: Session, *, workspace_id: int, competitor_id: int) -> Competitor:
    found = session.get(Competitor, competitor_id)
    if found is None or found.workspace_id != workspace_id:
        raise NotFound(N_("No such competitor in this workspace."))
    return found


def find_competitor(session: Session, *, workspace_id: int, handle: str) -> Competitor:
    """The competitor named `handle` (with or without @), on whatever platform."""
    wanted = service.clean_handle(handle).casefold()
    found = [
        c for c in list_competitors(session, workspace_id=workspace_id)
        if c.handle.casefold() == wanted
    ]  # fmt: skip
    if not found:
        raise NotFound(N_("No competitor @{handle} in this workspace."), handle=wanted)
    if len(found) > 1:
        raise InvalidInput(
            N_("@{handle} is tracked on several platforms: name the platform too."), handle=wanted
        )
    return found[0]


def add_competitor(session: Session, *, actor: Actor, data: CompetitorIn) -> Competitor:
    platforms = known_platforms()
    if data.platform not in platforms:
        raise InvalidInput(
            N_("Unknown platform {platform}: choose one of {known}."),
            platform=data.platform,
            known=", ".join(sorted(platforms)),
        )
    handle = service.clean_handle(data.handle)
    if not handle:
        raise InvalidInput(N_("Give the competitor's handle, e.g. @channel."))
    existing = session.scalar(
        select(Competitor).where(
            Competitor.workspace_id == actor.workspace.id,
            Competitor.platform == data.platform,
            func.lower(Competitor.handle) == handle.casefold(),
        )
    )
    if existing is not None:
        raise Conflict(N_("@{handle} is already tracked on this platform."), handle=handle)
    competitor = Competitor(
        workspace_id=actor.workspace.id,
        platform=data.platform,
        handle=handle,
        display_name=data.display_name.strip(),
        url=data.url,
        notes=data.notes.strip(),
    )
    session.add(competitor)
    session.flush()
    record(
        session,
        action="competitor.added",
        actor=actor,
        target=("competitor", competitor.id),
        data={"platform": data.platform, "handle": handle},
    )
    return competitor


def remove_competitor(session: Session, *, actor: Actor, competitor: Competitor) -> None:
    record(
        session,
        action="competitor.removed",
        actor=actor,
        target=("competitor", competitor.id),
        data={"platform": competitor.platform, "handle": competitor.handle},
    )
    session.delete(competitor)
    session.flush()


# --- what was seen of them -------------------------------------------------------------------


def add_snapshot(
    session: Session,
    *,
    competitor: Competitor,
    data: CompetitorSnapshotIn,
    source: CompetitorSource = CompetitorSource.manual,
) -> CompetitorSnapshot:
    """Store one reading of the competitor's counters; the same moment and source again
    replaces nothing and returns the stored one."""
    if data.followers is None and data.total_views is None and data.posts_count is None:
        raise InvalidInput(N_("Give at least one figure: followers, total views or posts."))
    at = _utc(data.captured_at) if data.captured_at else utcnow()
    if at > utcnow() + FUTURE_SLACK:
        raise InvalidInput(N_("That moment is in the future: give when the figures were read."))
    existing = session.scalar(
        select(CompetitorSnapshot).where(
            CompetitorSnapshot.competitor_id == competitor.id,
            CompetitorSnapshot.captured_at == at,
            CompetitorSnapshot.source == source,
        )
    )
    if existing is not None:
        return existing
    snapshot = CompetitorSnapshot(
        workspace_id=competitor.workspace_id,
        competitor_id=competitor.id,
        captured_at=at,
        source=source,
        followers=data.followers,
        total_views=data.total_views,
        posts_count=data.posts_count,
    )
    session.add(snapshot)
    session.flush()
    return snapshot


def upsert_posts(
    session: Session,
    *,
    competitor: Competitor,
    posts: Sequence[CompetitorPostIn],
    source: CompetitorSource,
    seen_at: datetime | None = None,
) -> tuple[int, int]:
    """(created, updated): each post keyed by its remote id (else its link, else its title and
    publish time), its figures replaced by the newer reading."""
    seen = seen_at or utcnow()
    stored = {
        p.remote_id: p
        for p in session.scalars(
            select(CompetitorPost).where(CompetitorPost.competitor_id == competitor.id)
        )
    }
    created = updated = 0
    for item in posts:
        key = post_key(competitor.platform, item)
        row = stored.get(key)
        if row is None:
            row = CompetitorPost(
                workspace_id=competitor.workspace_id, competitor_id=competitor.id, remote_id=key
            )
            session.add(row)
            stored[key] = row
            created += 1
        else:
            updated += 1
        row.title = item.title or row.title or ""
        row.url = item.url or row.url
        row.published_at = _utc(item.published_at) if item.published_at else row.published_at
        row.duration_s = item.duration_s if item.duration_s is not None else row.duration_s
        for name in ("views", "likes", "comments"):
            value = getattr(item, name)
            if value is not None:
                setattr(row, name, value)
        row.seen_at, row.source = seen, source
    session.flush()
    return created, updated


def post_key(platform: str, item: CompetitorPostIn) -> str:
    if item.remote_id:
        return item.remote_id.strip()[:128]
    if item.url:
        found = service.remote_id_from_url(platform, item.url)
        if found:
            return found[:128]
        return "url:" + hashlib.sha256(service.normalise_url(item.url).encode()).hexdigest()[:40]
    if not item.title:
        raise InvalidInput(N_("A post needs an id, a link or a title."))
    stamp = item.published_at.isoformat() if item.published_at else ""
    text = f"{service.normalise_title(item.title)}|{stamp}"
    return "title:" + hashlib.sha256(text.encode()).hexdigest()[:40]


def snapshots_of(
    session: Session, competitor_id: int, limit: int = 500
) -> list[CompetitorSnapshot]:
    query = (
        select(CompetitorSnapshot)
        .where(CompetitorSnapshot.competitor_id == competitor_id)
        .order_by(CompetitorSnapshot.captured_at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def posts_of(session: Session, competitor_id: int, limit: int = 500) -> list[CompetitorPost]:
    query = (
        select(CompetitorPost)
        .where(CompetitorPost.competitor_id == competitor_id)
        .order_by(CompetitorPost.published_at.desc().nulls_last(), CompetitorPost.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


# --- benchmark -------------------------------------------------------------------------------


@dataclass
class _Series:
    """Followers readings (moment, value), oldest first, and the posts' (published, views)."""

    followers: list[tuple[datetime, int]]
    posts: list[tuple[datetime | None, int | None]]
    posts_count: list[tuple[datetime, int]]


def benchmark(
    session: Session, *, workspace_id: int, days: int = BENCHMARK_DAYS, now: datetime | None = None
) -> list[BenchmarkRow]:
    """Own accounts and competitors side by side over the last `days` days: followers now,
    their change, posts per week and the median views of the posts published in the window."""
    now = now or utcnow()
    start = now - timedelta(days=days)
    rows = [
        _row(label, platform, "own", account_id, _own_series(session, account_id), start, now)
        for account_id, label, platform in _own_accounts(session, workspace_id)
    ]
    for competitor in list_competitors(session, workspace_id=workspace_id):
        series = _competitor_series(session, competitor.id)
        rows.append(
            _row(
                f"@{competitor.handle}", competitor.platform, "competitor", competitor.id,
                series, start, now,
            )
        )  # fmt: skip
    return rows


def _row(
    label: str,
    platform: str,
    kind: str,
    row_id: int,
    series: _Series,
    start: datetime,
    now: datetime,
) -> BenchmarkRow:
    followers_now = series.followers[-1][1] if series.followers else None
    before = [v for at, v in series.followers if at <= start]
    first_in = [v for at, v in series.followers if at > start]
    # One reading in all says nothing of a change.
    base = before[-1] if before else (first_in[0] if len(first_in) > 1 else None)
    change = followers_now - base if followers_now is not None and base is not None else None
    window = [(at, v) for at, v in series.posts if at is not None and start < at <= now]
    posts = len(window)
    if not series.posts and series.posts_count:
        counted_before = [v for at, v in series.posts_count if at <= start]
        posts = series.posts_count[-1][1] - counted_before[-1] if counted_before else 0
    views = [v for _at, v in window if v is not None]
    days = max((now - start).days, 1)
    return BenchmarkRow(
        kind=kind,
        id=row_id,
        label=label,
        platform=platform,
        followers=followers_now,
        followers_change=change,
        growth=(change / base) if change is not None and base else None,
        posts=posts,
        posts_per_week=round(posts * 7 / days, 2),
        median_views=float(median(views)) if views else None,
    )


def _own_accounts(session: Session, workspace_id: int) -> list[tuple[int, str, str]]:
    accounts = session.scalars(
        select(Account).where(Account.workspace_id == workspace_id).order_by(Account.handle)
    )
    return [(a.id, f"@{a.handle.lstrip('@')}", service.platform_key(a)) for a in accounts]


def _own_series(session: Session, account_id: int) -> _Series:
    followers = [
        (datetime.combine(day, datetime.min.time(), UTC), int(value))
        for day, value in session.execute(
            select(AccountDay.day, AccountDay.followers)
            .where(AccountDay.account_id == account_id, AccountDay.followers.is_not(None))
            .order_by(AccountDay.day)
        )
    ]
    posts = [
        (_utc(at) if at else None, None if views is None else int(views))
        for at, views in session.execute(
            select(Publication.published_at, PublicationFigures.views)
            .outerjoin(PublicationFigures, PublicationFigures.publication_id == Publication.id)
            .where(Publication.account_id == account_id, Publication.published_at.is_not(None))
        )
    ]
    return _Series(followers, posts, [])


def _competitor_series(session: Session, competitor_id: int) -> _Series:
    readings = list(
        session.execute(
            select(
                CompetitorSnapshot.captured_at,
                CompetitorSnapshot.followers,
                CompetitorSnapshot.posts_count,
            )
            .where(CompetitorSnapshot.competitor_id == competitor_id)
            .order_by(CompetitorSnapshot.captured_at)
        )
    )
    posts = [
        (_utc(at) if at else None, None if views is None else int(views))
        for at, views in session.execute(
            select(CompetitorPost.published_at, CompetitorPost.views).where(
                CompetitorPost.competitor_id == competitor_id
            )
        )
    ]
    return _Series(
        [(_utc(at), int(f)) for at, f, _p in readings if f is not None],
        posts,
        [(_utc(at), int(p)) for at, _f, p in readings if p is not None],
    )


def followers_over_time(
    session: Session, competitors: Iterable[Competitor]
) -> dict[str, list[tuple[datetime, int]]]:
    """Each competitor's followers readings, for the chart."""
    found = {}
    for competitor in competitors:
        series = _competitor_series(session, competitor.id)
        if series.followers:
            found[f"@{competitor.handle}"] = series.followers
    return found


def summary(session: Session, competitor: Competitor) -> dict[str, Any]:
    """Counts for the list: readings, posts, last reading."""
    readings = session.scalar(
        select(func.count()).where(CompetitorSnapshot.competitor_id == competitor.id)
    )
    posts = session.scalar(
        select(func.count()).where(CompetitorPost.competitor_id == competitor.id)
    )
    last = session.scalar(
        select(func.max(CompetitorSnapshot.captured_at)).where(
            CompetitorSnapshot.competitor_id == competitor.id
        )
    )
    return {"readings": int(readings or 0), "posts": int(posts or 0), "last": last}
