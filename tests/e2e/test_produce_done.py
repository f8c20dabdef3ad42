"""The media feature's "Done when", in a real browser against a real `shortops serve`.

A user signs in, uploads a landscape video, Chinese subtitles (SRT, UTF-8), a logo (PNG with
transparency) and music through the Produce page, renders the video for TikTok, YouTube Shorts and
Bilibili with all three, waits on the page until the renditions are ready and downloads every
rendition and cover through its links. Each download is checked with FFmpeg: the platform's size,
H.264 + AAC, the master's duration, the subtitles, logo and music in it; covers are JPEGs of the
platform's cover sizes.

Skips without Debian's Chromium or the playwright package (see tests/e2e/conftest.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shortops.media.profiles import BUILTIN_PROFILES
from tests.e2e.live import (
    LiveServer,
    server_with_owner,
    stop_server,
)
from tests.media_library.conftest import (
    ProduceMedia,
    assert_produced,
    assert_valid_cover,
    make_produce_media,
)

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.e2e

EMAIL = "done@example.com"
PASSWORD = "violet-harbor-42"
PLATFORMS = ("tiktok", "youtube_shorts", "bilibili")
UPLOAD_TIMEOUT_MS = 60_000
# Three 1080×1920 renders, one after another on two cores shared with Chromium: well under this.
RENDER_TIMEOUT_MS = 240_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = server_with_owner(tmp_path_factory.mktemp("produce-done"), EMAIL, PASSWORD)
    yield live
    stop_server(live)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> ProduceMedia:
    return make_produce_media(tmp_path_factory.mktemp("produce-done-media"))


def _sign_in(page: Page, server: LiveServer) -> None:
    page.goto(server.url("/login"))
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/home")


def _wait_until_rendered(page: Page, server: LiveServer, count: int) -> None:
    """Until `count` renditions can be downloaded; fails at once when one fails."""
    from playwright.sync_api import expect

    failed = page.get_by_role("row").filter(has_text="Failed")
    ready = page.get_by_role("link", name="Download MP4")
    waited_ms = 0
    while ready.count() < count:
        if failed.count():
            pytest.fail(
                f"a rendition failed: {failed.first.inner_text()}\nserver log:\n{server.log_tail()}"
            )
        if waited_ms >= RENDER_TIMEOUT_MS:
            pytest.fail(
                f"{ready.count()} of {count} renditions ready after {waited_ms / 1000:.0f} s:\n"
                f"{page.locator('main').inner_text()}\nserver log:\n{server.log_tail()}"
            )
        page.wait_for_timeout(1000)
        waited_ms += 1000
    expect(ready).to_have_count(count)


def _download(page: Page, link: Locator, target: Path) -> Path:
    with page.expect_download() as info:
        link.click()
    download = info.value
    assert download.failure() is None, download.failure()
    download.save_as(target)
    return target


def test_upload_render_for_three_platforms_and_download_in_a_browser(
    server: LiveServer, files: ProduceMedia, page: Page, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    _sign_in(page, server)

    # Upload the four files through the page's own uploader (upload.js, in chunks).
    page.goto(server.url("/produce"))
    uploads = [files.video, files.subtitles, files.logo, files.music]
    page.locator("input[type=file]").set_input_files([str(path) for path in uploads])
    # The page reloads once every file is in; the library lists each by name.
    for path in uploads:
        expect(page.get_by_role("link", name=path.name, exact=True)).to_be_visible(
            timeout=UPLOAD_TIMEOUT_MS
        )

    # Open the video and ask for the three platforms with subtitles, logo and music.
    page.get_by_role("link", name=files.video.name, exact=True).click()
    page.wait_for_url("**/produce/assets/*")
    for platform in PLATFORMS:
        page.locator(f"input[name=profiles][value={platform}]").check()
    page.locator("select[name=subtitles_asset_id]").select_option(label=files.subtitles.name)
    page.locator("select[name=logo_asset_id]").select_option(label=files.logo.name)
    page.locator("select[name=music_asset_id]").select_option(label=files.music.name)
    # Ask for covers where the form offers the choice (its "Make covers" box, make_covers).
    for box in page.locator("input[type=checkbox][name*=cover]").all():
        box.check()
    page.get_by_role("button", name="Render", exact=True).click()
    page.wait_for_url("**/produce/assets/*")

    # TikTok and YouTube Shorts resolve to the same encode: one file serves both, and the
    # page says so. htmx polls the renditions table until both renditions are ready.
    expect(page.locator(".flash")).to_contain_text("YouTube Shorts: the same file as TikTok.")
    _wait_until_rendered(page, server, len(PLATFORMS) - 1)
    page.screenshot(path=tmp_path / "asset-page-ready.png", full_page=True)

    for platform in PLATFORMS:
        profile = BUILTIN_PROFILES[platform]
        made_as = "tiktok" if platform == "youtube_shorts" else platform
        row = page.get_by_role("row").filter(has_text=BUILTIN_PROFILES[made_as].name)
        expect(row).to_have_count(1)
        video = _download(
            page, row.get_by_role("link", name="Download MP4"), tmp_path / f"{platform}.mp4"
        )
        assert_produced(video, profile)

        covers = row.get_by_role("link", name=re.compile(r"^Cover"))
        names = []
        for link in covers.all():
            href = link.get_attribute("href") or ""
            name = href.rstrip("/").rsplit("/", 1)[-1]
            names.append(name)
            size = next((s for s in profile.covers if s.name == name), None)
            assert size is not None, f"{platform}: unexpected cover {href}"
            assert_valid_cover(_download(page, link, tmp_path / f"{platform}-{name}.jpg"), size)
        assert sorted(names) == sorted(s.name for s in profile.covers), platform
    # Bilibili's cover is landscape even for a vertical video, so that one was made too.
    assert any(s.name == "landscape" for s in BUILTIN_PROFILES["bilibili"].covers)
