"""Produce → Publish "Done when", in a real browser against a real `shortops serve`.

A user uploads a landscape video, Chinese subtitles, a logo and music through the Produce page,
renders it for TikTok and Xiaohongshu with all three, then composes ONE post choosing that edit
for a sandbox account and a TikTok account (on the fake TikTok server) and publishes it now. The
bytes each platform received are the rendition's own: the fake TikTok hashes every byte PUT to
its upload URL, and the sandbox serves back the file it was given.

Then Xiaohongshu, a platform without an open API: a 21-character title is flagged in the composer
(its limit is 20); the publish kit downloads the 3:4 rendition and its cover; a douyin.com link is
refused and a xiaohongshu.com link completes the post, "marked live" by the user.

Skips without Debian's Chromium or the playwright package (see tests/e2e/conftest.py).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from shortops.media.probe import probe
from shortops.media.profiles import BUILTIN_PROFILES
from tests.e2e.live import (
    CHROMIUM,
    LiveServer,
    ServerStartError,
    free_port,
    sign_in,
    start_server_at,
    stop_server,
)
from tests.fakes.tiktok import FakeTikTok
from tests.media_library.conftest import (
    ProduceMedia,
    assert_produced,
    assert_valid_cover,
    make_produce_media,
)

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

pytestmark = pytest.mark.e2e

EMAIL = "editor@example.com"
PASSWORD = "copper-meadow-42"
UPLOAD_TIMEOUT_MS = 60_000
RENDER_TIMEOUT_S = 240
PUBLISH_TIMEOUT_S = 150
XHS_TITLE_21 = "这是一个二十一个字符长的小红书标题呀呀呀呀"
XHS_TITLE_20 = XHS_TITLE_21[:20]


@pytest.fixture(scope="module")
def tiktok() -> Iterator[FakeTikTok]:
    fake = FakeTikTok()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> ProduceMedia:
    return make_produce_media(tmp_path_factory.mktemp("post-the-edit-media"))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium to run browser tests")
    pytest.importorskip("playwright")
    home = tmp_path_factory.mktemp("post-the-edit") / "home"
    home.mkdir()
    init = ["init", "--email", EMAIL, "--password", PASSWORD, "--workspace", "Studio"]
    try:
        live = start_server_at(home, free_port(), init)
    except ServerStartError as exc:
        pytest.fail(str(exc))
    yield live
    stop_server(live)


def _connect_accounts(page: Page, server: LiveServer, tiktok: FakeTikTok) -> None:
    """TikTok's app pointed at the fake, then a sandbox, a TikTok and a Xiaohongshu account."""
    from playwright.sync_api import expect

    page.goto(server.url("/settings/platforms"))
    card = page.locator("#platform-tiktok")
    card.locator("input[name=client_id]").fill(tiktok.client_key)
    card.locator("input[name=client_secret]").fill(tiktok.client_secret)
    card.locator("details.advanced summary").click()
    for field in card.locator("input[name^=endpoint_]").all():
        field.fill(tiktok.url)
    card.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("app credentials saved")

    page.goto(server.url("/accounts"))
    page.locator("#connect-sandbox").get_by_role("button").click()
    page.wait_for_url("**/accounts")
    page.locator("section[data-platform=tiktok]").get_by_role("button", name="Connect").click()
    page.wait_for_url("**/accounts")
    expect(page.locator(".flash-success")).to_contain_text("is connected")
    manual = page.locator("#connect-manual")
    manual.locator("input[name=platform_label]").fill("Xiaohongshu")
    manual.locator("input[name=handle]").fill("小红书工作室")
    manual.get_by_role("button").click()
    page.wait_for_url("**/accounts")
    expect(page.locator("main")).to_contain_text("小红书工作室")


