"""What the Measure pages and the REST API show, assembled from `queries` (no HTTP here).

A dashboard is asked with `Filters` (local days in the workspace timezone, platform, account,
tag, pillar); each function returns plain data the page renders, the API serialises and the
CSV export writes, so the three never disagree.
"""

from __future__ import annotations

import statistics
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.metrics import queries
from shortops.metrics.figures import day_end, day_start, local_day, zone
from shortops.metrics.queries import DayFigures, Filters, Kpis, PostLine, PostViews
from shortops.metrics.service import platform_key, platform_name
from shortops.models import Account, MetricSnapshot, Publication, Workspace

RANGES = (7, 28, 90, 365)
DEFAULT_RANGE = 28
TOP_POSTS = 10


def default_filters(workspace: Workspace, *, days: int = DEFAULT_RANGE) -> Filters:
    today = local_day(datetime.now().astimezone(), zone(workspace.timezone))
    return Filters(start=today - timedelta(days=days - 1), end=today)


@dataclass(frozen=True)
class Change:
    """A KPI now and in the period before, and the relative change (None without a base)."""

    now: float | None
    before: float | None

    @property
    def ratio(self) -> float | None:
        if self.now is None or not self.before:
            return None
        return self.now / self.before - 1


@dataclass
class AccountRow:
    """One account's figures over the range (the per-platform and per-account tables)."""

    account_id: int | None
    platform: str
    label: str
    posts: int = 0
    views: float | None = None
    likes: float | None = None
    comments: float | None = None
    shares: float | None = None
    saves: float | None = None
    watch_time_hours: float | None = None
    followers: int | None = None
    followers_change: int | None = None
    median_views: float | None = None

    @property
    def engagement_rate(self) -> float | None:
        parts = [v for v in (self.likes, self.comments, self.shares, self.saves) if v is not None]
        return sum(parts) / self.views if self.views and parts else None


@dataclass
class Overview:
    filters: Filters
    kpis: Kpis
    previous: Kpis
    days: list[DayFigures]
    accounts: list[AccountRow]
    platforms: list[AccountRow]
    top: list[PostLine]
    bottom: list[PostLine]
    names: dict[int, str] = field(default_factory=dict)  # account id -> "@handle"
    platforms_of: dict[int, str] = field(default_factory=dict)  # account id -> platform key
    has_data: bool = False

    def change(self, name: str) -> Change:
        return Change(getattr(self.kpis, name), getattr(self.previous, name))


def account_labels(session: Session, workspace_id: int) -> tuple[dict[int, str], dict[int, str]]:
    accounts = session.scalars(select(Account).where(Account.workspace_id == workspace_id)).all()
    names = {a.id: "@" + a.handle.lstrip("@") for a in accounts}
    return names, {a.id: platform_key(a) for a in accounts}


def overview(session: Session, *, workspace: Workspace, filters: Filters) -> Overview:
    scope = queries.scope_for(session, workspace_id=workspace.id, filters=filters)
    kept = None
    if queries.tag_matcher(filters) is not None:
        # One look at the posts for both periods.
        both = replace(filters, start=filters.previous().start)
        kept = queries.kept_publications(session, scope=scope, filters=both)
    days = queries.daily_figures(session, scope=scope, filters=filters, kept=kept)
    before = queries.daily_figures(session, scope=scope, filters=filters.previous(), kept=kept)
    posts = _published_views(session, workspace, filters, scope)
    names, platforms_of = account_labels(session, workspace.id)
    accounts = _account_rows(days, posts, names, platforms_of)
    top, bottom = _top_and_bottom(session, scope, posts)
    return Overview(
        filters=filters,
        kpis=queries.kpis(days),
        previous=queries.kpis(before),
        days=days,
        accounts=accounts,
        platforms=_platform_rows(accounts),
        top=top,
        bottom=bottom,
        names=names,
        platforms_of=platforms_of,
        has_data=bool(days or posts),
    )


def published_in(
    session: Session,
    *,
    workspace: Workspace,
    filters: Filters,
    scope: queries.Scope | None = None,
) -> list[PostLine]:
    """Posts published on the filters' local days, with their latest figures."""
    scope = scope or queries.scope_for(session, workspace_id=workspace.id, filters=filters)
    return queries.post_lines(session, scope=scope, **_published_on(workspace, filters))


def published_page(
    session: Session,
    *,
    workspace: Workspace,
    filters: Filters,
    sort: Callable[[PostViews], float],
    limit: int,
) -> tuple[list[PostLine], int]:
    """The first `limit` posts published on the filters' days by `sort` (largest first; ties
    newest first), loaded in full, and how many posts there are."""
    scope = queries.scope_for(session, workspace_id=workspace.id, filters=filters)
    posts = _published_views(session, workspace, filters, scope)
    shown = [p.publication_id for p in sorted(posts, key=sort, reverse=True)[:limit]]
    return _lines_of(session, scope, shown), len(posts)


