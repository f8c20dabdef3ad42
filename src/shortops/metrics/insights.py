"""Measure's insights as answers: best time to post, what drives views, early forecasts, alerts.

`metrics.analysis` computes; this module turns its results into the shapes the page, the REST
API and the CLI all show (`schemas.*Read`), with every sentence rendered in the reader's
language. Insights look further back than the dashboards (a year by default): a best time or a
driver from four weeks of posts is rarely more than noise.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.errors import N_
from shortops.kit.clock import utcnow
from shortops.metrics import dashboard
from shortops.metrics.analysis import alert_runs, loaders
from shortops.metrics.analysis.alerts import Alert
from shortops.metrics.analysis.best_time import Cell
from shortops.metrics.analysis.common import WEEKDAYS, Message
from shortops.metrics.analysis.drivers import Drivers, Effect, level_label
from shortops.metrics.analysis.forecast import Forecast
from shortops.metrics.queries import Filters
from shortops.metrics.schemas import (
    AlertRead,
    BestTimeRead,
    CellRead,
    DriversRead,
    EffectRead,
    ForecastRead,
    SlotRead,
)
from shortops.models import (
    Account,
    MetricAlert,
    NotificationKind,
    Post,
    Publication,
    Workspace,
)
from shortops.notifications.service import notify

Gettext = Callable[[str], str]
INSIGHT_RANGE = 365
ALERT_DAYS = 30
# A first run over months of imported history can find dozens of old spikes: the bell gets the
# newest few, the Insights page lists them all.
MAX_NOTIFIED = 10

_SHORT_LABELS = {
    "question": N_("Question in the title"),
    "title_length": N_("+10 title characters"),
    "hashtags": N_("+1 hashtag"),
    "no_pillar": N_("no pillar"),
}


def default_filters(workspace: Workspace) -> Filters:
    return dashboard.default_filters(workspace, days=INSIGHT_RANGE)


def _say(message: Message, gettext: Gettext | None) -> str:
    return message.render(gettext)


def _identity(text: str) -> str:
    return text


# --- best time -------------------------------------------------------------------------------


def best_times(
    session: Session,
    *,
    workspace_id: int,
    filters: Filters,
    by: Literal["account", "platform"] = "account",
    gettext: Gettext | None = None,
) -> list[BestTimeRead]:
    """One heatmap per account (or platform), the group with most posts first."""
    groups = loaders.best_times(session, workspace_id=workspace_id, filters=filters, by=by)
    return [
        BestTimeRead(
            key=group.key,
            label=group.label,
            platform=group.platform,
            account_ids=list(group.account_ids),
            posts=group.result.posts,
            claim=group.result.claim,
            top=[
                SlotRead(
                    weekday=slot.weekday,
                    hour=slot.hour,
                    lift=round(slot.lift, 3),
                    posts=slot.posts,
                    audience_share=slot.audience_share,
                    message=_say(slot.message, gettext),
                )
                for slot in group.result.top
            ],
            messages=[_say(m, gettext) for m in group.result.messages],
            cells=[_cell(c) for row in group.result.grid for c in row if c.posts],
            hours=[_cell(c) for c in group.result.hours],
            weekdays=[_cell(c) for c in group.result.weekdays],
            audience=_audience(group.result.audience),
            audience_days=group.result.audience.days if group.result.audience else 0,
            skipped_day_only=group.result.skipped_day_only,
        )
        for group in groups
    ]


def _cell(cell: Cell) -> CellRead:
    return CellRead(
        weekday=cell.weekday,
        hour=cell.hour,
        posts=cell.posts,
        lift=round(cell.lift, 3),
        raw_lift=None if cell.raw_lift is None else round(cell.raw_lift, 3),
        claim=cell.claim,
    )


def _audience(grid: object) -> list[list[float]]:
    cells = getattr(grid, "cells", None)
    if not cells:
        return []
    return [[round(c.share, 3) for c in row] for row in cells]


# --- drivers ---------------------------------------------------------------------------------


def drivers(
    session: Session, *, workspace_id: int, filters: Filters, gettext: Gettext | None = None
) -> DriversRead:
    found: Drivers = loaders.drivers_for(session, workspace_id=workspace_id, filters=filters)
    return DriversRead(
        posts=found.posts,
        enough=found.enough,
        needed=found.needed,
        r_squared=None if found.r_squared is None else round(found.r_squared, 3),
        messages=[_say(m, gettext) for m in found.messages],
        effects=[_effect(e, gettext) for e in found.effects],
    )


def effect_label(effect: Effect, gettext: Gettext | None = None) -> str:
    """A short name for a chart's axis: "under 20 s vs 20–40 s", "#tips", "+1 hashtag"."""
    say = gettext or _identity
    if effect.feature in ("duration", "hour", "weekday"):
        level = say(level_label(effect.feature, effect.level))
        reference = say(level_label(effect.feature, effect.reference))
        return say(N_("{level} vs {reference}")).format(level=level, reference=reference)
    if effect.feature == "tag":
        return f"#{effect.level}"
    if effect.feature == "pillar":
        level = effect.level or say(_SHORT_LABELS["no_pillar"])
        reference = effect.reference or say(_SHORT_LABELS["no_pillar"])
        return say(N_("{level} vs {reference}")).format(level=level, reference=reference)
    return say(_SHORT_LABELS.get(effect.feature, effect.feature))


