"""The insights read from the database, and what they write (account curves, alerts).

Every function takes the session first and keyword arguments; none commits. Best time and
drivers respect the dashboards' filters (`queries.Filters`): the posts published within its
local days, on its platform or account, with its tag or pillar. Growth curves always come from
the whole account, since how an account's posts grow does not depend on a filter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from shortops.kit.clock import utcnow
from shortops.metrics.analysis.best_time import BestTime, audience_grid, best_time
from shortops.metrics.analysis.common import (
    COMPARABLE_AGE,
    PostHistory,
    PostSample,
    ViewReading,
    comparable_views,
)
from shortops.metrics.analysis.drivers import Drivers, drivers
from shortops.metrics.analysis.forecast import (
    CHECKPOINTS,
    Forecast,
    GrowthCurve,
    default_curve,
    forecast_post,
    growth_curve,
    usual_views,
)
from shortops.metrics.figures import day_end, day_start, zone
from shortops.metrics.queries import (
    Filters,
    Scope,
    scope_for,
    tagged_publications,
)
from shortops.metrics.writes import chunks
from shortops.models import (
    Account,
    AccountCurve,
    AudienceActivity,
    MetricSnapshot,
    Post,
    Publication,
    PublicationFigures,
    Workspace,
)

# Growth curves use each account's newest posts (how it grows now, not two years ago) …
CURVE_POSTS_PER_ACCOUNT = 50


# … published at most this long ago.
CURVE_LOOKBACK = timedelta(days=180)


def workspace_zone(session: Session, workspace_id: int) -> ZoneInfo:
    workspace = session.get(Workspace, workspace_id)
    return ZoneInfo("UTC") if workspace is None else zone(workspace.timezone)


@dataclass(frozen=True)
class _PostRow:
    publication_id: int
    account_id: int
    platform: str
    published_at: datetime
    precise_time: bool
    duration_s: float | None
    title: str
    caption: str
    hashtags: tuple[str, ...]
    pillar: str
    latest_views: float | None
    latest_at: datetime | None


def _post_query(workspace_id: int, scope: Scope) -> Select[Any]:
    return (
        select(
            Publication,
            PublicationFigures.platform,
            PublicationFigures.views,
            PublicationFigures.as_of,
            Post.title,
            Post.caption,
            Post.hashtags,
            Post.pillar,
        )
        .join(PublicationFigures, PublicationFigures.publication_id == Publication.id)
        .outerjoin(Post, Post.id == Publication.post_id)
        .where(
            Publication.workspace_id == workspace_id,
            scope.accounts(Publication.account_id),
            Publication.published_at.is_not(None),
        )
    )


def _post_rows(session: Session, query: Select[Any]) -> list[_PostRow]:
    rows = []
    for publication, platform, views, as_of, title, caption, hashtags, pillar in session.execute(
        query
    ):
        overrides = publication.overrides or {}
        rows.append(
            _PostRow(
                publication_id=publication.id,
                account_id=publication.account_id,
                platform=platform,
                published_at=publication.published_at,
                precise_time=publication.published_precision != "day",
                duration_s=publication.duration_s,
                title=str(overrides.get("title") or title or ""),
                caption=str(overrides.get("caption") or caption or ""),
                hashtags=tuple(str(h) for h in (overrides.get("hashtags") or hashtags or [])),
                pillar=pillar or "",
                latest_views=float(views) if views is not None else None,
                latest_at=as_of,
            )
        )
    return rows


def view_readings(
    session: Session, publication_ids: Iterable[int]
) -> dict[int, tuple[ViewReading, ...]]:
    """Each publication's snapshots of views, oldest first (only the views column is read)."""
    found: dict[int, list[ViewReading]] = defaultdict(list)
    for part in chunks(sorted(set(publication_ids))):
        query = (
            select(MetricSnapshot.publication_id, MetricSnapshot.captured_at, MetricSnapshot.views)
            .where(MetricSnapshot.publication_id.in_(part), MetricSnapshot.views.is_not(None))
            .order_by(MetricSnapshot.publication_id, MetricSnapshot.captured_at)
        )
        for pid, at, views in session.execute(query):
            found[pid].append(ViewReading(at, float(views)))
    return {pid: tuple(readings) for pid, readings in found.items()}


def _history(row: _PostRow, readings: dict[int, tuple[ViewReading, ...]]) -> PostHistory:
    return PostHistory(
        publication_id=row.publication_id,
        account_id=row.account_id,
        published_at=row.published_at,
        readings=readings.get(row.publication_id, ()),
        title=row.title,
    )


