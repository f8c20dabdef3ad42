"""The report's insight lines, in the report's language (filled from metrics.analysis)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from shortops.metrics.queries import Filters
from shortops.models import Workspace


def insight_lines(
    session: Session, *, workspace: Workspace, filters: Filters, language: str
) -> list[str]:
    return []
