"""Append-only cumulative metric snapshots per publication and per account."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shortops.db.base import Base, IdMixin
from shortops.models._columns import workspace_fk


class SnapshotSource(enum.StrEnum):
    api = "api"
    import_ = "import"
    sandbox = "sandbox"


_source_column = Enum(
    SnapshotSource, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
)


class MetricSnapshot(IdMixin, Base):
    __tablename__ = "metric_snapshot"
    __table_args__ = (UniqueConstraint("publication_id", "captured_at", "source"),)

    workspace_id: Mapped[int] = workspace_fk()
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publication.id", ondelete="CASCADE"), index=True
    )
    captured_at: Mapped[datetime]
    source: Mapped[SnapshotSource] = mapped_column(_source_column)
    views: Mapped[int | None] = mapped_column(BigInteger, default=None)
    likes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    comments: Mapped[int | None] = mapped_column(BigInteger, default=None)
    shares: Mapped[int | None] = mapped_column(BigInteger, default=None)
    saves: Mapped[int | None] = mapped_column(BigInteger, default=None)
    watch_time_s: Mapped[float | None] = mapped_column(default=None)
    avg_view_s: Mapped[float | None] = mapped_column(default=None)
    completion_rate: Mapped[float | None] = mapped_column(default=None)
    followers_gained: Mapped[int | None] = mapped_column(BigInteger, default=None)
    impressions: Mapped[int | None] = mapped_column(BigInteger, default=None)
    reach: Mapped[int | None] = mapped_column(BigInteger, default=None)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class AccountSnapshot(IdMixin, Base):
    __tablename__ = "account_snapshot"
    __table_args__ = (UniqueConstraint("account_id", "captured_at", "source"),)

    workspace_id: Mapped[int] = workspace_fk()
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    captured_at: Mapped[datetime]
    source: Mapped[SnapshotSource] = mapped_column(_source_column)
    followers: Mapped[int | None] = mapped_column(BigInteger, default=None)
    following: Mapped[int | None] = mapped_column(BigInteger, default=None)
    total_views: Mapped[int | None] = mapped_column(BigInteger, default=None)
    total_likes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    posts_count: Mapped[int | None] = mapped_column(BigInteger, default=None)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
