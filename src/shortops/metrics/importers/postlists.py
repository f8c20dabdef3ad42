"""Exports that are one list of posts with lifetime figures: Douyin's creator centre 作品数据,
Instagram / Meta Business Suite "Posts", and WeChat Channels 视频号. They differ only in their
headers, so each is a table of aliases read by one reader.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shortops.metrics.importers import values
from shortops.metrics.importers.columns import Column, Columns, read_rows
from shortops.metrics.importers.tables import Table
from shortops.metrics.importers.types import ExportKind, ParsedExport, PostRow

FIELDS = ("remote_id", "url", "title", "published", "duration_s", "post_type")


@dataclass(frozen=True)
class PostList:
    kind: ExportKind
    platform: str
    label: str
    aliases: dict[str, Column]
    required: tuple[frozenset[str], ...]  # each set: at least one of these headers is present
    ignore: tuple[str, ...] = ()

    def matches(self, headers: list[str]) -> bool:
        names = {h.strip().casefold() for h in headers}
        return all(names & {r.casefold() for r in group} for group in self.required)


def _moment(order: values.DateOrder) -> Callable[[Any], Any]:
    def read(cell: Any) -> Any:
        return values.day_or_moment(cell, order=order)

    return read


DOUYIN = PostList(
    kind="douyin_creator",
    platform="douyin",
    label="抖音创作者服务中心 作品数据 (Douyin)",
    aliases={
        "作品ID": Column("remote_id", values.text),
        "作品id": Column("remote_id", values.text),
        "作品链接": Column("url", values.text),
        "作品名称": Column("title", values.text),
        "作品标题": Column("title", values.text),
        "发布时间": Column("published", _moment("ymd")),
        "体裁": Column("post_type", values.text),
        "作品时长": Column("duration_s", values.seconds),
        "播放量": Column("views"),
        "完播率": Column("completion_rate"),
        "5s完播率": Column("completion_rate_5s"),
        "封面点击率": Column("cover_ctr"),
        "2s跳出率": Column("bounce_rate_2s"),
        "平均播放时长": Column("avg_view_s"),
        "点赞量": Column("likes"),
        "分享量": Column("shares"),
        "评论量": Column("comments"),
        "收藏量": Column("saves"),
        "主页访问量": Column("profile_views"),
        "粉丝增量": Column("followers_gained"),
    },
    required=(frozenset({"作品名称", "作品标题"}), frozenset({"播放量"}), frozenset({"点赞量"})),
)

INSTAGRAM = PostList(
    kind="instagram_posts",
    platform="instagram",
    label="Instagram / Meta Business Suite (Posts)",
    aliases={
        "Post ID": Column("remote_id", values.text),
        "Permalink": Column("url", values.text),
        "Description": Column("title", values.text),
        # Meta writes month first: 10/03/2026 08:31 is 3 October.
        "Publish time": Column("published", _moment("mdy")),
        "Duration (sec)": Column("duration_s", values.seconds),
        "Post type": Column("post_type", values.text),
        "Views": Column("views"),
        "Impressions": Column("impressions"),
        "Reach": Column("reach"),
        "Likes": Column("likes"),
        "Shares": Column("shares"),
        "Follows": Column("followers_gained"),
        "Comments": Column("comments"),
        "Saves": Column("saves"),
        "Profile visits": Column("profile_views"),
    },
    required=(frozenset({"Post ID"}), frozenset({"Permalink"})),
    # The account's own columns and Meta's bookkeeping say nothing about the post.
    ignore=("Account ID", "Account username", "Account name", "Data comment", "Date"),
)

WECHAT_CHANNELS = PostList(
    kind="wechat_channels",
    platform="wechat_channels",
    label="微信视频号 (WeChat Channels)",
    aliases={
        "视频ID": Column("remote_id", values.text),
        "视频id": Column("remote_id", values.text),
        "视频描述": Column("title", values.text),
        "发布时间": Column("published", _moment("ymd")),
        "播放量": Column("views"),
        "喜欢": Column("likes"),
        "点赞量": Column("likes"),
        "评论量": Column("comments"),
        "分享量": Column("shares"),
        "关注量": Column("followers_gained"),
        "完播率": Column("completion_rate"),
        "平均播放时长": Column("avg_view_s"),
    },
    required=(frozenset({"视频描述", "视频ID"}), frozenset({"播放量"})),
)

POST_LISTS = (DOUYIN, INSTAGRAM, WECHAT_CHANNELS)


def read(post_list: PostList, tables: list[Table], name: str) -> ParsedExport:
    parsed = ParsedExport(
        kind=post_list.kind, platform=post_list.platform, name=name, cumulative=True
    )
    for table in tables:
        parsed.files.append(table.name)
        parsed.columns[table.name] = list(table.headers)
        parsed.rows_read += len(table.rows)
        columns = Columns.resolve(table.headers, post_list.aliases, post_list.ignore)
        for line, row in read_rows(columns, table, fields=FIELDS, skipped=parsed.skipped):
            parsed.posts.append(post_row(row.fields, row.metrics, row.extra, line, table.name))
    return parsed


def post_row(
    fields: dict[str, Any], metrics: dict[str, Any], extra: dict[str, Any], line: int, file: str
) -> PostRow:
    return PostRow(
        line=line,
        remote_id=fields.get("remote_id"),
        url=fields.get("url"),
        title=fields.get("title"),
        published=fields.get("published"),
        duration_s=fields.get("duration_s"),
        post_type=fields.get("post_type"),
        metrics=metrics,
        extra=extra,
        file=file,
    )
