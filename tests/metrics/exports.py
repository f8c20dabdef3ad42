"""Export files written in the platforms' real formats, owned by this project, for golden tests.

Each builder returns the bytes exactly as the platform writes them (BOM, quoting, line ends,
number formats), so the importers are tested on what users upload.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

SHARED_EXPORTS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "exports"


def shared_exports() -> Path:
    """The real third-party exports (read in place, never copied); skip without them."""
    override = os.environ.get("SHORTOPS_SHARED_DATA")
    root = Path(override) / "exports" if override else SHARED_EXPORTS
    if not root.is_dir():
        message = f"the real export files are not at {root} (set SHORTOPS_SHARED_DATA)"
        if IN_CI:
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    return root


def csv_bytes(
    rows: list[list[Any]],
    *,
    bom: bool = False,
    crlf: bool = False,
    quote_all: bool = False,
    final_newline: bool = True,
    encoding: str = "utf-8",
) -> bytes:
    import csv

    out = io.StringIO()
    writer = csv.writer(
        out,
        lineterminator="\r\n" if crlf else "\n",
        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL,
    )
    writer.writerows(rows)
    text = out.getvalue()
    if not final_newline:
        text = text.rstrip("\r\n")
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(sheets: dict[str, list[list[Any]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A ZIP of `members`, the same bytes every time: its entries carry a fixed date, not the
    clock's (parallel test workers collect tests named by these bytes and must agree)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, data in members.items():
            entry = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            entry.external_attr = 0o600 << 16  # as writestr(name) gives
            archive.writestr(entry, data)
    return out.getvalue()


YOUTUBE_TABLE = [
    ["Content", "Video title", "Video publish time", "Duration", "Views", "Likes",
     "Watch time (hours)", "Average view duration", "Impressions click-through rate (%)",
     "Estimated revenue (USD)"],
    ["Total", "", "", "", "1500", "90", "12.5", "0:00:31", "5.02", "3.210"],
    [" -GhQQTIylYY", "早餐 vlog #日常", "Sep 27, 2026", "978", "1000", "60", "10", "0:00:36", "4.5",
     "2.5"],
    ["abcDEF12345", "March 27, 2021", "Oct 1, 2026", "0:00:45", "400", "", "2", "0:00:18", "6",
     "0.700"],
]  # fmt: skip
YOUTUBE_CHART = [
    ["Date", "Content", "Video title", "Video publish time", "Duration", "Views"],
    ["2026-10-01", " -GhQQTIylYY", "早餐 vlog #日常", "Sep 27, 2026", "978", "300"],
    ["2026-10-01", "abcDEF12345", "March 27, 2021", "Oct 1, 2026", "0:00:45", "250"],
    ["2026-10-02", " -GhQQTIylYY", "早餐 vlog #日常", "Sep 27, 2026", "978", "700"],
    ["2026-10-02", "abcDEF12345", "March 27, 2021", "Oct 1, 2026", "0:00:45", "150"],
]
# As Excel re-saves it: day first, CRLF.
YOUTUBE_TOTALS = [["Date", "Views"], ["01-10-2026", "600"], ["02-10-2026", "900"]]

TIKTOK_OVERVIEW = [
    ["Date", "Video Views", "Profile Views", "Likes", "Comments", "Shares"],
    ["December 30", "1591", "7", "10", "1", "0"],
    ["December 31", "1154", "1", "5", "0", "0"],
    ["January 1", "1,737", "6", "4", "0", "3"],
]
TIKTOK_FOLLOWERS = [
    ["Date", "Followers", "Difference in followers from previous day"],
    ["December 30", "1200", "3"],
    ["December 31", "1204", "4"],
    ["January 1", "1203", "-1"],
]
TIKTOK_ACTIVITY = [
    ["Date", "Hour", "Active followers"],
    ["December 31", "0", "310"],
    ["December 31", "21", "845"],
]
TIKTOK_CONTENT = [
    ["Video title", "Video link", "Post time", "Total likes", "Total comments", "Total shares",
     "Total views"],
    ["新年快乐 #happy", "https://www.tiktok.com/@me/video/7312345678901234567", "December 31",
     "1.2K", "40", "12", "13.9M"],
]  # fmt: skip

DOUYIN_HEADER = [
    "作品名称", "发布时间", "体裁", "审核状态", "播放量", "完播率", "5s完播率", "封面点击率",
    "2s跳出率", "平均播放时长", "点赞量", "分享量", "评论量", "收藏量", "主页访问量", "粉丝增量",
]  # fmt: skip
DOUYIN_ROWS = [
    ["周末探店｜这家面馆太绝了", "2026-07-18 14:11:20", "视频", "公开", "1.2万", "12.5%", "35%",
     "8.1%", "20%", "18秒", "1,234", "56", "78", "90", "120", "15"],
    ["开箱：第三代", "2026-07-20 09:00:00", "1min-视频", "通过", "8000", "0.0875", "0.3",
     "0.05", "0.22", "21", "300", "—", "12", "3", "40", "2"],
]  # fmt: skip

INSTAGRAM_ROWS = [
    ["Post ID", "Account ID", "Account username", "Account name", "Description",
     "Duration (sec)", "Publish time", "Permalink", "Post type", "Data comment", "Date", "Views",
     "Reach", "Likes", "Shares", "Follows", "Comments", "Saves"],
    ["18012345678901234", "1784", "me", "Me", "Morning run 🏃 #run", "31", "10/03/2026 08:31",
     "https://www.instagram.com/reel/C1abcDEF/", "IG reel", "", "Lifetime", "12,400", "9,100",
     "800", "25", "4", "31", "57"],
]  # fmt: skip

WECHAT_ROWS = [
    ["视频描述", "视频ID", "发布时间", "播放量", "喜欢", "评论量", "分享量", "关注量",
     "转发聊天和朋友圈", "完播率", "平均播放时长", "推荐"],
    ["秋天的第一杯奶茶", "export/UzFfAgtgekIEAQAAAAAA", "2026-10-02 18:00", "5.3万", "1200",
     "88", "300", "45", "150", "22.5%", "14", "20"],
]  # fmt: skip
