"""Column helpers every model shares."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from shortops.kit.clock import utcnow


def created_at_column() -> Mapped[datetime]:
    return mapped_column(default=utcnow)


def workspace_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
