"""Alerts from the database: young posts taking off or falling behind their account's curve,
spikes and stalls in daily views; each alert stored once and notified."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from shortops.kit.clock import utcnow
from shortops.metrics.analysis import alerts as alerting
from shortops.metrics.analysis.common import (
    PostHistory,
)
from shortops.metrics.analysis.forecast import (
    forecast_post,
)
from shortops.metrics.analysis.loaders import (
    Curves,
    account_curves,
    account_handles,
    save_curves,
    workspace_zone,
    young_histories,
)
from shortops.metrics.figures import local_day
from shortops.metrics.queries import (
    Filters,
    Scope,
    daily_figures,
)
from shortops.metrics.writes import chunks
from shortops.models import (
    AlertKind,
    DayOrigin,
    MetricAlert,
    MetricDay,
    Post,
    Publication,
)

# Spikes are looked for on the last days (today's views are still coming in, so yesterday is
# checked again on the next run; the unique key keeps the alert single).
SPIKE_CHECK_DAYS = 2


# Forecast verdicts are raised once per post, not once per day they stay true.
ONCE_PER_POST = frozenset({AlertKind.taking_off, AlertKind.underperforming})


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
    handles = account_handles(session, series)
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
