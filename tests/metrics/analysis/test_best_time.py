"""Best time to post on synthetic posts with a planted good hour."""

from __future__ import annotations

import math
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from shortops.metrics.analysis.best_time import (
    MIN_POSTS,
    PRIOR_STRENGTH,
    audience_grid,
    best_time,
)
from shortops.metrics.analysis.common import PostSample
from tests.metrics.analysis.builders import moment, sample

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC_ZONE = ZoneInfo("UTC")


def planted(
    rng: np.random.Generator, *, good_hour: int = 18, lift: float = 2.0, weeks: int = 12
) -> list[PostSample]:
    """Posts every day at 9, 12, 18 and 21 h Shanghai time; the good hour gets `lift`x views."""
    posts = []
    for day in range(weeks * 7):
        for hour in (9, 12, 18, 21):
            local_utc = moment(5, hour) + timedelta(days=day) - timedelta(hours=8)
            factor = lift if hour == good_hour else 1.0
            views = math.exp(rng.normal(math.log(1000 * factor), 0.5))
            posts.append(sample(local_utc, views))
    return posts


def test_the_planted_hour_is_the_best_slot_in_the_workspace_timezone() -> None:
    result = best_time(planted(np.random.default_rng(7)), tz=SHANGHAI)
    assert result.claim and result.posts == 12 * 7 * 4
    assert result.top, "a 2x hour must give top slots"
    assert {slot.hour for slot in result.top} == {18}
    by_hour = max(result.hours, key=lambda c: c.lift)
    assert by_hour.hour == 18
    # 18 h gets 2x the others, so 2 / 2^(1/4) (about 1.68x) against the account's mean.
    assert 1.45 < by_hour.lift < 1.95
    for hour in (9, 12, 21):
        assert result.hours[hour].lift < 1
    assert all(result.grid[d][3].posts == 0 for d in range(7))  # nothing posted at 3 h


def test_without_the_timezone_the_hour_would_be_another() -> None:
    result = best_time(planted(np.random.default_rng(7)), tz=UTC_ZONE)
    assert max(result.hours, key=lambda c: c.lift).hour == 10  # 18 h in Shanghai is 10 h UTC


def test_one_lucky_post_is_shrunk_toward_the_account_mean_and_claims_nothing() -> None:
    rng = np.random.default_rng(3)
    usual = [
        sample(moment(5 + d % 7, 12), math.exp(rng.normal(math.log(1000), 0.2))) for d in range(40)
    ]
    lucky = sample(moment(6, 3), 100_000)  # Tuesday 3 h UTC, a hundred times the usual
    result = best_time([*usual, lucky], tz=UTC_ZONE)
    cell = result.grid[1][3]
    assert cell.posts == 1 and not cell.claim
    assert cell.raw_lift is not None and cell.raw_lift > 50
    # One post moves its cell 1 / (1 + k) of the way (in log views).
    assert math.isclose(math.log(cell.lift), math.log(cell.raw_lift) / (1 + PRIOR_STRENGTH))
    assert cell.lift < cell.raw_lift / 10
    assert all(slot.hour != 3 for slot in result.top)


def test_thin_data_makes_no_claim() -> None:
    posts = [sample(moment(5 + i % 7, 18), 1000 * (i + 1)) for i in range(MIN_POSTS - 1)]
    result = best_time(posts, tz=UTC_ZONE)
    assert not result.claim and result.top == ()
    assert not any(cell.claim for row in result.grid for cell in row)
    assert result.messages[0].params == {"posts": MIN_POSTS - 1, "needed": MIN_POSTS}


def test_posts_with_only_a_publish_day_are_left_out_of_the_hours() -> None:
    rng = np.random.default_rng(1)
    posts = planted(rng, weeks=1)
    day_only = [sample(moment(5, 0), 5000, precise_time=False) for _ in range(3)]
    result = best_time([*posts, *day_only], tz=SHANGHAI)
    assert result.posts == len(posts) and result.skipped_day_only == 3
    assert result.grid[0][8].posts == 0  # local midnight of the 5th in UTC is 8 h in Shanghai


def test_a_big_account_posting_at_one_hour_does_not_make_that_hour_good() -> None:
    """Each post is compared with its own account's mean, not the platform's."""
    rng = np.random.default_rng(5)
    big = [
        sample(moment(5 + d % 14, 9), math.exp(rng.normal(math.log(100_000), 0.3)), account_id=1)
        for d in range(40)
    ]
    small = [
        sample(moment(5 + d % 14, 18), math.exp(rng.normal(math.log(500), 0.3)), account_id=2)
        for d in range(40)
    ]
    result = best_time([*big, *small], tz=UTC_ZONE)
    assert result.claim
    for hour in (9, 18):
        assert 0.85 < result.hours[hour].lift < 1.15
    assert result.top == ()


def test_the_basis_of_the_scores_is_stated() -> None:
    posts = [sample(moment(5, 9), 100), sample(moment(5, 9), 100, basis="latest", age_days=30)]
    result = best_time(posts, tz=UTC_ZONE)
    assert result.basis == {"day7": 1, "latest": 1}
    assert any(m.params == {"day7": 1, "latest": 1} for m in result.messages)


def test_audience_activity_becomes_its_own_grid_and_feeds_the_top_slots() -> None:
    monday, next_monday = date(2026, 1, 5), date(2026, 1, 12)
    rows = [(monday, 20, 100.0), (next_monday, 20, 300.0), (monday, 9, 50.0)]
    grid = audience_grid(rows)
    assert grid is not None and grid.days == 2
    assert grid.at(0, 20).active_followers == 200 and grid.at(0, 20).share == 1.0
    assert grid.at(0, 9).share == 0.25 and grid.at(1, 20).active_followers == 0
    assert audience_grid([]) is None
    result = best_time(planted(np.random.default_rng(7)), tz=SHANGHAI, audience=grid)
    monday_slot = [slot for slot in result.top if slot.weekday == 0]
    assert all(slot.audience_share == grid.at(0, 18).share for slot in monday_slot)
    assert result.audience is grid


def test_the_slot_message_keeps_template_and_params_apart() -> None:
    result = best_time(planted(np.random.default_rng(7)), tz=SHANGHAI)
    message = result.top[0].message
    assert "{weekday}" in message.template and message.translatable == ("weekday",)
    assert message.params["hour"] == "18" and message.params["posts"] == result.top[0].posts
    assert message.render().startswith(message.params["weekday"] + " 18:00")


def test_pure_noise_names_no_top_slot() -> None:
    result = best_time(planted(np.random.default_rng(7), lift=1.0), tz=SHANGHAI)
    assert result.claim and result.top == ()
    assert result.messages[0].template == "No time of day stands out yet."
