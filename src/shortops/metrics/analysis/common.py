"""What every insight shares: messages to translate, post samples and views at a given age."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any

from shortops.errors import N_

# Views are compared at this age, so an old post does not look better than a young one only
# because it has had longer to collect views.
COMPARABLE_AGE = timedelta(days=7)
COMPARABLE_HOURS = COMPARABLE_AGE.total_seconds() / 3600

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


@dataclass(frozen=True)
class Message:
    """An English template (marked with N_) and its parameters, translated where shown.

    `translatable` names the parameters whose values are themselves N_ templates (a weekday,
    a duration range): translate those too, before formatting. Other values are numbers or the
    user's own text (titles, pillar names) and are shown as they are.
    """

    template: str
    params: dict[str, Any] = field(default_factory=dict)
    translatable: tuple[str, ...] = ()

    def render(self, gettext: Any = None) -> str:
        """The sentence, translated by `gettext` when given."""
        translate = gettext or (lambda text: text)
        params = {
            name: translate(value) if name in self.translatable else value
            for name, value in self.params.items()
        }
        return str(translate(self.template).format(**params))

    def as_json(self) -> dict[str, Any]:
        return {
            "template": self.template,
            "params": dict(self.params),
            "translatable": list(self.translatable),
        }


@dataclass(frozen=True)
class ViewReading:
    """A post's cumulative views at one moment (one snapshot)."""

    at: datetime
    views: float


@dataclass(frozen=True)
class PostHistory:
    """A post's snapshots of views, oldest first, and when it was published (UTC)."""

    publication_id: int
    account_id: int
    published_at: datetime
    readings: tuple[ViewReading, ...]
    title: str = ""

    def age_hours(self, at: datetime) -> float:
        return (at - self.published_at).total_seconds() / 3600

    def views_at(self, hours: float) -> float | None:
        """Views when the post was `hours` old; see `views_at_age`."""
        points = [(self.age_hours(r.at), r.views) for r in self.readings]
        return views_at_age(points, hours)


# A reading pair further apart than this (or than half the age asked for, when larger) says too
# little about the moment between them: growth is steep early, so straight lines mislead.
MIN_BRACKET_HOURS = 2.0


def views_at_age(points: Sequence[tuple[float, float]], hours: float) -> float | None:
    """Cumulative views at `hours` of age, interpolated between the readings around it.

    `points` are (age in hours, views). The publish moment counts as a reading of 0 views.
    None when no pair of readings brackets the age closely enough.
    """
    ordered = sorted([(0.0, 0.0), *((a, v) for a, v in points if a >= 0)])
    tolerance = max(MIN_BRACKET_HOURS, hours / 2)
    for (a_age, a_views), (b_age, b_views) in pairwise(ordered):
        if b_age == hours:
            return b_views
        if a_age <= hours < b_age:
            if b_age - a_age > tolerance:
                return None
            share = (hours - a_age) / (b_age - a_age)
            return a_views + (b_views - a_views) * share
    return None


@dataclass(frozen=True)
class PostSample:
    """One post as best time and drivers see it: when, what, and its views at a comparable age.

    `basis` says which views: "day7" (views when 7 days old, from its snapshots) or "latest"
    (its latest figures at `age_days`, when no snapshots bracket day 7, e.g. imported posts).
    """

    publication_id: int
    account_id: int
    platform: str
    published_at: datetime  # UTC
    views: float
    basis: str
    age_days: float
    precise_time: bool = True  # False when only the publish day is known
    duration_s: float | None = None
    title: str = ""
    caption: str = ""
    hashtags: tuple[str, ...] = ()
    pillar: str = ""

    @property
    def score(self) -> float:
        """The performance score: log views, so a post with twice the views is +log 2."""
        return math.log1p(max(self.views, 0.0))


def comparable_views(
    history: PostHistory, *, latest_views: float | None, latest_at: datetime | None
) -> tuple[float, str, float] | None:
    """(views, basis, age in days) of a post at least 7 days old; None for younger posts.

    Day-7 views from its snapshots where they bracket day 7, else its latest figures.
    """
    if latest_at is None or latest_at - history.published_at < COMPARABLE_AGE:
        return None
    day7 = history.views_at(COMPARABLE_HOURS)
    if day7 is not None:
        return day7, "day7", COMPARABLE_AGE.days
    if latest_views is None:
        return None
    return float(latest_views), "latest", history.age_hours(latest_at) / 24


def basis_counts(samples: Sequence[PostSample]) -> dict[str, int]:
    counts = {"day7": 0, "latest": 0}
    for sample in samples:
        counts[sample.basis] = counts.get(sample.basis, 0) + 1
    return counts


def basis_message(counts: dict[str, int]) -> Message:
    return Message(
        N_(
            "Views at 7 days for {day7} posts; the latest figures for {latest} posts "
            "without snapshots around day 7."
        ),
        {"day7": counts.get("day7", 0), "latest": counts.get("latest", 0)},
    )
