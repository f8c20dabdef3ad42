"""Pydantic shapes of Measure (API out): totals, days, posts, imports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shortops.kit.schema import UserInput

# Counters above this are typing slips (no account has a quadrillion views).
MAX_COUNT = 10**15


class Totals(BaseModel):
    """`shortops metrics totals --json` and GET …/metrics/totals: the same keys."""

    scope: Literal["posts", "account"]
    posts: int | None = None
    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    watch_time_hours: float | None = None
    period_start: date | None = None
    period_end: date | None = None


class KpisRead(BaseModel):
    views: float | None
    likes: float | None
    comments: float | None
    shares: float | None
    saves: float | None
    watch_time_hours: float | None
    engagement_rate: float | None
    followers: int | None
    followers_change: int | None


class DayRead(BaseModel):
    day: date
    account_id: int
    views: float | None = None
    likes: float | None = None
    comments: float | None = None
    shares: float | None = None
    saves: float | None = None
    watch_time_s: float | None = None
    followers: int | None = None


class AccountFigures(BaseModel):
    account_id: int | None
    platform: str
    label: str
    posts: int
    views: float | None
    likes: float | None
    comments: float | None
    shares: float | None
    saves: float | None
    watch_time_hours: float | None
    engagement_rate: float | None
    followers: int | None
    followers_change: int | None
    median_views: float | None


class PostRead(BaseModel):
    publication_id: int
    title: str
    platform: str
    account_id: int
    published_at: datetime | None
    views: int | None
    likes: int | None
    comments: int | None
    shares: int | None
    saves: int | None
    watch_time_s: float | None
    engagement_rate: float | None
    url: str | None
    external: bool
    basis: str


class OverviewRead(BaseModel):
    start: date
    end: date
    kpis: KpisRead
    previous: KpisRead
    platforms: list[AccountFigures]
    accounts: list[AccountFigures]
    top: list[PostRead]
    days: list[DayRead]


class ImportSummary(BaseModel):
    """The CLI's JSON contract, plus what the preview and the report add."""

    rows: int
    matched: int
    created: int
    skipped: int
    preview: bool
    kind: str
    platform: str
    account_id: int
    account_handle: str
    account_created: bool
    import_id: int | None = None
    repeat_of: int | None = None
    period_start: date | None = None
    period_end: date | None = None
    skips: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []


class ImportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    account_id: int | None
    kind: str
    platform: str
    filename: str
    files: list[str]
    period_start: date | None
    period_end: date | None
    rows: int
    matched: int
    created: int
    skipped: int
    updated: int
    report: dict[str, Any]
    created_at: datetime


# --- insights ------------------------------------------------------------------------------------


class CellRead(BaseModel):
    """A best-time slot: `lift` is the multiplier of views against the account's usual, shrunk
    toward 1 where posts are few; `claim` is false where there are too few posts to say."""

    weekday: int | None  # 0 = Monday, in the workspace's timezone; None in the by-hour row
    hour: int | None  # None in the by-weekday row
    posts: int
    lift: float
    raw_lift: float | None
    claim: bool


class SlotRead(BaseModel):
    weekday: int
    hour: int
    lift: float
    posts: int
    audience_share: float | None
    message: str


class BestTimeRead(BaseModel):
    key: str
    label: str
    platform: str
    account_ids: list[int]
    posts: int
    claim: bool
    top: list[SlotRead]
    messages: list[str]
    cells: list[CellRead]  # the weekday × hour slots that have posts
    hours: list[CellRead]  # 24: every weekday together
    weekdays: list[CellRead]  # 7: every hour together
    audience: list[list[float]]  # 7 × 24 shares of the busiest slot's followers online, or []
    audience_days: int
    skipped_day_only: int


class EffectRead(BaseModel):
    feature: str
    level: str
    reference: str
    label: str
    multiplier: float
    low: float
    high: float
    p_value: float
    posts: int
    clear: bool
    message: str


class DriversRead(BaseModel):
    posts: int
    enough: bool
    needed: int
    r_squared: float | None
    messages: list[str]
    effects: list[EffectRead]


class ForecastRead(BaseModel):
    publication_id: int
    account_id: int
    title: str
    handle: str
    age_hours: float
    views_now: int
    expected: int
    low: int
    high: int
    usual: int | None
    verdict: Literal["taking_off", "underperforming"] | None
    curve: str
    message: str


class AlertRead(BaseModel):
    id: int
    publication_id: int
    account_id: int
    kind: Literal["spike", "stall", "taking_off", "underperforming"]
    day: date
    message: str
    created_at: datetime


# --- competitors ---------------------------------------------------------------------------------


class CompetitorIn(UserInput):
    platform: str = Field(min_length=1, max_length=32)
    handle: str = Field(min_length=1, max_length=128)
    display_name: str = Field("", max_length=255)
    url: str | None = Field(None, max_length=1000, pattern=r"^https?://\S+$")
    notes: str = Field("", max_length=2000)
    multiline_fields: ClassVar[frozenset[str]] = frozenset({"notes"})


class CompetitorSnapshotIn(UserInput):
    """One reading of a competitor's public counters (at least one of them)."""

    captured_at: AwareDatetime | None = None
    followers: int | None = Field(None, ge=0, le=MAX_COUNT)
    total_views: int | None = Field(None, ge=0, le=MAX_COUNT)
    posts_count: int | None = Field(None, ge=0, le=MAX_COUNT)


class CompetitorPostIn(UserInput):
    remote_id: str | None = Field(None, max_length=128)
    title: str = Field("", max_length=500)
    url: str | None = Field(None, max_length=1000)
    published_at: AwareDatetime | None = None
    duration_s: float | None = Field(None, ge=0, le=86_400)
    views: int | None = Field(None, ge=0, le=MAX_COUNT)
    likes: int | None = Field(None, ge=0, le=MAX_COUNT)
    comments: int | None = Field(None, ge=0, le=MAX_COUNT)


class CompetitorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    platform: str
    handle: str
    display_name: str
    url: str | None
    notes: str
    last_error: str | None
    created_at: datetime


class CompetitorSnapshotRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    captured_at: datetime
    source: str
    followers: int | None
    total_views: int | None
    posts_count: int | None


class BenchmarkRow(BaseModel):
    """An own account or a competitor over the benchmark's window."""

    kind: Literal["own", "competitor"]
    id: int
    label: str
    platform: str
    followers: int | None
    followers_change: int | None
    growth: float | None  # the change over the followers at the window's start
    posts: int
    posts_per_week: float
    median_views: float | None


class CompetitorImportRead(BaseModel):
    kind: Literal["snapshots", "posts"]
    rows: int
    created: int
    updated: int


class CompetitorRefreshRead(BaseModel):
    """What one read of the public API found."""

    followers: int | None
    total_views: int | None
    videos_read: int
