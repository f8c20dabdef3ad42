"""A new owner's first session, in a real browser against a real server.

One test walks the whole path in order, because each step needs the state the previous one left:
first-run setup, sign-out and sign-in, a second workspace, an API token used from outside,
the Chinese UI and the worker's heartbeat. Screenshots of each step go to
test-artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.live import LiveServer

OWNER_NAME = "Olivia Owner"
OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "violet-harbor-42"
FIRST_WORKSPACE = "Sunny Kitchen"
SECOND_WORKSPACE = "Night Runner"
NAV_KEYS = ("home", "plan", "produce", "publish", "engage", "measure", "earn", "settings")
HEARTBEAT_TIMEOUT_S = 30.0

Screenshot = Callable[[str], Path]


def flash(page: Page, text: str) -> None:
    """Wait for a flash message: it only shows on the page after a redirect, so it also proves
    the navigation finished."""
    expect(page.locator(".flash", has_text=text)).to_be_visible()


def expect_current_workspace(page: Page, name: str) -> None:
    expect(page.locator("#workspace-select option:checked")).to_have_text(name)


def open_first_run_page(page: Page, server: LiveServer) -> None:
    page.goto(server.url("/"))
    expect(page).to_have_url(server.url("/setup"))
    expect(page.get_by_role("heading", name="Welcome to shortops")).to_be_visible()


def fill_setup_form(page: Page) -> None:
    page.fill("input[name=name]", OWNER_NAME)
    page.fill("input[name=email]", OWNER_EMAIL)
    page.fill("input[name=password]", OWNER_PASSWORD)
    page.fill("input[name=workspace]", FIRST_WORKSPACE)
    # The time zone is the browser's own unless chosen.
    browser_zone = page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone")
    expect(page.locator("select[name=timezone]")).to_have_value(browser_zone)
    expect(page.locator("input[name=currency]")).to_have_value("USD")


def assert_signed_in_shell(page: Page, server: LiveServer) -> None:
    expect(page).to_have_url(server.url("/home"))
    for key in NAV_KEYS:
        expect(page.locator(f"nav.sections a[data-nav={key}]")).to_be_visible()
    expect(page.locator("a[data-nav=home]")).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator("#first-steps")).to_contain_text("Three steps to your first post")
    expect_current_workspace(page, FIRST_WORKSPACE)


def sign_in(page: Page, password: str) -> None:
    page.fill("input[name=email]", OWNER_EMAIL)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign in").click()


def sign_out(page: Page, server: LiveServer) -> None:
    # The page's own requests (the notification bell) finish first: an answer still on its way
    # after the sign-out would carry the old session cookie and drop the sign-out's message.
    page.wait_for_load_state("networkidle")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(server.url("/login"))
    flash(page, "You are signed out.")


def open_settings_tab(page: Page, tab: str) -> None:
    page.click("a[data-nav=settings]")
    page.locator("nav.tabs").get_by_role("link", name=tab).click()
    expect(page.locator("nav.tabs a.active")).to_have_text(tab)


def fill_new_workspace(page: Page) -> None:
    page.fill("input[name=name]", SECOND_WORKSPACE)
    page.fill("input[name=timezone]", "Asia/Shanghai")
    page.fill("input[name=currency]", "CNY")


def switch_workspace(page: Page, name: str) -> None:
    # The select submits its form on change; the flash shows once the new page has loaded.
    page.select_option("#workspace-select", label=name)
    flash(page, f"Switched to {name}.")


def create_token(page: Page) -> str:
    page.fill("form[action='/settings/tokens'] input[name=name]", "e2e reporting script")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token")
    expect(secret).to_be_visible()
    return secret.inner_text().strip()


def members_via_api(server: LiveServer, workspace_id: str, token: str) -> list[dict[str, object]]:
    response = httpx.get(
        server.url(f"/api/v1/workspaces/{workspace_id}/members"),
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


def wait_for_heartbeat(page: Page) -> str:
    """The page is rendered on the server, so a later heartbeat only shows after a reload."""
    deadline = time.monotonic() + HEARTBEAT_TIMEOUT_S
    heartbeat = page.locator("#heartbeat")
    while True:
        value = heartbeat.inner_text().strip()
        if value != "—":
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"no worker heartbeat within {HEARTBEAT_TIMEOUT_S:.0f} s")
        page.wait_for_timeout(1000)
        page.reload()


@pytest.mark.e2e
# Named first so that a missing browser skips the test before a server is started for nothing.
@pytest.mark.usefixtures("browser")
def test_first_run_to_api_token_and_chinese_ui(
    page: Page, live_server: LiveServer, screenshot: Screenshot
) -> None:
    # First visit on a fresh install: the first-run form.
    open_first_run_page(page, live_server)
    fill_setup_form(page)
    screenshot("01-setup")
    page.get_by_role("button", name="Create owner and workspace").click()
    assert_signed_in_shell(page, live_server)
    flash(page, "Welcome! Your workspace is ready.")
    screenshot("02-plan")

    # Out and back in; a wrong password keeps the visitor on the sign-in form with an error.
    sign_out(page, live_server)
    sign_in(page, "not-the-password")
    expect(page.locator(".flash-error[role=alert]")).to_be_visible()
    expect(page).to_have_url(live_server.url("/login"))
    expect(page.locator("input[name=email]")).to_have_value(OWNER_EMAIL)
    screenshot("03-login-error")
    sign_in(page, OWNER_PASSWORD)
    assert_signed_in_shell(page, live_server)

    # A second workspace becomes the current one; the switcher goes back to the first.
    open_settings_tab(page, "New workspace")
    fill_new_workspace(page)
    screenshot("04-new-workspace")
    page.get_by_role("button", name="Create workspace").click()
    flash(page, f"Workspace {SECOND_WORKSPACE} created.")
    expect_current_workspace(page, SECOND_WORKSPACE)
    switch_workspace(page, FIRST_WORKSPACE)
    expect_current_workspace(page, FIRST_WORKSPACE)

    # An API token made in the UI works from outside the browser.
    open_settings_tab(page, "API tokens")
    token = create_token(page)
    screenshot("05-tokens")
    workspace_id = page.locator("#workspace-select").input_value()
    emails = [member["email"] for member in members_via_api(live_server, workspace_id, token)]
    assert OWNER_EMAIL in emails

    # The whole shell follows the language switch.
    page.goto(live_server.url("/plan"))
    page.get_by_role("button", name="简体中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("a[data-nav=plan]")).to_have_text("策划")
    expect(page.locator("a[data-nav=settings]")).to_have_text("设置")
    expect(page.locator("#language-switcher button[value=zh_Hans]")).to_have_class(
        re.compile(r"\bcurrent\b")
    )
    screenshot("06-plan-zh")

    # The embedded worker reports in (tabs are in Chinese now, hence the link by address).
    page.click("a[data-nav=settings]")
    page.click("nav.tabs a[href='/settings/system']")
    expect(page.locator("#db-backend")).to_have_text("sqlite")
    wait_for_heartbeat(page)
    screenshot("07-system")
