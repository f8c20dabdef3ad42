"""Findings of the outside probe (issue "Security and robustness"): each fixed at its root and
kept fixed here. F5 sign-in time, F6 huge integers, F7 dates at the calendar's edge, F8 huge
sign-in fields, F14 secrets in logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.errors import InvalidInput
from shortops.kit import crypto
from shortops.models import AuditEvent, LoginThrottle
from shortops.publishing import service as publishing
from shortops.system import logredact
from tests import factories

HUGE = "99999999999999999999"  # above any database id (2³¹−1 on PostgreSQL)


def _token(session: Session) -> tuple[Any, dict[str, str]]:
    owner = factories.create_user(session, email="robust@example.com")
    workspace = factories.create_workspace(session, owner=owner, name="Robust")
    _t, secret = factories.create_token(session, user=owner, workspace=workspace)
    return workspace, {"Authorization": f"Bearer {secret}"}


def test_numbers_too_large_for_the_database_are_a_422(client: TestClient, session: Session) -> None:
    workspace, headers = _token(session)
    for url in (
        f"/api/v1/workspaces/{HUGE}",
        f"/api/v1/workspaces/{workspace.id}/assets/{HUGE}",
        f"/api/v1/workspaces/{workspace.id}/members?page=2147483648",
        f"/api/v1/workspaces/{workspace.id}/members?page=" + "9" * 5000,
    ):
        answer = client.get(url, headers=headers)
        assert answer.status_code == 422, (url, answer.text[:200])
        assert answer.json()["error"]["code"] == "invalid_input"
        assert "too large" in answer.json()["error"]["message"]
    # A long run of digits in free text (an OAuth code) is not a number to refuse.
    callback = client.get(f"/accounts/callback/tiktok?code={HUGE}&state={HUGE}",
                          follow_redirects=False)  # fmt: skip
    assert callback.status_code != 422
    # The largest id itself is a number like any other: no crash.
    edge = client.get(f"/api/v1/workspaces/{workspace.id}/assets/2147483647",
                      headers=headers)  # fmt: skip
    assert edge.status_code == 404
    # In a JSON body, past the address checks: refused the same way, nothing written.
    body = {"title": "x", "asset_id": int(HUGE), "targets": [{"account_id": int(HUGE)}]}

    posted = client.post(f"/api/v1/workspaces/{workspace.id}/posts", headers=headers, json=body)
    assert posted.status_code == 422, posted.text
    assert posted.json()["error"]["code"] == "invalid_input", posted.text


def test_a_huge_number_in_a_page_address_or_form_is_a_422_page(
    client: TestClient, session: Session
) -> None:
    factories.create_workspace(
        session, owner=factories.create_user(session, email="pages@example.com"), name="P"
    )
    factories.login(client, "pages@example.com")
    page = client.get(f"/produce/assets/{HUGE}")
    assert page.status_code == 422 and "too large" in page.text
    form = {"workspace_id": HUGE, "csrf_token": factories.csrf(client)}
    switched = client.post("/workspaces/switch", data=form)
    assert switched.status_code in (404, 422), switched.status_code


def test_times_at_the_calendars_edge_are_refused_or_shown_not_crashed() -> None:
    with pytest.raises(InvalidInput, match="out of range"):
        publishing.resolve_when(datetime(9999, 12, 31, 23, 59), timezone="Asia/Shanghai",
                                now=datetime.now(UTC))  # fmt: skip
    edge = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    assert publishing.local_time(edge, "Asia/Shanghai") == "9999-12-31 23:59 (UTC)"
    # The last year allowed is fine anywhere.
    late = publishing.resolve_when(datetime(2100, 12, 31, 23, 59), timezone="Pacific/Kiritimati",
                                   now=datetime.now(UTC))  # fmt: skip
    assert late.tzinfo is UTC and late.year == 2100


def test_an_unknown_email_costs_the_same_hash_check(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sign-in time does not tell which emails have accounts (F5)."""
    factories.create_user(session, email="known@example.com")
    checked: list[str] = []
    real = crypto.verify_password

    def spy(password_hash: str, password: str) -> bool:
        checked.append(password_hash)
        return real(password_hash, password)

    monkeypatch.setattr(crypto, "verify_password", spy)
    for email in ("known@example.com", "nobody@example.com"):
        page = client.get("/login")
        client.post("/login", data={"email": email, "password": "wrong-password-1",
                                     "csrf_token": factories.csrf_from(page.text)})  # fmt: skip
    assert len(checked) == 2 and all(h.startswith("$argon2") for h in checked)


def test_a_huge_sign_in_is_refused_without_storing_it(client: TestClient, session: Session) -> None:
    """A 900 KB email was stored twice (throttle + audit) and echoed back (F8)."""
    audit_before = session.scalar(select(func.count()).select_from(AuditEvent))
    page = client.get("/login")
    answer = client.post("/login", data={"email": "a" * 900_000 + "@x.test", "password": "p" * 10,
                                         "csrf_token": factories.csrf_from(page.text)})  # fmt: skip
    assert answer.status_code == 401 and len(answer.content) < 100_000
    assert session.scalar(select(func.count()).select_from(LoginThrottle)) == 0
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == audit_before


def test_oauth_codes_and_tokens_never_reach_the_logs() -> None:
    line = "/accounts/callback/tiktok?code=abc123&state=s3cr3t&scopes=user.info.basic"
    assert logredact.redact(line) == (
        "/accounts/callback/tiktok?code=[redacted]&state=[redacted]&scopes=user.info.basic"
    )
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5", "GET", line, "1.1", 303), None)  # fmt: skip
    assert logredact.RedactSecrets().filter(record)
    assert "abc123" not in record.getMessage() and "s3cr3t" not in record.getMessage()
    logredact.install()
    logredact.install()
    filters = logging.getLogger("uvicorn.access").filters
    assert sum(isinstance(f, logredact.RedactSecrets) for f in filters) == 1


def test_a_refused_method_says_which_ones_the_address_takes(client: TestClient) -> None:
    """F16: TRACE answered 405 without Allow (and Starlette named only the first route)."""
    for method, url, allowed in [
        ("TRACE", "/api/v1/workspaces", "GET, HEAD, POST"),
        ("PUT", "/api/v1/workspaces/1", "GET, HEAD, PATCH"),
        ("DELETE", "/login", "GET, HEAD, POST"),
    ]:
        answer = client.request(method, url)
        assert answer.status_code == 405, (method, url)
        assert answer.headers["allow"] == allowed


def test_a_body_that_is_not_json_is_a_415_not_a_422(client: TestClient, session: Session) -> None:
    """F16: docs promise 415 for a non-JSON body; a text/plain body got a puzzling 422."""
    workspace, headers = _token(session)
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        sent = {**headers, **({"Content-Type": content_type} if content_type else {})}
        answer = client.post(
            f"/api/v1/workspaces/{workspace.id}/tokens", content=b'{"name": "t"}', headers=sent
        )
        assert answer.status_code == 415, (content_type, answer.text)
        error = answer.json()["error"]
        assert error["code"] == "unsupported_media_type"
        assert (content_type or "without a type") in error["message"]
        assert "Content-Type: application/json" in error["message"]
    # JSON with a charset or a +json type passes; forms and upload chunks are not JSON routes.
    ok = client.post(
        f"/api/v1/workspaces/{workspace.id}/tokens",
        json={"name": "t2"},
        headers={**headers, "Content-Type": "application/json; charset=utf-8"},
    )
    assert ok.status_code == 201, ok.text
