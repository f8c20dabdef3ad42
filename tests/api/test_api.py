"""The REST API: errors, pagination, workspaces, members and tokens with bearer tokens."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.models import Membership, Role, User
from shortops.workspaces.permissions import Scope
from tests import factories


def _owner_token(
    session: Session, scopes: list[Scope] | None = None
) -> tuple[Any, Any, dict[str, str]]:
    owner = factories.create_user(session, email="api-owner@example.com")
    workspace = factories.create_workspace(session, owner=owner, name="API WS")
    _t, secret = factories.create_token(session, user=owner, workspace=workspace, scopes=scopes)
    return owner, workspace, {"Authorization": f"Bearer {secret}"}


def test_health_reports_backends(client: TestClient) -> None:
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["database"] in {"sqlite", "postgresql"}
    assert body["database_current"] is True
    assert body["queue"] == "sqlite"


def test_errors_are_json_with_code_and_message(client: TestClient, session: Session) -> None:
    _owner, ws, headers = _owner_token(session)
    cases = [
        (client.get("/api/v1/workspaces"), 401, "not_authenticated"),
        (
            client.get("/api/v1/workspaces", headers={"Authorization": "Bearer sho_bogus"}),
            401,
            "not_authenticated",
        ),
        (client.get("/api/v1/workspaces/999999", headers=headers), 404, "not_found"),
        (client.get("/api/v1/nope", headers=headers), 404, "not_found"),
        (client.put(f"/api/v1/workspaces/{ws.id}", headers=headers), 405, "method_not_allowed"),
        (
            client.post(
                f"/api/v1/workspaces/{ws.id}/members",
                headers={**headers, "content-type": "application/json"},
                content=b"{not json",
            ),
            400,
            "malformed_json",
        ),
        (
            client.post(
                f"/api/v1/workspaces/{ws.id}/members",
                headers=headers,
                json={"email": "x@example.com", "role": "emperor"},
            ),
            422,
            "invalid_request",
        ),
        (
            client.get(f"/api/v1/workspaces/{ws.id}/members?per_page=1000", headers=headers),
            422,
            "invalid_request",
        ),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert error["code"] == code
        assert error["message"]


def test_members_lifecycle_over_the_api(client: TestClient, session: Session) -> None:
    _owner, ws, headers = _owner_token(session)
    base = f"/api/v1/workspaces/{ws.id}/members"
    created = client.post(
        base,
        headers=headers,
        json={
            "email": "New@Example.com",
            "name": "新成员",
            "role": "analyst",
            "password": factories.PASSWORD,
        },
    )
    assert created.status_code == 201
    assert created.json()["email"] == "new@example.com"
    user_id = created.json()["user_id"]
    again = client.post(base, headers=headers, json={"email": "new@example.com", "role": "viewer"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "conflict"
    weak = client.post(base, headers=headers, json={"email": "weak@example.com", "password": "123"})
    assert weak.status_code == 422 and weak.json()["error"]["code"] == "weak_password"
    assert session.scalar(select(User).where(User.email == "weak@example.com")) is None
    changed = client.patch(f"{base}/{user_id}", headers=headers, json={"role": "editor"})
    assert changed.json()["role"] == "editor"
    page = client.get(f"{base}?per_page=1&page=2", headers=headers).json()
    assert page["total"] == 2 and page["per_page"] == 1 and len(page["items"]) == 1
    assert client.delete(f"{base}/{user_id}", headers=headers).status_code == 204
    assert (
        session.scalar(
            select(func.count()).select_from(Membership).where(Membership.workspace_id == ws.id)
        )
        == 1
    )


def test_token_without_scope_is_refused_and_nothing_changes(
    client: TestClient, session: Session
) -> None:
    _owner, ws, headers = _owner_token(session, scopes=[Scope.read])
    response = client.patch(f"/api/v1/workspaces/{ws.id}", headers=headers, json={"name": "Hacked"})
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "missing_scope",
        "message": "This API token lacks the scope “admin”. Create a token with that scope.",
    }
    assert client.get(f"/api/v1/workspaces/{ws.id}", headers=headers).json()["name"] == "API WS"


def test_token_created_over_the_api_works_and_is_shown_once(
    client: TestClient, session: Session
) -> None:
    _owner, ws, headers = _owner_token(session)
    created = client.post(
        f"/api/v1/workspaces/{ws.id}/tokens",
        headers=headers,
        json={"name": "ci", "scopes": ["read"], "expires_in_days": 30},
    )
    assert created.status_code == 201
    secret = created.json()["token"]
    listed = client.get(f"/api/v1/workspaces/{ws.id}/tokens", headers=headers).json()
    assert all("token" not in item for item in listed["items"])
    mine = {"Authorization": f"Bearer {secret}"}
    assert client.get(f"/api/v1/workspaces/{ws.id}/accounts", headers=mine).status_code == 200
    token_id = created.json()["id"]
    assert (
        client.delete(f"/api/v1/workspaces/{ws.id}/tokens/{token_id}", headers=headers).status_code
        == 204
    )
    assert client.get(f"/api/v1/workspaces/{ws.id}", headers=mine).status_code == 401


def test_workspace_update_and_audit(client: TestClient, session: Session) -> None:
    _owner, ws, headers = _owner_token(session)
    bad = client.patch(
        f"/api/v1/workspaces/{ws.id}", headers=headers, json={"timezone": "Nowhere/City"}
    )
    assert bad.status_code == 422 and "unknown timezone" in bad.json()["error"]["message"]
    ok = client.patch(
        f"/api/v1/workspaces/{ws.id}",
        headers=headers,
        json={"timezone": "Asia/Shanghai", "currency": "CNY"},
    )
    assert ok.json()["timezone"] == "Asia/Shanghai"
    audit = client.get(f"/api/v1/workspaces/{ws.id}/audit", headers=headers).json()
    update = next(e for e in audit["items"] if e["action"] == "workspace.updated")
    assert update["data"] == {"timezone": "Asia/Shanghai", "currency": "CNY"}
    assert update["actor_token_id"] is not None


def test_accounts_are_listed_without_credentials(client: TestClient, session: Session) -> None:
    _owner, ws, headers = _owner_token(session)
    account = factories.create_account(session, workspace=ws, handle="抖音号")
    account.credentials = b"encrypted"
    session.commit()
    body = client.get(f"/api/v1/workspaces/{ws.id}/accounts", headers=headers).json()
    assert body["total"] == 1
    assert body["items"][0]["handle"] == "抖音号"
    assert "credentials" not in body["items"][0]


def test_openapi_and_offline_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "/api/v1/workspaces/{workspace_id}/members" in spec["paths"]
    docs = client.get("/docs").text
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs and "cdn" not in docs
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/vendor/htmx.min.js").status_code == 200
    plotly = client.get("/static-vendor/plotly.min.js")
    assert plotly.status_code == 200 and len(plotly.content) > 1_000_000


def test_roles_are_read_from_membership_not_token(client: TestClient, session: Session) -> None:
    """Demoting a member shrinks what their existing admin token can do at once."""
    _owner, ws, _headers = _owner_token(session)
    admin = factories.create_user(session, email="adm@example.com")
    factories.add_member(session, workspace=ws, user=admin, role=Role.admin)
    _t, secret = factories.create_token(session, user=admin, workspace=ws)
    headers = {"Authorization": f"Bearer {secret}"}
    assert (
        client.patch(
            f"/api/v1/workspaces/{ws.id}", headers=headers, json={"name": "ok"}
        ).status_code
        == 200
    )
    membership = session.scalar(select(Membership).where(Membership.user_id == admin.id))
    membership.role = Role.viewer
    session.commit()
    assert (
        client.patch(
            f"/api/v1/workspaces/{ws.id}", headers=headers, json={"name": "no"}
        ).status_code
        == 403
    )


def test_openapi_documents_the_bearer_scheme_and_the_error_answers(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "An API token: Settings → API tokens, or `shortops tokens create`.",
    }
    members = spec["paths"]["/api/v1/workspaces/{workspace_id}/members"]["post"]
    assert {"bearer": []} in members["security"]  # Swagger's Authorize applies to it
    for status in ("400", "401", "403", "404", "422", "429"):
        answer = members["responses"][status]
        assert answer["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/ErrorBody"
        }, status
    error = spec["components"]["schemas"]["ErrorDetail"]
    assert {"code", "message", "details"} <= set(error["properties"])
    assert "HTTPValidationError" not in spec["components"]["schemas"]  # ours replaces FastAPI's
    health = spec["paths"]["/api/v1/health"]["get"]
    assert "401" not in health["responses"] and "security" not in health


def test_a_signed_in_browser_calls_the_api_from_the_docs_page(
    client: TestClient, session: Session
) -> None:
    owner = factories.create_user(session, email="docs-owner@example.com")
    workspace = factories.create_workspace(session, owner=owner, name="Docs WS")
    factories.add_member(
        session,
        workspace=workspace,
        user=factories.create_user(session, email="docs-editor@example.com"),
        role=Role.editor,
    )
    assert 'data-csrf=""' in client.get("/docs").text  # not signed in: no token on the page
    assert client.get(f"/api/v1/workspaces/{workspace.id}").status_code == 401

    factories.login(client, "docs-owner@example.com")
    docs = client.get("/docs").text
    token = factories.csrf_from(client.get("/settings").text)
    assert f'data-csrf="{token}"' in docs and "/static/api-docs.js" in docs
    assert client.get("/static/api-docs.js").status_code == 200
    # Reads need only the session cookie.
    read = client.get(f"/api/v1/workspaces/{workspace.id}/members")
    assert read.status_code == 200 and read.json()["total"] == 2
    # A change without the page's CSRF token is refused, even with the cookie.
    url = f"/api/v1/workspaces/{workspace.id}/members"
    body = {"email": "docs-new@example.com", "role": "viewer"}
    factories.create_user(session, email="docs-new@example.com")
    refused = client.post(url, json=body)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "csrf_failed"
    added = client.post(url, json=body, headers={"X-CSRF-Token": token})
    assert added.status_code == 201, added.text
    # The role still decides, and a workspace the user is not in does not exist for them.
    other = factories.create_workspace(
        session, owner=factories.create_user(session, email="x-owner@example.com"), name="X"
    )
    assert client.get(f"/api/v1/workspaces/{other.id}").status_code == 404
    # A token in the header wins over the cookie: a bad one is refused, not ignored.
    bogus = client.get(url, headers={"Authorization": "Bearer sho_bogus"})
    assert bogus.status_code == 401
