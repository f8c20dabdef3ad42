"""Best time to post: a weekday × hour heatmap of how an account's posts did, by local time.

Each post's score is its log views at a comparable age (see `common.PostSample`). A cell's mean
is taken relative to the post's own account mean, so a big account posting often at one hour
does not make that hour look good for everyone; the cell's mean is then shrunk toward the
account mean (empirical Bayes with a fixed prior strength):

    shrunk = (n * cell_mean + k * account_mean) / (n + k)

which, relative to the account mean, is sum(residuals) / (n + k). A cell with one post moves
only 1 / (1 + k) of the way toward what that post did. The lift is exp(shrunk - account mean):
the multiplier of views a slot gets against the account's usual.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist, fmean
from zoneinfo import ZoneInfo

from shortops.errors import N_
from shortops.metrics.analysis.common import (
    WEEKDAYS,
    Message,
    PostSample,
    basis_counts,
    basis_message,
)

# The prior counts as this many posts at the account mean: a cell needs about 5 posts before
# its own mean weighs as much as the account's. Small enough that a real 2x slot with a dozen
# posts shows clearly, large enough that one lucky post moves its cell by a sixth.
PRIOR_STRENGTH = 5.0
# Below this many posts with a publish time, the heatmap makes no claim at all.
MIN_POSTS = 20
# A cell (or an hour, a weekday) needs this many posts before it is named as a good slot.
MIN_CELL_POSTS = 3
# A top slot has to promise at least this much over the account's usual views …
MIN_TOP_LIFT = 1.1
# … and its posts' mean has to stand out from the account means beyond chance: z (the mean
# residual over the residuals' spread / sqrt(posts)) above the one-sided Bonferroni bound for
# the cells tested, so that among 168 slots of pure noise a "top slot" shows up at most 5 times
# in 100 (some cell of noise always has the highest lift).
FALSE_ALARM = 0.05
TOP_SLOTS = 3


@dataclass(frozen=True)
class Cell:
    """One slot: its posts, their shrunk mean score and its lift against the account mean."""

    weekday: int | None  # 0 = Monday (local); None in the by-hour marginal
    hour: int | None  # local hour; None in the by-weekday marginal
    posts: int
    score: float  # shrunk mean of log1p(views), on the group's scale
    lift: float  # multiplier of views against the account's usual, after shrinkage
    raw_lift: float | None  # without shrinkage; None for an empty slot
    z: float  # the cell's mean residual in standard errors (0 for an empty slot)
    claim: bool  # enough posts here (and overall) to say anything


@dataclass(frozen=True)
class AudienceCell:
    weekday: int
    hour: int
    active_followers: float  # mean over the days reported
    share: float  # of the grid's busiest slot (1.0 there)
    days: int


@dataclass(frozen=True)
class AudienceGrid:
    """When the account's followers are online (TikTok's follower activity), by local slot."""

    cells: tuple[tuple[AudienceCell, ...], ...]  # 7 rows (Monday first) of 24 hours
    days: int  # distinct days the platform reported

    def at(self, weekday: int, hour: int) -> AudienceCell:
        return self.cells[weekday][hour]


@dataclass(frozen=True)
class Slot:
    weekday: int
    hour: int
    lift: float
    posts: int
    audience_share: float | None
    message: Message


@dataclass(frozen=True)
class BestTime:
    """What the page draws: the 7 × 24 grid, the marginals, the top slots, and what it rests on."""

    posts: int
    claim: bool
    grid: tuple[tuple[Cell, ...], ...]  # 7 rows (Monday first) of 24 cells
    hours: tuple[Cell, ...]  # 24, every weekday together
    weekdays: tuple[Cell, ...]  # 7, every hour together
    top: tuple[Slot, ...]
    basis: dict[str, int]
    messages: tuple[Message, ...]
    audience: AudienceGrid | None
    prior_strength: float
    skipped_day_only: int  # posts with only a publish day, left out of the hours


@dataclass(frozen=True)
class _Timed:
    account_id: int
    weekday: int
    hour: int
    score: float


def best_time(
    samples: Sequence[PostSample],
    *,
    tz: ZoneInfo,
    audience: AudienceGrid | None = None,
    prior_strength: float = PRIOR_STRENGTH,
    min_posts: int = MIN_POSTS,
    min_cell_posts: int = MIN_CELL_POSTS,
) -> BestTime:
    """The heatmap of `samples` (one account, or a platform's accounts) in timezone `tz`."""
    timed = [_timed(s, tz) for s in samples if s.precise_time]
    residuals = _residuals(timed)
    baseline = fmean(t.score for t in timed) if timed else 0.0
    spread = math.sqrt(fmean(r * r for r in residuals)) if residuals else 0.0
    enough = len(timed) >= min_posts
    cells: dict[tuple[int | None, int | None], list[float]] = defaultdict(list)
    for item, residual in zip(timed, residuals, strict=True):
        cells[(item.weekday, item.hour)].append(residual)
        cells[(None, item.hour)].append(residual)
        cells[(item.weekday, None)].append(residual)

    def cell(weekday: int | None, hour: int | None) -> Cell:
        found = cells.get((weekday, hour), [])
        claim = enough and len(found) >= min_cell_posts
        return _cell(weekday, hour, found, baseline, spread, prior_strength, claim)

    grid = tuple(tuple(cell(d, h) for h in range(24)) for d in range(7))
    counts = basis_counts(samples)
    messages = [basis_message(counts)]
    if not enough:
        messages.insert(
            0,
            Message(
                N_(
                    "Not enough posts yet for a best time: {posts} with a publish time, "
                    "{needed} needed."
                ),
                {"posts": len(timed), "needed": min_posts},
            ),
        )
    top = _top_slots(grid, audience) if enough else ()
    if enough and not top:
        messages.insert(0, Message(N_("No time of day stands out yet.")))
    return BestTime(
        posts=len(timed),
        claim=enough,
        grid=grid,
        hours=tuple(cell(None, h) for h in range(24)),
        weekdays=tuple(cell(d, None) for d in range(7)),
        top=top,
        basis=counts,
        messages=tuple(messages),
        audience=audience,
        prior_strength=prior_strength,
        skipped_day_only=len(samples) - len(timed),
    )


def _timed(sample: PostSample, tz: ZoneInfo) -> _Timed:
    local = sample.published_at.astimezone(tz)
    return _Timed(sample.account_id, local.weekday(), local.hour, sample.score)


def _residuals(timed: Sequence[_Timed]) -> list[float]:
    """Each post's score minus its account's mean score."""
    by_account: dict[int, list[float]] = defaultdict(list)
    for item in timed:
        by_account[item.account_id].append(item.score)
    means = {account: fmean(scores) for account, scores in by_account.items()}
    return [item.score - means[item.account_id] for item in timed]


def _cell(
    weekday: int | None,
    hour: int | None,
    residuals: Sequence[float],
    baseline: float,
    spread: float,
    prior_strength: float,
    claim: bool,
) -> Cell:
    shrunk = sum(residuals) / (len(residuals) + prior_strength)
    raw = math.exp(fmean(residuals)) if residuals else None
    z = fmean(residuals) * math.sqrt(len(residuals)) / spread if residuals and spread else 0.0
    return Cell(
        weekday=weekday,
        hour=hour,
        posts=len(residuals),
        score=baseline + shrunk,
        lift=math.exp(shrunk),
        raw_lift=raw,
        z=z,
        claim=claim,
    )


def _top_slots(grid: Sequence[Sequence[Cell]], audience: AudienceGrid | None) -> tuple[Slot, ...]:
    tested = [c for row in grid for c in row if c.claim]
    if not tested:
        return ()
    bound = NormalDist().inv_cdf(1 - FALSE_ALARM / len(tested))
    candidates = [c for c in tested if c.lift >= MIN_TOP_LIFT and c.z >= bound]
    candidates.sort(key=lambda c: (-c.lift, -c.posts))
    slots = []
    for found in candidates[:TOP_SLOTS]:
        assert found.weekday is not None and found.hour is not None
        share = audience.at(found.weekday, found.hour).share if audience else None
        slots.append(
            Slot(
                weekday=found.weekday,
                hour=found.hour,
                lift=found.lift,
                posts=found.posts,
                audience_share=share,
                message=Message(
                    N_("{weekday} {hour}:00: {lift}x the usual views ({posts} posts)"),
                    {
                        "weekday": WEEKDAYS[found.weekday],
                        "hour": f"{found.hour:02d}",
                        "lift": round(found.lift, 2),
                        "posts": found.posts,
                    },
                    translatable=("weekday",),
                ),
            )
        )
    return tuple(slots)


def audience_grid(rows: Iterable[tuple[date, int, float]]) -> AudienceGrid | None:
    """The mean active followers per local weekday and hour, from (day, hour, active) rows.

    Several accounts' rows (a platform's) add up within a day before the mean is taken.
    None when there are no rows.
    """
    per_day: dict[tuple[date, int], float] = defaultdict(float)
    for day, hour, active in rows:
        per_day[(day, hour)] += float(active)
    if not per_day:
        return None
    sums: dict[tuple[int, int], list[float]] = defaultdict(list)
    for (day, hour), active in per_day.items():
        sums[(day.weekday(), hour)].append(active)
    means = {slot: fmean(values) for slot, values in sums.items()}
    busiest = max(means.values()) or 1.0
    return AudienceGrid(
        cells=tuple(
            tuple(_audience_cell(d, h, means, sums, busiest) for h in range(24)) for d in range(7)
        ),
        days=len({day for day, _ in per_day}),
    )


def _audience_cell(
    weekday: int,
    hour: int,
    means: Mapping[tuple[int, int], float],
    sums: Mapping[tuple[int, int], list[float]],
    busiest: float,
) -> AudienceCell:
    mean = means.get((weekday, hour), 0.0)
    return AudienceCell(weekday, hour, mean, mean / busiest, len(sums.get((weekday, hour), [])))