def _filtered_rows(
    session: Session, *, workspace_id: int, filters: Filters | None, tz: ZoneInfo
) -> list[_PostRow]:
    """The posts the filters keep: published within their local days, platform, account, tag."""
    if filters is None:
        return _post_rows(session, _post_query(workspace_id, Scope(workspace_id)))
    scope = scope_for(session, workspace_id=workspace_id, filters=filters)
    query = _post_query(workspace_id, scope).where(
        Publication.published_at >= day_start(filters.start, tz),
        Publication.published_at < day_end(filters.end, tz),
    )
    rows = _post_rows(session, query)
    tagged = tagged_publications(session, scope=scope, filters=filters)
    return rows if tagged is None else [r for r in rows if r.publication_id in tagged]


def load_samples(
    session: Session, *, workspace_id: int, filters: Filters | None = None
) -> list[PostSample]:
    """The filtered posts at least 7 days old, with their views at a comparable age."""
    tz = workspace_zone(session, workspace_id)
    rows = _filtered_rows(session, workspace_id=workspace_id, filters=filters, tz=tz)
    old = [
        r
        for r in rows
        if r.latest_at is not None and r.latest_at - r.published_at >= COMPARABLE_AGE
    ]
    readings = view_readings(session, [r.publication_id for r in old])
    samples = []
    for row in old:
        found = comparable_views(
            _history(row, readings), latest_views=row.latest_views, latest_at=row.latest_at
        )
        if found is None:
            continue
        views, basis, age_days = found
        samples.append(
            PostSample(
                publication_id=row.publication_id,
                account_id=row.account_id,
                platform=row.platform,
                published_at=row.published_at,
                views=views,
                basis=basis,
                age_days=age_days,
                precise_time=row.precise_time,
                duration_s=row.duration_s,
                title=row.title,
                caption=row.caption,
                hashtags=row.hashtags,
                pillar=row.pillar,
            )
        )
    return samples


@dataclass(frozen=True)
class GroupBestTime:
    """The heatmap of one account (`by="account"`) or one platform's accounts."""

    key: str  # the account's id or the platform's key, as text
    label: str  # "@handle" or the platform's key
    platform: str
    account_ids: tuple[int, ...]
    result: BestTime


def best_times(
    session: Session,
    *,
    workspace_id: int,
    filters: Filters | None = None,
    by: Literal["account", "platform"] = "account",
) -> list[GroupBestTime]:
    """One heatmap per account (or platform) among the filtered posts, largest first."""
    tz = workspace_zone(session, workspace_id)
    samples = load_samples(session, workspace_id=workspace_id, filters=filters)
    groups: dict[str, list[PostSample]] = defaultdict(list)
    for sample in samples:
        groups[str(sample.account_id) if by == "account" else sample.platform].append(sample)
    handles = account_handles(session, {s.account_id for s in samples})
    result = []
    for key, members in sorted(groups.items(), key=lambda item: -len(item[1])):
        account_ids = tuple(sorted({s.account_id for s in members}))
        audience = audience_grid(_activity(session, account_ids, filters))
        result.append(
            GroupBestTime(
                key=key,
                label=f"@{handles.get(int(key), key)}" if by == "account" else key,
                platform=members[0].platform,
                account_ids=account_ids,
                result=best_time(members, tz=tz, audience=audience),
            )
        )
    return result


def account_handles(session: Session, account_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(account_ids))
    if not ids:
        return {}
    query = select(Account.id, Account.handle).where(Account.id.in_(ids))
    return {int(account_id): str(handle) for account_id, handle in session.execute(query)}


def _activity(
    session: Session, account_ids: Sequence[int], filters: Filters | None
) -> list[tuple[date, int, float]]:
    query = select(
        AudienceActivity.day, AudienceActivity.hour, AudienceActivity.active_followers
    ).where(AudienceActivity.account_id.in_(account_ids))
    if filters is not None:
        query = query.where(
            AudienceActivity.day >= filters.start, AudienceActivity.day <= filters.end
        )
    return [(day, int(hour), float(active)) for day, hour, active in session.execute(query)]


def drivers_for(session: Session, *, workspace_id: int, filters: Filters | None = None) -> Drivers:
    """What drives views among the filtered posts at least 7 days old."""
    tz = workspace_zone(session, workspace_id)
    return drivers(load_samples(session, workspace_id=workspace_id, filters=filters), tz=tz)


