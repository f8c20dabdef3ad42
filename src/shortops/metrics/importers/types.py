"""What an importer reads out of a platform's export file: plain data, no database.

An importer turns the bytes of one export (a CSV, an XLSX, or the ZIP the platform hands out)
into a `ParsedExport`. Matching rows to publications, writing snapshots and the import report
are the caller's work (`shortops.metrics.service` / `flows`). Every figure uses one canonical
name (`METRICS`), whatever the platform or UI language called its column; a column with no
canonical name is kept, under its own header, in `extra`.

Times: platforms write local wall-clock times without a zone. `published` holds exactly what
the file says: a `date` when the file gives only a day, a naive `datetime` when it gives a time.
The caller reads both in the account's (or workspace's) timezone. `day` fields are `date`s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

# Canonical metric names and what each holds. Counts are ints; times are seconds; rates and
# percentages are fractions (12.5 % -> 0.125); money is Decimal in `currency`.
METRICS: dict[str, str] = {
    "views": "views / plays",
    "engaged_views": "YouTube engaged views",
    "likes": "likes",
    "dislikes": "dislikes",
    "comments": "comments",
    "shares": "shares / forwards",
    "saves": "saves / favourites / 收藏",
    "watch_time_s": "total watch time, seconds",
    "avg_view_s": "average view duration, seconds",
    "avg_view_pct": "average percentage viewed, fraction (may exceed 1 for loops)",
    "completion_rate": "share of views watched to the end, fraction",
    "completion_rate_5s": "share of views past 5 s (Douyin 5s完播率), fraction",
    "bounce_rate_2s": "share of views left within 2 s (Douyin 2s跳出率), fraction",
    "viewed_rate": "share of feed impressions viewed, not swiped away (Shorts), fraction",
    "impressions": "impressions / shown in feed",
    "impressions_ctr": "impressions click-through rate, fraction",
    "cover_ctr": "cover click-through rate (Douyin 封面点击率), fraction",
    "reach": "accounts reached",
    "unique_viewers": "unique viewers",
    "new_viewers": "new viewers",
    "returning_viewers": "returning / regular viewers",
    "casual_viewers": "casual viewers",
    "profile_views": "profile / home page visits",
    "followers_gained": "followers / subscribers gained",
    "followers_lost": "followers / subscribers lost",
    "followers_net": "net follower change (gained - lost, or the export's own net figure)",
    "followers": "follower count at the end of the day (cumulative)",
    "active_followers": "followers active in that hour",
    "revenue": "estimated revenue, Decimal, in `currency`",
}

Number = int | float | Decimal


@dataclass(frozen=True, slots=True)
class Skipped:
    """A row left out, and why (an English template with params, translated where shown)."""

    line: int  # 1-based line (CSV) or row (XLSX) number in `file`
    reason: str
    params: dict[str, Any] = field(default_factory=dict)
    file: str = ""


@dataclass(frozen=True, slots=True)
class PostRow:
    """One post's figures: over the export's `period`, or lifetime totals when `cumulative`."""

    line: int
    remote_id: str | None = None  # the platform's id, cleaned (YouTube's leading space removed)
    url: str | None = None
    title: str | None = None
    published: date | datetime | None = None
    duration_s: float | None = None
    post_type: str | None = None  # "reel", "image", "carousel", "video", "图文" … as exported
    metrics: dict[str, Number] = field(default_factory=dict)
    currency: str | None = None  # of metrics["revenue"]
    extra: dict[str, Any] = field(default_factory=dict)
    file: str = ""


@dataclass(frozen=True, slots=True)
class PostDayRow:
    """One post's figures on one day (YouTube "Chart data": one row per day and video)."""

    line: int
    day: date
    remote_id: str | None = None
    title: str | None = None
    published: date | datetime | None = None
    duration_s: float | None = None
    metrics: dict[str, Number] = field(default_factory=dict)
    file: str = ""


@dataclass(frozen=True, slots=True)
class AccountDayRow:
    """The account's figures on one day (YouTube "Totals", TikTok "Overview" / followers)."""

    line: int
    day: date
    metrics: dict[str, Number] = field(default_factory=dict)
    currency: str | None = None
    file: str = ""


@dataclass(frozen=True, slots=True)
class ActivityRow:
    """How many followers were active in one hour of one day (TikTok "FollowerActivity")."""

    line: int
    day: date
    hour: int  # 0-23, in the export's local time
    active_followers: int
    file: str = ""


ExportKind = Literal[
    "youtube_studio",
    "tiktok_studio",
    "douyin_creator",
    "instagram_posts",
    "wechat_channels",
    "generic",
]


@dataclass
class ParsedExport:
    """Everything one export file (or the files of one ZIP) says."""

    kind: ExportKind
    platform: str  # provider slug: youtube, tiktok, douyin, instagram, wechat_channels, or given
    name: str  # the file the user gave (the ZIP's name for a ZIP)
    files: list[str] = field(default_factory=list)  # the files actually read (ZIP members)
    # The date range every figure covers, when the export says it (from a Totals/Chart file,
    # a file name or the user); None when unknown.
    period: tuple[date, date] | None = None
    # When the export was made, when the file or its name says (a TikTok ZIP's epoch, say).
    as_of: date | None = None
    # True when `posts` hold lifetime totals at `as_of` (TikTok Content, Douyin 作品数据,
    # Instagram "Lifetime", WeChat Channels); False when they cover `period` only.
    cumulative: bool = False
    posts: list[PostRow] = field(default_factory=list)
    post_days: list[PostDayRow] = field(default_factory=list)
    account_days: list[AccountDayRow] = field(default_factory=list)
    # The export's own "Total" row: the account's figures over `period`. They differ from the
    # sum of `posts` (YouTube's Total also counts videos the table does not list).
    account_total: dict[str, Number] | None = None
    activity: list[ActivityRow] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    rows_read: int = 0  # data rows seen in every file read, header and blank lines excluded
    columns: dict[str, list[str]] = field(default_factory=dict)  # file -> headers as found
    # Messages for the preview (English templates + params), e.g. "dates without a year were
    # read as 2026 (from the file name)".
    notes: list[Skipped] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One uploaded file: its name as the user had it, and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ColumnMapping:
    """The generic importer's reading of a file: which column holds what.

    `columns` maps a header as found in the file to a canonical name: one of `METRICS`, or
    "remote_id", "url", "title", "published", "duration_s", "day", "post_type". Unmapped headers
    go to `extra`. With a "day" column and no post identity the rows are account days; with
    "day" and an identity, post days; else posts.
    """

    platform: str
    columns: dict[str, str]
    cumulative: bool = True
    date_order: Literal["ymd", "dmy", "mdy"] = "ymd"
    currency: str | None = None
    sheet: str | None = None  # XLSX sheet to read (default: the first with a header row)


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """What the user tells the importer that the file does not say."""

    platform: str | None = None  # forces the platform (generic files need it)
    year: int | None = None  # for dates without a year (TikTok), when the file name lacks it
    period: tuple[date, date] | None = None  # the range a YouTube table covers, if known
    mapping: ColumnMapping | None = None  # the generic importer's mapping
