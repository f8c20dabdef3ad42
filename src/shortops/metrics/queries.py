"""Read-only questions Measure answers: totals, series, rankings. Every query is scoped to one
workspace and reads the derived tables (days, latest figures), never raw snapshots in bulk."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, case, cast, func, select
from sqlalchemy.orm import Session, aliased

from shortops.models import (
    Account,
    AccountDay,
    AccountPeriod,
    DayOrigin,
    MetricDay,
    Post,
    Publication,
    PublicationFigures,
)

TOTAL_FIGURES = ("views", "likes", "comments", "shares", "saves", "watch_time_s")


@dataclass(frozen=True)
class Scope:
    """Which accounts a question is about: the workspace, narrowed by platform or accounts."""

    workspace_id: int
    account_ids: tuple[int, ...] | None = None  # None: every account

    def accounts(self, column: Any) -> Any:
        return column.in_(self.account_ids) if self.account_ids is not None else True


def post_totals(session: Session, scope: Scope) -> dict[str, Any]:
    """The sum of every post's latest figures (each post counted once, at its newest figure)."""
    query = select(
        func.count(),
        *[func.sum(getattr(PublicationFigures, name)) for name in TOTAL_FIGURES],
    ).where(
        PublicationFigures.workspace_id == scope.workspace_id,
        scope.accounts(PublicationFigures.account_id),
    )
    count, *sums = session.execute(query).one()
    return {"posts": int(count), **_totals(sums)}


def account_totals(session: Session, scope: Scope) -> dict[str, Any]:
    """The accounts' own figures: per account its newest export "Total" (over the export's
    range), else the sum of the days the platform reported for the account."""
    periods = _latest_periods(session, scope)
    sums = dict.fromkeys(TOTAL_FIGURES, 0.0)
    found = dict.fromkeys(TOTAL_FIGURES, False)
    starts: list[date] = []
    ends: list[date] = []
    with_period: set[int] = set()
    for period in periods:
        with_period.add(period.account_id)
        starts.append(period.start_day)
        ends.append(period.end_day)
        for name in TOTAL_FIGURES:
            value = getattr(period, name)
            if value is not None:
                sums[name] += float(value)
                found[name] = True
    for account_id, first, last, *values in _reported_days(session, scope):
        if account_id in with_period:
            continue
        starts.append(first)
        ends.append(last)
        for name, value in zip(TOTAL_FIGURES, values, strict=True):
            if value is not None:
                sums[name] += float(value)
                found[name] = True
    result = _totals([sums[n] if found[n] else None for n in TOTAL_FIGURES])
    result["period_start"] = min(starts).isoformat() if starts else None
    result["period_end"] = max(ends).isoformat() if ends else None
    return result


def _latest_periods(session: Session, scope: Scope) -> list[AccountPeriod]:
    rows = session.scalars(
        select(AccountPeriod)
        .where(
            AccountPeriod.workspace_id == scope.workspace_id,
            scope.accounts(AccountPeriod.account_id),
        )
        .order_by(AccountPeriod.account_id, AccountPeriod.end_day, AccountPeriod.start_day.desc())
    ).all()
    latest: dict[int, AccountPeriod] = {}
    for row in rows:
        latest[row.account_id] = row  # ordered: the last one is the newest, widest
    return list(latest.values())


def _reported_days(session: Session, scope: Scope) -> Sequence[Any]:
    query: Select[Any] = (
        select(
            AccountDay.account_id,
            func.min(AccountDay.day),
            func.max(AccountDay.day),
            *[func.sum(getattr(AccountDay, name)) for name in TOTAL_FIGURES],
        )
        .where(
            AccountDay.workspace_id == scope.workspace_id,
            AccountDay.origin.in_((DayOrigin.import_, DayOrigin.api)),
            scope.accounts(AccountDay.account_id),
        )
        .group_by(AccountDay.account_id)
    )
    return session.execute(query).all()


