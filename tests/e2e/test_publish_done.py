"""The publishing feature's "Done when", in a real browser against a real `shortops serve`.

A user signs in, enters the TikTok and YouTube app credentials under Settings → Platforms with
the endpoints of fake platform servers running on loopback (tests/fakes), adds a sandbox account
and connects a TikTok and a YouTube account through the platforms' real OAuth redirects, composes
ONE post of a short vertical video for all three, schedules it for the next minute and watches
the queue until each publication is published with a link. Then one breaks: the fake TikTok
answers the upload of the video's bytes (the PUT to its upload URL) with a 500, and the queue and
the publication page say clearly why it failed; the upload was tried once, never repeated, and
nothing was posted.

The server's embedded worker renders the per-platform versions and publishes at the due time.
Skips without Debian's Chromium or the playwright package (see tests/e2e/conftest.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import imageio_ffmpeg
import pytest

from tests.e2e.live import (
    CHROMIUM,
    LiveServer,
    ServerStartError,
    free_port,
    start_server_at,
    stop_server,
)
from tests.fakes.tiktok import FakeTikTok
from tests.fakes.youtube import FakeYouTube

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

EMAIL = "publisher@example.com"
PASSWORD = "amber-lantern-42"
VIDEO_S = 4
# Ahead of "now" when scheduling (then rounded up to the minute): the versions for each platform
# render meanwhile, and a publication due before its version is ready waits for it.
LEAD_S = 15
PUBLISH_TIMEOUT_S = 150
FAILURE_TIMEOUT_S = 90
SHOTS = Path("/tmp/pub-shots")


@dataclass
class Platforms:
    tiktok: FakeTikTok
    youtube: FakeYouTube


@pytest.fixture(scope="module")
def port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def fakes(port: int) -> Iterator[Platforms]:
    tiktok = FakeTikTok()
    # YouTube checks the redirect URI against the one registered with the app.
    youtube = FakeYouTube(redirect_uri=f"http://127.0.0.1:{port}/accounts/callback/youtube")
    yield Platforms(tiktok, youtube)
    tiktok.close()
    youtube.close()


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 s of 1080×1920 test pattern with a tone, H.264/AAC."""
    path = tmp_path_factory.mktemp("publish-media") / "launch-teaser.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=size=1080x1920:rate=30:duration={VIDEO_S}",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={VIDEO_S}",
         "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(path)],
        check=True,
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, port: int, video: Path, fakes: Platforms
) -> Iterator[LiveServer]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium to run browser tests")
    pytest.importorskip("playwright")
    home = tmp_path_factory.mktemp("publish-done") / "home"
    home.mkdir()
    try:
        live = start_server_at(
            home,
            port,
            ["init", "--email", EMAIL, "--password", PASSWORD, "--workspace", "Studio"],
            ["media", "import", str(video)],
        )
    except ServerStartError as exc:
        pytest.fail(str(exc))
    yield live
    stop_server(live)


def _shot(page: Page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    SHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, SHOTS / path.name)
    return path


def _sign_in(page: Page, server: LiveServer) -> None:
    page.goto(server.url("/login"))
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/home")


def _set_up_app(page: Page, platform: str, client_id: str, secret: str, url: str) -> None:
    """Settings → Platforms: the app's credentials, every endpoint pointing at the fake."""
    from playwright.sync_api import expect

    card = page.locator(f"#platform-{platform}")
    card.locator("input[name=client_id]").fill(client_id)
    card.locator("input[name=client_secret]").fill(secret)
    card.locator("details.advanced summary").click()
    for field in card.locator("input[name^=endpoint_]").all():
        field.fill(url)
    card.get_by_role("button", name="Save").click()
    page.wait_for_url("**/settings/platforms")
    expect(page.locator(".flash-success")).to_contain_text("app credentials saved")


def _connect(page: Page, server: LiveServer, platform: str) -> None:
    """The real sign-in round trip: shortops → the fake's authorize page → the callback."""
    from playwright.sync_api import expect

    page.goto(server.url("/accounts"))
    page.locator(f"section[data-platform={platform}]").get_by_role("button", name="Connect").click()
    page.wait_for_url("**/accounts")
    expect(page.locator(".flash-success")).to_contain_text("is connected")


