"""Any other CSV/XLSX (Kuaishou, Bilibili, Xiaohongshu, Weibo, a spreadsheet of one's own),
read with a `ColumnMapping` the user chose on the mapping screen (or saved for these headers).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any

from shortops.errors import N_
from shortops.metrics.errors import AmbiguousExport
from shortops.metrics.importers import values
from shortops.metrics.importers.columns import Column, Columns, key, parser_for, read_rows
from shortops.metrics.importers.postlists import POST_LISTS, post_row
from shortops.metrics.importers.tables import Table
from shortops.metrics.importers.types import (
    METRICS,
    AccountDayRow,
    ColumnMapping,
    ExportKind,
    ParsedExport,
    PostDayRow,
    Skipped,
)

KIND: ExportKind = "generic"
IDENTITY_FIELDS = ("remote_id", "url", "title", "published", "duration_s", "day", "post_type")
MAPPABLE = frozenset(IDENTITY_FIELDS) | frozenset(METRICS)

# Words that name a column in the exports of platforms without a known format (and English).
GUESSES: dict[str, tuple[str, ...]] = {
    "remote_id": (
        "id",
        "post id",
        "video id",
        "作品id",
        "视频id",
        "笔记id",
        "bvid",
        "av号",
        "微博id",
    ),
    "url": ("url", "link", "permalink", "链接", "作品链接", "视频链接", "笔记链接"),
    "title": (
        "title",
        "video title",
        "caption",
        "description",
        "标题",
        "作品名称",
        "作品标题",
        "视频标题",
        "笔记标题",
        "视频描述",
        "微博内容",
        "内容",
    ),
    "published": ("publish time", "published", "post time", "发布时间", "发布日期", "投稿时间"),
    "day": ("date", "day", "日期", "时间"),
    "duration_s": ("duration", "时长", "视频时长"),
    "post_type": ("type", "post type", "体裁", "类型"),
    "views": (
        "views",
        "plays",
        "video views",
        "播放量",
        "播放",
        "播放数",
        "观看量",
        "阅读量",
        "曝光量",
    ),
    "likes": ("likes", "点赞", "点赞量", "点赞数", "喜欢"),
    "comments": ("comments", "评论", "评论量", "评论数"),
    "shares": ("shares", "分享", "分享量", "分享数", "转发", "转发量", "转发数"),
    "saves": ("saves", "favorites", "收藏", "收藏量", "收藏数"),
    "followers_gained": ("new followers", "涨粉", "涨粉数", "粉丝增量", "新增粉丝", "新增关注"),
    "followers": ("followers", "粉丝数", "粉丝总数"),
    "completion_rate": ("completion rate", "完播率"),
    "avg_view_s": ("average watch time", "平均播放时长", "平均观看时长"),
    "impressions": ("impressions", "曝光", "曝光数"),
    "profile_views": ("profile views", "主页访问量", "主页访问"),
    "revenue": ("revenue", "收益", "收入"),
}
_GUESS_BY_KEY = {key(word): name for name, words in GUESSES.items() for word in words}


def suggest_mapping(headers: Iterable[str], platform: str) -> ColumnMapping:
    """A first guess of each column's meaning; the user confirms or changes it."""
    columns: dict[str, str] = {}
    aliases: dict[str, str] = {}
    for post_list in POST_LISTS:
        aliases.update({key(a): c.name for a, c in post_list.aliases.items()})
    taken: set[str] = set()
    for header in headers:
        name = _GUESS_BY_KEY.get(key(header)) or aliases.get(key(header))
        if name is None and key(header) in {key(m) for m in METRICS}:
            name = key(header)
        if name and name not in taken:
            columns[header] = name
            taken.add(name)
    return ColumnMapping(platform=platform or "", columns=columns)


def read(table: Table, mapping: ColumnMapping, name: str) -> ParsedExport:
    unknown = sorted(set(mapping.columns.values()) - MAPPABLE)
    if unknown:
        raise AmbiguousExport(
            name=name,
            detail=N_("the mapping names fields shortops does not know: {fields}").format(
                fields=", ".join(unknown)
            ),
        )
    missing = [h for h in mapping.columns if h not in table.headers]
    if missing:
        raise AmbiguousExport(
            name=name,
            detail=N_("the mapping names columns the file does not have: {columns}").format(
                columns=", ".join(missing)
            ),
        )
    aliases = {header: _column(field, mapping) for header, field in mapping.columns.items()}
    # Only mapped columns are read: an unmapped one is the user's choice to leave out.
    columns = Columns.resolve(table.headers, aliases, ignore=table.headers)
    fields = set(mapping.columns.values())
    has_identity = bool(fields & {"remote_id", "url", "title"})
    parsed = ParsedExport(
        kind=KIND,
        platform=mapping.platform,
        name=name,
        files=[table.name],
        cumulative=mapping.cumulative,
        rows_read=len(table.rows),
        columns={table.name: list(table.headers)},
    )
    days = []
    for line, row in read_rows(columns, table, fields=IDENTITY_FIELDS, skipped=parsed.skipped):
        if "day" not in fields:
            parsed.posts.append(post_row(row.fields, row.metrics, row.extra, line, table.name))
            continue
        day = row.fields.get("day")
        if day is None:
            parsed.skipped.append(Skipped(line, N_("the row has no date"), file=table.name))
            continue
        day = day.date() if isinstance(day, datetime) else day
        days.append(day)
        if has_identity:
            parsed.post_days.append(_post_day(row.fields, row.metrics, day, line, table.name))
        else:
            parsed.account_days.append(
                AccountDayRow(line, day, row.metrics, mapping.currency, table.name)
            )
    if days:
        parsed.period = (min(days), max(days))
    if mapping.currency:
        parsed.posts = [_with_currency(p, mapping.currency) for p in parsed.posts]
    return parsed


def _column(field: str, mapping: ColumnMapping) -> Column:
    if field in ("published", "day"):
        order = mapping.date_order

        def read_date(cell: Any) -> Any:
            return values.day_or_moment(cell, order=order)

        return Column(field, read_date)
    if field in ("remote_id", "url", "title", "post_type"):
        return Column(field, values.text)
    if field == "duration_s":
        return Column(field, values.seconds)
    return Column(field, parser_for(field))


def _post_day(
    fields: dict[str, Any], metrics: dict[str, Any], day: Any, line: int, file: str
) -> PostDayRow:
    return PostDayRow(
        line=line,
        day=day,
        remote_id=fields.get("remote_id"),
        title=fields.get("title") or fields.get("url"),
        published=fields.get("published"),
        duration_s=fields.get("duration_s"),
        metrics=metrics,
        file=file,
    )


def _with_currency(post: Any, currency: str) -> Any:
    return replace(post, currency=currency) if "revenue" in post.metrics else post