def _totals(sums: Sequence[Any]) -> dict[str, Any]:
    values = dict(zip(TOTAL_FIGURES, sums, strict=True))
    watch = values.pop("watch_time_s")
    result: dict[str, Any] = {
        name: int(value) if value is not None else None for name, value in values.items()
    }
    result["watch_time_hours"] = round(float(watch) / 3600, 4) if watch is not None else None
    return result


def totals(
    session: Session, *, workspace_id: int, scope: str, platform: str | None, handle: str | None
) -> dict[str, Any] | None:
    """`scope` totals ("posts" or "account") of the workspace, or of the accounts a platform or
    handle names; None when they name none."""
    found = accounts_in(session, workspace_id=workspace_id, platform=platform, handle=handle)
    if (platform or handle) and not found:
        return None
    narrowed = tuple(a.id for a in found) if (platform or handle) else None
    where = Scope(workspace_id=workspace_id, account_ids=narrowed)
    figures = post_totals(session, where) if scope == "posts" else account_totals(session, where)
    return {"scope": scope, **figures}


def accounts_in(
    session: Session, *, workspace_id: int, platform: str | None, handle: str | None
) -> list[Account]:
    """The workspace's accounts on `platform` (all when None), or the one named `handle`."""
    from shortops.metrics.service import clean_handle, platform_key

    accounts = session.scalars(
        select(Account).where(Account.workspace_id == workspace_id).order_by(Account.id)
    ).all()
    if platform:
        accounts = [a for a in accounts if platform_key(a) == platform]
    if handle:
        wanted = clean_handle(handle).casefold()
        accounts = [a for a in accounts if a.handle.casefold() == wanted]
    return list(accounts)


# --- dashboards ----------------------------------------------------------------------------------

SERIES_FIGURES = ("views", "likes", "comments", "shares", "saves", "watch_time_s")