def _published_views(
    session: Session, workspace: Workspace, filters: Filters, scope: queries.Scope
) -> list[PostViews]:
    """The counts of the posts published on the filters' local days."""
    return queries.post_views(session, scope=scope, **_published_on(workspace, filters))


def _published_on(workspace: Workspace, filters: Filters) -> dict[str, Any]:
    """The bounds (UTC) of the filters' local days and their tag filter, as `post_lines` and
    `post_views` take them."""
    tz = zone(workspace.timezone)
    return {
        "published_from": day_start(filters.start, tz),
        "published_to": day_end(filters.end, tz),
        "keep": queries.tag_matcher(filters),
    }


def _lines_of(session: Session, scope: queries.Scope, ids: list[int]) -> list[PostLine]:
    """The full lines of the posts `ids`, in that order."""
    if not ids:
        return []
    lines = {
        line.publication_id: line
        for line in queries.post_lines(session, scope=scope, publication_ids=ids)
    }
    return [lines[i] for i in ids if i in lines]


def _top_and_bottom(
    session: Session, scope: queries.Scope, posts: Sequence[PostViews]
) -> tuple[list[PostLine], list[PostLine]]:
    """The most and the least viewed posts (ties: the newer first), loaded in full."""
    ranked = sorted((p for p in posts if p.views is not None), key=lambda p: -(p.views or 0))
    top = [p.publication_id for p in ranked[:TOP_POSTS]]
    bottom = [p.publication_id for p in reversed(ranked[-TOP_POSTS:])]
    if len(ranked) <= TOP_POSTS:
        bottom = []
    lines = {line.publication_id: line for line in _lines_of(session, scope, [*top, *bottom])}
    return [lines[i] for i in top if i in lines], [lines[i] for i in bottom if i in lines]


def _account_rows(
    days: Sequence[DayFigures],
    posts: Sequence[PostViews],
    names: dict[int, str],
    platforms_of: dict[int, str],
) -> list[AccountRow]:
    by_account: dict[int, list[DayFigures]] = defaultdict(list)
    for row in days:
        by_account[row.account_id].append(row)
    posts_of: dict[int, list[PostViews]] = defaultdict(list)
    for post in posts:
        posts_of[post.account_id].append(post)
    rows = []
    for account_id in sorted(set(by_account) | set(posts_of)):
        figures = queries.kpis(by_account.get(account_id, []))
        views = [p.views for p in posts_of.get(account_id, []) if p.views is not None]
        rows.append(
            AccountRow(
                account_id=account_id,
                platform=platforms_of.get(account_id, ""),
                label=names.get(account_id, str(account_id)),
                posts=len(posts_of.get(account_id, [])),
                views=figures.views,
                likes=figures.likes,
                comments=figures.comments,
                shares=figures.shares,
                saves=figures.saves,
                watch_time_hours=figures.watch_time_hours,
                followers=figures.followers,
                followers_change=figures.followers_change,
                median_views=statistics.median(views) if views else None,
            )
        )
    return sorted(rows, key=lambda r: -(r.views or 0))


def _platform_rows(accounts: Sequence[AccountRow]) -> list[AccountRow]:
    grouped: dict[str, AccountRow] = {}
    for row in accounts:
        total = grouped.setdefault(
            row.platform,
            AccountRow(account_id=None, platform=row.platform, label=platform_name(row.platform)),
        )
        total.posts += row.posts
        for name in ("views", "likes", "comments", "shares", "saves", "watch_time_hours"):
            value = getattr(row, name)
            if value is not None:
                setattr(total, name, (getattr(total, name) or 0) + value)
        for name in ("followers", "followers_change"):
            value = getattr(row, name)
            if value is not None:
                setattr(total, name, (getattr(total, name) or 0) + value)
    return sorted(grouped.values(), key=lambda r: -(r.views or 0))


# --- one post: its growth against the account's usual curve ----------------------------------

# Ages (hours since publishing) at which growth curves are compared.
CURVE_AGES = (1, 2, 3, 6, 12, 24, 36, 48, 72, 96, 120, 168, 240, 336, 504, 720)
# The account's usual curve is the median of its latest posts: recent habits, bounded work.
COMPARED_POSTS = 200


@dataclass
class Growth:
    ages: list[int]
    views: list[float | None]  # this post at each age (interpolated between its snapshots)
    median: list[float | None]  # the account's other posts at the same ages
    compared: int  # how many other posts make the median


