"""Control characters in text people type (issue "Security and robustness", F11): refused in
every field with the field's name, on SQLite and PostgreSQL (which cannot even store NUL); line
breaks stay allowed where text has lines; the CLI shows stored ones harmlessly."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shortops.errors import InvalidInput
from shortops.kit.schema import UserInput
from shortops.models import LoginThrottle, User, Workspace
from shortops.workspaces import service
from tests import factories


def _token(session: Session) -> tuple[Workspace, dict[str, str]]:
    owner = factories.create_user(session, email="ctl@example.com")
    workspace = factories.create_workspace(session, owner=owner, name="Ctl")
    _t, secret = factories.create_token(session, user=owner, workspace=workspace)
    return workspace, {"Authorization": f"Bearer {secret}"}


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_the_api_refuses_them_naming_the_field(client: TestClient, session: Session) -> None:
    workspace, headers = _token(session)
    users = _count(session, User)
    base = f"/api/v1/workspaces/{workspace.id}"
    cases = [
        (f"{base}/members", {"email": "nul\x00@a.test", "password": factories.PASSWORD}, "email"),
        (f"{base}/members", {"email": "n@a.test", "name": "Ann\x1b[31m", "password": "x"}, "name"),
        ("/api/v1/workspaces", {"name": "Bell\x07"}, "name"),
        (f"{base}/tokens", {"name": "tok\x08en"}, "name"),
    ]
    for url, body, field in cases:
        answer = client.post(url, headers=headers, json=body)
        assert answer.status_code == 422, (url, answer.text)
        error = answer.json()["error"]
        assert error["details"][0]["field"] == field, error
        assert "control character" in error["details"][0]["problem"]
    assert _count(session, User) == users


def test_currency_and_timezone_must_be_real(client: TestClient, session: Session) -> None:
    workspace, headers = _token(session)
    for body, field in (({"currency": "ZZZ"}, "currency"), ({"timezone": "localtime"}, "timezone")):
        answer = client.patch(f"/api/v1/workspaces/{workspace.id}", headers=headers, json=body)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["details"][0]["field"] == field
    fine = client.patch(
        f"/api/v1/workspaces/{workspace.id}",
        headers=headers,
        json={"currency": "CNY", "timezone": "Asia/Shanghai"},
    )
    assert fine.status_code == 200, fine.text


def test_multiline_fields_keep_their_line_breaks() -> None:
    class Note(UserInput):
        multiline_fields = frozenset({"body"})
        title: str
        body: str
        tags: list[str] = []

    assert Note(title="t", body="line 1\nline 2\tend").body.count("\n") == 1
    for bad in ({"title": "a\nb", "body": ""}, {"title": "t", "body": "x\x00"},
                {"title": "t", "body": "", "tags": ["ok", "b\x1bad"]}):  # fmt: skip
        with pytest.raises(ValueError, match="control character"):
            Note(**bad)


def test_a_nul_in_the_sign_in_email_is_a_wrong_password_not_a_crash(
    client: TestClient, session: Session
) -> None:
    answer = client.post(
        "/login",
        data={
            "email": "nul\x00@a.test",
            "password": "whatever-1",
            "csrf_token": factories.csrf(client, "/login"),
        },
    )
    assert answer.status_code == 401
    assert _count(session, LoginThrottle) == 0


def test_services_refuse_them_for_the_cli_and_setup(session: Session) -> None:
    with pytest.raises(InvalidInput, match="email address contains a control character"):
        service.create_user(session, email="nul\x00@a.test", password=factories.PASSWORD)
    with pytest.raises(InvalidInput, match="name contains a control character"):
        service.create_user(session, email="e@a.test", password=factories.PASSWORD, name="\x1b")
    assert _count(session, User) == 0


def test_the_cli_lists_a_stored_escape_sequence_harmlessly(settings: Any, session: Session) -> None:
    from shortops.cli.main import app as cli

    owner = factories.create_user(session, email="cli-ctl@example.com")
    workspace = factories.create_workspace(session, owner=owner, name="Before the fix")
    workspace.name = "Red\x1b[31mAlert"  # as stored by an older version
    session.commit()
    listed = CliRunner().invoke(cli, ["workspaces", "list"])
    assert listed.exit_code == 0, listed.output
    assert "\x1b" not in listed.output
    assert "\\x1b[31mAlert" in listed.output
