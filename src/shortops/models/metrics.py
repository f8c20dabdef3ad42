"""Measure: what the platforms say about posts and accounts, as the platforms said it.

Three shapes of figure, because platforms report three shapes and none converts exactly into
another:

- snapshots (`MetricSnapshot`, `AccountSnapshot`): cumulative counters at one moment (an API
  poll, a lifetime export). Append-only; unique per (subject, captured_at, source).
- periods (`MetricPeriod`, `AccountPeriod`): totals over a date range (a YouTube Studio table
  and its "Total" row). A period total is not a counter: it is kept with its range.
- days (`MetricDay`, `AccountDay`): figures of one local day, either as a file gave them (origin
  `import`: YouTube Chart data and Totals, TikTok Overview), read from the platform's account
  API (origin `api`), or derived: a post's daily increments spread from its snapshots (origin
  `derived`), and the sum of an account's post days (origin `posts`). Dashboards read days and
  `PublicationFigures` (each post's latest figures), never scan snapshots.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Enum,
    ForeignKey,
    Index,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shortops.db.base import Base, IdMixin
from shortops.models._columns import created_at_column, workspace_fk


class SnapshotSource(enum.StrEnum):
    api = "api"
    import_ = "import"
    sandbox = "sandbox"


class DayOrigin(enum.StrEnum):
    import_ = "import"  # the day's row of an export file
    api = "api"  # the platform's account API
    derived = "derived"  # a post's increments spread over days from its snapshots
    posts = "posts"  # the sum of an account's post days (derived or imported)


_source_column = Enum(
    SnapshotSource, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
)
_origin_column = Enum(
    DayOrigin, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e]
)
Money = Numeric(20, 6)


def _import_fk() -> Mapped[int | None]:
    return mapped_column(ForeignKey("metric_import.id", ondelete="SET NULL"), default=None)


class MetricSnapshot(IdMixin, Base):
    __tablename__ = "metric_snapshot"
    __table_args__ = (UniqueConstraint("publication_id", "captured_at", "source"),)

    workspace_id: Mapped[int] = workspace_fk()
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id", ondelete="CASCADE"))
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
    import_id: Mapped[int | None] = _import_fk()


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


class _Figures:
    """The figures a period or a day may carry; None where the source did not say."""

    views: Mapped[int | None] = mapped_column(BigInteger, default=None)
    likes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    comments: Mapped[int | None] = mapped_column(BigInteger, default=None)
    shares: Mapped[int | None] = mapped_column(BigInteger, default=None)
    saves: Mapped[int | None] = mapped_column(BigInteger, default=None)
    watch_time_s: Mapped[float | None] = mapped_column(default=None)
    avg_view_s: Mapped[float | None] = mapped_column(default=None)
    completion_rate: Mapped[float | None] = mapped_column(default=None)
    impressions: Mapped[int | None] = mapped_column(BigInteger, default=None)
    reach: Mapped[int | None] = mapped_column(BigInteger, default=None)
    profile_views: Mapped[int | None] = mapped_column(BigInteger, default=None)
    followers_gained: Mapped[int | None] = mapped_column(BigInteger, default=None)
    followers_lost: Mapped[int | None] = mapped_column(BigInteger, default=None)
    followers_net: Mapped[int | None] = mapped_column(BigInteger, default=None)
    revenue: Mapped[Decimal | None] = mapped_column(Money, default=None)
    currency: Mapped[str | None] = mapped_column(String(3), default=None)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)


class MetricPeriod(_Figures, IdMixin, Base):
    """A post's totals over [start_day, end_day] (local days), as an export gave them."""

    __tablename__ = "metric_period"
    __table_args__ = (UniqueConstraint("publication_id", "start_day", "end_day", "source"),)

    workspace_id: Mapped[int] = workspace_fk()
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publication.id", ondelete="CASCADE"), index=True
    )
    start_day: Mapped[date]
    end_day: Mapped[date]
    source: Mapped[SnapshotSource] = mapped_column(_source_column)
    import_id: Mapped[int | None] = _import_fk()


class AccountPeriod(_Figures, IdMixin, Base):
    """An account's totals over [start_day, end_day]: an export's own "Total" row."""

    __tablename__ = "account_period"
    __table_args__ = (UniqueConstraint("account_id", "start_day", "end_day", "source"),)

    workspace_id: Mapped[int] = workspace_fk()
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    start_day: Mapped[date]
    end_day: Mapped[date]
    source: Mapped[SnapshotSource] = mapped_column(_source_column)
    import_id: Mapped[int | None] = _import_fk()


class MetricDay(_Figures, IdMixin, Base):
    """A post's figures of one local day (workspace timezone)."""

    __tablename__ = "metric_day"
    __table_args__ = (
        UniqueConstraint("publication_id", "day", "origin"),
        Index("ix_metric_day_workspace_day", "workspace_id", "day"),
    )

    # Only the publication is a foreign key (its deletion takes the days with it; its
    # workspace's and account's do so through it). The workspace, account and import are
    # copies kept for filtering: checking them on each of the millions of rows an import writes
    # cost more than the rest of the insert (docs/decisions/0009-metric-day-keys.md).
    workspace_id: Mapped[int]
    publication_id: Mapped[int] = mapped_column(ForeignKey("publication.id", ondelete="CASCADE"))
    account_id: Mapped[int]
    day: Mapped[date]
    origin: Mapped[DayOrigin] = mapped_column(_origin_column)
    import_id: Mapped[int | None] = mapped_column(default=None)


