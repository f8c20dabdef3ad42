"""What drives views: an OLS model of log(views + 1) on what a post is and when it went out.

Features: duration bucket, local posting-hour bucket and weekday, title length, hashtag count,
a question in the title, pillar, the most common hashtags, and the account (a fixed effect,
which also absorbs the platform: each account is on one platform, so a platform effect cannot
be told apart from its accounts' and is not reported). The age at which views were counted is
a control, as posts without day-7 snapshots are counted at their latest figures.

Standard errors are heteroskedasticity-robust (HC3), as views of short videos spread far more
for some kinds of post than others. Each effect is exp(beta), a multiplier of views, with its
95% interval; an effect is "clear" only when that interval excludes 1.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import statsmodels.api as sm

from shortops.errors import N_
from shortops.metrics.analysis.common import (
    WEEKDAYS,
    Message,
    PostSample,
    basis_counts,
    basis_message,
)

# An OLS of a dozen effects on fewer posts says nothing reliable; below MIN_POSTS, or below
# the number of model columns plus SPARE_POSTS, no claim is made.
MIN_POSTS = 30
SPARE_POSTS = 10
# A level of a category (a pillar, an account …) needs this many posts to be estimated; rarer
# ones are pooled as "other", and a pool still this small joins the reference level.
MIN_LEVEL_POSTS = 5
# Hashtags become features of their own when this many posts use them (and this many do not).
MIN_TAG_POSTS = 10
MAX_TAGS = 5
CONFIDENCE = 0.95
# HC3 divides by (1 - leverage)^2: a post that alone decides a column makes it infinite.
MAX_LEVERAGE_FOR_HC3 = 0.99

DURATIONS = (
    ("lt20", N_("under 20 s"), 20.0),
    ("20_40", N_("20–40 s"), 40.0),
    ("40_60", N_("40–60 s"), 60.0001),  # a video of exactly 60 s is in 40–60
    ("gt60", N_("over 60 s"), math.inf),
)
HOURS = (
    ("night", N_("night (0–6 h)"), 6),
    ("morning", N_("morning (6–12 h)"), 12),
    ("afternoon", N_("afternoon (12–18 h)"), 18),
    ("evening", N_("evening (18–24 h)"), 24),
)
# Level keys of their own, in brackets so no pillar of a user is mistaken for them.
UNKNOWN = "(unknown)"
OTHER = "(other)"

_QUESTION = re.compile(r"[?？]|[吗呢](?=$|[\s，。！!,.#…~～])")
_HASHTAG = re.compile(r"#([^\s#]+)")


@dataclass(frozen=True)
class Effect:
    """One feature level's multiplier of views against its reference, with its 95% interval."""

    feature: str  # duration, hour, weekday, pillar, tag, question, title_length, hashtags
    level: str  # the level's key ("lt20", "evening", "3" for Thursday …); "" for numbers
    reference: str  # the level it is compared with; "" for numbers and yes/no features
    multiplier: float
    low: float
    high: float
    p_value: float
    posts: int  # posts at this level (or with the feature)
    clear: bool
    message: Message


@dataclass(frozen=True)
class Drivers:
    posts: int
    enough: bool
    effects: tuple[Effect, ...]  # clear ones first, strongest first
    messages: tuple[Message, ...]
    basis: dict[str, int]
    needed: int
    r_squared: float | None = None
    cov_type: str = "HC3"


# --- features -----------------------------------------------------------------------------------


def duration_bucket(seconds: float | None) -> str:
    if seconds is None or seconds <= 0:
        return UNKNOWN
    return next(key for key, _, below in DURATIONS if seconds < below)


def hour_bucket(moment: datetime, tz: ZoneInfo) -> str:
    hour = moment.astimezone(tz).hour
    return next(key for key, _, below in HOURS if hour < below)


def asks_question(title: str) -> bool:
    """A question mark (ASCII or full-width), or a Chinese question particle ending a clause."""
    return _QUESTION.search(title) is not None


def hashtags_of(sample: PostSample) -> set[str]:
    """The post's hashtags: its list, and every #tag written in its title or caption."""
    written = _HASHTAG.findall(f"{sample.title} {sample.caption}")
    tags = {t.rstrip(".,!?;:，。！？；：").casefold() for t in written}
    tags |= {t.lstrip("#").casefold() for t in sample.hashtags}
    return {t for t in tags if t}


@dataclass(frozen=True)
class _Row:
    sample: PostSample
    duration: str
    hour: str
    weekday: str
    pillar: str
    tags: frozenset[str]
    question: bool
    title_length: int


def _row(sample: PostSample, tz: ZoneInfo) -> _Row:
    title = _HASHTAG.sub("", sample.title).strip()
    return _Row(
        sample=sample,
        duration=duration_bucket(sample.duration_s),
        hour=hour_bucket(sample.published_at, tz) if sample.precise_time else UNKNOWN,
        weekday=str(sample.published_at.astimezone(tz).weekday()),
        pillar=sample.pillar,
        tags=frozenset(hashtags_of(sample)),
        question=asks_question(sample.title),
        title_length=len(title),
    )


