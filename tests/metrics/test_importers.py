"""The importers on files written in each platform's real format: what each cell becomes,
and bad input refused with a message that says what was found."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from shortops.metrics import importers
from shortops.metrics.errors import (
    AmbiguousExport,
    TruncatedExport,
    UnknownExportFormat,
    UnreadableExport,
)
from shortops.metrics.importers import values
from shortops.metrics.importers.types import ColumnMapping, ImportOptions, ParsedExport, SourceFile
from tests.metrics import exports as ex


def read(*files: tuple[str, bytes], **options: object) -> ParsedExport:
    return importers.read_export(
        [SourceFile(name, data) for name, data in files],
        ImportOptions(**options),  # type: ignore[arg-type]
    )


# --- cell values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1,234", 1234), ("13.9M", 13_900_000), ("257.5K", 257_500), ("1.2万", 12_000),
     ("3亿", 300_000_000), ("1.5w", 15_000), ("12 400", 12_400), ("—", None), ("", None),
     ("-", None), (7.0, 7), ("-3", -3)],
)  # fmt: skip
def test_counts_as_platforms_write_them(text: object, expected: object) -> None:
    assert values.count(text) == expected


@pytest.mark.parametrize("text", ["abc", "12..3", "1,2,3x"])
def test_a_count_that_is_not_one_is_refused(text: str) -> None:
    with pytest.raises(values.BadValue):
        values.count(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("978", 978.0), ("0:04:04", 244.0), ("00:59", 59.0), ("18秒", 18.0), ("1分20秒", 80.0),
     ("12.5s", 12.5)],
)  # fmt: skip
def test_durations(text: str, expected: float) -> None:
    assert values.seconds(text) == expected


@pytest.mark.parametrize(
    ("text", "year", "expected"),
    [("Sep 27, 2024", None, date(2024, 9, 27)), ("March 27, 2021", None, date(2021, 3, 27)),
     ("April 12", 2026, date(2026, 4, 12)), ("8 de marzo", 2026, date(2026, 3, 8)),
     ("28 апреля", 2025, date(2025, 4, 28)), ("3-Jun-26", None, date(2026, 6, 3)),
     ("2026年7月18日", None, date(2026, 7, 18)),
     ("2026-07-18 14:11:20", None, datetime(2026, 7, 18, 14, 11, 20))],
)  # fmt: skip
def test_dates_in_several_locales(text: str, year: int | None, expected: object) -> None:
    assert values.day_or_moment(text, year=year) == expected


def test_a_date_without_year_needs_one() -> None:
    with pytest.raises(values.NoYear):
        values.day_or_moment("April 12")


def test_numeric_date_order_is_read_from_the_column() -> None:
    assert values.guess_order(["01-10-2026", "13-10-2026"]) == "dmy"
    assert values.guess_order(["10/03/2026", "10/13/2026"]) == "mdy"
    assert values.day("02-10-2026", order="dmy") == date(2026, 10, 2)


# --- YouTube Studio --------------------------------------------------------------------------


def test_youtube_export_reads_posts_days_totals_and_its_range() -> None:
    parsed = read(
        ("Table data.csv", ex.csv_bytes(ex.YOUTUBE_TABLE)),
        ("Chart data.csv", ex.csv_bytes(ex.YOUTUBE_CHART)),
        ("Totals.csv", ex.csv_bytes(ex.YOUTUBE_TOTALS, crlf=True)),
    )
    assert parsed.kind == "youtube_studio" and parsed.platform == "youtube"
    assert parsed.cumulative is False
    assert parsed.period == (date(2026, 10, 1), date(2026, 10, 2))
    first, second = parsed.posts
    assert first.remote_id == "-GhQQTIylYY"  # the leading space YouTube adds is gone
    assert first.title == "早餐 vlog #日常" and first.published == date(2026, 9, 27)
    assert first.duration_s == 978.0 and second.duration_s == 45.0
    assert first.metrics["views"] == 1000 and first.metrics["watch_time_s"] == 36000.0
    assert first.metrics["avg_view_s"] == 36.0 and first.metrics["impressions_ctr"] == 0.045
    assert first.metrics["revenue"] == Decimal("2.5") and first.currency == "USD"
    assert second.title == "March 27, 2021"  # a title that looks like a date stays a title
    assert "likes" not in second.metrics  # an empty cell is unknown, not zero
    assert parsed.account_total is not None and parsed.account_total["views"] == 1500
    assert [d.day for d in parsed.account_days] == [date(2026, 10, 1), date(2026, 10, 2)]
    assert [d.metrics["views"] for d in parsed.account_days] == [600, 900]
    assert len(parsed.post_days) == 4 and parsed.post_days[0].remote_id == "-GhQQTIylYY"
    assert parsed.rows_read == 3 + 4 + 2


def test_youtube_export_in_its_zip() -> None:
    archive = ex.zip_bytes(
        {
            "Table data.csv": ex.csv_bytes(ex.YOUTUBE_TABLE),
            "Chart data.csv": ex.csv_bytes(ex.YOUTUBE_CHART),
            "Totals.csv": ex.csv_bytes(ex.YOUTUBE_TOTALS),
            "__MACOSX/._Totals.csv": b"\x00\x05\x16\x07",
        }
    )
    parsed = read(("Content 2026-10-01_2026-10-02 Chan.zip", archive))
    assert sorted(parsed.files) == ["Chart data.csv", "Table data.csv", "Totals.csv"]
    assert len(parsed.posts) == 2 and len(parsed.account_days) == 2


def test_youtube_table_alone_takes_the_range_from_the_user() -> None:
    parsed = read(
        ("Table data.csv", ex.csv_bytes(ex.YOUTUBE_TABLE)),
        period=(date(2026, 9, 1), date(2026, 9, 30)),
    )
    assert parsed.period == (date(2026, 9, 1), date(2026, 9, 30))


def test_two_table_files_are_refused() -> None:
    table = ex.csv_bytes(ex.YOUTUBE_TABLE)
    with pytest.raises(AmbiguousExport):
        read(("Table data.csv", table), ("Table data (1).csv", table))


# --- TikTok Studio ----------------------------------------------------------------------------


def test_tiktok_overview_with_bom_quotes_and_no_final_newline() -> None:
    data = ex.csv_bytes(ex.TIKTOK_OVERVIEW, bom=True, quote_all=True, final_newline=False)
    parsed = read(("Overview.csv", data), year=2025)
    assert parsed.kind == "tiktok_studio"
    # With the year given, every date is in it (no rollover guess).
    assert [d.day for d in parsed.account_days] == [
        date(2025, 1, 1),
        date(2025, 12, 30),
        date(2025, 12, 31),
    ]
    assert parsed.account_days[0].metrics == {
        "views": 1737, "profile_views": 6, "likes": 4, "comments": 0, "shares": 3,
    }  # fmt: skip


def test_tiktok_zip_takes_the_year_from_its_name_across_new_year() -> None:
    archive = ex.zip_bytes(
        {
            "Overview.csv": ex.csv_bytes(ex.TIKTOK_OVERVIEW, bom=True, quote_all=True),
            "FollowerHistory.csv": ex.csv_bytes(ex.TIKTOK_FOLLOWERS, bom=True),
            "FollowerActivity.csv": ex.csv_bytes(ex.TIKTOK_ACTIVITY, bom=True),
            "FollowerGender.csv": ex.csv_bytes([["Gender", "Distribution"], ["Female", "0.6"]]),
        }
    )
    parsed = read(("Overview_2025-12-30_1767225600_me.zip", archive))
    days = {d.day: d.metrics for d in parsed.account_days}
    assert sorted(days) == [date(2025, 12, 30), date(2025, 12, 31), date(2026, 1, 1)]
    # Overview and FollowerHistory of one day are one account day.
    assert days[date(2026, 1, 1)] == {
        "views": 1737, "profile_views": 6, "likes": 4, "comments": 0, "shares": 3,
        "followers": 1203, "followers_net": -1,
    }  # fmt: skip
    assert [(a.day, a.hour, a.active_followers) for a in parsed.activity] == [
        (date(2025, 12, 31), 0, 310),
        (date(2025, 12, 31), 21, 845),
    ]
    assert parsed.period == (date(2025, 12, 30), date(2026, 1, 1))
    # The audience-share file is read, noted and counted, not imported.
    assert any("audience shares" in n.reason for n in parsed.notes)
    assert parsed.rows_read == 3 + 3 + 2 + 1
    assert len(parsed.skipped) == 1 + 3  # the gender row, and three merged follower days


def test_tiktok_xlsx_with_numbers_as_text_and_content_counts() -> None:
    book = ex.xlsx_bytes({"Overview": ex.TIKTOK_OVERVIEW})
    parsed = read(("Overview.xlsx", book), year=2026)
    assert parsed.account_days[-1].metrics["views"] == 1154
    content = read(("Content.csv", ex.csv_bytes(ex.TIKTOK_CONTENT)), year=2025)
    (post,) = content.posts
    assert content.cumulative is True
    assert post.metrics == {"likes": 1200, "comments": 40, "shares": 12, "views": 13_900_000}
    assert post.url and post.url.endswith("/video/7312345678901234567")
    assert post.published == date(2025, 12, 31)


def test_tiktok_swedish_headers() -> None:
    rows = [["Datum", "Videovisningar", "Profilvisningar", "Gilla-markeringar", "Kommentarer",
             "Delningar"], ["28 maj", "10", "1", "2", "0", "0"]]  # fmt: skip
    parsed = read(("Overview.csv", ex.csv_bytes(rows)), year=2026)
    assert parsed.account_days[0].day == date(2026, 5, 28)
    assert parsed.account_days[0].metrics["views"] == 10


def test_tiktok_year_guessed_when_nothing_says_it_is_noted() -> None:
    parsed = read(("Overview.csv", ex.csv_bytes(ex.TIKTOK_OVERVIEW)))
    assert any("have no year" in n.reason for n in parsed.notes)
    assert all(d.day <= date.today() for d in parsed.account_days)


# --- Douyin, Instagram, WeChat Channels -----------------------------------------------------------


def test_douyin_works_data_csv_and_xlsx() -> None:
    rows = [ex.DOUYIN_HEADER, *ex.DOUYIN_ROWS]
    for parsed in (
        read(("作品数据.csv", ex.csv_bytes(rows))),
        read(("作品数据.xlsx", ex.xlsx_bytes({"说明": [["导出说明"]], "作品数据": rows}))),
    ):
        assert parsed.kind == "douyin_creator" and parsed.cumulative is True
        first, second = parsed.posts
        assert first.title == "周末探店｜这家面馆太绝了"
        assert first.published == datetime(2026, 7, 18, 14, 11, 20)
        assert first.post_type == "视频"
        assert first.metrics["views"] == 12_000 and first.metrics["likes"] == 1234
        assert first.metrics["completion_rate"] == 0.125
        assert first.metrics["avg_view_s"] == 18.0
        assert second.metrics["completion_rate"] == 0.0875 and "shares" not in second.metrics


def test_douyin_in_gbk() -> None:
    data = ex.csv_bytes([ex.DOUYIN_HEADER, ex.DOUYIN_ROWS[0]], encoding="gb18030")
    assert read(("作品数据.csv", data)).posts[0].title == "周末探店｜这家面馆太绝了"


def test_instagram_posts_export() -> None:
    (post,) = read(("Posts.csv", ex.csv_bytes(ex.INSTAGRAM_ROWS))).posts
    assert post.remote_id == "18012345678901234"
    assert post.published == datetime(2026, 10, 3, 8, 31)  # Meta writes the month first
    assert post.metrics == {
        "views": 12400, "reach": 9100, "likes": 800, "shares": 25, "followers_gained": 4,
        "comments": 31, "saves": 57,
    }  # fmt: skip
    assert post.post_type == "IG reel" and post.duration_s == 31.0


def test_wechat_channels_export_keeps_unknown_figures() -> None:
    (post,) = read(("视频号数据.csv", ex.csv_bytes(ex.WECHAT_ROWS))).posts
    assert post.metrics["views"] == 53_000 and post.metrics["completion_rate"] == 0.225
    assert post.metrics["转发聊天和朋友圈"] == 150  # no canonical name: kept under its header


# --- the generic importer -------------------------------------------------------------------------


def test_generic_file_with_a_mapping_and_a_suggested_mapping() -> None:
    rows = [
        ["笔记标题", "发布时间", "阅读量", "点赞", "收藏"],
        ["秋日穿搭", "2026/10/02", "3,400", "210", "96"],
    ]
    headers = rows[0]
    guess = importers.suggest_mapping(headers, "xiaohongshu")
    assert guess.columns == {
        "笔记标题": "title", "发布时间": "published", "阅读量": "views", "点赞": "likes",
        "收藏": "saves",
    }  # fmt: skip
    parsed = read(("小红书.csv", ex.csv_bytes(rows)), mapping=guess)
    (post,) = parsed.posts
    assert parsed.platform == "xiaohongshu" and parsed.cumulative is True
    assert post.published == date(2026, 10, 2) and post.metrics["views"] == 3400


def test_generic_day_rows_without_identity_are_account_days() -> None:
    rows = [["日期", "播放量"], ["02/10/2026", "50"], ["03/10/2026", "60"]]
    mapping = ColumnMapping(
        platform="kuaishou", columns={"日期": "day", "播放量": "views"}, date_order="dmy"
    )
    parsed = read(("快手.csv", ex.csv_bytes(rows)), mapping=mapping)
    assert [(d.day, d.metrics["views"]) for d in parsed.account_days] == [
        (date(2026, 10, 2), 50),
        (date(2026, 10, 3), 60),
    ]


def test_a_mapping_that_names_a_missing_column_is_refused() -> None:
    mapping = ColumnMapping(platform="weibo", columns={"转发数": "shares"})
    with pytest.raises(AmbiguousExport, match="转发数"):
        read(("weibo.csv", ex.csv_bytes([["标题"], ["x"]])), mapping=mapping)


# --- bad input ------------------------------------------------------------------------------------


def test_an_unknown_file_lists_its_headers_and_the_known_formats() -> None:
    with pytest.raises(UnknownExportFormat) as caught:
        read(("orders.csv", ex.csv_bytes([["order", "amount"], ["1", "2"]])))
    message = str(caught.value)
    assert "order, amount" in message and "YouTube Studio" in message and "Douyin" in message


def test_a_truncated_csv_is_refused_with_its_line() -> None:
    cut = ex.csv_bytes(ex.YOUTUBE_TABLE)[:-25]
    with pytest.raises(TruncatedExport, match="line 4"):
        read(("Table data.csv", cut))
    open_quote = b'Content,Video title,Views\nabc,"Unfinished title,5\n'
    with pytest.raises(TruncatedExport):
        read(("Table data.csv", open_quote))


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("empty.csv", b"  \n", "empty"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xls"),
        ("broken.zip", b"PK\x03\x04garbage", "ZIP"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        ("nothing.zip", ex.zip_bytes({"readme.md": b"hi"}), "no CSV"),
    ],
)
def test_unreadable_files_say_what_they_are(name: str, data: bytes, words: str) -> None:
    with pytest.raises(UnreadableExport) as caught:
        read((name, data))
    assert words.lower() in str(caught.value).lower()


def test_a_row_with_a_bad_number_is_skipped_with_its_column_and_value() -> None:
    rows = [ex.DOUYIN_HEADER, ex.DOUYIN_ROWS[0], ["坏行", "2026-07-19 10:00:00", "视频", "公开",
            "many", "", "", "", "", "", "1", "1", "1", "1", "1", "1"]]  # fmt: skip
    parsed = read(("作品数据.csv", ex.csv_bytes(rows)))
    assert len(parsed.posts) == 1
    (skip,) = parsed.skipped
    assert skip.line == 3 and skip.params == {"column": "播放量", "value": "many", "kind": "number"}


def test_each_bad_row_is_skipped_once_for_its_first_bad_cell_in_line_order() -> None:
    good = ex.DOUYIN_ROWS[0]
    two_bad = [*good[:4], "many", *good[5:10], "lots", *good[11:]]  # 播放量 and a later count
    later = [*good[:10], "lots", *good[11:]]
    parsed = read(("作品数据.csv", ex.csv_bytes([ex.DOUYIN_HEADER, two_bad, good, later])))
    assert len(parsed.posts) == 1 and parsed.posts[0].line == 3
    assert [(s.line, s.params["value"]) for s in parsed.skipped] == [(2, "many"), (4, "lots")]
    assert parsed.skipped[0].params["column"] == "播放量"


def test_lines_count_cells_that_span_lines_and_blank_rows() -> None:
    good, bad = list(ex.DOUYIN_ROWS[0]), list(ex.DOUYIN_ROWS[0])
    good[0] = "两行的\n标题"
    bad[0], bad[4] = "坏行", "many"
    data = ex.csv_bytes([ex.DOUYIN_HEADER, good]) + b"\n" + ex.csv_bytes([bad])
    parsed = read(("作品数据.csv", data))
    assert [(p.title, p.line) for p in parsed.posts] == [("两行的\n标题", 3)]
    assert [s.line for s in parsed.skipped] == [5]  # header 1, the title 2-3, blank 4


def test_an_unknown_column_keeps_numbers_as_figures_and_the_rest_as_text() -> None:
    header = [*ex.WECHAT_ROWS[0], "备注", "完播占比"]
    rows = [header, [*ex.WECHAT_ROWS[1], "置顶", "12%"], [*ex.WECHAT_ROWS[1], "", "n/a%"]]
    first, second = read(("视频号数据.csv", ex.csv_bytes(rows))).posts
    assert first.extra == {"备注": "置顶"} and first.metrics["完播占比"] == 0.12
    # "n/a%" reads as no rate: kept as the text it is, not a failed import.
    assert second.extra == {"完播占比": "n/a%"} and "备注" not in second.extra


def test_files_of_two_exports_are_refused_together() -> None:
    with pytest.raises(AmbiguousExport, match="different exports"):
        read(
            ("Table data.csv", ex.csv_bytes(ex.YOUTUBE_TABLE)),
            ("Overview.csv", ex.csv_bytes(ex.TIKTOK_OVERVIEW)),
        )
