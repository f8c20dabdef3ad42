"""What drives views: a planted effect is found, a random feature is not, thin data says so."""

from __future__ import annotations

import math
from datetime import timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from shortops.metrics.analysis.common import PostSample
from shortops.metrics.analysis.drivers import (
    MIN_POSTS,
    SPARE_POSTS,
    UNKNOWN,
    Drivers,
    Effect,
    asks_question,
    drivers,
    duration_bucket,
    hashtags_of,
)
from tests.metrics.analysis.builders import moment, sample

UTC_ZONE = ZoneInfo("UTC")
SHORT_LIFT = 1.5


def planted(rng: np.random.Generator, posts: int = 400) -> list[PostSample]:
    """Three accounts of different sizes; videos under 20 s get 1.5x views, nothing else
    matters (questions, hashtags and title length are drawn at random)."""
    result = []
    for _ in range(posts):
        account = int(rng.integers(1, 4))
        duration = float(rng.choice([12, 30, 50, 90]))
        question = bool(rng.random() < 0.3)
        tags = [f"#t{int(k)}" for k in rng.choice(8, size=int(rng.integers(0, 5)), replace=False)]
        title = "word " * int(rng.integers(1, 12)) + ("?" if question else "") + " ".join(tags)
        mean = math.log(1000 * account**2) + (math.log(SHORT_LIFT) if duration < 20 else 0.0)
        published = moment(5, int(rng.integers(0, 24))) + timedelta(days=int(rng.integers(0, 60)))
        result.append(
            sample(
                published,
                math.exp(rng.normal(mean, 0.6)),
                account_id=account,
                duration_s=duration,
                title=title,
            )
        )
    return result


def effect(result: Drivers, feature: str, level: str = "") -> Effect:
    found = [e for e in result.effects if e.feature == feature and e.level == level]
    assert found, f"no effect {feature}/{level} in {[(e.feature, e.level) for e in result.effects]}"
    return found[0]


def test_a_planted_effect_is_recovered_within_its_interval() -> None:
    result = drivers(planted(np.random.default_rng(11)), tz=UTC_ZONE)
    assert result.enough and result.posts == 400
    short = effect(result, "duration", "lt20")
    assert short.reference == "20_40"
    assert short.clear and short.low < SHORT_LIFT < short.high
    assert short.low > 1.2  # clear by a margin, not by a hair
    assert short.message.params["reference"] == "20–40 s"
    assert short.message.params["level"] == "under 20 s"
    assert set(short.message.translatable) == {"level", "reference"}
    assert short.message.render().startswith("Posts lasting under 20 s get ")
    assert result.effects[0].clear  # clear effects come first


@pytest.mark.parametrize("feature", ["question", "hashtags", "title_length"])
def test_a_random_feature_has_no_clear_effect(feature: str) -> None:
    result = drivers(planted(np.random.default_rng(11)), tz=UTC_ZONE)
    found = effect(result, feature)
    assert not found.clear and found.low < 1 < found.high


def test_accounts_are_controls_not_effects() -> None:
    result = drivers(planted(np.random.default_rng(11)), tz=UTC_ZONE)
    assert all(e.feature != "account" for e in result.effects)
    # Without the account fixed effect, the 9x bigger accounts would swamp the short-video one.
    assert result.r_squared is not None and result.r_squared > 0.5


def test_too_few_posts_make_no_claim() -> None:
    result = drivers(planted(np.random.default_rng(2), posts=MIN_POSTS - 1), tz=UTC_ZONE)
    assert not result.enough and result.effects == ()
    assert result.posts == MIN_POSTS - 1 and result.needed >= MIN_POSTS
    assert result.messages[0].params == {"posts": MIN_POSTS - 1, "needed": result.needed}


def rich(posts: int) -> list[PostSample]:
    """8 pillars × 5 accounts, crossed, with weekdays, hours and durations spread over them."""
    result = []
    for i in range(posts):
        account, pillar = divmod(i, 8)
        result.append(
            sample(
                moment(5 + (account + 3 * pillar) % 7, (5 * i) % 24),
                1000.0 + 37 * i % 101,
                pillar=f"p{pillar}",
                account_id=account,
                duration_s=(12, 30, 50, 90)[(account + pillar) % 4],
                title="word " * (1 + i % 9) + ("?" if i % 3 == 0 else ""),
            )
        )
    return result


def test_many_features_need_more_posts_than_the_minimum() -> None:
    """Ten more posts than model columns: 25 columns (plus the intercept) need 36 posts."""
    result = drivers(rich(40), tz=UTC_ZONE)
    assert result.needed == 25 + 1 + SPARE_POSTS > MIN_POSTS
    assert result.enough and result.posts == 40


def noise(seed: int) -> list[PostSample]:
    rng = np.random.default_rng(seed)
    return [
        sample(
            moment(5, int(rng.integers(0, 24))) + timedelta(days=int(rng.integers(0, 30))),
            math.exp(rng.normal(7, 0.5)),
            duration_s=float(rng.choice([12, 30, 50, 90])),
            title="word " * int(rng.integers(1, 9)) + ("?" if rng.random() < 0.4 else ""),
        )
        for _ in range(120)
    ]


def test_pure_noise_is_rarely_called_clear() -> None:
    """A 95% interval calls about 5 effects in 100 clear on noise; HC3 errs on the safe side."""
    effects = clear = 0
    for seed in range(12):
        result = drivers(noise(seed), tz=UTC_ZONE)
        assert result.enough
        effects += len(result.effects)
        clear += sum(e.clear for e in result.effects)
        said = result.messages[0].template == "No feature has a clear effect on views yet."
        assert said == (not any(e.clear for e in result.effects))
    assert effects > 100 and clear / effects < 0.1


def test_a_pillar_of_a_user_is_shown_as_written() -> None:
    rng = np.random.default_rng(9)
    posts = []
    for i in range(200):
        pillar = ("Recipes", "Vlogs", "", "")[i % 4]
        lift = 2.0 if pillar == "Recipes" else 1.0
        views = math.exp(rng.normal(math.log(1000 * lift), 0.4))
        posts.append(sample(moment(5 + i % 28, 12), views, pillar=pillar, duration_s=30))
    result = drivers(posts, tz=UTC_ZONE)
    recipes = effect(result, "pillar", "Recipes")
    assert recipes.reference == ""  # the most common: posts without a pillar
    assert recipes.clear and recipes.low < 2.0 < recipes.high
    assert recipes.message.params["level"] == "Recipes" and recipes.message.translatable == ()
    assert recipes.message.render().startswith("Posts in the pillar Recipes get ")
    assert recipes.message.render().endswith("the views of posts without a pillar.")
    assert not effect(result, "pillar", "Vlogs").clear


def test_features_of_a_post() -> None:
    assert duration_bucket(19.9) == "lt20" and duration_bucket(20) == "20_40"
    assert duration_bucket(60) == "40_60" and duration_bucket(61) == "gt60"
    assert duration_bucket(None) == UNKNOWN
    assert asks_question("Why?") and asks_question("为什么？") and asks_question("好吃吗")
    assert asks_question("你呢，还好") and not asks_question("吗啡的历史")
    assert not asks_question("A plain title")
    post = sample(moment(5, 9), 1, title="Hi #Food #fun", caption="more #food", hashtags=("x",))
    assert hashtags_of(post) == {"food", "fun", "x"}
