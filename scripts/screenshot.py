"""Take the README's screenshot (docs/screenshot.png) of a fresh shortops with a small team.

    .venv/bin/python scripts/screenshot.py [--output docs/screenshot.png] [--path /settings/members]

It sets up a throw-away SHORTOPS_HOME with the CLI (owner, workspace, two more members), starts
`shortops serve` on a free loopback port, signs in with Debian's Chromium and saves one
1280x800 English view. Nothing outside the temporary directory and the output file is touched.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))  # the server helpers are shared with the browser tests

from tests.e2e.live import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    ServerStartError,
    server_env,
    start_healthy_server,
    stop_server,
)

OWNER = ("Olivia Chen", "olivia@example.com", "violet-harbor-42")
WORKSPACE = "Sunny Kitchen"
# (name, email, password, role): enough people for the members table to look lived in.
TEAM = [
    ("Lin Mei", "mei@example.com", "copper-lantern-17", "editor"),
    ("Sam Patel", "sam@example.com", "quiet-meadow-93", "viewer"),
]


def shortops(home: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "shortops", *args],
        env=server_env(home),
        cwd=home,
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"shortops {args[0]} failed:\n{done.stdout}{done.stderr}")


def create_team(home: Path) -> None:
    name, email, password = OWNER
    shortops(home, "init", "--name", name, "--email", email, "--password", password,
             "--workspace", WORKSPACE)  # fmt: skip
    for name, email, password, role in TEAM:
        shortops(home, "users", "create", "--name", name, "--email", email,
                 "--password", password, "--role", role)  # fmt: skip


@contextmanager
def running_server(home: Path) -> Iterator[str]:
    """Yields the base URL of `shortops serve`, stopped (killed if need be) afterwards."""
    try:
        server = start_healthy_server(home)
    except ServerStartError as exc:
        sys.exit(str(exc))
    try:
        yield server.base_url
    finally:
        stop_server(server)


def sign_in(page: Page, base_url: str) -> None:
    _name, email, password = OWNER
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator("nav.sections")).to_be_visible()


def take_screenshot(base_url: str, path: str, output: Path, width: int, height: int) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-US")
        page = context.new_page()
        sign_in(page, base_url)
        page.goto(f"{base_url}{path}")
        # No text cursor blinking in a focused field in the picture.
        page.evaluate("document.activeElement && document.activeElement.blur()")
        output.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=output)
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "docs" / "screenshot.png")
    parser.add_argument("--path", default="/settings/members", help="page to show")
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=800)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="shortops-screenshot-") as tmp:
        home = Path(tmp)
        create_team(home)
        with running_server(home) as base_url:
            take_screenshot(base_url, args.path, args.output, args.width, args.height)
    size_kb = args.output.stat().st_size / 1024
    print(f"{args.output} ({size_kb:.0f} KB)")


if __name__ == "__main__":
    main()
