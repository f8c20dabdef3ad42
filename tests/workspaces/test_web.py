"""The user's journey through the pages, including every kind of bad input."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from itsdangerous import TimestampSigner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.models import ApiToken, Membership, Role, User, Workspace
from shortops.workspaces.deps import SESSION_COOKIE
from tests import factories
from tests.conftest import TEST_SECRET


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def _setup(client: TestClient, **overrides: str) -> Any:
    form = {
        "name": "Ann",
        "email": "ann@example.com",
        "password": factories.PASSWORD,
        "workspace": "Acme",
        "csrf_token": factories.csrf(client, "/setup"),
        **overrides,
    }
    return client.post("/setup", data=form, follow_redirects=False)


def test_first_visit_goes_to_first_run_then_login_works(
    client: TestClient, session: Session
) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/setup"
    response = _setup(client)
    assert response.status_code == 303 and response.headers["location"] == "/home"
    plan = client.get("/plan")
    assert "Acme" in plan.text and 'data-nav="settings"' in plan.text
    # Signed out, the first-run page is gone and login works.
    client.post("/logout", data={"csrf_token": factories.csrf(client)})
    assert client.get("/setup", follow_redirects=False).headers["location"] == "/login"
    factories.login(client, "ann@example.com")
    assert client.get("/plan").status_code == 200


def test_first_run_with_weak_password_writes_nothing(client: TestClient, session: Session) -> None:
    response = _setup(client, password="12345")
    assert response.status_code == 422
    assert "too weak" in response.text
    assert 'value="ann@example.com"' in response.text  # the form keeps what was typed
    assert _count(session, User) == 0 and _count(session, Workspace) == 0


def test_wrong_password_shows_an_error_and_throttles(
    client: TestClient, session: Session, monkeypatch: Any
) -> None:
    factories.create_user(session, email="bob@example.com")
    for _ in range(5):
        response = client.post(
            "/login",
            data={
                "email": "bob@example.com",
                "password": "nope-nope-nope",
                "csrf_token": factories.csrf(client, "/login"),
            },
        )
        assert response.status_code == 401
        assert "Wrong email or password" in response.text
    response = client.post(
        "/login",
        data={
            "email": "bob@example.com",
            "password": factories.PASSWORD,
            "csrf_token": factories.csrf(client, "/login"),
        },
    )
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.text


def test_csrf_mismatch_is_refused_and_nothing_is_written(
    client: TestClient, session: Session
) -> None:
    response = client.post(
        "/setup",
        data={
            "email": "eve@example.com",
            "password": factories.PASSWORD,
            "workspace": "X",
            "csrf_token": "forged",
        },
    )
    assert response.status_code == 403
    assert "Reload the page" in response.text
    assert _count(session, User) == 0
    # No token at all is the same.
    assert client.post("/setup", data={"email": "e@example.com"}).status_code == 403


def test_expired_session_sends_back_to_login_with_a_message(app: Any, session: Session) -> None:
    owner = factories.create_user(session, email="old@example.com")
    factories.create_workspace(session, owner=owner)
    client = TestClient(app)
    factories.login(client, owner.email)
    # A cookie signed long ago, as a browser would send after the session's lifetime.
    value = client.cookies[SESSION_COOKIE]
    signer = TimestampSigner(TEST_SECRET)
    payload = signer.unsign(value)
    old = TimestampSigner(TEST_SECRET)
    old.get_timestamp = lambda: 1_000_000  # type: ignore[method-assign]
    client.cookies.set(SESSION_COOKIE, old.sign(payload).decode())
    response = client.get("/settings", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=/settings")
    # Keep only the cookie the server just set (the jar would also hold the hand-made one).
    fresh = response.cookies[SESSION_COOKIE]
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, fresh)
    login_page = client.get(response.headers["location"])
    assert "Your session has expired" in login_page.text


def test_password_change_ends_other_sessions(app: Any, session: Session) -> None:
    owner = factories.create_user(session, email="sv@example.com")
    factories.create_workspace(session, owner=owner)
    client = TestClient(app)
    factories.login(client, owner.email)
    owner.session_version += 1
    session.commit()
    response = client.get("/plan", follow_redirects=False)
    assert response.status_code == 303 and "/login" in response.headers["location"]


def _owner_client(app: Any, session: Session) -> tuple[TestClient, User, Workspace]:
    owner = factories.create_user(session, email="own@example.com")
    workspace = factories.create_workspace(session, owner=owner, name="First")
    client = TestClient(app)
    factories.login(client, owner.email)
    return client, owner, workspace


def test_second_workspace_invite_switch_and_token(app: Any, session: Session) -> None:
    client, _owner, first = _owner_client(app, session)
    response = client.post(
        "/settings/workspaces",
        data={
            "name": "Second",
            "timezone": "Asia/Shanghai",
            "currency": "cny",
            "csrf_token": factories.csrf(client),
        },
    )
    assert response.status_code == 200 and "Workspace Second created" in response.text
    second = session.scalar(select(Workspace).where(Workspace.name == "Second"))
    assert second.currency == "CNY" and second.timezone == "Asia/Shanghai"
    # Invite by creating the user with a role.
    response = client.post(
        "/settings/members",
        data={
            "email": "ed@example.com",
            "name": "Ed",
            "role": "editor",
            "password": factories.PASSWORD,
            "csrf_token": factories.csrf(client),
        },
    )
    assert "ed@example.com was added" in response.text
    ed = session.scalar(select(User).where(User.email == "ed@example.com"))
    assert (
        session.scalar(
            select(Membership.role).where(
                Membership.user_id == ed.id, Membership.workspace_id == second.id
            )
        ).value
        == "editor"
    )
    # Switch back to the first workspace.
    client.post(
        "/workspaces/switch",
        data={"workspace_id": str(first.id), "csrf_token": factories.csrf(client)},
    )
    members = client.get("/settings/members").text
    assert "ed@example.com" not in members and "own@example.com" in members
    # Create an API token and call the API with it.
    response = client.post(
        "/settings/tokens",
        data={"name": "script", "scopes": ["read", "admin"], "csrf_token": factories.csrf(client)},
    )
    assert response.status_code == 201
    secret = response.text.split('id="new-token">', 1)[1].split("<", 1)[0]
    api = client.get(
        f"/api/v1/workspaces/{first.id}/members", headers={"Authorization": f"Bearer {secret}"}
    )
    assert api.status_code == 200 and api.json()["items"][0]["email"] == "own@example.com"
    # The token list never shows the secret again.
    assert secret not in client.get("/settings/tokens").text


def test_invalid_workspace_form_explains_and_writes_nothing(app: Any, session: Session) -> None:
    client, _owner, _ws = _owner_client(app, session)
    before = _count(session, Workspace)
    response = client.post(
        "/settings/workspaces",
        data={
            "name": "Bad",
            "timezone": "Mars/Olympus",
            "currency": "USD",
            "csrf_token": factories.csrf(client),
        },
    )
    assert response.status_code == 422
    assert "unknown timezone" in response.text
    assert _count(session, Workspace) == before


def test_a_viewer_cannot_make_themselves_owner_of_a_new_workspace(
    app: Any, session: Session
) -> None:
    """F3: any member could create a workspace in the web UI and become its owner (and from
    there reach owner-only settings); the web now follows the API's rule."""
    _client, _owner, workspace = _owner_client(app, session)
    viewer = factories.create_user(session, email="v3@example.com")
    factories.add_member(session, workspace=workspace, user=viewer, role=Role.viewer)
    client = TestClient(app)
    factories.login(client, viewer.email)
    before = _count(session, Workspace)
    assert client.get("/settings/workspaces/new").status_code == 403
    refused = client.post(
        "/settings/workspaces",
        data={"name": "Mine", "timezone": "UTC", "currency": "USD",
              "csrf_token": factories.csrf(client)},
    )  # fmt: skip
    assert refused.status_code == 403
    assert _count(session, Workspace) == before
    assert "/settings/workspaces/new" not in client.get("/settings/members").text


