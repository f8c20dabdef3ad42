"""Take the README's screenshot (docs/screenshot.png) of a fresh shortops with a small team.

    .venv/bin/python scripts/screenshot.py [--output docs/screenshot.png] [--path /settings/members]

It sets up a throw-away SHORTOPS_HOME with the CLI (owner, workspace, two more members), starts
`shortops serve` on a free loopback port, signs in with Debian's Chromium and saves one
1280x800 English view. Nothing outside the temporary directory and the output file is touched.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect, sync_playwright

REPO_ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("SHORTOPS_E2E_CHROMIUM", "/usr/bin/chromium")
# Without the background-networking flags Chromium hangs on a machine that has only loopback.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OWNER = ("Olivia Chen", "olivia@example.com", "violet-harbor-42")
WORKSPACE = "Sunny Kitchen"
# (name, email, password, role): enough people for the members table to look lived in.
TEAM = [
    ("Lin Mei", "mei@example.com", "copper-lantern-17", "editor"),
    ("Sam Patel", "sam@example.com", "quiet-meadow-93", "viewer"),
]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def shortops_env(home: Path) -> dict[str, str]:
    # No inherited SHORTOPS_ setting may point the CLI or server at a real database.
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHORTOPS_")}
    env["SHORTOPS_HOME"] = str(home)
    return env


def shortops(home: Path, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "shortops", *args],
        env=shortops_env(home),
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
    port = free_port()
    log_path = home / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "shortops", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=shortops_env(home),
            cwd=home,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base_url, process, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_healthy(
    base_url: str, process: subprocess.Popen[bytes], log_path: Path, timeout_s: float = 60
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"shortops serve exited:\n{log_path.read_text(errors='replace')}")
        try:
            if httpx.get(f"{base_url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    sys.exit(f"shortops serve did not start:\n{log_path.read_text(errors='replace')}")


def sign_in(page: Page, base_url: str) -> None:
    _name, email, password = OWNER
    page.goto(f"{base_url}/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("form[action='/login'] button[type=submit]")
    expect(page.locator("nav.sections")).to_be_visible()


def take_screenshot(base_url: str, path: str, output: Path, width: int, height: int) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
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
