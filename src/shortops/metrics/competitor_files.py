"""A competitor's figures from a file: a CSV/XLSX of readings (date, followers, views, posts)
or of posts (title or link, publish time, views, likes, comments), in English or Chinese.

The file is read whole before anything is stored: a bad cell refuses the file with its line
and column, and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.orm import Session

from shortops.errors import N_, InvalidInput
from shortops.kit.clock import utcnow
from shortops.metrics import competitors
from shortops.metrics.importers.columns import key
from shortops.metrics.importers.tables import Table, open_tables
from shortops.metrics.importers.types import SourceFile
from shortops.metrics.importers.values import BadValue, count, day_or_moment, text
from shortops.metrics.schemas import CompetitorPostIn, CompetitorSnapshotIn
from shortops.models import Competitor, CompetitorSource

# Header words (compared case-folded) for each field.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "date": ("date", "day", "captured at", "日期", "时间", "统计日期"),
    "followers": ("followers", "subscribers", "fans", "粉丝", "粉丝数", "粉丝量", "订阅者"),
    "total_views": ("views", "total views", "plays", "播放量", "总播放量", "观看次数"),
    "posts_count": ("posts", "videos", "post count", "作品数", "视频数", "作品"),
    "remote_id": ("id", "video id", "content", "post id", "作品id", "视频id"),
    "title": ("title", "video title", "标题", "作品名称", "视频标题"),
    "url": ("url", "link", "video link", "链接", "作品链接"),
    "published_at": ("published", "publish time", "post time", "video publish time", "发布时间"),
    "likes": ("likes", "点赞", "点赞量", "点赞数"),
    "comments": ("comments", "评论", "评论量", "评论数"),
}
SNAPSHOT_FIELDS = ("followers", "total_views", "posts_count")


@dataclass
class CompetitorImport:
    kind: str  # "snapshots" or "posts"
    rows: int
    created: int
    updated: int


def import_file(
    session: Session, *, competitor: Competitor, file: SourceFile, tz: ZoneInfo
) -> CompetitorImport:
    tables = [t for t in open_tables(file) if t.headers]
    if not tables:
        raise InvalidInput(N_("{name} has no table with a header row."), name=file.name)
    table = tables[0]
    fields = _fields(table)
    if "title" in fields or "url" in fields or "remote_id" in fields:
        posts = [_post(line, row, fields, tz, table.name) for line, row in table.records()]
        created, updated = competitors.upsert_posts(
            session, competitor=competitor, posts=posts, source=CompetitorSource.import_
        )
        return CompetitorImport("posts", len(posts), created, updated)
    if "date" in fields and any(f in fields for f in SNAPSHOT_FIELDS):
        readings = [_reading(line, row, fields, tz, table.name) for line, row in table.records()]
        before = len(competitors.snapshots_of(session, competitor.id, limit=10**9))
        for reading in readings:
            competitors.add_snapshot(
                session, competitor=competitor, data=reading, source=CompetitorSource.import_
            )
        created = len(competitors.snapshots_of(session, competitor.id, limit=10**9)) - before
        return CompetitorImport("snapshots", len(readings), created, 0)
    raise InvalidInput(
        N_(
            "{name}: columns found: {headers}. A competitor file has either a date with "
            "followers, views or posts (one reading a row), or posts with a title or link "
            "and their views."
        ),
        name=file.name,
        headers=", ".join(table.headers),
    )


def _fields(table: Table) -> dict[str, str]:
    """field → the table's header holding it (the first one that matches)."""
    found: dict[str, str] = {}
    for header in table.headers:
        word = key(header)
        for field, words in SYNONYMS.items():
            if word in words and field not in found:
                found[field] = header
                break
    return found


def _cell(row: dict[str, Any], fields: dict[str, str], name: str) -> Any:
    header = fields.get(name)
    return row.get(header) if header else None


def _refuse(table: str, line: int, header: str, exc: Exception) -> InvalidInput:
    found = exc.text if isinstance(exc, BadValue) else str(exc)
    return InvalidInput(
        N_("{name}, line {line}, column {column}: “{value}” is not what the column holds."),
        name=table,
        line=line,
        column=header,
        value=found,
    )


def _moment(cell: Any, tz: ZoneInfo) -> datetime | None:
    found = day_or_moment(cell)
    if found is None:
        return None
    local = found if isinstance(found, datetime) else datetime.combine(found, time())
    return local.replace(tzinfo=tz)


def _read(
    table: str,
    line: int,
    row: dict[str, Any],
    fields: dict[str, str],
    names: tuple[str, ...],
    tz: ZoneInfo,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        if name not in fields:
            continue
        cell = _cell(row, fields, name)
        try:
            if name in ("date", "published_at"):
                values[name] = _moment(cell, tz)
            elif name in ("title", "url", "remote_id"):
                values[name] = (text(cell) or "").strip() or None
            else:
                values[name] = count(cell)
        except (BadValue, ValueError) as exc:
            raise _refuse(table, line, fields[name], exc) from None
    return values


def _reading(
    line: int, row: dict[str, Any], fields: dict[str, str], tz: ZoneInfo, table: str
) -> CompetitorSnapshotIn:
    values = _read(table, line, row, fields, ("date", *SNAPSHOT_FIELDS), tz)
    if values.get("date") is None:
        raise InvalidInput(N_("{name}, line {line}: the date is missing."), name=table, line=line)
    if values["date"] > utcnow() + competitors.FUTURE_SLACK:
        raise InvalidInput(
            N_("{name}, line {line}: the date is in the future."), name=table, line=line
        )
    if all(values.get(f) is None for f in SNAPSHOT_FIELDS):
        raise InvalidInput(
            N_("{name}, line {line}: no followers, views or posts figure."), name=table, line=line
        )
    try:
        return CompetitorSnapshotIn(
            captured_at=values.pop("date"), **{k: v for k, v in values.items() if v is not None}
        )
    except ValidationError as exc:
        raise _invalid_row(table, line, exc) from None


def _post(
    line: int, row: dict[str, Any], fields: dict[str, str], tz: ZoneInfo, table: str
) -> CompetitorPostIn:
    names = ("remote_id", "title", "url", "published_at", "total_views", "likes", "comments")
    values = _read(table, line, row, fields, names, tz)
    views = values.pop("total_views", None)
    if not (values.get("remote_id") or values.get("url") or values.get("title")):
        raise InvalidInput(
            N_("{name}, line {line}: a post needs an id, a link or a title."), name=table, line=line
        )
    try:
        return CompetitorPostIn(views=views, **{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        raise _invalid_row(table, line, exc) from None


def _invalid_row(table: str, line: int, exc: ValidationError) -> InvalidInput:
    first = exc.errors()[0]
    field = ".".join(str(p) for p in first["loc"])
    return InvalidInput(
        N_("{name}, line {line}: {field} {problem}."),
        name=table,
        line=line,
        field=field,
        problem=first["msg"],
    )
