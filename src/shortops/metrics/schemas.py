"""Pydantic shapes of Measure (API out): totals, days, posts, imports."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


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