# --- the design matrix -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    feature: str
    level: str
    reference: str
    values: np.ndarray
    reported: bool


def _categorical(
    feature: str,
    levels: Sequence[str],
    *,
    reported: bool,
    prefer: str | None = None,
    unreported: frozenset[str] = frozenset(),
) -> list[_Column]:
    """Dummy columns of a category against its reference level: `prefer` when it is common
    enough, else the most common level the category reports on (comparing with "unknown
    duration" or a pool of rare pillars would say nothing)."""
    pooled = _pool_rare(levels)
    counts = Counter(pooled)
    named = [level for level, _ in counts.most_common() if level not in {*unreported, OTHER}]
    if prefer is not None and counts[prefer] >= MIN_LEVEL_POSTS:
        reference = prefer
    elif named:
        reference = named[0]
    else:
        reference, reported = counts.most_common(1)[0][0], False
    pooled = [
        reference if level == OTHER and counts[OTHER] < MIN_LEVEL_POSTS else level
        for level in pooled
    ]
    array = np.array(pooled, dtype=object)
    return [
        _Column(
            feature,
            level,
            reference,
            (array == level).astype(float),
            reported and level not in unreported and level != OTHER,
        )
        for level in sorted(set(pooled) - {reference})
    ]


def _pool_rare(levels: Sequence[str]) -> list[str]:
    counts = Counter(levels)
    return [level if counts[level] >= MIN_LEVEL_POSTS else OTHER for level in levels]


def _tag_columns(rows: Sequence[_Row]) -> list[_Column]:
    counts = Counter(tag for row in rows for tag in row.tags)
    common = [
        tag
        for tag, n in counts.most_common()
        if n >= MIN_TAG_POSTS and len(rows) - n >= MIN_TAG_POSTS
    ][:MAX_TAGS]
    return [
        _Column("tag", tag, "", np.array([tag in r.tags for r in rows], dtype=float), True)
        for tag in common
    ]


def _columns(rows: Sequence[_Row]) -> list[_Column]:
    def levels(get: Callable[[_Row], str]) -> list[str]:
        return [get(r) for r in rows]

    unknown = frozenset({UNKNOWN})
    columns = [
        *_categorical("duration", levels(lambda r: r.duration), reported=True, prefer="20_40",
                      unreported=unknown),
        *_categorical("hour", levels(lambda r: r.hour), reported=True, unreported=unknown),
        *_categorical("weekday", levels(lambda r: r.weekday), reported=True),
        *_categorical("pillar", levels(lambda r: r.pillar), reported=True),
        *_categorical("account", levels(lambda r: str(r.sample.account_id)), reported=False),
        *_tag_columns(rows),
        _Column("question", "", "", np.array([r.question for r in rows], dtype=float), True),
        # Per 10 characters, so the multiplier reads as "10 more characters".
        _Column("title_length", "", "", np.array([r.title_length / 10 for r in rows]), True),
        _Column("hashtags", "", "", np.array([len(r.tags) for r in rows], dtype=float), True),
        _Column("age", "", "", np.log(np.array([max(r.sample.age_days, 1.0) for r in rows])),
                False),
    ]  # fmt: skip
    return _independent(columns, len(rows))


def _independent(columns: Sequence[_Column], rows: int) -> list[_Column]:
    """The columns that add information beyond the intercept and the columns before them
    (a constant feature, a level that coincides with another, go)."""
    kept: list[_Column] = []
    matrix = np.ones((rows, 1))
    for column in columns:
        candidate = np.column_stack([matrix, column.values])
        if np.linalg.matrix_rank(candidate) > matrix.shape[1]:
            kept.append(column)
            matrix = candidate
    return kept


# --- the model ----------------------------------------------------------------------------------