def test_token_form_refuses_scopes_beyond_the_role(app: Any, session: Session) -> None:
    _client, _owner, workspace = _owner_client(app, session)
    viewer = factories.create_user(session, email="v@example.com")
    factories.add_member(session, workspace=workspace, user=viewer, role=Role.viewer)
    client = TestClient(_client.app)
    factories.login(client, viewer.email)
    response = client.post(
        "/settings/tokens",
        data={"name": "x", "scopes": ["admin"], "csrf_token": factories.csrf(client)},
    )
    assert response.status_code == 403
    assert _count(session, ApiToken) == 0


def test_unknown_page_and_unknown_workspace(app: Any, session: Session) -> None:
    client, _owner, _ws = _owner_client(app, session)
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "Page not found" in response.text
    response = client.post(
        "/workspaces/switch", data={"workspace_id": "99999", "csrf_token": factories.csrf(client)}
    )
    assert response.status_code == 404


def test_language_switch_is_remembered_for_the_user(app: Any, session: Session) -> None:
    client, owner, _ws = _owner_client(app, session)
    client.post("/language", data={"language": "zh_Hans", "csrf_token": factories.csrf(client)})
    session.expire_all()
    assert session.get(User, owner.id).language == "zh_Hans"
    other = TestClient(app)
    factories.login(other, owner.email)
    assert '<html lang="zh-Hans">' in other.get("/plan").text


