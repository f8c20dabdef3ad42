"""Settings → Platforms and /platform-apps: app credentials per workspace, secret write-only."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.accounts import credentials
from shortops.models import PlatformApp, Role
from tests import factories
from tests.accounts import oauth_fake
from tests.accounts.conftest import Team

SECRET = "very-secret-client-value-123"


def _app(session: Session) -> PlatformApp | None:
    session.expire_all()
    return session.scalar(select(PlatformApp))


def test_settings_page_saves_credentials_and_never_shows_the_secret(
    team: Team, session: Session, fake_oauth: oauth_fake.FakeOAuthServer
) -> None:
    page = team.client.get("/settings/platforms")
    assert page.status_code == 200
    assert "FakeTube" in page.text and "Not set up" in page.text
    assert "http://127.0.0.1:8000/accounts/callback/oauthfake" in page.text
    assert "Sandbox" in page.text and "Manual" in page.text  # listed as needing nothing

    csrf = factories.csrf(team.client, "/settings/platforms")
    response = team.client.post(
        "/settings/platforms/oauthfake",
        data={
            "csrf_token": csrf,
            "client_id": "client-123",
            "client_secret": SECRET,
            "endpoint_auth": fake_oauth.url + "/",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    app = _app(session)
    assert app is not None and app.client_id == "client-123"
    assert SECRET.encode() not in app.client_secret
    assert credentials.unseal(app.client_secret, credentials.APP_SECRET_PURPOSE) == SECRET
    assert app.endpoints == {"auth": fake_oauth.url}

    page = team.client.get("/settings/platforms").text
    assert SECRET not in page and "set ✓" in page and "Set up" in page

    # Changing the id keeps the secret when the field is left empty.
    team.client.post(
        "/settings/platforms/oauthfake",
        data={"csrf_token": csrf, "client_id": "client-456", "client_secret": ""},
    )
    app = _app(session)
    assert app is not None and app.client_id == "client-456" and app.endpoints == {}
    assert credentials.unseal(app.client_secret, credentials.APP_SECRET_PURPOSE) == SECRET

    team.client.post("/settings/platforms/oauthfake/delete", data={"csrf_token": csrf})
    assert _app(session) is None


def test_settings_page_refuses_bad_input(
    team: Team, session: Session, fake_oauth: oauth_fake.FakeOAuthServer
) -> None:
    csrf = factories.csrf(team.client, "/settings/platforms")
    missing_secret = team.client.post(
        "/settings/platforms/oauthfake", data={"csrf_token": csrf, "client_id": "x"}
    )
    assert missing_secret.status_code == 422 and "client secret" in missing_secret.text
    form = {"csrf_token": csrf, "client_id": "x", "client_secret": SECRET, "endpoint_api": "ftp://"}
    bad_url = team.client.post("/settings/platforms/oauthfake", data=form)
    assert bad_url.status_code == 422 and SECRET not in bad_url.text
    form = {"csrf_token": csrf, "client_id": "x", "client_secret": SECRET}
    sandbox = team.client.post("/settings/platforms/sandbox", data=form)
    assert sandbox.status_code == 422
    assert _app(session) is None


def test_editors_cannot_see_platform_settings(
    app: Any, session: Session, team: Team, fake_oauth: oauth_fake.FakeOAuthServer
) -> None:
    from fastapi.testclient import TestClient

    editor = factories.create_user(session, email="ed@studio.example")
    factories.add_member(session, workspace=team.workspace, user=editor, role=Role.editor)
    with TestClient(app) as client:
        factories.login(client, editor.email)
        assert client.get("/settings/platforms").status_code == 403
        assert "/settings/platforms" not in client.get("/settings").text


@pytest.fixture
def admin_api(team: Team, session: Session) -> tuple[Any, dict[str, str], str]:
    _token, secret = factories.create_token(session, user=team.owner, workspace=team.workspace)
    base = f"/api/v1/workspaces/{team.workspace.id}/platform-apps"
    return team.client, {"Authorization": f"Bearer {secret}"}, base


def test_api_secret_is_write_only(
    team: Team, session: Session, fake_oauth: oauth_fake.FakeOAuthServer, admin_api: Any
) -> None:
    client, headers, base = admin_api
    listing = client.get(base, headers=headers)
    assert listing.status_code == 200
    assert "oauthfake" in {item["platform"] for item in listing.json()}
    assert {"sandbox", "manual"}.isdisjoint({item["platform"] for item in listing.json()})

    data = {
        "client_id": "cid",
        "client_secret": SECRET,
        "endpoints": {"token": "https://t.example/"},
    }
    put = client.put(f"{base}/oauthfake", headers=headers, json=data)
    assert put.status_code == 200, put.text
    body = put.json()
    assert body["configured"] and body["client_secret_set"] and body["client_id"] == "cid"
    assert body["endpoints"] == {"token": "https://t.example"}
    assert body["redirect_uri"].endswith("/accounts/callback/oauthfake")
    for response in (
        put,
        client.get(f"{base}/oauthfake", headers=headers),
        client.get(base, headers=headers),
    ):
        assert SECRET not in response.text  # fmt: skip

    assert (
        client.put(f"{base}/oauthfake", headers=headers, json={"client_id": "c2"}).status_code
        == 200
    )
    app = _app(session)
    assert app is not None
    assert credentials.unseal(app.client_secret, credentials.APP_SECRET_PURPOSE) == SECRET

    bad = client.put(
        f"{base}/oauthfake",
        headers=headers,
        json={"client_id": "c", "endpoints": {"x": "https://a"}},
    )
    assert bad.status_code == 422  # fmt: skip
    assert client.delete(f"{base}/oauthfake", headers=headers).status_code == 204
    assert client.delete(f"{base}/oauthfake", headers=headers).status_code == 404
    assert client.get(f"{base}/nowhere", headers=headers).status_code == 404


def test_api_needs_the_admin_scope(
    team: Team, session: Session, fake_oauth: oauth_fake.FakeOAuthServer
) -> None:
    from shortops.workspaces.permissions import Scope

    _t, secret = factories.create_token(
        session, user=team.owner, workspace=team.workspace, scopes=[Scope.read, Scope.write]
    )
    response = team.client.get(
        f"/api/v1/workspaces/{team.workspace.id}/platform-apps",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "missing_scope"
