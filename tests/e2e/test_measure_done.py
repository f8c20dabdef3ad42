"""Measure's "Done when", in a real browser against a real `shortops serve`.

A user drops a real YouTube Studio export (the three CSVs of a real channel, zipped as Studio
downloads them) and a real TikTok Studio Overview file on the import page, reads each preview
(counts, the first rows with labelled figures), imports, and reads the overview dashboard, the
best-time heatmap and the drivers of views. A Douyin 作品数据 export with publish times (written
here in the creator centre's format, as the shared data has none) gives the heatmap its hours.

Needs the shared real exports (skips without them, fails under CI=true) and Debian's Chromium.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.e2e.live import LiveServer, server_with_owner, stop_server
from tests.metrics.exports import DOUYIN_HEADER, shared_exports

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

EMAIL = "analyst@example.com"
PASSWORD = "copper-meadow-42"
CHANNEL = "prakashpathak111_shorts_channel"
IMPORT_TIMEOUT_MS = 120_000
SHOTS = Path("test-artifacts/screenshots")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = server_with_owner(tmp_path_factory.mktemp("measure-done"), EMAIL, PASSWORD)
    yield live
    stop_server(live)


def youtube_zip(folder: Path, target: Path) -> Path:
    """The channel's Table data, Chart data and Totals in one ZIP, as Studio downloads them."""
    with zipfile.ZipFile(target, "w") as archive:
        for name in ("Table data.csv", "Chart data.csv", "Totals.csv"):
            archive.write(folder / name, name)
    return target


def douyin_export(target: Path) -> Path:
    """40 posts: the Wednesday 19:00 ones with five times the plays of the morning ones."""
    first = datetime(2026, 8, 3, 8, 0)  # a Monday
    rows = []
    for week in range(10):
        monday = first + timedelta(days=7 * week)
        wednesday_evening = monday + timedelta(days=2, hours=11)
        slots = [(wednesday_evening, 5), (monday, 1), (monday + timedelta(days=4), 1),
                 (wednesday_evening, 5)]  # fmt: skip
        for n, (moment, lift) in enumerate(slots):
            plays = (1000 + 37 * ((week * 4 + n) % 7)) * lift
            rows.append([f"第{week + 1}周 作品{n + 1}", moment.strftime("%Y-%m-%d %H:%M:%S"),
                         "视频", "公开", str(plays), "12.5%", "35%", "8.1%", "20%", "18秒",
                         str(plays // 20), "5", "7", "9", "12", "3"])  # fmt: skip
    buffer = io.StringIO()
    csv.writer(buffer).writerows([DOUYIN_HEADER, *rows])
    target.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return target


def _sign_in(page: Page, server: LiveServer) -> None:
    page.goto(server.url("/login"))
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/home")


def _count(page: Page, name: str) -> int:
    return int(page.locator(f"#import-report [data-count={name}] .big").inner_text())


def _preview_and_import(page: Page, server: LiveServer, file: Path, handle: str) -> dict[str, int]:
    page.goto(server.url("/measure/import"))
    page.set_input_files("#import-files", str(file))
    page.fill("input[name=new_account]", handle)
    page.click("#preview-button")
    page.wait_for_selector("#import-report[data-imported=no]", timeout=IMPORT_TIMEOUT_MS)
    counts = {n: _count(page, n) for n in ("rows", "matched", "created", "skipped")}
    assert counts["rows"] == counts["matched"] + counts["created"] + counts["skipped"], counts
    assert counts["skipped"] == 0, page.locator("#import-report").inner_text()
    # Figures in the preview are named and formatted as people read them, not as stored.
    sample = page.locator("#import-report table.sample").inner_text()
    assert "Views" in sample and "watch_time_s" not in sample, sample
    page.screenshot(path=SHOTS / f"measure-preview-{handle}.png", full_page=True)
    page.click("#import-button")
    page.wait_for_selector("#import-report[data-imported=yes]", timeout=IMPORT_TIMEOUT_MS)
    assert f"Imported into @{handle}" in page.locator("#import-report").inner_text()
    return counts


def _charts_drawn(page: Page, selector: str = ".chart") -> int:
    page.wait_for_selector(f"{selector} .main-svg")
    return page.locator(f"{selector} .main-svg").count()


def test_import_real_exports_and_read_the_insights(
    page: Page, server: LiveServer, tmp_path: Path
) -> None:
    exports = shared_exports()
    SHOTS.mkdir(parents=True, exist_ok=True)
    channel = youtube_zip(exports / "youtube_studio" / CHANNEL, tmp_path / f"{CHANNEL}.zip")
    overview = exports / "tiktok_studio" / "bosszy27" / "Overview.csv"
    _sign_in(page, server)

    youtube = _preview_and_import(page, server, channel, "prakash")
    with (exports / "youtube_studio" / CHANNEL / "Table data.csv").open(encoding="utf-8") as f:
        videos = sum(1 for row in csv.reader(f) if row and row[0].strip() not in ("", "Total"))
    assert youtube["created"] == videos - 1  # every video once (less the header row)
    _preview_and_import(page, server, overview, "bosszy27")
    _preview_and_import(page, server, douyin_export(tmp_path / "作品数据.csv"), "douyin_me")

    page.goto(server.url("/measure?range=365"))
    assert _charts_drawn(page) >= 3
    views = page.locator(".kpis [data-kpi=views] .big").inner_text()
    assert re.search(r"\d", views), views
    page.screenshot(path=SHOTS / "measure-overview.png", full_page=True)

    page.goto(server.url("/measure/insights"))
    douyin = page.locator(".insight-card").filter(has_text="@douyin_me")
    assert douyin.locator(".insight-top li").count() >= 1, douyin.inner_text()
    assert douyin.locator(".heatmap-chart .main-svg").count() >= 1
    youtube_card = page.locator(".insight-card").filter(has_text="@prakash")
    assert "left out of the hours" in youtube_card.inner_text()
    drivers = page.locator("#drivers")
    assert drivers.locator("table tbody tr").count() >= 3, drivers.inner_text()
    assert drivers.locator(".main-svg").count() >= 1
    page.screenshot(path=SHOTS / "measure-insights.png", full_page=True)

    # A competitor beside the own accounts: tracked, read by hand, its posts imported.
    page.goto(server.url("/measure/competitors"))
    page.select_option("select[name=platform]", "youtube")
    page.fill("input[name=handle]", "@rival_shorts")
    page.click("button:has-text('Track')")
    page.wait_for_url(re.compile(r".*/measure/competitors/\d+$"))
    page.fill("input[name=followers]", "1.2万")
    page.click("button:has-text('Save reading')")
    page.wait_for_selector("text=Reading saved.")
    posts = tmp_path / "rival.csv"
    posts.write_text(
        "标题,链接,发布时间,播放量\n"
        + "".join(
            f"第{n}条,https://www.youtube.com/shorts/rival{n:06d},"
            f"{(datetime.now() - timedelta(days=n)).strftime('%Y-%m-%d %H:%M')},{1000 * n}\n"
            for n in range(1, 9)
        ),
        encoding="utf-8",
    )
    page.set_input_files("#competitor-import input[type=file]", str(posts))
    page.click("#competitor-import button")
    page.wait_for_selector("text=8 posts read: 8 new, 0 updated.")
    page.goto(server.url("/measure/competitors"))
    row = page.locator("#benchmark tr.bench-competitor")
    assert "@rival_shorts" in row.inner_text() and "12K" in row.inner_text()
    assert _charts_drawn(page) and page.locator("[data-chart][data-drawn]").count() == 3
    page.screenshot(path=SHOTS / "measure-competitors.png", full_page=True)