def test_session_cookie_is_signed_httponly_and_samesite(app: Any, session: Session) -> None:
    owner = factories.create_user(session, email="cookie@example.com")
    factories.create_workspace(session, owner=owner)
    client = TestClient(app)
    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "email": owner.email,
            "password": factories.PASSWORD,
            "csrf_token": factories.csrf_from(page.text),
        },
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie and "samesite=lax" in cookie
    # A tampered cookie is not a session.
    client.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE][:-4] + "AAAA")
    assert client.get("/plan", follow_redirects=False).status_code == 303


def test_unexpected_errors_get_a_500_page_and_json(app: Any, session: Session) -> None:
    def explode() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/explode", explode)
    app.add_api_route("/api/v1/explode", explode)
    client = TestClient(app, raise_server_exceptions=False)
    page = client.get("/explode")
    assert page.status_code == 500 and "Server error" in page.text and "boom" not in page.text
    api = client.get("/api/v1/explode")
    assert api.status_code == 500 and api.json()["error"]["code"] == "internal_error"


def test_audit_log_names_who_did_what(app: Any, session: Session) -> None:
    client, owner, _ws = _owner_client(app, session)
    client.post(
        "/settings",
        data={
            "name": "Renamed",
            "timezone": "UTC",
            "currency": "EUR",
            "csrf_token": factories.csrf(client),
        },
    )
    page = client.get("/settings/audit").text
    row = page[page.index('data-action="workspace.updated"') :].split("</tr>", 1)[0]
    assert "Changed the workspace settings" in row and owner.email in row
    assert "Currency: <strong>EUR</strong>" in row and "Name: <strong>Renamed</strong>" in row
    assert "Workspace " in row  # the target, in words
    # In Chinese: the sentence, the labels and a Chinese name as written (no \u escapes).
    renamed = {"name": "星河工作室", "timezone": "Asia/Shanghai", "currency": "CNY"}
    client.post("/settings", data={**renamed, "csrf_token": factories.csrf(client)})
    client.post("/language", data={"language": "zh_Hans", "next": "/settings/audit",
                                   "csrf_token": factories.csrf(client)})  # fmt: skip
    chinese = client.get("/settings/audit").text
    newest = chinese[chinese.index('data-action="workspace.updated"') :].split("</tr>", 1)[0]
    assert "更改了工作区设置" in newest and "名称: <strong>星河工作室</strong>" in newest
    assert "\\u" not in chinese and "workspace.updated</" not in chinese
