"""The Produce page in a real browser against a real `shortops serve`: upload.js sends files in
chunks and resumes after a broken connection, htmx follows a render until it can be downloaded,
the frame preview draws beside the form, and library thumbnails play their clip on hover.

Skips without Debian's Chromium or the playwright package (see tests/e2e/conftest.py).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.live import (
    CHROMIUM,
    LiveServer,
    server_env,
    start_healthy_server,
    stop_server,
)
from tests.media_library.conftest import Media

pytestmark = pytest.mark.e2e

EMAIL = "producer@example.com"
PASSWORD = "violet-harbor-42"
TIMEOUT_MS = 60_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium to run browser tests")
    pytest.importorskip("playwright")
    home = tmp_path_factory.mktemp("produce-e2e") / "home"
    home.mkdir()
    subprocess.run(
        [sys.executable, "-m", "shortops", "init", "--email", EMAIL, "--password", PASSWORD,
         "--workspace", "Studio"],
        env=server_env(home),
        cwd=home.parent,
        check=True,
        capture_output=True,
    )  # fmt: skip
    live = start_healthy_server(home)
    yield live
    stop_server(live)


def test_upload_resume_and_render_in_a_browser(
    server: LiveServer, media: Media, browser: Any
) -> None:
    from playwright.sync_api import Route, expect

    broken: list[str] = []

    def break_the_first_chunk(route: Route) -> None:
        if route.request.method == "PUT" and not broken:
            broken.append(route.request.headers.get("content-range", ""))
            route.abort("connectionreset")
        else:
            route.continue_()

    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page: Any = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(server.url("/login"))
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/home")
        page.route("**/produce/uploads/*", break_the_first_chunk)
        page.goto(server.url("/produce"))
        page.set_input_files("#upload-input", [str(media.video), str(media.subtitles)])
        # The page reloads once every file is in; the table lists them.
        expect(page.locator("#assets")).to_contain_text("clip.mp4", timeout=TIMEOUT_MS)
        expect(page.locator("#assets")).to_contain_text("subs.srt")
        assert broken and broken[0].startswith("bytes 0-")
        page.click("#assets a:has-text('clip.mp4')")
        page.check("input[value=tiktok]")
        page.select_option("select[name=subtitles_asset_id]", label="subs.srt")
        page.click("button.primary:has-text('Render')")
        expect(page.locator(".flash-success")).to_be_visible()
        download = page.locator("#renditions a:has-text('Download MP4')")
        expect(download).to_be_visible(timeout=TIMEOUT_MS)
        # Done: the table stopped polling.
        expect(page.locator("#renditions")).not_to_have_attribute("hx-trigger", "every 1500ms")
        response = page.request.get(server.url(download.get_attribute("href")))
        assert response.status == 200 and response.body()[4:8] == b"ftyp"
        # One frame as the rendition will show it, drawn beside the form; a bad time is explained.
        page.fill("input[name=preview_at]", "1")
        page.click("#preview-button")
        frame = page.locator("#preview-frame img")
        expect(frame).to_have_js_property("naturalWidth", 1080)
        page.fill("input[name=preview_at]", "99")
        page.click("#preview-button")
        expect(page.locator("#preview-frame .error-text")).to_contain_text("outside the video")
        # In the library, the pointer on a thumbnail plays the preview clip over it.
        page.goto(server.url("/produce"))
        page.hover("[data-preview-src]")
        expect(page.locator("[data-preview-src] video")).to_have_count(1)
        page.mouse.move(0, 0)
        expect(page.locator("[data-preview-src] video")).to_have_count(0)
    finally:
        context.close()
