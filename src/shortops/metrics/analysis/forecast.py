"""Early forecast of a post's 7-day views from its first snapshots.

An account's growth curve is, at each age, the fraction of their day-7 views its older posts
had reached (quantiles over those posts). A young post's forecast is its views now divided by
the curve's median fraction at its age; the range divides by the 90th and 10th percentiles
(a post that is early on a fast curve, or late on a slow one). An account needs
MIN_CURVE_POSTS posts with day-7 views; else the workspace's pooled curve is used, else
DEFAULT_FRACTIONS (below).

Verdicts, against the account's median day-7 views (its "usual"):
- taking off: even the low end of the range is above TAKING_OFF × usual (1.5x: a post that is
  almost surely half again as big as usual is worth acting on, e.g. replying to comments);
- underperforming: even the high end is below UNDERPERFORMING × usual (0.5x).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import pairwise
from statistics import median

import numpy as np

from shortops.errors import N_
from shortops.metrics.analysis.common import COMPARABLE_HOURS, Message, PostHistory
from shortops.models import AlertKind

# Ages (hours) the curve is kept at: dense early, where growth is steep and polling hourly.
CHECKPOINTS = (1, 2, 3, 6, 12, 24, 48, 72, 96, 120, 144, 168)
MIN_CURVE_POSTS = 5
# An account's usual day-7 views needs as many posts as its curve.
MIN_BASELINE_POSTS = 5
# A typical short video's cumulative share of its first week's views, used when neither the
# account nor the workspace has MIN_CURVE_POSTS posts with day-7 views. A rough shape (half the
# week's views in the first day, most of the rest by day 3), widened by DEFAULT_SPREAD; every
# real account replaces it as soon as it has the posts.
DEFAULT_FRACTIONS = {
    1: 0.05, 2: 0.09, 3: 0.13, 6: 0.22, 12: 0.35, 24: 0.50,
    48: 0.68, 72: 0.79, 96: 0.86, 120: 0.92, 144: 0.96, 168: 1.0,
}  # fmt: skip
# (p10, p25, p75, p90) of the default curve as multiples of its median fraction.
DEFAULT_SPREAD = (0.5, 0.75, 1.3, 1.7)
TAKING_OFF = 1.5
UNDERPERFORMING = 0.5
# Platforms count the first views late; no verdict on a post younger than this.
MIN_VERDICT_HOURS = 2.0
# A fraction below this (a post with no views yet at that age) would make the forecast's high
# end unbounded; with this floor it is at most 100x the views now.
MIN_FRACTION = 0.01


@dataclass(frozen=True)
class CurvePoint:
    """Fractions of day-7 views reached at `age_hours`, over `posts` posts."""

    age_hours: float
    posts: int
    p10: float
    p25: float
    median: float
    p75: float
    p90: float


@dataclass(frozen=True)
class GrowthCurve:
    source: str  # "account", "workspace" or "default"
    account_id: int | None
    posts: int  # posts with day-7 views behind the curve (0 for the default)
    points: tuple[CurvePoint, ...]

    def at(self, hours: float) -> CurvePoint | None:
        """The curve at `hours`, interpolated between checkpoints; None outside it."""
        for before, after in pairwise(self.points):
            if before.age_hours <= hours <= after.age_hours:
                return _between(before, after, hours)
        if self.points and self.points[-1].age_hours == hours:
            return self.points[-1]
        return None


def _between(before: CurvePoint, after: CurvePoint, hours: float) -> CurvePoint:
    span = after.age_hours - before.age_hours
    share = (hours - before.age_hours) / span if span else 0.0

    def mix(name: str) -> float:
        a, b = getattr(before, name), getattr(after, name)
        return float(a + (b - a) * share)

    return CurvePoint(
        age_hours=hours,
        posts=min(before.posts, after.posts),
        p10=mix("p10"),
        p25=mix("p25"),
        median=mix("median"),
        p75=mix("p75"),
        p90=mix("p90"),
    )


def day7_views(histories: Iterable[PostHistory]) -> dict[int, float]:
    """Each post's views at 7 days, where its snapshots bracket day 7."""
    found = {h.publication_id: h.views_at(COMPARABLE_HOURS) for h in histories}
    return {pid: views for pid, views in found.items() if views is not None}


def growth_curve(
    histories: Sequence[PostHistory],
    *,
    source: str,
    account_id: int | None = None,
    min_posts: int = MIN_CURVE_POSTS,
) -> GrowthCurve | None:
    """The curve of `histories` (posts at least 7 days old); None with too few of them."""
    finals = {pid: v for pid, v in day7_views(histories).items() if v > 0}
    if len(finals) < min_posts:
        return None
    points = []
    for age in CHECKPOINTS:
        fractions = []
        for history in histories:
            final = finals.get(history.publication_id)
            views = history.views_at(age) if final else None
            if final and views is not None:
                fractions.append(min(views / final, 1.0))
        if len(fractions) >= min_posts:
            points.append(_point(age, fractions))
    return GrowthCurve(source, account_id, len(finals), _monotone(points)) if points else None