@dataclass(frozen=True)
class Curves:
    """Every account's growth curve (where it has one), the workspace's and the default, and
    each account's usual day-7 views."""

    by_account: dict[int, GrowthCurve]
    workspace: GrowthCurve | None
    default: GrowthCurve
    usual: dict[int, float]

    def for_account(self, account_id: int) -> list[GrowthCurve | None]:
        """The curves to try for a post of `account_id`, best first."""
        return [self.by_account.get(account_id), self.workspace, self.default]


def account_curves(session: Session, *, workspace_id: int, now: datetime | None = None) -> Curves:
    """The curves of the workspace's accounts, from their newest posts at least 7 days old."""
    now = now or utcnow()
    query = _post_query(workspace_id, Scope(workspace_id)).where(
        Publication.published_at >= now - CURVE_LOOKBACK,
        Publication.published_at <= now - COMPARABLE_AGE,
        Publication.published_precision != "day",  # an age needs the publish time
    )
    per_account: dict[int, list[_PostRow]] = defaultdict(list)
    for row in sorted(_post_rows(session, query), key=lambda r: r.published_at, reverse=True):
        if len(per_account[row.account_id]) < CURVE_POSTS_PER_ACCOUNT:
            per_account[row.account_id].append(row)
    readings = view_readings(session, [r.publication_id for rs in per_account.values() for r in rs])
    histories = {
        account_id: [_history(r, readings) for r in rows]
        for account_id, rows in per_account.items()
    }
    by_account = {}
    usual = {}
    for account_id, items in histories.items():
        curve = growth_curve(items, source="account", account_id=account_id)
        if curve is not None:
            by_account[account_id] = curve
        typical = usual_views(items)
        if typical is not None:
            usual[account_id] = typical
    pooled = [h for items in histories.values() for h in items]
    return Curves(by_account, growth_curve(pooled, source="workspace"), default_curve(), usual)


def save_curves(session: Session, *, workspace_id: int, curves: Curves) -> int:
    """Store each account's own curve in AccountCurve (fractions of day-7 views: p25, median,
    p75 at each checkpoint age); an account without one keeps no rows. Rows written."""
    now = utcnow()
    existing = {
        (row.account_id, row.age_hours): row
        for row in session.scalars(
            select(AccountCurve).where(AccountCurve.workspace_id == workspace_id)
        )
    }
    wanted: set[tuple[int, int]] = set()
    written = 0
    for account_id, curve in curves.by_account.items():
        for point in curve.points:
            key = (account_id, int(point.age_hours))
            wanted.add(key)
            row = existing.get(key)
            if row is None:
                row = AccountCurve(workspace_id=workspace_id, account_id=account_id,
                                   age_hours=key[1])  # fmt: skip
                session.add(row)
            row.posts, row.p25, row.median, row.p75 = (
                point.posts, point.p25, point.median, point.p75
            )  # fmt: skip
            row.computed_at = now
            written += 1
    for key, row in existing.items():
        if key not in wanted:  # a checkpoint (or an account's curve) without posts any more
            session.delete(row)
    session.flush()
    return written


def stored_curve(session: Session, *, account_id: int) -> list[AccountCurve]:
    """An account's stored curve, youngest age first (what pages draw)."""
    return list(
        session.scalars(
            select(AccountCurve)
            .where(AccountCurve.account_id == account_id, AccountCurve.age_hours.in_(CHECKPOINTS))
            .order_by(AccountCurve.age_hours)
        )
    )


def young_histories(
    session: Session,
    *,
    workspace_id: int,
    filters: Filters | None = None,
    now: datetime | None = None,
) -> list[PostHistory]:
    """The filtered posts younger than 7 days (with a publish time), with their snapshots."""
    now = now or utcnow()
    tz = workspace_zone(session, workspace_id)
    rows = [
        r
        for r in _filtered_rows(session, workspace_id=workspace_id, filters=filters, tz=tz)
        if r.precise_time and now - COMPARABLE_AGE < r.published_at <= now
    ]
    readings = view_readings(session, [r.publication_id for r in rows])
    return [_history(r, readings) for r in rows]


def forecasts_for(
    session: Session,
    *,
    workspace_id: int,
    filters: Filters | None = None,
    now: datetime | None = None,
    curves: Curves | None = None,
) -> list[Forecast]:
    """Day-7 forecasts of the filtered young posts, newest snapshot first."""
    now = now or utcnow()
    curves = curves or account_curves(session, workspace_id=workspace_id, now=now)
    found = []
    for history in young_histories(session, workspace_id=workspace_id, filters=filters, now=now):
        forecast = forecast_post(
            history,
            curves=curves.for_account(history.account_id),
            usual=curves.usual.get(history.account_id),
        )
        if forecast is not None:
            found.append(forecast)
    return sorted(found, key=lambda f: f.at, reverse=True)