def growth(session: Session, *, publication: Publication) -> Growth:
    """The post's views by age next to the median of the account's other posts at that age."""
    own = _curve(session, [publication.id]).get(publication.id, [])
    others = session.scalars(
        select(Publication.id)
        .where(
            Publication.account_id == publication.account_id,
            Publication.id != publication.id,
            Publication.published_at.is_not(None),
        )
        .order_by(Publication.published_at.desc())
        .limit(COMPARED_POSTS)
    ).all()
    curves = _curve(session, list(others))
    oldest = own[-1][0] if own else 0
    ages = [a for a in CURVE_AGES if a <= max(oldest, 48)] or list(CURVE_AGES[:6])
    median: list[float | None] = []
    for age in ages:
        found = [v for c in curves.values() if (v := value_at(c, age)) is not None]
        median.append(statistics.median(found) if len(found) >= 3 else None)
    return Growth(
        ages=ages,
        views=[value_at(own, age) for age in ages],
        median=median,
        compared=len(curves),
    )


def _curve(session: Session, ids: list[int]) -> dict[int, list[tuple[float, float]]]:
    """(age in hours, views) of each publication's snapshots, oldest first."""
    if not ids:
        return {}
    published: dict[int, datetime | None] = {
        pid: at
        for pid, at in session.execute(
            select(Publication.id, Publication.published_at).where(Publication.id.in_(ids))
        )
    }
    rows = session.execute(
        select(MetricSnapshot.publication_id, MetricSnapshot.captured_at, MetricSnapshot.views)
        .where(MetricSnapshot.publication_id.in_(ids), MetricSnapshot.views.is_not(None))
        .order_by(MetricSnapshot.publication_id, MetricSnapshot.captured_at)
    ).all()
    curves: dict[int, list[tuple[float, float]]] = defaultdict(list)
    for pid, captured, views in rows:
        start = published.get(pid)
        if start is None:
            continue
        age = (captured - start).total_seconds() / 3600
        if age >= 0:
            curves[pid].append((age, float(views)))
    return dict(curves)


def value_at(curve: Sequence[tuple[float, float]], age: float) -> float | None:
    """Views at `age`, interpolated between the snapshots around it (a post has 0 views when
    published); None after its last snapshot, and before a first snapshot taken much later."""
    if not curve or age > curve[-1][0]:
        return None
    if age < curve[0][0] and curve[0][0] > 2 * age:
        # Publishing (0 views) and a first snapshot days later say little about hour `age`.
        return None
    # The first snapshot at or after `age` (the curve is oldest first; 200 curves × 16 ages).
    index = bisect_left(curve, age, key=_age)
    point = curve[index]
    before = curve[index - 1] if index else (0.0, 0.0)
    span = point[0] - before[0]
    if span <= 0:
        return point[1]
    return before[1] + (point[1] - before[1]) * (age - before[0]) / span


def _age(point: tuple[float, float]) -> float:
    return point[0]


def csv_rows_posts(posts: Sequence[PostLine], names: dict[int, str]) -> list[list[Any]]:
    return [
        [
            p.publication_id,
            p.platform,
            names.get(p.account_id, ""),
            p.title,
            p.published_at.isoformat() if p.published_at else "",
            p.views,
            p.likes,
            p.comments,
            p.shares,
            p.saves,
            round(p.watch_time_s / 3600, 3) if p.watch_time_s is not None else None,
            p.engagement_rate,
            p.url or "",
        ]
        for p in posts
    ]


POST_CSV_HEADER = [
    "publication_id",
    "platform",
    "account",
    "title",
    "published_at_utc",
    "views",
    "likes",
    "comments",
    "shares",
    "saves",
    "watch_time_hours",
    "engagement_rate",
    "url",
]
ACCOUNT_CSV_HEADER = [
    "platform",
    "account",
    "posts",
    "views",
    "likes",
    "comments",
    "shares",
    "saves",
    "watch_time_hours",
    "engagement_rate",
    "followers",
    "followers_change",
    "median_views",
]


def csv_rows_accounts(rows: Sequence[AccountRow]) -> list[list[Any]]:
    return [
        [
            r.platform,
            r.label,
            r.posts,
            r.views,
            r.likes,
            r.comments,
            r.shares,
            r.saves,
            r.watch_time_hours,
            r.engagement_rate,
            r.followers,
            r.followers_change,
            r.median_views,
        ]
        for r in rows
    ]


def day_series(days: Sequence[DayFigures], key: Any, name: str) -> dict[str, dict[date, float]]:
    """`name` per day, summed per `key(account_id)` (platform or account)."""
    series: dict[str, dict[date, float]] = defaultdict(dict)
    for row in days:
        value = row.followers if name == "followers" else row.values.get(name)
        if value is None:
            continue
        bucket = series[str(key(row.account_id))]
        bucket[row.day] = bucket.get(row.day, 0.0) + float(value)
    return dict(series)