def _render_the_edit(page: Page, server: LiveServer, files: ProduceMedia) -> str:
    """Produce: upload the four files, render for TikTok and Xiaohongshu with all of them;
    the video's page (its path)."""
    from playwright.sync_api import expect

    page.goto(server.url("/produce"))
    uploads = [files.video, files.subtitles, files.logo, files.music]
    page.locator("input[type=file]").set_input_files([str(path) for path in uploads])
    for path in uploads:
        expect(page.get_by_role("link", name=path.name, exact=True)).to_be_visible(
            timeout=UPLOAD_TIMEOUT_MS
        )
    page.get_by_role("link", name=files.video.name, exact=True).click()
    page.wait_for_url("**/produce/assets/*")
    for platform in ("tiktok", "xiaohongshu"):
        page.locator(f"input[name=profiles][value={platform}]").check()
    page.locator("select[name=subtitles_asset_id]").select_option(label=files.subtitles.name)
    page.locator("select[name=logo_asset_id]").select_option(label=files.logo.name)
    page.locator("select[name=music_asset_id]").select_option(label=files.music.name)
    page.locator("input[name=make_covers]").check()
    page.get_by_role("button", name="Render", exact=True).click()
    page.wait_for_url("**/produce/assets/*")
    asset_page = page.url.removeprefix(server.base_url)
    ready = page.get_by_role("link", name="Download MP4")
    deadline = time.monotonic() + RENDER_TIMEOUT_S
    while ready.count() < 2:
        failed = page.get_by_role("row").filter(has_text="Failed")
        if failed.count() or time.monotonic() > deadline:
            pytest.fail(f"{page.locator('main').inner_text()}\nserver log:\n{server.log_tail()}")
        page.wait_for_timeout(1000)
    return asset_page


def _download(page: Page, link: Locator, target: Path) -> Path:
    with page.expect_download() as info:
        link.click()
    info.value.save_as(target)
    return target


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _target(page: Page, account: str) -> Locator:
    """The composer's block of the account whose tick box is named `account`."""
    return page.locator(".target", has=page.get_by_role("checkbox", name=re.compile(account)))


def _wait_for_published(page: Page, server: LiveServer, count: int) -> None:
    deadline = time.monotonic() + PUBLISH_TIMEOUT_S
    while page.locator("#queue-rows tr[data-status=published]").count() < count:
        stuck = page.locator("#queue-rows tr[data-status=failed]")
        if stuck.count() or time.monotonic() > deadline:
            pytest.fail(f"{page.locator('main').inner_text()}\nserver log:\n{server.log_tail(80)}")
        page.wait_for_timeout(1000)


