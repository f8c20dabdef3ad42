"""Growth curves and early forecasts on posts that follow a known curve."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from shortops.metrics.analysis.common import (
    PostHistory,
    ViewReading,
    comparable_views,
    views_at_age,
)
from shortops.metrics.analysis.forecast import (
    MIN_CURVE_POSTS,
    TAKING_OFF,
    UNDERPERFORMING,
    default_curve,
    forecast_post,
    growth_curve,
    usual_views,
)
from shortops.models import AlertKind
from tests.metrics.analysis.builders import history, moment, shape


def older_posts(rng: np.random.Generator, posts: int = 20) -> list[PostHistory]:
    """Posts whose views follow `shape` with a speed that varies a little from post to post."""
    return [
        history(
            moment(1 + i, 10),
            float(np.exp(rng.normal(np.log(10_000), 0.3))),
            tau=float(rng.uniform(24, 36)),
        )
        for i in range(posts)
    ]


def young(views_at_24h: float) -> PostHistory:
    published = moment(40, 9)
    readings = tuple(
        ViewReading(published + timedelta(hours=h), views_at_24h * shape(h) / shape(24))
        for h in range(1, 25)
    )
    return PostHistory(999, 1, published, readings, "new post")


def test_the_curve_recovers_the_shape_it_was_made_of() -> None:
    curve = growth_curve(older_posts(np.random.default_rng(1)), source="account", account_id=1)
    assert curve is not None and curve.posts == 20 and curve.source == "account"
    for hours in (6, 24, 72):
        point = curve.at(hours)
        assert point is not None
        assert point.median == pytest.approx(shape(hours), abs=0.04)
        assert point.p10 <= point.p25 <= point.median <= point.p75 <= point.p90
    assert curve.at(168) is not None and curve.at(168).median == pytest.approx(1.0)
    medians = [p.median for p in curve.points]
    assert medians == sorted(medians)


def test_a_young_post_on_the_usual_curve_is_forecast_at_the_usual_views() -> None:
    olds = older_posts(np.random.default_rng(1))
    curve = growth_curve(olds, source="account")
    usual = usual_views(olds)
    assert usual is not None
    forecast = forecast_post(young(usual * shape(24)), curves=[curve], usual=usual)
    assert forecast is not None and forecast.curve_source == "account"
    assert forecast.age_hours == 24
    assert forecast.expected == pytest.approx(usual, rel=0.08)
    assert forecast.low < usual < forecast.high
    assert forecast.verdict is None
    assert forecast.message.params["expected"] == round(forecast.expected)


@pytest.mark.parametrize(
    ("times", "verdict"),
    [(3.0, AlertKind.taking_off), (0.2, AlertKind.underperforming), (1.1, None)],
)
def test_verdicts_come_from_the_whole_range(times: float, verdict: AlertKind | None) -> None:
    olds = older_posts(np.random.default_rng(1))
    curve = growth_curve(olds, source="account")
    usual = usual_views(olds)
    assert usual is not None
    forecast = forecast_post(young(usual * shape(24) * times), curves=[curve], usual=usual)
    assert forecast is not None and forecast.verdict == verdict
    if verdict == AlertKind.taking_off:
        assert forecast.low > usual * TAKING_OFF
        assert forecast.message.params["ratio"] == round(forecast.expected / usual, 1)
    if verdict == AlertKind.underperforming:
        assert forecast.high < usual * UNDERPERFORMING


def test_too_few_posts_fall_back_to_the_next_curve() -> None:
    few = older_posts(np.random.default_rng(2), posts=MIN_CURVE_POSTS - 1)
    assert growth_curve(few, source="account") is None
    assert usual_views(few) is None
    forecast = forecast_post(young(500), curves=[None, None, default_curve()], usual=None)
    assert forecast is not None and forecast.curve_source == "default"
    assert forecast.verdict is None  # no usual views, no verdict
    assert forecast.expected == pytest.approx(500 / 0.5)  # the default curve has half at 24 h


def test_no_forecast_for_a_post_already_a_week_old_or_not_yet_an_hour() -> None:
    curve = default_curve()
    old = history(moment(1, 0), 1000)
    assert forecast_post(old, curves=[curve], usual=None) is None
    published = moment(3, 0)
    fresh = PostHistory(1, 1, published, (ViewReading(published + timedelta(minutes=30), 9),))
    assert forecast_post(fresh, curves=[curve], usual=None) is None


def test_views_at_an_age_are_interpolated_only_between_close_readings() -> None:
    assert views_at_age([(0.5, 10), (1.5, 30)], 1.0) == pytest.approx(20)
    assert views_at_age([(1.0, 10)], 0.5) == pytest.approx(5)  # from 0 views at publishing
    assert views_at_age([(10, 100), (50, 900)], 24) is None  # 40 h apart around 24 h
    assert views_at_age([(150, 900), (190, 1000)], 168) == pytest.approx(945)
    assert views_at_age([(100, 900)], 168) is None  # nothing after day 7


def test_comparable_views_say_which_views_they_are() -> None:
    published = moment(1, 0)
    snapshots = history(published, 1000, hours=(24, 150, 190))
    latest_at = published + timedelta(days=30)
    assert comparable_views(snapshots, latest_views=5000, latest_at=latest_at) == (
        pytest.approx(1000 * (shape(150) + (shape(190) - shape(150)) * 18 / 40)),
        "day7",
        7,
    )
    none = PostHistory(1, 1, published, ())
    assert comparable_views(none, latest_views=5000, latest_at=latest_at) == (5000, "latest", 30)
    younger = published + timedelta(days=6)
    assert comparable_views(none, latest_views=5000, latest_at=younger) is None
