"""What a report says: its period, KPIs against the period before, platforms, top posts,
insights and charts. Plain data; `render` turns it into HTML and PDF."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.errors import N_, InvalidInput
from shortops.metrics import dashboard
from shortops.metrics.queries import Filters
from shortops.metrics.service import platform_name
from shortops.models import Report, ReportKind, ReportSchedule, Workspace
from shortops.reports import svg

TITLES = {ReportKind.weekly: N_("Weekly report"), ReportKind.monthly: N_("Monthly report")}


def last_period(kind: ReportKind, today: date) -> tuple[date, date]:
    """The last complete week (Monday to Sunday) or calendar month before `today`."""
    if kind == ReportKind.weekly:
        this_monday = today - timedelta(days=today.weekday())
        return this_monday - timedelta(days=7), this_monday - timedelta(days=1)
    first_of_month = today.replace(day=1)
    last = first_of_month - timedelta(days=1)
    return last.replace(day=1), last


def period_containing(kind: ReportKind, day: date) -> tuple[date, date]:
    if kind == ReportKind.weekly:
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    end = day.replace(day=calendar.monthrange(day.year, day.month)[1])
    return day.replace(day=1), end


def parse_kind(value: str) -> ReportKind:
    try:
        return ReportKind(value)
    except ValueError:
        raise InvalidInput(N_("A report is weekly or monthly, not {value}."), value=value) from None


@dataclass
class ReportData:
    kind: ReportKind
    workspace: Workspace
    start: date
    end: date
    language: str
    found: dashboard.Overview
    insights: list[str] = field(default_factory=list)
    charts: dict[str, str] = field(default_factory=dict)  # name -> inline SVG

    def change(self, name: str) -> float | None:
        return self.found.change(name).ratio

    def summary(self) -> dict[str, Any]:
        """What the report list and the webhook show without opening the file."""
        k = self.found.kpis
        return {
            "views": k.views,
            "engagement_rate": k.engagement_rate,
            "followers": k.followers,
            "followers_change": k.followers_change,
            "watch_time_hours": k.watch_time_hours,
            "views_change": self.change("views"),
            "posts": sum(r.posts for r in self.found.accounts),
            "top_post": self.found.top[0].title if self.found.top else None,
        }


def build(
    session: Session,
    *,
    workspace: Workspace,
    kind: ReportKind,
    start: date,
    end: date,
    language: str,
    gettext: Callable[[str], str],
    insights: Callable[[Filters], list[str]] | None = None,
) -> ReportData:
    filters = Filters(start=start, end=end)
    found = dashboard.overview(session, workspace=workspace, filters=filters)
    data = ReportData(kind, workspace, start, end, language, found)
    data.insights = insights(filters) if insights else []
    data.charts = _charts(found, gettext)
    return data


def _charts(found: dashboard.Overview, _: Callable[[str], str]) -> dict[str, str]:
    charts: dict[str, str] = {}
    days = [
        date.fromordinal(n)
        for n in range(found.filters.start.toordinal(), found.filters.end.toordinal() + 1)
    ]
    views = dashboard.day_series(found.days, found.platforms_of.get, "views")
    if views:
        names = {k: platform_name(k) for k in views}
        charts["views"] = svg.stacked_days(
            _("Views per day, by platform"), days=days, series=views, names=names
        )
    if found.top:
        top = found.top[:8]
        charts["top"] = svg.horizontal_bars(
            _("Top posts by views"),
            labels=[_short(p.title) for p in top],
            values=[float(p.views or 0) for p in top],
        )
    return charts


def _short(title: str, limit: int = 28) -> str:
    return title if len(title) <= limit else title[: limit - 1] + "…"


def schedule_for(session: Session, *, workspace_id: int, kind: ReportKind) -> ReportSchedule:
    """The workspace's schedule of `kind` (a disabled one when it has none yet)."""
    row = session.scalar(
        select(ReportSchedule).where(
            ReportSchedule.workspace_id == workspace_id, ReportSchedule.kind == kind
        )
    )
    if row is None:
        row = ReportSchedule(workspace_id=workspace_id, kind=kind, enabled=False, emails=[])
        session.add(row)
        session.flush()
    return row


def reports_of(session: Session, *, workspace_id: int, limit: int = 200) -> list[Report]:
    return list(
        session.scalars(
            select(Report)
            .where(Report.workspace_id == workspace_id)
            .order_by(Report.period_start.desc(), Report.id.desc())
            .limit(limit)
        )
    )