def test_the_edit_made_in_produce_is_what_each_platform_receives(
    server: LiveServer, tiktok: FakeTikTok, files: ProduceMedia, page: Page, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    sign_in(page, server, EMAIL, PASSWORD)
    _connect_accounts(page, server, tiktok)
    asset_page = _render_the_edit(page, server, files)
    rows = {
        slug: page.get_by_role("row").filter(has_text=BUILTIN_PROFILES[slug].name)
        for slug in ("tiktok", "xiaohongshu")
    }
    edit = _download(
        page, rows["tiktok"].get_by_role("link", name="Download MP4"), tmp_path / "tiktok.mp4"
    )
    assert_produced(edit, BUILTIN_PROFILES["tiktok"])  # subtitles, logo and music are in it
    edit_sha = _sha256(edit)
    xhs_sha = _sha256(
        _download(page, rows["xiaohongshu"].get_by_role("link", name="Download MP4"),
                  tmp_path / "xhs-edit.mp4")
    )  # fmt: skip

    # Compose one post for the sandbox and TikTok, choosing that edit for TikTok by hand and
    # leaving the sandbox on "the newest edit for this platform" (the same TikTok-shaped file).
    page.goto(server.url("/publish/new"))
    page.get_by_role("radio", name=re.compile(files.video.name)).check()
    page.fill("input[name=title]", "字幕版预告")
    page.fill("textarea[name=caption]", "带字幕、标志和音乐的版本")
    sandbox, tiktok_target = _target(page, "Sandbox"), _target(page, "Hook Lab")
    sandbox.locator("input[name=targets]").check()
    tiktok_target.locator("input[name=targets]").check()
    tiktok_target.locator("select[name$='.opt.privacy_level']").select_option("SELF_ONLY")
    choice = tiktok_target.locator("select[name$='.rendition_id']")
    edit_option = choice.locator("option", has_text=re.compile("TikTok")).first
    choice.select_option(edit_option.get_attribute("value"))
    page.get_by_role("radio", name="Publish now").check()
    expect(page.locator("#check-post")).to_contain_text("Every account is ready.", timeout=20_000)
    # Both say which edit they post; neither falls back to a plain version.
    expect(page.locator(".edit-posts", has_text="Posts edit #")).to_have_count(2)
    expect(page.locator(".edit-posts", has_text="plain version")).to_have_count(0)
    page.screenshot(path=tmp_path / "composer.png", full_page=True)
    page.locator("#submit-post").click()
    page.wait_for_url("**/publish?post=*")
    _wait_for_published(page, server, 2)

    # On the platforms' side: the bytes received are exactly the edit's.
    assert tiktok.only_publish().sha256.hexdigest() == edit_sha
    live = page.locator("#queue-rows a.live-link[href*='/sandbox/posts/']")
    expect(live).to_have_count(1)
    sandbox_post = live.get_attribute("href") or ""
    answer = page.request.get(sandbox_post.rstrip("/") + "/video")
    assert answer.ok, answer.status
    assert hashlib.sha256(answer.body()).hexdigest() == edit_sha

    # Xiaohongshu: text limits checked at compose time; the kit serves its 3:4 edit and cover.
    page.goto(server.url("/publish/new"))
    page.get_by_role("radio", name=re.compile(files.video.name)).check()
    xhs = _target(page, "小红书工作室")
    xhs.locator("input[name=targets]").check()
    page.fill("input[name=title]", XHS_TITLE_21)
    page.get_by_role("radio", name="Publish now").check()
    expect(xhs.locator(".issue-error")).to_contain_text("20", timeout=20_000)
    page.fill("input[name=title]", XHS_TITLE_20)
    expect(page.locator("#check-post")).to_contain_text("Every account is ready.", timeout=20_000)
    page.locator("#submit-post").click()
    page.wait_for_url("**/publish?post=*")
    page.locator("#queue-rows tr").first.get_by_role("link", name=XHS_TITLE_20).click()
    page.wait_for_url("**/publish/publications/*")
    kit = page.locator("#kit")
    expect(kit).to_be_visible(timeout=60_000)
    video = _download(page, kit.get_by_role("link", name=re.compile("Download the video")),
                      tmp_path / "xhs.mp4")  # fmt: skip
    info = probe(video)
    assert (info.video.width, info.video.height) == (1080, 1440), info.video if info.video else info
    assert _sha256(video) == xhs_sha, "the kit serves the Xiaohongshu edit itself"
    cover = _download(page, kit.locator("a", has_text="Cover").first, tmp_path / "xhs-cover.jpg")
    assert_valid_cover(cover, BUILTIN_PROFILES["xiaohongshu"].covers[0])

    link = kit.locator("input[name=url]")
    link.fill("https://www.douyin.com/video/7312345678901234567")
    kit.get_by_role("button", name="Mark as published").click()
    expect(page.locator(".flash-error, .form-error")).to_contain_text("Xiaohongshu")
    page.locator("#kit input[name=url]").fill(
        "https://www.xiaohongshu.com/explore/6650a1b2c3d4e5f6"
    )
    page.locator("#kit").get_by_role("button", name="Mark as published").click()
    expect(page.locator("main")).to_contain_text("Marked live by")
    page.screenshot(path=tmp_path / "xhs-published.png", full_page=True)

    # On a phone (390 px wide), the queue, the calendar, the composer, Home, the library and
    # the video's page (its renditions, its 64-character SHA-256) fit the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/publish", "/publish/calendar", "/publish/new", "/home", "/produce", asset_page):
        page.goto(server.url(path))
        page.wait_for_load_state()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide on a 390 px screen"
    page.goto(server.url("/publish"))
    expect(page.locator("#queue-rows tr").first).to_be_visible()
    page.screenshot(path=tmp_path / "queue-phone.png", full_page=True)
