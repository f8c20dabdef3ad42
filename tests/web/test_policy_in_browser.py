"""Every kind of page under the strict Content-Security-Policy in a real browser (issue
"Security and robustness", F9): charts, the API reference, forms that ask first and selects
that submit themselves all work without inline scripts or styles. Any violation fails the test
(see `_no_policy_violations` in tests/conftest.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.live import LiveServer, server_env, sign_in, start_healthy_server, stop_server
from tests.factories import PASSWORD

pytestmark = pytest.mark.e2e
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"

# Run in the server's home before it starts: the measure world of the dashboard tests.
SEED = """
from shortops.config import get_settings
from shortops.db.migrate import upgrade
from shortops.db.session import get_engine, session_scope
from tests.metrics import world
settings = get_settings()
upgrade(get_engine(settings))
with session_scope(settings) as session:
    built = world.build(session, name="Policy")
    print(built.owner.email, built.youtube.id, built.analyst.email)
"""
WEEK_B = "range=custom&start=2026-11-23&end=2026-11-29"


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, list[str]]]:
    home = tmp_path_factory.mktemp("policy") / "home"
    home.mkdir()
    paths = str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")
    env = {**server_env(home), "PYTHONPATH": paths}
    made = subprocess.run(
        [sys.executable, "-c", SEED], env=env, cwd=home.parent, capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr[-2000:]
    live = start_healthy_server(home)
    yield live, made.stdout.split()
    stop_server(live)


def test_every_page_works_under_the_policy(seeded: Any, browser: Any) -> None:
    from playwright.sync_api import expect

    server, (email, youtube_id, analyst) = seeded
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    sign_in(page, server, email, PASSWORD)
    pages = [
        "/home", "/produce", "/produce/profiles", "/publish", "/publish/calendar", "/publish/new",
        "/accounts", "/notifications", "/settings", "/settings/members", "/settings/tokens",
        "/settings/account", "/settings/platforms", "/settings/notifications", "/settings/audit",
        "/settings/system", "/measure/import", "/measure/reports", f"/measure/posts?{WEEK_B}",
    ]  # fmt: skip
    for path in pages:
        answer = page.goto(server.url(path))
        assert answer is not None and answer.status == 200, path
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
    # Charts are drawn by the bundled Plotly under the policy.
    for path in (f"/measure?{WEEK_B}", f"/measure/accounts/{youtube_id}?{WEEK_B}",
                 f"/measure/compare?{WEEK_B}"):  # fmt: skip
        page.goto(server.url(path))
        expect(page.locator("[data-chart] .main-svg").first).to_be_visible()
    # The API reference loads its bundled Swagger UI.
    page.goto(server.url("/docs"))
    expect(page.locator(".swagger-ui .info")).to_be_visible()
    # A select that submits its form: change a member's role.
    page.goto(server.url("/settings/members"))
    row = page.locator("tr", has_text=analyst)
    row.locator("select[name=role]").select_option("editor")
    expect(page.locator(".flash")).to_be_visible()
    expect(page.locator("tr", has_text=analyst).locator("select[name=role]")).to_have_value(
        "editor"
    )
    # A form that asks first: dismissing keeps the member, accepting removes them.
    asked: list[str] = []

    def answer_with(accept: bool) -> None:
        def handle(dialog: Any) -> None:
            asked.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        page.once("dialog", handle)

    answer_with(False)
    page.locator("tr", has_text=analyst).get_by_role("button", name="Remove").click()
    page.wait_for_timeout(300)
    assert asked == ["Remove this member?"]
    expect(page.locator("tr", has_text=analyst)).to_have_count(1)
    answer_with(True)
    page.locator("tr", has_text=analyst).get_by_role("button", name="Remove").click()
    expect(page.locator("tr", has_text=analyst)).to_have_count(0)
    assert len(asked) == 2
    page.goto(server.url(f"/measure?{WEEK_B}"))
    expect(page.locator("[data-chart] .main-svg").first).to_be_visible()
    page.screenshot(path=SCREENSHOTS / "policy-measure.png", full_page=True)
    context.close()
