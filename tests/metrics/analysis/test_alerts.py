"""Spikes and stalls on planted series."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np

from shortops.metrics.analysis.alerts import (
    SPIKE_WINDOW_DAYS,
    account_spike_alert,
    find_spikes,
    find_stall,
    post_spike_alert,
)
from shortops.metrics.analysis.common import PostHistory, ViewReading
from shortops.metrics.analysis.forecast import default_curve, growth_curve
from shortops.models import AlertKind
from tests.metrics.analysis.builders import history, moment, shape

START = date(2026, 1, 1)


def poisson_days(rng: np.random.Generator, days: int, mean: float) -> dict[date, float]:
    return {START + timedelta(days=i): float(rng.poisson(mean)) for i in range(days)}


def test_a_planted_spike_is_found_on_its_day_only() -> None:
    series = poisson_days(np.random.default_rng(1), 40, 200)
    spike_day = START + timedelta(days=30)
    series[spike_day] = 2000
    found = find_spikes(series, first_day=START, last_day=START + timedelta(days=39),
                        check_from=START)  # fmt: skip
    assert [s.day for s in found] == [spike_day]
    assert 150 < found[0].baseline < 250 and found[0].ratio > 8


def test_flat_noise_raises_nothing() -> None:
    for mean in (3, 200, 50_000):
        series = poisson_days(np.random.default_rng(mean), 60, mean)
        end = START + timedelta(days=59)
        assert find_spikes(series, first_day=START, last_day=end, check_from=START) == []


def test_a_steady_series_with_a_small_bump_is_no_spike() -> None:
    """MAD 0 would make any bump infinite standard deviations; the floor keeps it sane."""
    series = {START + timedelta(days=i): 500.0 for i in range(20)}
    series[START + timedelta(days=19)] = 560
    assert find_spikes(series, first_day=START, last_day=START + timedelta(days=19),
                       check_from=START) == []  # fmt: skip


def test_missing_days_count_as_zero_for_posts_and_as_unknown_for_accounts() -> None:
    last = START + timedelta(days=SPIKE_WINDOW_DAYS)
    series = {START: 1000.0, START + timedelta(days=1): 1000.0, last: 1000.0}
    as_post = find_spikes(series, first_day=START, last_day=last, check_from=last)
    assert [s.day for s in as_post] == [last]  # a revival after days without views
    as_account = find_spikes(
        series, first_day=START, last_day=last, check_from=last, missing_is_zero=False
    )
    assert as_account == []  # two known days are no baseline


def test_the_first_days_of_a_post_are_no_spike() -> None:
    series = {START + timedelta(days=i): v for i, v in enumerate([5000, 2000, 800, 300])}
    assert find_spikes(series, first_day=START, last_day=START + timedelta(days=3),
                       check_from=START) == []  # fmt: skip


def test_spike_alerts_keep_their_figures_as_params() -> None:
    series = poisson_days(np.random.default_rng(1), 20, 200)
    series[START + timedelta(days=19)] = 5000
    spike = find_spikes(series, first_day=START, last_day=START + timedelta(days=19),
                        check_from=START)[0]  # fmt: skip
    alert = post_spike_alert(publication_id=7, account_id=1, title="My video", spike=spike)
    assert alert.kind == AlertKind.spike and alert.day == spike.day
    assert alert.message.params["views"] == 5000 and alert.message.params["title"] == "My video"
    assert "{ratio}x" in alert.message.template
    account = account_spike_alert(account_id=1, handle="me", spike=spike, top_post=(7, "My video"))
    assert account.publication_id == 7 and "{title}" in account.message.template
    alone = account_spike_alert(account_id=1, handle="me", spike=spike, top_post=None)
    assert alone.publication_id is None


def curve_posts() -> list[PostHistory]:
    rng = np.random.default_rng(3)
    return [history(moment(1 + i, 8), float(rng.uniform(5000, 20_000))) for i in range(10)]


def stopped(views_then: float, views_now: float, hours: tuple[float, float]) -> PostHistory:
    published = moment(40, 8)
    readings = tuple(
        ViewReading(published + timedelta(hours=h), v)
        for h, v in zip(hours, (views_then, views_now), strict=True)
    )
    return PostHistory(50, 1, published, readings, "stuck")


def test_a_young_post_that_stopped_growing_is_a_stall() -> None:
    curve = growth_curve(curve_posts(), source="account")
    stall = find_stall(stopped(3000, 3004, (20, 26)), curve)
    assert stall is not None and stall.gained == 4
    expected = 3000 * (shape(26) / shape(20) - 1)
    assert abs(stall.expected_gain - expected) < 0.1 * expected


def test_a_post_growing_as_usual_is_no_stall() -> None:
    curve = growth_curve(curve_posts(), source="account")
    assert find_stall(stopped(3000, 3000 * shape(26) / shape(20), (20, 26)), curve) is None


def test_no_stall_when_the_account_posts_would_not_grow_either() -> None:
    curve = growth_curve(curve_posts(), source="account")
    # Between day 6 and day 6 plus an hour, the curve promises well under 5% more.
    assert find_stall(stopped(3000, 3000, (144, 145)), curve) is None


def test_no_stall_without_a_real_curve_or_with_tiny_views() -> None:
    assert find_stall(stopped(3000, 3000, (20, 26)), default_curve()) is None
    assert find_stall(stopped(3000, 3000, (20, 26)), None) is None
    curve = growth_curve(curve_posts(), source="account")
    assert find_stall(stopped(5, 5, (20, 26)), curve) is None
