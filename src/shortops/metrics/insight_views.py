"""Measure → Insights: best time to post (a heatmap per account or platform), what drives
views (effects with their intervals), early forecasts of young posts, and recent alerts.

Everything comes from `metrics.insights`, as in the REST API and the CLI; the page adds the
charts and a CSV of each table (`?export=best_time|drivers|forecasts`).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from shortops.metrics import charts, insights
from shortops.metrics.queries import Filters
from shortops.metrics.schemas import BestTimeRead, DriversRead, ForecastRead
from shortops.metrics.views import (
    Analyst,
    chart_json,
    csv_response,
    filter_context,
    filters_from,
)
from shortops.web.csrf import csrf_protect
from shortops.web.pages import page, translate
from shortops.workspaces.deps import DbSession
from shortops.workspaces.permissions import Permission, role_allows
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/measure", dependencies=[Depends(csrf_protect)], include_in_schema=False)

# Heatmaps drawn on the page (the CSV and the API have every group).
MAX_HEATMAPS = 6


def insight_filters(request: Request, actor: Actor) -> Filters:
    """The dashboards' filters, but a year back when no range is chosen."""
    filters = filters_from(request, actor)
    if "range" in request.query_params:
        return filters
    return replace(filters, start=filters.end - timedelta(days=insights.INSIGHT_RANGE - 1))


@router.get("/insights", response_class=HTMLResponse)
def insights_page(request: Request, actor: Analyst, session: DbSession) -> Response:
    filters = insight_filters(request, actor)
    by: Literal["account", "platform"] = (
        "platform" if request.query_params.get("by") == "platform" else "account"
    )
    _ = lambda text: translate(request, text)  # noqa: E731
    workspace_id = actor.workspace.id
    groups = insights.best_times(
        session, workspace_id=workspace_id, filters=filters, by=by, gettext=_
    )
    drivers = insights.drivers(session, workspace_id=workspace_id, filters=filters, gettext=_)
    forecasts = insights.forecasts(session, workspace_id=workspace_id, filters=filters, gettext=_)
    export = request.query_params.get("export")
    if export:
        exported = _export(export, groups, drivers, forecasts, _)
        if exported is not None:
            return exported
    alerts = insights.recent_alerts(
        session, workspace_id=workspace_id, gettext=_, account_id=filters.account_id
    )
    context = filter_context(request, actor, session, filters)
    context["range"] = request.query_params.get("range") or str(insights.INSIGHT_RANGE)
    return page(
        request,
        "measure/insights.html",
        actor=actor,
        active="measure",
        subnav="insights",
        by=by,
        groups=groups,
        heatmaps={g.key: chart_json(_heatmap(g, _)) for g in groups[:MAX_HEATMAPS]},
        audience={g.key: chart_json(_audience(g, _)) for g in groups[:MAX_HEATMAPS] if g.audience},
        more_groups=max(0, len(groups) - MAX_HEATMAPS),
        drivers=drivers,
        drivers_chart=chart_json(_drivers_chart(drivers, _)) if drivers.effects else None,
        forecasts=forecasts,
        alerts=alerts,
        weekdays=insights.weekday_names(_),
        can_import=_can_import(actor),
        **context,
    )


def _can_import(actor: Actor) -> bool:
    return role_allows(actor.role, Permission.import_metrics)


def _hour_labels() -> list[str]:
    return [f"{h:02d}" for h in range(24)]


def _heatmap(group: BestTimeRead, _: Any) -> dict[str, Any]:
    """Lift per local weekday × hour; empty slots blank, each slot's posts in its hover."""
    days = insights.weekday_names(_)
    values: list[list[float | None]] = [[None] * 24 for _day in range(7)]
    text = [[f"{days[d]} {h:02d}:00 · {_('no posts')}" for h in range(24)] for d in range(7)]
    for cell in group.cells:
        assert cell.weekday is not None and cell.hour is not None
        values[cell.weekday][cell.hour] = cell.lift
        slot = f"{days[cell.weekday]} {cell.hour:02d}:00"
        text[cell.weekday][cell.hour] = _("{slot}: {lift}x the usual views, {posts} posts").format(
            slot=slot, lift=f"{cell.lift:.2f}", posts=cell.posts
        )
    return charts.heatmap(
        _("{group}: views against the usual, by time posted").format(group=group.label),
        rows=days,
        columns=_hour_labels(),
        values=values,
        text=text,
        colour_title=_("× views"),
    )


def _audience(group: BestTimeRead, _: Any) -> dict[str, Any]:
    days = insights.weekday_names(_)
    text = [
        [f"{days[d]} {h:02d}:00 · {share:.0%}" for h, share in enumerate(row)]
        for d, row in enumerate(group.audience)
    ]
    figure = charts.heatmap(
        _("{group}: when followers are online").format(group=group.label),
        rows=days,
        columns=_hour_labels(),
        values=group.audience,
        text=text,
        colour_title=_("share of the busiest hour"),
    )
    trace = figure["data"][0]
    trace.update(colorscale="Blues", reversescale=False, zmid=None, zmin=0, zmax=1)
    return figure


def _drivers_chart(found: DriversRead, _: Any) -> dict[str, Any]:
    effects = found.effects
    return charts.intervals(
        _("What goes with more views, and the likely range of each"),
        labels=[e.label for e in effects],
        effects=[e.multiplier for e in effects],
        lows=[e.low for e in effects],
        highs=[e.high for e in effects],
        clear=[e.clear for e in effects],
        x_title=_("× views"),
    )


def _export(
    kind: str,
    groups: list[BestTimeRead],
    drivers: DriversRead,
    forecasts: list[ForecastRead],
    _: Any,
) -> Response | None:
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]
    if kind == "best_time":
        header = ("group", "weekday", "hour", "posts", "lift", "raw_lift", "enough_posts")
        days = insights.weekday_names(_)
        rows = [
            (g.label, days[c.weekday or 0], c.hour, c.posts, c.lift, c.raw_lift, c.claim)
            for g in groups
            for c in g.cells
        ]
        return csv_response("best-time.csv", header, rows)
    if kind == "drivers":
        header = ("feature", "label", "multiplier", "low", "high", "p_value", "posts", "clear")
        rows = [
            (e.feature, e.label, e.multiplier, e.low, e.high, e.p_value, e.posts, e.clear)
            for e in drivers.effects
        ]
        return csv_response("drivers.csv", header, rows)
    if kind == "forecasts":
        header = ("post", "account", "age_hours", "views_now", "expected_day7", "low", "high")
        rows = [
            (f.title, f.handle, f.age_hours, f.views_now, f.expected, f.low, f.high)
            for f in forecasts
        ]
        return csv_response("forecasts.csv", header, rows)
    return None