def drivers(samples: Sequence[PostSample], *, tz: ZoneInfo) -> Drivers:
    """The effects of post features on views, from posts at a comparable age (see common)."""
    rows = [_row(s, tz) for s in samples]
    counts = basis_counts(samples)
    columns = _columns(rows) if rows else []
    needed = max(MIN_POSTS, len(columns) + 1 + SPARE_POSTS)
    if len(rows) < needed:
        return Drivers(
            posts=len(rows),
            enough=False,
            effects=(),
            messages=(
                Message(
                    N_("Not enough posts to tell what drives views: {posts} posts, {needed} "
                       "needed."),
                    {"posts": len(rows), "needed": needed},
                ),
            ),
            basis=counts,
            needed=needed,
        )  # fmt: skip
    y = np.log1p(np.array([max(r.sample.views, 0.0) for r in rows]))
    x = np.column_stack([np.ones(len(rows)), *[c.values for c in columns]])
    cov_type = "HC3" if _max_leverage(x) < MAX_LEVERAGE_FOR_HC3 else "HC1"
    fit = sm.OLS(y, x).fit(cov_type=cov_type)
    bounds = np.asarray(fit.conf_int(alpha=1 - CONFIDENCE))
    effects = [
        _effect(column, float(fit.params[i + 1]), bounds[i + 1], float(fit.pvalues[i + 1]))
        for i, column in enumerate(columns)
        if column.reported
    ]
    effects.sort(key=lambda e: (not e.clear, -abs(math.log(e.multiplier))))
    messages = [
        Message(
            N_("Based on {posts} posts. An effect is clear when its likely range (95 in 100) "
               "excludes 1x."),
            {"posts": len(rows)},
        ),
        basis_message(counts),
    ]  # fmt: skip
    if not any(e.clear for e in effects):
        messages.insert(0, Message(N_("No feature has a clear effect on views yet.")))
    return Drivers(
        posts=len(rows),
        enough=True,
        effects=tuple(effects),
        messages=tuple(messages),
        basis=counts,
        needed=needed,
        r_squared=float(fit.rsquared),
        cov_type=cov_type,
    )


def _max_leverage(x: np.ndarray) -> float:
    q, _ = np.linalg.qr(x)
    return float(np.max(np.sum(q * q, axis=1)))


def _effect(column: _Column, beta: float, bounds: np.ndarray, p_value: float) -> Effect:
    multiplier, low, high = math.exp(beta), math.exp(bounds[0]), math.exp(bounds[1])
    return Effect(
        feature=column.feature,
        level=column.level,
        reference=column.reference,
        multiplier=multiplier,
        low=low,
        high=high,
        p_value=p_value,
        posts=int(np.count_nonzero(column.values)),
        clear=low > 1 or high < 1,
        message=_sentence(column, multiplier, low, high),
    )


_TEMPLATES = {
    "duration": N_("Posts lasting {level} get {effect}x ({low}–{high}x) the views of posts "
                   "lasting {reference}."),
    "hour": N_("Posts published in the {level} get {effect}x ({low}–{high}x) the views of posts "
               "published in the {reference}."),
    "weekday": N_("Posts published on {level} get {effect}x ({low}–{high}x) the views of posts "
                  "published on {reference}."),
    "pillar": N_("Posts in the pillar {level} get {effect}x ({low}–{high}x) the views of posts "
                 "in the pillar {reference}."),
    "pillar_vs_none": N_("Posts in the pillar {level} get {effect}x ({low}–{high}x) the views of "
                         "posts without a pillar."),
    "none_vs_pillar": N_("Posts without a pillar get {effect}x ({low}–{high}x) the views of "
                         "posts in the pillar {reference}."),
    "tag": N_("Posts tagged #{level} get {effect}x ({low}–{high}x) the views of posts without "
              "it."),
    "question": N_("Titles that ask a question get {effect}x ({low}–{high}x) the views of titles "
                   "that do not."),
    "title_length": N_("Each 10 more characters of title go with {effect}x ({low}–{high}x) the "
                       "views."),
    "hashtags": N_("Each extra hashtag goes with {effect}x ({low}–{high}x) the views."),
}  # fmt: skip


def _sentence(column: _Column, multiplier: float, low: float, high: float) -> Message:
    params: dict[str, object] = {
        "effect": round(multiplier, 2),
        "low": round(low, 2),
        "high": round(high, 2),
    }
    if column.feature == "tag":
        return Message(_TEMPLATES["tag"], {**params, "level": column.level})
    if column.feature == "pillar":
        return _pillar_sentence(column, params)
    if column.feature not in {"duration", "hour", "weekday"}:
        return Message(_TEMPLATES[column.feature], params)
    params["level"] = level_label(column.feature, column.level)
    params["reference"] = level_label(column.feature, column.reference)
    return Message(_TEMPLATES[column.feature], params, ("level", "reference"))


def _pillar_sentence(column: _Column, params: dict[str, object]) -> Message:
    """Pillar names are the user's own words, shown as written; "no pillar" is its own sentence."""
    if not column.reference:
        return Message(_TEMPLATES["pillar_vs_none"], {**params, "level": column.level})
    if not column.level:
        return Message(_TEMPLATES["none_vs_pillar"], {**params, "reference": column.reference})
    return Message(
        _TEMPLATES["pillar"], {**params, "level": column.level, "reference": column.reference}
    )


def level_label(feature: str, key: str) -> str:
    """The N_ label of a duration, hour or weekday level's key."""
    if feature == "duration":
        return next(label for k, label, _ in DURATIONS if k == key)
    if feature == "hour":
        return next(label for k, label, _ in HOURS if k == key)
    return WEEKDAYS[int(key)]
