"""The insights read from the database, and what they write (account curves, alerts).

Every function takes the session first and keyword arguments; none commits. Best time and
drivers respect the dashboards' filters (`queries.Filters`): the posts published within its
local days, on its platform or account, with its tag or pillar. Growth curves always come from
the whole account, since how an account's posts grow does not depend on a filter.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, insert, select
from sqlalchemy.orm import Session

from shortops.kit.clock import utcnow
from shortops.metrics.analysis import alerts as alerting
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
from shortops.metrics.figures import day_end, day_start, local_day, zone
from shortops.metrics.queries import (
    Filters,
    Scope,
    daily_figures,
    scope_for,
    tagged_publications,
)
from shortops.metrics.writes import chunks
from shortops.models import (
    Account,
    AccountCurve,
    AlertKind,
    AudienceActivity,
    DayOrigin,
    MetricAlert,
    MetricDay,
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
# Spikes are looked for on the last days (today's views are still coming in, so yesterday is
# checked again on the next run; the unique key keeps the alert single).
SPIKE_CHECK_DAYS = 2
# Forecast verdicts are raised once per post, not once per day they stay true.
ONCE_PER_POST = frozenset({AlertKind.taking_off, AlertKind.underperforming})


def workspace_zone(session: Session, workspace_id: int) -> ZoneInfo:
    workspace = session.get(Workspace, workspace_id)
    return ZoneInfo("UTC") if workspace is None else zone(workspace.timezone)


# --- posts and their snapshots -------------------------------------------------------------------


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


# --- best time and drivers ----------------------------------------------------------------------


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
    handles = _handles(session, {s.account_id for s in samples})
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


def _handles(session: Session, account_ids: Iterable[int]) -> dict[int, str]:
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


# --- growth curves and forecasts ----------------------------------------------------------------


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


# --- alerts ---------------------------------------------------------------------------------------


@dataclass
class AlertRun:
    """What one run raised: new alerts stored, alerts already there, alerts with no post."""

    raised: list[alerting.Alert] = field(default_factory=list)
    known: int = 0
    unstored: list[alerting.Alert] = field(default_factory=list)
    curves_written: int = 0


def raise_alerts(session: Session, *, workspace_id: int, now: datetime | None = None) -> AlertRun:
    """The worker's per-workspace run: refresh the account curves, then raise forecast
    verdicts, stalls and spikes, each stored once (see `write_alerts`)."""
    now = now or utcnow()
    tz = workspace_zone(session, workspace_id)
    curves = account_curves(session, workspace_id=workspace_id, now=now)
    written = save_curves(session, workspace_id=workspace_id, curves=curves)
    candidates: list[alerting.Alert] = []
    for history in young_histories(session, workspace_id=workspace_id, now=now):
        candidates += _young_post_alerts(history, curves, tz)
    candidates += _spike_alerts(session, workspace_id=workspace_id, tz=tz, now=now)
    run = write_alerts(session, workspace_id=workspace_id, alerts=candidates)
    run.curves_written = written
    return run


def _young_post_alerts(history: PostHistory, curves: Curves, tz: ZoneInfo) -> list[alerting.Alert]:
    found = []
    forecast = forecast_post(
        history,
        curves=curves.for_account(history.account_id),
        usual=curves.usual.get(history.account_id),
    )
    verdict = alerting.verdict_alert(forecast, tz) if forecast is not None else None
    if verdict is not None:
        found.append(verdict)
    own = curves.by_account.get(history.account_id) or curves.workspace
    stall = alerting.find_stall(history, own)
    if stall is not None:
        found.append(alerting.stall_alert(history, stall, tz))
    return found


def _spike_alerts(
    session: Session, *, workspace_id: int, tz: ZoneInfo, now: datetime
) -> list[alerting.Alert]:
    today = local_day(now, tz)
    check_from = today - timedelta(days=SPIKE_CHECK_DAYS - 1)
    start = check_from - timedelta(days=alerting.SPIKE_WINDOW_DAYS)
    post_days = _post_days(session, workspace_id=workspace_id, start=start)
    posts = _publications(session, post_days)
    found = []
    for pid, series in post_days.items():
        publication, title = posts[pid]
        published = publication.published_at
        # Without a publish time, the post's first day on record is as far back as it goes.
        first = local_day(published, tz) if published is not None else min(series)
        for spike in alerting.find_spikes(
            series, first_day=first, last_day=today, check_from=check_from
        ):
            found.append(
                alerting.post_spike_alert(
                    publication_id=pid, account_id=publication.account_id, title=title,
                    spike=spike,
                )
            )  # fmt: skip
    found += _account_spikes(
        session, workspace_id=workspace_id, start=start, today=today, check_from=check_from,
        post_days=post_days, posts=posts,
    )  # fmt: skip
    return found


def _post_days(session: Session, *, workspace_id: int, start: date) -> dict[int, dict[date, float]]:
    """Each post's views per local day since `start`: a file's day where there is one, else
    the day derived from its snapshots."""
    query = select(
        MetricDay.publication_id, MetricDay.day, MetricDay.origin, MetricDay.views
    ).where(
        MetricDay.workspace_id == workspace_id,
        MetricDay.day >= start,
        MetricDay.views.is_not(None),
        MetricDay.origin.in_((DayOrigin.import_, DayOrigin.derived)),
    )
    derived: dict[int, dict[date, float]] = defaultdict(dict)
    imported: dict[int, dict[date, float]] = defaultdict(dict)
    for pid, day, origin, views in session.execute(query):
        (imported if origin == DayOrigin.import_ else derived)[pid][day] = float(views)
    return {pid: {**derived.get(pid, {}), **imported.get(pid, {})} for pid in {*derived, *imported}}


def _publications(
    session: Session, post_days: dict[int, dict[date, float]]
) -> dict[int, tuple[Publication, str]]:
    found: dict[int, tuple[Publication, str]] = {}
    for part in chunks(sorted(post_days)):
        query = (
            select(Publication, Post.title)
            .outerjoin(Post, Post.id == Publication.post_id)
            .where(Publication.id.in_(part))
        )
        for publication, title in session.execute(query):
            override = (publication.overrides or {}).get("title")
            found[publication.id] = (
                publication,
                str(override or title or publication.remote_id or ""),
            )
    return found


def _account_spikes(
    session: Session,
    *,
    workspace_id: int,
    start: date,
    today: date,
    check_from: date,
    post_days: dict[int, dict[date, float]],
    posts: dict[int, tuple[Publication, str]],
) -> list[alerting.Alert]:
    """Spikes of each account's daily views (its own figures where it has them, else the sum
    of its posts' days, as the dashboards show them)."""
    series: dict[int, dict[date, float]] = defaultdict(dict)
    for row in daily_figures(
        session, scope=Scope(workspace_id), filters=Filters(start=start, end=today)
    ):
        views = row.values.get("views")
        if views is not None:
            series[row.account_id][row.day] = views
    top = _top_posts(post_days, posts)
    handles = _handles(session, series)
    found = []
    for account_id, values in series.items():
        for spike in alerting.find_spikes(
            values, first_day=min(values), last_day=today, check_from=check_from,
            missing_is_zero=False,
        ):  # fmt: skip
            found.append(
                alerting.account_spike_alert(
                    account_id=account_id,
                    handle=handles.get(account_id, str(account_id)),
                    spike=spike,
                    top_post=top.get((account_id, spike.day)),
                )
            )
    return found


