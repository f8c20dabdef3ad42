"""Security headers and the Content-Security-Policy (issue "Security and robustness", F9)."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shortops.web import plotly_css
from shortops.web.security_headers import CONTENT_SECURITY_POLICY, DOCUMENT_ONLY_POLICY
from tests import factories

TEMPLATES = Path(plotly_css.__file__).parent / "templates"
# A stored report is a self-contained document (styles inline, no script) with its own policy.
SELF_CONTAINED = {"reports/report.html"}


def test_every_answer_carries_the_headers(client: TestClient, session: Session) -> None:
    owner = factories.create_user(session, email="hdr@example.com")
    factories.create_workspace(session, owner=owner)
    for path in ("/login", "/docs", "/static/app.css", "/api/v1/workspaces/1", "/nope"):
        answer = client.get(path)
        assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert answer.headers["x-frame-options"] == "DENY"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "same-origin"
        assert "strict-transport-security" not in answer.headers  # plain HTTP here
    policy = dict(
        part.strip().split(" ", 1) for part in CONTENT_SECURITY_POLICY.split(";") if part.strip()
    )
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    # Style attributes: only the empty one (Plotly's colour bars write `style=""`).
    empty = base64.b64encode(hashlib.sha256(b"").digest()).decode()
    assert policy["style-src-attr"] == f"'unsafe-hashes' 'sha256-{empty}'"


def test_behind_https_the_browser_is_told_to_stay_on_https(settings: Any, monkeypatch: Any) -> None:
    from shortops.app import create_app

    secure = settings.model_copy(update={"secure_cookies": True})
    answer = TestClient(create_app(secure)).get("/login")
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_templates_hold_no_inline_script_style_or_handler() -> None:
    """The policy refuses them in the browser; this names the template before a browser must."""
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = path.relative_to(TEMPLATES).as_posix()
        if name in SELF_CONTAINED:
            continue
        text = re.sub(r"\{#.*?#\}", "", path.read_text(encoding="utf-8"), flags=re.S)
        checks = {
            "inline script": re.search(r"<script(?![^>]*\b(src|type=\"application/json\"))", text),
            "event handler attribute": re.search(r"\son[a-z]+=\"", text),
            "style attribute": re.search(r"\sstyle=\"", text),
            "style element": re.search(r"<style[\s>]", text),
            "javascript: link": re.search(r"javascript:", text),
        }
        offenders += [f"{name}: {what}" for what, found in checks.items() if found]
    assert not offenders, offenders


def test_plotlys_styles_are_served_as_a_file(client: TestClient) -> None:
    answer = client.get("/static-vendor/plotly.css")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/css")
    css = answer.text
    assert ".js-plotly-plot .plotly .modebar" in css  # the rules object, selectors expanded
    assert ".plotly-notifier" in css and "X," not in css
    ids = plotly_css.injected_style_ids(plotly_css.bundle_path())
    assert all(re.fullmatch(r"[0-9a-f]{16,}", i) for i in ids)


def test_a_bundle_in_an_unknown_shape_is_reported() -> None:
    import pytest

    with pytest.raises(plotly_css.PlotlyStylesNotFound):
        plotly_css.plotly_rules_as_css("var a = 1;")
    parsed = plotly_css.plotly_rules_as_css(
        'x={"X,X div":\'margin:0;\',"X .a":"color:#fff;",Y:"top:0;"};'
    )
    assert parsed.splitlines() == [
        ".js-plotly-plot .plotly,.js-plotly-plot .plotly div{margin:0;}",
        ".js-plotly-plot .plotly .a{color:#fff;}",
        ".plotly-notifier{top:0;}",
    ]


def test_a_stored_report_keeps_its_own_document_only_policy(
    app: Any, client: TestClient, session: Session, settings: Any
) -> None:
    from datetime import date

    from shortops.models import ReportKind
    from shortops.reports import flows as report_flows

    owner = factories.create_user(session, email="rep@example.com")
    workspace = factories.create_workspace(session, owner=owner)
    report, _data = report_flows.make_report(
        session,
        settings=settings,
        workspace=workspace,
        kind=ReportKind.weekly,
        start=date(2026, 11, 23),
        end=date(2026, 11, 29),
        language="en",
    )
    session.commit()
    factories.login(client, owner.email)
    answer = client.get(f"/measure/reports/{report.id}")
    assert answer.status_code == 200 and "<style>" in answer.text
    assert "<script" not in answer.text
    assert answer.headers["content-security-policy"] == DOCUMENT_ONLY_POLICY
    assert answer.headers["x-frame-options"] == "DENY"
