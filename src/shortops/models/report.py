"""Weekly and monthly reports: the ones made, and when each workspace wants them delivered."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shortops.db.base import Base, IdMixin
from shortops.models._columns import created_at_column, workspace_fk


class ReportKind(enum.StrEnum):
    weekly = "weekly"
    monthly = "monthly"


class Report(IdMixin, Base):
    """One report of one period; its HTML and PDF live in the media store."""

    __tablename__ = "report"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "period_start", "language"),)

    workspace_id: Mapped[int] = workspace_fk()
    kind: Mapped[ReportKind] = mapped_column(Enum(ReportKind, native_enum=False, length=16))
    period_start: Mapped[date]
    period_end: Mapped[date]
    language: Mapped[str] = mapped_column(String(16), default="en")
    html_path: Mapped[str] = mapped_column(String(500), default="")
    pdf_path: Mapped[str] = mapped_column(String(500), default="")
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    delivered_at: Mapped[datetime | None] = mapped_column(default=None)
    delivery: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = created_at_column()


class ReportSchedule(IdMixin, Base):
    """Whether and where a workspace's weekly / monthly report is sent when its period ends."""

    __tablename__ = "report_schedule"
    __table_args__ = (UniqueConstraint("workspace_id", "kind"),)

    workspace_id: Mapped[int] = workspace_fk()
    kind: Mapped[ReportKind] = mapped_column(Enum(ReportKind, native_enum=False, length=16))
    enabled: Mapped[bool] = mapped_column(default=False)
    emails: Mapped[list[str]] = mapped_column(default=list)
    webhook: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(16), default="en")
    last_period_sent: Mapped[date | None] = mapped_column(default=None)
