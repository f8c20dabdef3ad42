"""Real-browser fixtures: one shortops server per session and a headless Chromium.

The server is the real `shortops serve` in a subprocess with its own SHORTOPS_HOME (see live.py),
so these tests see what a user sees after a fresh install: migrations, a generated secret key and
the embedded worker. They use none of the database fixtures of tests/conftest.py and so run once,
on SQLite.

Chromium is Debian's (/usr/bin/chromium, or SHORTOPS_E2E_CHROMIUM): Playwright's own browser
download is not available here. Without it the tests skip, or fail under CI=true.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.live import (
    LiveServer,
    ServerStartError,
    start_healthy_server,
    stop_server,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

# `browser` lives in tests/conftest.py: one Playwright per test session, shared by every suite.

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "test-artifacts" / "screenshots"

VIEWPORT = {"width": 1280, "height": 800}
# Generous: the server, its worker and Chromium share two cores in CI.
ACTION_TIMEOUT_MS = 30_000


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("e2e") / "home"
    home.mkdir()
    try:
        server = start_healthy_server(home)
    except ServerStartError as exc:
        pytest.fail(str(exc))
    yield server
    stop_server(server)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    # Keep each phase's report on the test so the page fixture can tell whether the test failed.
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    """A fresh English-speaking browser context; on failure its last view is saved."""
    context = browser.new_context(viewport=VIEWPORT, locale="en-US")
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    tab = context.new_page()
    yield tab
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=SCREENSHOT_DIR / f"failed-{request.node.name}.png", full_page=True)
    context.close()


@pytest.fixture
def screenshot(page: Page) -> Callable[[str], Path]:
    """`screenshot("01-setup")` saves the full page to test-artifacts/screenshots/01-setup.png."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOT_DIR / f"{name}.png"
        page.screenshot(path=path, full_page=True)
        return path

    return take
