"""Figure names, local days and increments: the arithmetic Measure shares, free of the database.

Canonical names (`importers.types.METRICS`) map onto model columns; a name a table has no
column for is kept in its `extra` JSON. Local days are days in the workspace's timezone.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from shortops.errors import N_

# Columns of MetricPeriod / MetricDay / AccountDay / AccountPeriod (besides revenue/currency).
FIGURE_COLUMNS = (
    "views", "likes", "comments", "shares", "saves", "watch_time_s", "avg_view_s",
    "completion_rate", "impressions", "reach", "profile_views", "followers_gained",
    "followers_lost", "followers_net",
)  # fmt: skip
# Columns of MetricSnapshot and PublicationFigures.
SNAPSHOT_COLUMNS = (
    "views", "likes", "comments", "shares", "saves", "watch_time_s", "avg_view_s",
    "completion_rate", "followers_gained", "impressions", "reach",
)  # fmt: skip
# Counters that only grow, so a day's share of them can be derived from two snapshots.
COUNTERS = ("views", "likes", "comments", "shares", "saves", "watch_time_s", "followers_gained")
FLOAT_COLUMNS = frozenset({"watch_time_s", "avg_view_s", "completion_rate"})

# What a person calls each canonical figure (the import preview shows these, not the names).
FIGURE_LABELS = {
    "views": N_("Views"),
    "engaged_views": N_("Engaged views"),
    "likes": N_("Likes"),
    "dislikes": N_("Dislikes"),
    "comments": N_("Comments"),
    "shares": N_("Shares"),
    "saves": N_("Saves"),
    "watch_time_s": N_("Watch time (hours)"),
    "avg_view_s": N_("Average view (s)"),
    "avg_view_pct": N_("Average share viewed"),
    "completion_rate": N_("Completion rate"),
    "completion_rate_5s": N_("Watched past 5 s"),
    "bounce_rate_2s": N_("Left within 2 s"),
    "viewed_rate": N_("Viewed, not swiped away"),
    "impressions": N_("Impressions"),
    "impressions_ctr": N_("Impressions click-through"),
    "cover_ctr": N_("Cover click-through"),
    "reach": N_("Reach"),
    "unique_viewers": N_("Unique viewers"),
    "new_viewers": N_("New viewers"),
    "returning_viewers": N_("Returning viewers"),
    "casual_viewers": N_("Casual viewers"),
    "profile_views": N_("Profile visits"),
    "followers_gained": N_("Followers gained"),
    "followers_lost": N_("Followers lost"),
    "followers_net": N_("Net followers"),
    "followers": N_("Followers"),
    "active_followers": N_("Followers online"),
    "revenue": N_("Estimated revenue"),
}
# Figures stored as fractions (0.125), shown as percentages.
RATE_FIGURES = frozenset(
    {"avg_view_pct", "completion_rate", "completion_rate_5s", "bounce_rate_2s", "viewed_rate",
     "impressions_ctr", "cover_ctr"}
)  # fmt: skip


def split_figures(
    metrics: Mapping[str, int | float | Decimal],
    columns: tuple[str, ...],
    *,
    money: bool = True,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """(column values, extra JSON) of `metrics` for a table with `columns`."""
    wanted = _column_set(columns)
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for name, value in metrics.items():
        if name == "revenue" and money:
            values["revenue"] = value if isinstance(value, Decimal) else Decimal(str(value))
        elif name in wanted:
            values[name] = float(value) if name in FLOAT_COLUMNS else int(value)
        else:
            extra[name] = str(value) if isinstance(value, Decimal) else value
    return values, extra


@cache
def _column_set(columns: tuple[str, ...]) -> frozenset[str]:
    return frozenset(columns)  # split_figures runs once per imported row


def zone(name: str) -> ZoneInfo:
    """The workspace's timezone (UTC when the stored name is unknown to this machine)."""
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def local_day(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The UTC moment `day` begins in `tz`."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def day_end(day: date, tz: ZoneInfo) -> datetime:
    """The UTC moment `day` ends in `tz` (the next day's start)."""
    return day_start(day + timedelta(days=1), tz)


def published_moment(value: date | datetime, tz: ZoneInfo) -> tuple[datetime, str]:
    """(UTC moment, precision) of an export's publish time read in `tz`.

    A bare date becomes local midnight with precision "day", so it never counts for an hour.
    """
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=tz)
        return aware.astimezone(UTC), "minute"
    return day_start(value, tz), "day"


@dataclass(frozen=True)
class Reading:
    """One cumulative reading of a counter set at a moment."""

    at: datetime
    values: Mapping[str, float | int | None]


# The first snapshot of a post is spread back to its publish time only when it was taken this
# soon after: later, what came before is history shortops did not see, not a daily figure.
FIRST_READING_WINDOW = timedelta(hours=72)


def daily_increments(
    readings: list[Reading], *, published_at: datetime | None, tz: ZoneInfo
) -> dict[date, dict[str, float]]:
    """Each local day's increment of every counter, spread in proportion to time.

    Between two readings the growth is spread evenly over the time between them; a counter that
    went down (a platform correcting itself) adds nothing to those days. The first reading
    counts from the publish time when it came within FIRST_READING_WINDOW of it, else it is
    only the starting point.
    """
    ordered = sorted(readings, key=lambda r: r.at)
    days: dict[date, dict[str, float]] = {}
    if not ordered:
        return days
    first = ordered[0]
    if published_at is not None and timedelta(0) < first.at - published_at <= (
        FIRST_READING_WINDOW
    ):
        ordered.insert(0, Reading(published_at, dict.fromkeys(first.values, 0)))
    for before, after in pairwise(ordered):
        for name in COUNTERS:
            start, end = before.values.get(name), after.values.get(name)
            if start is None or end is None or end <= start:
                continue
            _spread(days, name, float(end - start), before.at, after.at, tz)
    return days


def _spread(
    days: dict[date, dict[str, float]],
    name: str,
    amount: float,
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
) -> None:
    span = (end - start).total_seconds()
    if span <= 0:
        days.setdefault(local_day(end, tz), {}).setdefault(name, 0.0)
        days[local_day(end, tz)][name] += amount
        return
    day = local_day(start, tz)
    while day_start(day, tz) < end:
        lo, hi = max(start, day_start(day, tz)), min(end, day_end(day, tz))
        share = (hi - lo).total_seconds() / span
        if share > 0:
            bucket = days.setdefault(day, {})
            bucket[name] = bucket.get(name, 0.0) + amount * share
        day += timedelta(days=1)


def rounded_days(days: Mapping[date, Mapping[str, float]]) -> dict[date, dict[str, int | float]]:
    """The days' increments as stored: whole counts that add up exactly to the rounded total.

    Each counter is rounded by largest remainder across the days, so the days of a post sum to
    its growth between snapshots; watch time stays fractional (seconds).
    """
    result: dict[date, dict[str, int | float]] = {day: {} for day in days}
    names = {name for values in days.values() for name in values}
    for name in names:
        shares = [(day, values[name]) for day, values in days.items() if name in values]
        if name in FLOAT_COLUMNS:
            for day, value in shares:
                result[day][name] = round(value, 3)
            continue
        floors = {day: math.floor(value) for day, value in shares}
        left = round(sum(value for _, value in shares)) - sum(floors.values())
        by_remainder = sorted(shares, key=lambda item: item[1] - floors[item[0]], reverse=True)
        for index, (day, _) in enumerate(by_remainder):
            result[day][name] = floors[day] + (1 if index < left else 0)
    return result
