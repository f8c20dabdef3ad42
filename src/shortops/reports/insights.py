"""The report's insight lines, in the report's language (from `metrics.insights`).

Best time and drivers look a year back from the period's end (a week of posts says nothing
about either); forecasts and alerts are those of the period itself.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy.orm import Session

from shortops.kit.i18n import gettext
from shortops.metrics import insights
from shortops.metrics.queries import Filters
from shortops.models import Workspace

MAX_SLOTS = 3
MAX_EFFECTS = 3
MAX_ALERTS = 5


def insight_lines(
    session: Session, *, workspace: Workspace, filters: Filters, language: str
) -> list[str]:
    def say(text: str) -> str:
        return gettext(language, text)

    year = replace(filters, start=filters.end - timedelta(days=insights.INSIGHT_RANGE - 1))
    lines = []
    groups = insights.best_times(session, workspace_id=workspace.id, filters=year, gettext=say)
    for group in groups[:MAX_SLOTS]:
        if group.top:
            lines.append(f"{group.label}: {group.top[0].message}")
    found = insights.drivers(session, workspace_id=workspace.id, filters=year, gettext=say)
    lines += [e.message for e in found.effects if e.clear][:MAX_EFFECTS]
    alerts = insights.recent_alerts(
        session, workspace_id=workspace.id, days=insights.INSIGHT_RANGE, gettext=say
    )
    lines += [a.message for a in alerts if filters.start <= a.day <= filters.end][:MAX_ALERTS]
    return lines
