"""Public accounts a workspace watches, and what was seen of them over time."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shortops.db.base import Base, IdMixin
from shortops.models._columns import created_at_column, workspace_fk


class CompetitorSource(enum.StrEnum):
    api = "api"  # a public API (YouTube channels/videos with an API key)
    import_ = "import"  # a CSV/XLSX the user imported
    manual = "manual"  # typed in by hand


_source = Enum(
    CompetitorSource, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
)


class Competitor(IdMixin, Base):
    __tablename__ = "competitor"
    __table_args__ = (UniqueConstraint("workspace_id", "platform", "handle"),)

    workspace_id: Mapped[int] = workspace_fk()
    platform: Mapped[str] = mapped_column(String(32))
    handle: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(255), default="")
    remote_id: Mapped[str | None] = mapped_column(String(128), default=None)
    url: Mapped[str | None] = mapped_column(String(1000), default=None)
    notes: Mapped[str] = mapped_column(Text, default="")
    last_error: Mapped[str | None] = mapped_column(String(1000), default=None)
    created_at: Mapped[datetime] = created_at_column()


class CompetitorSnapshot(IdMixin, Base):
    """The competitor's public counters at one moment."""

    __tablename__ = "competitor_snapshot"
    __table_args__ = (UniqueConstraint("competitor_id", "captured_at", "source"),)

    workspace_id: Mapped[int] = workspace_fk()
    competitor_id: Mapped[int] = mapped_column(
        ForeignKey("competitor.id", ondelete="CASCADE"), index=True
    )
    captured_at: Mapped[datetime]
    source: Mapped[CompetitorSource] = mapped_column(_source)
    followers: Mapped[int | None] = mapped_column(BigInteger, default=None)
    total_views: Mapped[int | None] = mapped_column(BigInteger, default=None)
    posts_count: Mapped[int | None] = mapped_column(BigInteger, default=None)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class CompetitorPost(IdMixin, Base):
    """One public post of a competitor, with its counters when last seen."""

    __tablename__ = "competitor_post"
    __table_args__ = (UniqueConstraint("competitor_id", "remote_id"),)

    workspace_id: Mapped[int] = workspace_fk()
    competitor_id: Mapped[int] = mapped_column(
        ForeignKey("competitor.id", ondelete="CASCADE"), index=True
    )
    remote_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(500), default="")
    url: Mapped[str | None] = mapped_column(String(1000), default=None)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    duration_s: Mapped[float | None] = mapped_column(default=None)
    views: Mapped[int | None] = mapped_column(BigInteger, default=None)
    likes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    comments: Mapped[int | None] = mapped_column(BigInteger, default=None)
    seen_at: Mapped[datetime]
    source: Mapped[CompetitorSource] = mapped_column(_source)