def _effect(effect: Effect, gettext: Gettext | None) -> EffectRead:
    return EffectRead(
        feature=effect.feature,
        level=effect.level,
        reference=effect.reference,
        label=effect_label(effect, gettext),
        multiplier=round(effect.multiplier, 3),
        low=round(effect.low, 3),
        high=round(effect.high, 3),
        p_value=round(effect.p_value, 4),
        posts=effect.posts,
        clear=effect.clear,
        message=_say(effect.message, gettext),
    )


# --- forecasts and alerts --------------------------------------------------------------------


def forecasts(
    session: Session,
    *,
    workspace_id: int,
    filters: Filters | None = None,
    gettext: Gettext | None = None,
    now: datetime | None = None,
) -> list[ForecastRead]:
    """Day-7 forecasts of the posts younger than 7 days (the filters' platform, account, tag
    and pillar apply; their dates do not, as a young post is always from the last week)."""
    now = now or utcnow()
    wide = None
    if filters is not None:
        # A day of margin each side: the workspace's local day may not be UTC's.
        wide = Filters(
            now.date() - timedelta(days=8),
            now.date() + timedelta(days=1),
            filters.platform,
            filters.account_id,
            filters.tag,
            filters.pillar,
        )
    found = loaders.forecasts_for(session, workspace_id=workspace_id, filters=wide, now=now)
    names = _post_names(session, [f.publication_id for f in found])
    return [_forecast(f, names.get(f.publication_id, ("", "")), gettext) for f in found]


def _forecast(forecast: Forecast, names: tuple[str, str], gettext: Gettext | None) -> ForecastRead:
    return ForecastRead(
        publication_id=forecast.publication_id,
        account_id=forecast.account_id,
        title=names[0],
        handle=names[1],
        age_hours=round(forecast.age_hours, 1),
        views_now=round(forecast.views_now),
        expected=round(forecast.expected),
        low=round(forecast.low),
        high=round(forecast.high),
        usual=None if forecast.usual is None else round(forecast.usual),
        verdict=forecast.verdict.value if forecast.verdict else None,
        curve=forecast.curve_source,
        message=_say(forecast.message, gettext),
    )


def _post_names(session: Session, publication_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    if not publication_ids:
        return {}
    query = (
        select(Publication.id, Post.title, Account.handle)
        .join(Post, Post.id == Publication.post_id)
        .join(Account, Account.id == Publication.account_id)
        .where(Publication.id.in_(publication_ids))
    )
    return {int(pid): (str(title), str(handle)) for pid, title, handle in session.execute(query)}


def recent_alerts(
    session: Session,
    *,
    workspace_id: int,
    days: int = ALERT_DAYS,
    gettext: Gettext | None = None,
    account_id: int | None = None,
    limit: int = 100,
) -> list[AlertRead]:
    """The alerts raised in the last `days` days, newest first."""
    since = utcnow() - timedelta(days=days)
    query = (
        select(MetricAlert, Publication.account_id)
        .join(Publication, Publication.id == MetricAlert.publication_id)
        .where(MetricAlert.workspace_id == workspace_id, MetricAlert.created_at >= since)
        .order_by(MetricAlert.day.desc(), MetricAlert.id.desc())
        .limit(limit)
    )
    if account_id is not None:
        query = query.where(Publication.account_id == account_id)
    return [
        AlertRead(
            id=alert.id,
            publication_id=alert.publication_id,
            account_id=int(owner),
            kind=alert.kind.value,
            day=alert.day,
            message=alert_text(alert, gettext),
            created_at=alert.created_at,
        )
        for alert, owner in session.execute(query)
    ]


def alert_text(alert: MetricAlert, gettext: Gettext | None = None) -> str:
    say = gettext or _identity
    try:
        return str(say(alert.message).format(**alert.params))
    except (KeyError, IndexError, ValueError):
        return alert.message


def weekday_names(gettext: Gettext | None = None) -> list[str]:
    say = gettext or _identity
    return [say(name) for name in WEEKDAYS]


def workspaces_with_posts(session: Session) -> list[int]:
    query = select(Publication.workspace_id).where(Publication.published_at.is_not(None))
    return sorted({int(w) for w in session.scalars(query.distinct())})


def raise_and_notify(session: Session, *, workspace_id: int, now: datetime | None = None) -> int:
    """Raise the workspace's new alerts (stored once each) and notify its members of the
    newest; returns how many were raised."""
    run = alert_runs.raise_alerts(session, workspace_id=workspace_id, now=now)
    newest = sorted(run.raised, key=lambda a: a.day, reverse=True)[:MAX_NOTIFIED]
    for alert in newest:
        _notify(session, workspace_id, alert)
    return len(run.raised)


def _notify(session: Session, workspace_id: int, alert: Alert) -> None:
    notify(
        session,
        workspace_id=workspace_id,
        kind=NotificationKind.metric_alert,
        message=alert.message.template,
        params=dict(alert.message.params),
        link=f"/measure/posts/{alert.publication_id}",
    )