def _wait_for_rows(
    page: Page, server: LiveServer, statuses: set[str], count: int, timeout_s: float
) -> None:
    """Until `count` queue rows have one of `statuses` (the page refreshes its rows itself)."""
    deadline = time.monotonic() + timeout_s
    selector = ", ".join(f"#queue-rows tr[data-status={s}]" for s in sorted(statuses))
    while page.locator(selector).count() < count:
        if time.monotonic() > deadline:
            pytest.fail(
                f"waited {timeout_s:.0f} s for {count} rows {sorted(statuses)}:\n"
                f"{page.locator('main').inner_text()}\nserver log:\n{server.log_tail(80)}"
            )
        page.wait_for_timeout(1000)


def _local_minute_ahead(page: Page, seconds: int) -> str:
    """A datetime-local value `seconds` ahead (rounded up to the minute) in the composer's zone."""
    note = page.locator(".composer-side").inner_text()
    zone = re.search(r"Time zone: (\S+)", note)
    assert zone, note
    moment = datetime.now(UTC) + timedelta(seconds=seconds + 59)
    local = moment.astimezone(ZoneInfo(zone.group(1)))
    return f"{local:%Y-%m-%dT%H:%M}"


def test_schedule_one_post_to_three_accounts_and_see_a_failure(
    server: LiveServer, fakes: Platforms, video: Path, page: Page, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    started = time.monotonic()
    _sign_in(page, server)

    # Settings → Platforms: each platform's app, pointed at its fake.
    page.goto(server.url("/settings/platforms"))
    _set_up_app(page, "tiktok", fakes.tiktok.client_key, fakes.tiktok.client_secret,
                fakes.tiktok.url)  # fmt: skip
    _set_up_app(page, "youtube", fakes.youtube.client_id, fakes.youtube.client_secret,
                fakes.youtube.url)  # fmt: skip

    # Accounts: a sandbox one, then TikTok and YouTube through their sign-in redirects.
    page.goto(server.url("/accounts"))
    page.locator("#connect-sandbox").get_by_role("button").click()
    page.wait_for_url("**/accounts")
    _connect(page, server, "tiktok")
    _connect(page, server, "youtube")
    assert len(fakes.tiktok.authorizations) == 1
    _shot(page, tmp_path, "01-accounts")

    # Compose one post for all three.
    page.goto(server.url("/publish/new"))
    page.get_by_role("radio", name=re.compile(video.name)).check()
    page.fill("input[name=title]", "Launch teaser")
    page.fill("textarea[name=caption]", "Three seconds of colour before the big day")
    page.fill("input[name=hashtags]", "launch, teaser")
    targets = page.locator(".target")
    expect(targets).to_have_count(3)
    for index in range(3):
        targets.nth(index).locator("input[name=targets]").check()
    tiktok = page.locator(".target", has=page.locator("select[name$='.opt.privacy_level']"))
    privacy = tiktok.locator("select[name$='.opt.privacy_level']")
    offered = privacy.locator("option").all_inner_texts()
    assert "Only me" in offered, offered  # creator_info's options, as the platform says them
    privacy.select_option("SELF_ONLY")
    youtube = page.locator(".target", has=page.locator("select[name$='.opt.privacy']"))
    youtube.locator("select[name$='.opt.privacy']").first.select_option("unlisted")
    # The counters follow each platform's limits (TikTok counts UTF-16 units).
    expect(tiktok.locator(".counters")).to_contain_text("/2200")
    page.fill("input[name=at]", _local_minute_ahead(page, LEAD_S))
    expect(page.locator("#check-post")).to_contain_text("Every account is ready.", timeout=20_000)
    # No edit was made in Produce: each account says a plain version will be posted (a
    # warning, not a blocker), and which file it posts.
    expect(page.locator(".issue-warning", has_text="plain")).to_have_count(3)
    expect(page.locator(".edit-posts", has_text="plain version")).to_have_count(3)
    _shot(page, tmp_path, "02-composer")
    page.get_by_role("button", name="Schedule").click()
    page.wait_for_url("**/publish?post=*")
    expect(page.locator(".flash-success")).to_contain_text(
        "on Sandbox @sandbox_creator_1, TikTok @hooklab, YouTube @hooklab"
    )
    rows = page.locator("#queue-rows tr")
    expect(rows).to_have_count(3)
    # Scheduled (the time may come while the page loads: then on their way already).
    on_their_way = "scheduled", "uploading", "processing", "published"
    for status in rows.evaluate_all("rows => rows.map(r => r.dataset.status)"):
        assert status in on_their_way, status

    # The embedded worker renders, publishes at the time, and verifies; the rows refresh.
    _wait_for_rows(page, server, {"published"}, 3, PUBLISH_TIMEOUT_S)
    failed = page.locator(
        "#queue-rows tr[data-status=failed], #queue-rows tr[data-status=needs_review]"
    )
    assert failed.count() == 0, failed.all_inner_texts()
    links = page.locator("#queue-rows a.live-link")
    expect(links).to_have_count(3)
    hrefs = [link.get_attribute("href") or "" for link in links.all()]
    assert all(href.startswith(("http://", "https://")) for href in hrefs), hrefs
    assert any("tiktok.com" in href for href in hrefs) and any(
        "/sandbox/posts/" in href for href in hrefs
    )
    assert fakes.tiktok.only_publish().privacy == "SELF_ONLY"
    _shot(page, tmp_path, "03-queue-three-published")
    page.goto(server.url("/publish/calendar"))
    expect(page.locator(".cal-day .chip.st-published")).to_have_count(3)
    _shot(page, tmp_path, "04-calendar")

    # Break one: the fake TikTok answers the upload of the bytes with a 500.
    init = "/v2/post/publish/video/init/"
    inits_before = fakes.tiktok.count("POST", init)
    puts_before = fakes.tiktok.count("PUT", "/upload/")
    live_before = len(fakes.tiktok.live_post_ids())
    fakes.tiktok.fail_next("500", endpoint="/upload/")
    page.goto(server.url("/publish/new"))
    page.get_by_role("radio", name=re.compile(video.name)).check()
    page.fill("input[name=title]", "Teaser, take two")
    tiktok = page.locator(".target", has=page.locator("select[name$='.opt.privacy_level']"))
    tiktok.locator("input[name=targets]").check()
    tiktok.locator("select[name$='.opt.privacy_level']").select_option("SELF_ONLY")
    page.get_by_role("radio", name="Publish now").check()
    expect(page.locator("#check-post")).to_contain_text("Every account is ready.", timeout=20_000)
    page.locator("#submit-post").click()
    page.wait_for_url("**/publish?post=*")
    _wait_for_rows(page, server, {"failed", "needs_review"}, 1, FAILURE_TIMEOUT_S)
    row = page.locator("#queue-rows tr").first
    expect(row.locator(".badge.st")).to_have_text("Failed")
    reason = row.locator(".reason").inner_text()
    assert "The upload to TikTok broke off" in reason and "nothing was posted" in reason, reason
    _shot(page, tmp_path, "05-queue-failure")
    assert fakes.tiktok.count("POST", init) - inits_before == 1, "the upload was started once"
    assert fakes.tiktok.count("PUT", "/upload/") - puts_before == 1, "the bytes were never resent"
    assert len(fakes.tiktok.live_post_ids()) == live_before, "nothing was posted"

    row.get_by_role("link", name="Teaser, take two").click()
    page.wait_for_url("**/publish/publications/*")
    expect(page.locator(".callout-failed")).to_contain_text("The upload to TikTok broke off")
    expect(page.locator(".callout-failed")).to_contain_text("nothing was posted")
    expect(page.locator(".timeline")).to_contain_text("Upload started.")
    _shot(page, tmp_path, "06-publication-failure")
    assert time.monotonic() - started < 300