def _point(age: float, fractions: Sequence[float]) -> CurvePoint:
    p10, p25, p50, p75, p90 = (
        float(q) for q in np.quantile(fractions, [0.1, 0.25, 0.5, 0.75, 0.9])
    )
    return CurvePoint(age, len(fractions), p10, p25, p50, p75, p90)


def _monotone(points: Sequence[CurvePoint]) -> tuple[CurvePoint, ...]:
    """Cumulative views never fall: each quantile is at least what it was at a younger age
    (different posts behind each checkpoint can make it dip)."""
    result: list[CurvePoint] = []
    for point in points:
        if result:
            last = result[-1]
            point = CurvePoint(
                point.age_hours,
                point.posts,
                *(
                    max(getattr(point, n), getattr(last, n))
                    for n in ("p10", "p25", "median", "p75", "p90")
                ),
            )
        result.append(point)
    return tuple(result)


def default_curve() -> GrowthCurve:
    lo10, lo25, hi75, hi90 = DEFAULT_SPREAD
    points = tuple(
        CurvePoint(
            age,
            0,
            min(f * lo10, 1.0),
            min(f * lo25, 1.0),
            f,
            min(f * hi75, 1.0),
            min(f * hi90, 1.0),
        )
        for age, f in DEFAULT_FRACTIONS.items()
    )
    return GrowthCurve("default", None, 0, points)


def usual_views(
    histories: Iterable[PostHistory], *, min_posts: int = MIN_BASELINE_POSTS
) -> float | None:
    """The median day-7 views of an account's older posts; None with too few of them."""
    finals = list(day7_views(histories).values())
    return median(finals) if len(finals) >= min_posts else None


@dataclass(frozen=True)
class Forecast:
    publication_id: int
    account_id: int
    age_hours: float
    views_now: float
    expected: float  # views at 7 days
    low: float
    high: float
    curve_source: str
    curve_posts: int
    usual: float | None  # the account's median day-7 views
    verdict: AlertKind | None  # taking_off, underperforming or None
    message: Message
    at: datetime  # the snapshot the forecast starts from


def forecast_post(
    history: PostHistory, *, curves: Sequence[GrowthCurve | None], usual: float | None
) -> Forecast | None:
    """The day-7 forecast from the post's newest snapshot, on the first of `curves` that covers
    its age (the account's, the workspace's, the default). None when the post is already 7
    days old, has no snapshot, or is younger than every curve's first checkpoint."""
    if not history.readings:
        return None
    latest = history.readings[-1]
    age = history.age_hours(latest.at)
    if age >= COMPARABLE_HOURS or age <= 0:
        return None
    found = next(((c, p) for c in curves if c is not None and (p := c.at(age)) is not None), None)
    if found is None:
        return None
    curve, point = found
    expected = latest.views / max(point.median, MIN_FRACTION)
    low = latest.views / max(point.p90, MIN_FRACTION)
    high = latest.views / max(point.p10, MIN_FRACTION)
    verdict = _verdict(low, high, usual) if age >= MIN_VERDICT_HOURS else None
    return Forecast(
        publication_id=history.publication_id,
        account_id=history.account_id,
        age_hours=age,
        views_now=latest.views,
        expected=expected,
        low=low,
        high=high,
        curve_source=curve.source,
        curve_posts=curve.posts,
        usual=usual,
        verdict=verdict,
        message=_message(history, expected, low, high, usual, verdict),
        at=latest.at,
    )


def _verdict(low: float, high: float, usual: float | None) -> AlertKind | None:
    if usual is None or usual <= 0:
        return None
    if low > usual * TAKING_OFF:
        return AlertKind.taking_off
    if high < usual * UNDERPERFORMING:
        return AlertKind.underperforming
    return None


def _message(
    history: PostHistory,
    expected: float,
    low: float,
    high: float,
    usual: float | None,
    verdict: AlertKind | None,
) -> Message:
    params: dict[str, object] = {
        "title": history.title,
        "expected": round(expected),
        "low": round(low),
        "high": round(high),
    }
    if verdict is None or usual is None:
        return Message(N_("About {expected} views expected by day 7 ({low}–{high})."), params)
    params.update(usual=round(usual), ratio=round(expected / usual, 1))
    if verdict == AlertKind.taking_off:
        template = N_(
            "{title} is taking off: about {expected} views expected by day 7 ({low}–{high}), "
            "{ratio}x the account's usual {usual}."
        )
    else:
        template = N_(
            "{title} is falling behind: about {expected} views expected by day 7 "
            "({low}–{high}), under half the account's usual {usual}."
        )
    return Message(template, params)
