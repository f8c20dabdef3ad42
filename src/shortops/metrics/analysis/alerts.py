"""Spikes and stalls: what to tell someone about a post today.

Spike: a day's views far above the post's (or account's) own recent days. The baseline is the
median of the previous SPIKE_WINDOW_DAYS days and its spread the MAD (median absolute
deviation, scaled to a standard deviation), both robust to the spikes of the past. A day is a
spike when all three hold:
- its robust z-score (views - median) / spread is at least SPIKE_Z (3.5, the usual cut-off of
  the modified z-score, Iglewicz & Hoaglin);
- it has at least SPIKE_RATIO (2x) the median: a big z on a very steady post can be small;
- it is at least SPIKE_MIN_EXTRA views above the median: +30 views is noise to a person.
The spread is never taken below sqrt(median) (the counting noise of views) nor below 1, so a
flat series (MAD 0) does not turn every wobble into a spike.

Stall: a young post whose views (nearly) stopped between its last two snapshots, while the
account's growth curve says its posts still gain at least STALL_MIN_EXPECTED at that age.
Only an account's own curve or the workspace's counts here, never the default one: "usually
still grow" is a statement about real posts.

These functions are pure; `alert_runs.raise_alerts` reads the data and writes MetricAlert rows.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from shortops.errors import N_
from shortops.metrics.analysis.common import COMPARABLE_HOURS, Message, PostHistory
from shortops.metrics.analysis.forecast import Forecast, GrowthCurve
from shortops.metrics.figures import local_day
from shortops.models import AlertKind

SPIKE_WINDOW_DAYS = 14
MIN_BASELINE_DAYS = 7
SPIKE_Z = 3.5
SPIKE_RATIO = 2.0
SPIKE_MIN_EXTRA = 100
MAD_TO_SD = 1.4826  # MAD × this estimates the standard deviation of normal data
# Between its last two snapshots, the account's curve must promise this much growth (5%) …
STALL_MIN_EXPECTED = 0.05
# … and the post gained less than this share of what the curve promised.
STALL_SHARE = 0.1
# Below this many views a post's standstill is too small to mention.
STALL_MIN_VIEWS = 20


@dataclass(frozen=True)
class Spike:
    day: date
    views: float
    baseline: float  # median of the previous days
    spread: float
    z: float

    @property
    def ratio(self) -> float:
        return self.views / self.baseline if self.baseline > 0 else math.inf


def find_spikes(
    views: Mapping[date, float],
    *,
    first_day: date,
    last_day: date,
    check_from: date,
    missing_is_zero: bool = True,
) -> list[Spike]:
    """The spikes among the days check_from..last_day of a daily views series.

    Days before `first_day` (the post's publish day) do not count. A day after it missing from
    `views` counts as 0 views when `missing_is_zero` (a post's derived days: no row, no
    growth), else as unknown (an account's reported days: a day the file did not cover).
    """
    spikes = []
    day = max(check_from, first_day)
    while day <= last_day:
        earlier_days = [day - timedelta(days=back) for back in range(1, SPIKE_WINDOW_DAYS + 1)]
        earlier = [
            views.get(d, 0.0)
            for d in earlier_days
            if d >= first_day and (missing_is_zero or d in views)
        ]
        found = (
            _spike(day, views.get(day, 0.0), earlier) if missing_is_zero or day in views else None
        )
        if found is not None:
            spikes.append(found)
        day += timedelta(days=1)
    return spikes


def _spike(day: date, value: float, earlier: list[float]) -> Spike | None:
    if len(earlier) < MIN_BASELINE_DAYS:
        return None
    centre = median(earlier)
    mad = median(abs(v - centre) for v in earlier)
    spread = max(mad * MAD_TO_SD, math.sqrt(max(centre, 0.0)), 1.0)
    z = (value - centre) / spread
    if z >= SPIKE_Z and value >= SPIKE_RATIO * centre and value - centre >= SPIKE_MIN_EXTRA:
        return Spike(day, value, centre, spread, z)
    return None


@dataclass(frozen=True)
class Stall:
    publication_id: int
    age_hours: float
    views: float
    gained: float
    expected_gain: float
    span_hours: float


def find_stall(history: PostHistory, curve: GrowthCurve | None) -> Stall | None:
    """A stall between the post's last two snapshots, judged on the account's `curve`."""
    if curve is None or curve.source == "default" or len(history.readings) < 2:
        return None
    before, after = history.readings[-2], history.readings[-1]
    age_before, age_after = history.age_hours(before.at), history.age_hours(after.at)
    if age_after > COMPARABLE_HOURS or before.views < STALL_MIN_VIEWS:
        return None
    then, now = curve.at(age_before), curve.at(age_after)
    if then is None or now is None or then.median <= 0:
        return None
    expected_gain = before.views * (now.median / then.median - 1)
    gained = after.views - before.views
    if expected_gain < before.views * STALL_MIN_EXPECTED or gained >= STALL_SHARE * expected_gain:
        return None
    return Stall(
        history.publication_id,
        age_after,
        after.views,
        gained,
        expected_gain,
        age_after - age_before,
    )


@dataclass(frozen=True)
class Alert:
    """One alert to raise. `publication_id` is None for an account's spike with no post to
    attach it to (MetricAlert belongs to a post); such alerts are returned, not stored."""

    publication_id: int | None
    account_id: int
    kind: AlertKind
    day: date
    message: Message

    def row(self, workspace_id: int) -> dict[str, Any]:
        return {
            "workspace_id": workspace_id,
            "publication_id": self.publication_id,
            "kind": self.kind,
            "day": self.day,
            "message": self.message.template,
            "params": dict(self.message.params),
        }


def _spike_params(spike: Spike) -> dict[str, Any]:
    return {
        "views": round(spike.views),
        "baseline": round(spike.baseline),
        "ratio": round(spike.ratio, 1) if spike.baseline > 0 else None,
        "day": spike.day.isoformat(),
        "z": round(spike.z, 1),
    }


def post_spike_alert(*, publication_id: int, account_id: int, title: str, spike: Spike) -> Alert:
    template = (
        N_("{title} got {views} views on {day}, {ratio}x its usual {baseline} a day.")
        if spike.baseline > 0
        else N_("{title} got {views} views on {day}, after days with almost none.")
    )
    params = {"title": title, "scope": "post", **_spike_params(spike)}
    return Alert(publication_id, account_id, AlertKind.spike, spike.day, Message(template, params))


def account_spike_alert(
    *, account_id: int, handle: str, spike: Spike, top_post: tuple[int, str] | None
) -> Alert:
    """The account's spike, attached to the post that brought the most views that day."""
    params: dict[str, Any] = {"handle": handle, "scope": "account", **_spike_params(spike)}
    if top_post is None:
        template = (
            N_("@{handle} got {views} views on {day}, {ratio}x its usual {baseline} a day.")
            if spike.baseline > 0
            else N_("@{handle} got {views} views on {day}, after days with almost none.")
        )
        return Alert(None, account_id, AlertKind.spike, spike.day, Message(template, params))
    params["title"] = top_post[1]
    template = (
        N_("@{handle} got {views} views on {day}, {ratio}x its usual {baseline} a day; "
           "{title} brought the most.")
        if spike.baseline > 0
        else N_("@{handle} got {views} views on {day}, after days with almost none; {title} "
                "brought the most.")
    )  # fmt: skip
    message = Message(template, params)
    return Alert(top_post[0], account_id, AlertKind.spike, spike.day, message)


def stall_alert(history: PostHistory, stall: Stall, tz: ZoneInfo) -> Alert:
    params = {
        "title": history.title,
        "views": round(stall.views),
        "gained": round(stall.gained),
        "expected": round(stall.expected_gain),
        "hours": round(stall.age_hours),
        "span": round(stall.span_hours, 1),
    }
    message = Message(
        N_("{title} has nearly stopped growing: {gained} new views in the last {span} h, at "
           "{hours} h old, where this account's posts usually gain about {expected}."),
        params,
    )  # fmt: skip
    day = local_day(history.readings[-1].at, tz)
    return Alert(history.publication_id, history.account_id, AlertKind.stall, day, message)


def verdict_alert(forecast: Forecast, tz: ZoneInfo) -> Alert | None:
    """A taking-off or underperforming forecast as an alert (None without a verdict)."""
    if forecast.verdict is None:
        return None
    params = {
        **forecast.message.params,
        "hours": round(forecast.age_hours),
        "curve": forecast.curve_source,
    }
    return Alert(
        forecast.publication_id,
        forecast.account_id,
        forecast.verdict,
        local_day(forecast.at, tz),
        Message(forecast.message.template, params),
    )