class AccountDay(_Figures, IdMixin, Base):
    """An account's figures of one local day; `followers` is the count at the day's end."""

    __tablename__ = "account_day"
    __table_args__ = (
        UniqueConstraint("account_id", "day", "origin"),
        Index("ix_account_day_workspace_day", "workspace_id", "day"),
    )

    workspace_id: Mapped[int] = workspace_fk()
    # No index of its own: the unique (account_id, day, origin) leads with it.
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    day: Mapped[date]
    origin: Mapped[DayOrigin] = mapped_column(_origin_column)
    followers: Mapped[int | None] = mapped_column(BigInteger, default=None)
    posts_published: Mapped[int | None] = mapped_column(default=None)
    import_id: Mapped[int | None] = _import_fk()


class AudienceActivity(IdMixin, Base):
    """How many of the account's followers were active in one local hour (TikTok)."""

    __tablename__ = "audience_activity"
    __table_args__ = (UniqueConstraint("account_id", "day", "hour"),)

    workspace_id: Mapped[int] = workspace_fk()
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date]
    hour: Mapped[int] = mapped_column(SmallInteger)
    active_followers: Mapped[int] = mapped_column(BigInteger)
    import_id: Mapped[int | None] = _import_fk()


class PublicationFigures(Base):
    """Each publication's latest figures, kept current as snapshots and periods arrive.

    `basis` says what they are: "snapshot" (cumulative counters at `as_of`) or "period" (the
    latest export's totals over `period_start`..`as_of`, when no counter exists).
    """

    __tablename__ = "publication_figures"
    __table_args__ = (
        Index("ix_publication_figures_workspace_published", "workspace_id", "published_at"),
    )

    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publication.id", ondelete="CASCADE"), primary_key=True
    )
    workspace_id: Mapped[int] = workspace_fk()
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))
    platform: Mapped[str] = mapped_column(String(32))
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    basis: Mapped[str] = mapped_column(String(16))
    as_of: Mapped[datetime]
    period_start: Mapped[date | None] = mapped_column(default=None)
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
    source: Mapped[SnapshotSource] = mapped_column(_source_column)


class AccountCurve(IdMixin, Base):
    """An account's typical growth: views of its past posts at each age, as quantiles."""

    __tablename__ = "account_curve"
    __table_args__ = (UniqueConstraint("account_id", "age_hours"),)

    workspace_id: Mapped[int] = workspace_fk()
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    age_hours: Mapped[int]
    posts: Mapped[int]
    p25: Mapped[float]
    median: Mapped[float]
    p75: Mapped[float]
    computed_at: Mapped[datetime] = created_at_column()


class ImportStatus(enum.StrEnum):
    done = "done"
    failed = "failed"


class MetricImport(IdMixin, Base):
    """One import of an export file: what it was, and its report (every skip with its reason)."""

    __tablename__ = "metric_import"
    __table_args__ = (Index("ix_metric_import_workspace_sha256", "workspace_id", "sha256"),)

    workspace_id: Mapped[int] = workspace_fk()
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("account.id", ondelete="SET NULL"), default=None
    )
    kind: Mapped[str] = mapped_column(String(32))
    platform: Mapped[str] = mapped_column(String(32))
    filename: Mapped[str] = mapped_column(String(500))
    files: Mapped[list[str]] = mapped_column(default=list)
    sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[ImportStatus] = mapped_column(
        Enum(ImportStatus, native_enum=False, length=16), default=ImportStatus.done
    )
    period_start: Mapped[date | None] = mapped_column(default=None)
    period_end: Mapped[date | None] = mapped_column(default=None)
    # The moment cumulative figures of this file are dated at; the same file again reuses it.
    captured_at: Mapped[datetime | None] = mapped_column(default=None)
    rows: Mapped[int] = mapped_column(default=0)
    matched: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    skipped: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = created_at_column()


class ImportMapping(IdMixin, Base):
    """A generic file's column mapping, saved per workspace and found again by its headers."""

    __tablename__ = "import_mapping"
    __table_args__ = (UniqueConstraint("workspace_id", "signature"),)

    workspace_id: Mapped[int] = workspace_fk()
    name: Mapped[str] = mapped_column(String(120))
    platform: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(String(64))  # SHA-256 of the sorted headers
    headers: Mapped[list[str]] = mapped_column(default=list)
    mapping: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = created_at_column()


class AlertKind(enum.StrEnum):
    spike = "spike"
    stall = "stall"
    taking_off = "taking_off"
    underperforming = "underperforming"


class MetricAlert(IdMixin, Base):
    """A spike, stall or early verdict on a post, raised once per post, kind and day."""

    __tablename__ = "metric_alert"
    __table_args__ = (UniqueConstraint("publication_id", "kind", "day"),)

    workspace_id: Mapped[int] = workspace_fk()
    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publication.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AlertKind] = mapped_column(Enum(AlertKind, native_enum=False, length=16))
    day: Mapped[date]
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = created_at_column()
