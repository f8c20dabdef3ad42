"""The Accounts, Settings → Platforms, sandbox post and Notifications pages in a real browser
against a real `shortops serve`, in English and Chinese; screenshots go to
test-artifacts/screenshots/accounts-*.png for people to look at.

Skips without Debian's Chromium or the playwright package (see tests/conftest.py `browser`).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.live import CHROMIUM, LiveServer, server_env, start_healthy_server, stop_server

pytestmark = pytest.mark.e2e

EMAIL = "lead@example.com"
PASSWORD = "violet-harbor-42"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

# Run inside the server's home: a live sandbox post with a real video, and two notifications.
SEED = """
import subprocess, imageio_ffmpeg
from sqlalchemy import select
from shortops.config import get_settings
from shortops.db.session import session_scope
from shortops.accounts.credentials import load_tokens
from shortops.models import Account, NotificationKind
from shortops.notifications.service import notify
from shortops.providers.sandbox import SandboxProvider
from shortops.providers.types import MediaFile, PublishRequest

settings = get_settings()
video = settings.resolved_media_dir / "renditions" / "demo.mp4"
video.parent.mkdir(parents=True, exist_ok=True)
subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
    "-i", "testsrc2=size=360x640:rate=25:duration=2", "-pix_fmt", "yuv420p", str(video)],
    check=True)
with session_scope(settings) as session:
    account = session.scalar(select(Account).where(Account.platform == "sandbox"))
    provider = SandboxProvider()
    tokens = load_tokens(account)
    media = MediaFile(path=video, size_bytes=video.stat().st_size, duration_s=2, width=360,
                      height=640)
    request = PublishRequest(media=media, title="Three hooks that stop the scroll",
                             caption="开头三秒决定一切", hashtags=("shorts", "运营"),
                             idempotency_key="demo-1")
    ticket = provider.start_publish(tokens, request, record=lambda t: None)
    while provider.check_publish(tokens, ticket).state != "published":
        pass
    for kind, message, params in [
        (NotificationKind.needs_reauth,
         "{platform} no longer accepts the sign-in of {handle}. Reconnect the account under "
         "Accounts.", {"platform": "TikTok", "handle": "studio"}),
        (NotificationKind.published, "Published on {platform} (@{handle}).",
         {"platform": "Sandbox", "handle": account.handle}),
    ]:
        notify(session, workspace_id=account.workspace_id, kind=kind, message=message,
               params=params, link="/accounts")
    print(ticket.reference)
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium to run browser tests")
    pytest.importorskip("playwright")
    home = tmp_path_factory.mktemp("accounts-e2e") / "home"
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


def test_accounts_pages_in_a_browser(server: LiveServer, browser: Any) -> None:
    from playwright.sync_api import expect

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    page.set_default_timeout(30_000)

    def shot(name: str) -> None:
        page.screenshot(path=SCREENSHOTS / f"accounts-{name}.png", full_page=True)

    try:
        page.goto(server.url("/login"))
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password]", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url("**/home")

        page.goto(server.url("/accounts"))
        expect(page.locator("#accounts-empty")).to_contain_text("No accounts yet.")
        expect(page.locator("#bell a")).to_be_visible()
        shot("01-empty")

        page.click("#accounts-empty button:has-text('Try the sandbox')")
        expect(page.locator(".flash-success")).to_contain_text("sandbox_creator_1")
        expect(page.locator("#accounts")).to_contain_text("Sandbox")
        expect(page.locator("#accounts .badge-sandbox")).to_be_visible()
        shot("02-sandbox-connected")

        page.fill("#connect-manual input[name=platform_label]", "小红书")
        page.fill("#connect-manual input[name=handle]", "studio_xhs")
        page.click("#connect-manual button[type=submit]")
        expect(page.locator("#accounts")).to_contain_text("Xiaohongshu 小红书")

        page.goto(server.url("/settings/platforms"))
        expect(page.locator("main")).to_contain_text("/accounts/callback/")
        shot("03-platforms")

        seeded = subprocess.run(
            [sys.executable, "-c", SEED],
            env=server_env(server.home),
            cwd=server.home.parent,
            check=True,
            capture_output=True,
            text=True,
        )
        post_id = seeded.stdout.strip().splitlines()[-1]
        page.goto(server.url(f"/sandbox/posts/{post_id}"))
        expect(page.locator("#sandbox-label")).to_have_text(
            "Sandbox — simulated, not a real platform"
        )
        expect(page.locator("video")).to_be_visible()
        ready = page.evaluate(
            "() => new Promise(ok => { const v = document.querySelector('video');"
            " if (v.readyState >= 1) ok(v.duration);"
            " v.addEventListener('loadedmetadata', () => ok(v.duration)); })"
        )
        assert ready > 1.5, "the browser loaded the video"
        shot("04-sandbox-post")

        page.goto(server.url("/notifications"))
        expect(page.locator("#bell-count")).to_have_text("2")
        expect(page.locator("#notifications")).to_contain_text("TikTok no longer accepts")
        shot("05-notifications")
        page.click("#notifications li >> nth=0 >> button:has-text('Open')")
        page.wait_for_url("**/accounts")
        expect(page.locator("#bell-count")).to_have_text("1")

        page.goto(server.url("/settings/notifications"))
        shot("06-notification-settings")

        page.click("form[action='/language'] button:has-text('简体中文')")
        page.goto(server.url("/accounts"))
        expect(page.locator("h1")).to_contain_text("账号")
        expect(page.locator("#accounts")).to_contain_text("沙盒")
        shot("07-accounts-zh")
        page.goto(server.url("/settings/platforms"))
        expect(page.locator("main")).to_contain_text("回调地址")
        shot("08-platforms-zh")
        page.goto(server.url("/notifications"))
        expect(page.locator("#notifications")).to_contain_text("重新绑定")
        shot("09-notifications-zh")
        page.goto(server.url(f"/sandbox/posts/{post_id}"))
        expect(page.locator("#sandbox-label")).to_contain_text("沙盒")
        shot("10-sandbox-post-zh")
    except Exception:
        shot("failed")
        raise
    finally:
        context.close()