@dataclass(frozen=True)
class Filters:
    """A dashboard's filters: local days (workspace timezone), platform, account, tag, pillar."""

    start: date
    end: date
    platform: str | None = None
    account_id: int | None = None
    tag: str | None = None
    pillar: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of the same length just before this one."""
        span = timedelta(days=self.days)
        return replace(self, start=self.start - span, end=self.end - span)


def scope_for(session: Session, *, workspace_id: int, filters: Filters) -> Scope:
    """The accounts the filters leave (all of the workspace's when none is chosen)."""
    if filters.platform is None and filters.account_id is None:
        return Scope(workspace_id=workspace_id)
    from shortops.metrics.service import platform_key

    accounts = session.scalars(select(Account).where(Account.workspace_id == workspace_id)).all()
    kept = tuple(
        a.id
        for a in accounts
        if (filters.platform is None or platform_key(a) == filters.platform)
        and (filters.account_id is None or a.id == filters.account_id)
    )
    return Scope(workspace_id=workspace_id, account_ids=kept)


@dataclass(frozen=True)
class DayFigures:
    day: date
    account_id: int
    values: dict[str, float | None]
    followers: int | None = None


def tag_matcher(filters: Filters) -> Callable[[Any, Any], bool] | None:
    """Whether a post (its hashtags, its pillar) passes the tag and pillar filters; None when
    neither is set."""
    if not filters.tag and not filters.pillar:
        return None
    tag = (filters.tag or "").lstrip("#").casefold()

    def keep(hashtags: Any, pillar: Any) -> bool:
        if filters.pillar and (pillar or "") != filters.pillar:
            return False
        return not tag or tag in {str(h).lstrip("#").casefold() for h in hashtags or []}

    return keep


def tagged_publications(session: Session, *, scope: Scope, filters: Filters) -> set[int] | None:
    """The publications a tag or pillar filter keeps; None when neither is set."""
    keep = tag_matcher(filters)
    if keep is None:
        return None
    rows = session.execute(
        select(Publication.id, Post.hashtags, Post.pillar)
        .join(Post, Post.id == Publication.post_id)
        .where(
            Publication.workspace_id == scope.workspace_id, scope.accounts(Publication.account_id)
        )
    ).all()
    return {pid for pid, hashtags, pillar in rows if keep(hashtags, pillar)}


def daily_figures(
    session: Session, *, scope: Scope, filters: Filters, kept: Sequence[int] | None = None
) -> list[DayFigures]:
    """Each account's figures per local day in the filters' range.

    An account's own daily figures (an export's Totals or Overview) are used where it has them,
    else the sum of its posts' days. With a tag or pillar, only those posts' days count.
    """
    if tag_matcher(filters) is not None:
        if kept is None:
            kept = kept_publications(session, scope=scope, filters=filters)
        return _tagged_days(session, scope=scope, filters=filters, kept=kept)
    a = AccountDay
    # Columns, not entities: the ORM's per-row bookkeeping was most of this query's time.
    rows = session.execute(
        select(a.account_id, a.day, a.origin, a.followers, *[getattr(a, n) for n in SERIES_FIGURES])
        .where(
            a.workspace_id == scope.workspace_id,
            scope.accounts(a.account_id),
            a.day >= filters.start,
            a.day <= filters.end,
        )
        .order_by(a.account_id, a.day)
    )
    own: dict[int, dict[date, Any]] = {}
    posts: dict[int, dict[date, Any]] = {}
    followers: dict[tuple[int, date], int] = {}
    for row in rows:
        if row.followers is not None:
            followers[(row.account_id, row.day)] = row.followers
        if row.origin == DayOrigin.import_ and row.views is not None:
            own.setdefault(row.account_id, {})[row.day] = row
        elif row.origin == DayOrigin.posts:
            posts.setdefault(row.account_id, {})[row.day] = row
    result: list[DayFigures] = []
    for account_id in sorted(set(own) | set(posts) | {a for a, _ in followers}):
        chosen = own.get(account_id) or posts.get(account_id) or {}
        days = sorted(set(chosen) | {d for a, d in followers if a == account_id})
        for day in days:
            found = chosen.get(day)
            values = {n: _float(getattr(found, n)) if found else None for n in SERIES_FIGURES}
            result.append(DayFigures(day, account_id, values, followers.get((account_id, day))))
    return result


def _day_range(scope: Scope, filters: Filters) -> tuple[Any, ...]:
    return (
        MetricDay.workspace_id == scope.workspace_id,
        scope.accounts(MetricDay.account_id),
        MetricDay.day >= filters.start,
        MetricDay.day <= filters.end,
    )


def kept_publications(session: Session, *, scope: Scope, filters: Filters) -> list[int]:
    """The publications with days in the filters' range that the tag and pillar filters keep."""
    keep = tag_matcher(filters)
    query = (
        select(Publication.id, Post.hashtags, Post.pillar)
        .join(Post, Post.id == Publication.post_id)
        .where(
            Publication.id.in_(
                select(MetricDay.publication_id).where(*_day_range(scope, filters)).distinct()
            )
        )
    )
    if filters.pillar:
        query = query.where(Post.pillar == filters.pillar)
    tag = (filters.tag or "").lstrip("#")
    if tag and tag.isascii() and "%" not in tag and "_" not in tag:
        # Narrows in the database; `keep` decides. (Stored JSON escapes non-ASCII, hence ASCII.)
        query = query.where(cast(Post.hashtags, String).ilike(f"%{tag}%"))
    return sorted(
        pid
        for pid, hashtags, pillar in session.execute(query)
        if keep is None or keep(hashtags, pillar)
    )


def _tagged_days(
    session: Session, *, scope: Scope, filters: Filters, kept: Sequence[int]
) -> list[DayFigures]:
    """The days of the `kept` posts, summed per account in the database: a post's imported
    day counts, and its derived day fills in the figures the import lacks."""
    in_range = _day_range(scope, filters)
    kept = list(kept)
    sums: dict[tuple[int, date], dict[str, float]] = {}
    for ids in (kept[n : n + 5000] for n in range(0, len(kept), 5000)):
        imported = session.scalar(
            select(MetricDay.id)
            .where(
                *in_range, MetricDay.origin == DayOrigin.import_, MetricDay.publication_id.in_(ids)
            )
            .limit(1)
        )
        queries = [_derived_sums(in_range, ids, fill_in=imported is not None)]
        if imported is not None:
            queries.append(_imported_sums(in_range, ids))
        for query in queries:
            for account_id, day, *values in session.execute(query):
                bucket = sums.setdefault((account_id, day), {})
                for name, value in zip(SERIES_FIGURES, values, strict=True):
                    if value is not None:
                        bucket[name] = bucket.get(name, 0.0) + float(value)
    return [
        DayFigures(day, account_id, {n: values.get(n) for n in SERIES_FIGURES})
        for (account_id, day), values in sorted(sums.items())
    ]


def _imported_sums(in_range: tuple[Any, ...], ids: list[int]) -> Select[Any]:
    return (
        select(
            MetricDay.account_id,
            MetricDay.day,
            *[func.sum(getattr(MetricDay, n)) for n in SERIES_FIGURES],
        )
        .where(*in_range, MetricDay.origin == DayOrigin.import_, MetricDay.publication_id.in_(ids))
        .group_by(MetricDay.account_id, MetricDay.day)
    )


def _derived_sums(in_range: tuple[Any, ...], ids: list[int], *, fill_in: bool) -> Select[Any]:
    """Derived days; with `fill_in`, only the figures no imported day of that post gives."""
    if not fill_in:
        return (
            select(
                MetricDay.account_id,
                MetricDay.day,
                *[func.sum(getattr(MetricDay, n)) for n in SERIES_FIGURES],
            )
            .where(
                *in_range, MetricDay.origin == DayOrigin.derived, MetricDay.publication_id.in_(ids)
            )
            .group_by(MetricDay.account_id, MetricDay.day)
        )
    imported = aliased(MetricDay)
    return (
        select(
            MetricDay.account_id,
            MetricDay.day,
            *[
                func.sum(case((getattr(imported, n).is_(None), getattr(MetricDay, n)), else_=None))
                for n in SERIES_FIGURES
            ],
        )
        .outerjoin(
            imported,
            (imported.publication_id == MetricDay.publication_id)
            & (imported.day == MetricDay.day)
            & (imported.origin == DayOrigin.import_),
        )
        .where(*in_range, MetricDay.origin == DayOrigin.derived, MetricDay.publication_id.in_(ids))
        .group_by(MetricDay.account_id, MetricDay.day)
    )


def _float(value: Any) -> float | None:
    return float(value) if value is not None else None


@dataclass(frozen=True)
class Kpis:
    views: float | None
    likes: float | None
    comments: float | None
    shares: float | None
    saves: float | None
    watch_time_hours: float | None
    engagement_rate: float | None
    followers: int | None  # at the end of the range, summed over accounts that report it
    followers_change: int | None


def kpis(days: Sequence[DayFigures]) -> Kpis:
    """Totals of a range of days, the engagement rate and the followers at its end."""
    sums: dict[str, float | None] = dict.fromkeys(SERIES_FIGURES)
    for row in days:
        for name, value in row.values.items():
            if value is not None:
                sums[name] = (sums[name] or 0.0) + value
    views = sums["views"]
    engaged = [sums[n] for n in ("likes", "comments", "shares", "saves") if sums[n] is not None]
    rate = (sum(v for v in engaged if v is not None) / views) if views and engaged else None
    first: dict[int, int] = {}
    last: dict[int, int] = {}
    for row in sorted(days, key=lambda r: r.day):
        if row.followers is not None:
            first.setdefault(row.account_id, row.followers)
            last[row.account_id] = row.followers
    watch = sums["watch_time_s"]
    return Kpis(
        views=views,
        likes=sums["likes"],
        comments=sums["comments"],
        shares=sums["shares"],
        saves=sums["saves"],
        watch_time_hours=watch / 3600 if watch is not None else None,
        engagement_rate=rate,
        followers=sum(last.values()) if last else None,
        followers_change=sum(last[a] - first[a] for a in last) if last else None,
    )


def engagement_rate(
    views: float | None,
    likes: float | None,
    comments: float | None,
    shares: float | None,
    saves: float | None,
) -> float | None:
    parts = [v for v in (likes, comments, shares, saves) if v is not None]
    return sum(parts) / views if views and parts else None


@dataclass(frozen=True, slots=True)
class PostViews:
    """A post's latest counts, for counting and ranking (its full `PostLine` is loaded only
    when it is shown)."""

    publication_id: int
    account_id: int
    published_at: datetime | None
    views: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None

    @property
    def engagement_rate(self) -> float | None:
        return engagement_rate(self.views, self.likes, self.comments, self.shares, self.saves)


def post_views(
    session: Session,
    *,
    scope: Scope,
    published_from: Any,
    published_to: Any,
    keep: Callable[[Any, Any], bool] | None = None,
) -> list[PostViews]:
    """The posts published within the bounds (UTC), newest first, with their latest counts:
    a few numbers a post where `post_lines` reads twenty (a workspace publishes thousands a
    month)."""
    f = PublicationFigures
    query = (
        select(
            f.publication_id,
            f.account_id,
            f.published_at,
            f.views,
            f.likes,
            f.comments,
            f.shares,
            f.saves,
        )
        .where(
            f.workspace_id == scope.workspace_id,
            scope.accounts(f.account_id),
            f.published_at >= published_from,
            f.published_at < published_to,
        )
        .order_by(f.published_at.desc())
    )
    if keep is None:
        return [PostViews(*row) for row in session.execute(query)]
    query = (
        query.add_columns(Post.hashtags, Post.pillar)
        .join(Publication, Publication.id == f.publication_id)
        .outerjoin(Post, Post.id == Publication.post_id)
    )
    return [PostViews(*row[:-2]) for row in session.execute(query) if keep(*row[-2:])]


@dataclass(frozen=True)
class PostLine:
    """One post in a ranking: who posted it where, when, and its latest figures."""

    publication_id: int
    title: str
    platform: str
    account_id: int
    handle: str
    published_at: Any
    views: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None
    watch_time_s: float | None
    basis: str
    url: str | None
    external: bool
    hashtags: list[str]
    pillar: str

    @property
    def engagement_rate(self) -> float | None:
        return engagement_rate(self.views, self.likes, self.comments, self.shares, self.saves)


def post_lines(
    session: Session,
    *,
    scope: Scope,
    published_from: Any = None,
    published_to: Any = None,
    keep: Callable[[Any, Any], bool] | None = None,
    publication_ids: Sequence[int] | None = None,
) -> list[PostLine]:
    """Posts with their latest figures, newest first, published within the bounds (UTC)."""
    f = PublicationFigures
    query = (
        select(
            f.publication_id, f.platform, f.account_id, f.views, f.likes, f.comments, f.shares,
            f.saves, f.watch_time_s, f.basis, Publication.published_at, Publication.overrides,
            Publication.remote_id, Publication.url, Publication.external, Post.title,
            Post.hashtags, Post.pillar, Account.handle,
        )
        .join(Publication, Publication.id == f.publication_id)
        .join(Account, Account.id == f.account_id)
        .outerjoin(Post, Post.id == Publication.post_id)
        .where(f.workspace_id == scope.workspace_id, scope.accounts(f.account_id))
        .order_by(f.published_at.desc())
    )  # fmt: skip
    if published_from is not None:
        query = query.where(f.published_at >= published_from)
    if published_to is not None:
        query = query.where(f.published_at < published_to)
    if publication_ids is not None:
        query = query.where(f.publication_id.in_(publication_ids))
    lines = []
    for row in session.execute(query):
        if keep is not None and not keep(row.hashtags, row.pillar):
            continue
        title = (row.overrides or {}).get("title") or row.title or row.remote_id or ""
        lines.append(
            PostLine(
                publication_id=row.publication_id,
                title=str(title),
                platform=row.platform,
                account_id=row.account_id,
                handle=row.handle,
                published_at=row.published_at,
                views=row.views,
                likes=row.likes,
                comments=row.comments,
                shares=row.shares,
                saves=row.saves,
                watch_time_s=row.watch_time_s,
                basis=row.basis,
                url=row.url,
                external=row.external,
                hashtags=list(row.hashtags or []),
                pillar=row.pillar or "",
            )
        )
    return lines