def _top_posts(
    post_days: dict[int, dict[date, float]], posts: dict[int, tuple[Publication, str]]
) -> dict[tuple[int, date], tuple[int, str]]:
    """The post with the most views of each account and day: (publication id, title)."""
    best: dict[tuple[int, date], tuple[float, int]] = {}
    for pid, days in post_days.items():
        account_id = posts[pid][0].account_id
        for day, views in days.items():
            if views > best.get((account_id, day), (-1.0, 0))[0]:
                best[(account_id, day)] = (views, pid)
    return {key: (pid, posts[pid][1]) for key, (_, pid) in best.items()}


def write_alerts(
    session: Session, *, workspace_id: int, alerts: Sequence[alerting.Alert]
) -> AlertRun:
    """Store the alerts not stored yet: one per (post, kind, day), as MetricAlert's unique key
    says, and a forecast verdict once per post. Running twice stores nothing the second time."""
    run = AlertRun()
    stored = [a for a in alerts if a.publication_id is not None]
    run.unstored = [a for a in alerts if a.publication_id is None]
    seen_days: set[tuple[int, AlertKind, date]] = set()
    seen_posts: set[tuple[int, AlertKind]] = set()
    for part in chunks(sorted({a.publication_id for a in stored if a.publication_id})):
        query = select(MetricAlert.publication_id, MetricAlert.kind, MetricAlert.day).where(
            MetricAlert.publication_id.in_(part)
        )
        for pid, kind, day in session.execute(query):
            seen_days.add((pid, AlertKind(kind), day))
            seen_posts.add((pid, AlertKind(kind)))
    new = []
    for alert in stored:
        assert alert.publication_id is not None
        key = (alert.publication_id, alert.kind, alert.day)
        once = (alert.publication_id, alert.kind)
        if key in seen_days or (alert.kind in ONCE_PER_POST and once in seen_posts):
            run.known += 1
            continue
        seen_days.add(key)
        seen_posts.add(once)
        new.append(alert)
    for part in chunks([a.row(workspace_id) for a in new]):
        session.execute(insert(MetricAlert), list(part))
    run.raised = new
    return run
