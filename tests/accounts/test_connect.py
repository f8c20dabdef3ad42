"""Connecting accounts: the OAuth round trip against a fake platform, the sandbox, manual
accounts, reconnecting, disconnecting, and every way a sign-in can go wrong."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from shortops.accounts import credentials
from shortops.kit.clock import utcnow
from shortops.models import Account, AccountStatus, AuditEvent, OAuthAttempt, Role
from shortops.providers.sandbox import SandboxStore
from tests import factories
from tests.accounts import oauth_fake
from tests.accounts.conftest import Team


def _start(team: Team, path: str = "/accounts/connect/oauthfake", **form: str) -> str:
    """Press Connect: the page answers with a redirect to the platform."""
    response = team.client.post(
        path, data={"csrf_token": factories.csrf(team.client, "/accounts"), **form},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text
    return response.headers["location"]


def _callback(team: Team, params: dict[str, str]) -> Any:
    return team.client.get("/accounts/callback/oauthfake", params=params, follow_redirects=False)


def _accounts(session: Session) -> list[Account]:
    session.expire_all()
    return list(session.scalars(select(Account).order_by(Account.id)))


def _flash(team: Team) -> str:
    return team.client.get("/accounts").text


def test_connect_round_trip_stores_the_account_and_its_tokens(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    location = _start(team)
    assert location.startswith(configured.url + "/oauth/authorize")
    query = dict(httpx.URL(location).params)
    assert query["redirect_uri"] == "http://127.0.0.1:8000/accounts/callback/oauthfake"
    assert query["code_challenge_method"] == "S256"
    attempt = session.scalar(select(OAuthAttempt))
    assert attempt is not None and attempt.state == query["state"]
    assert attempt.code_verifier is not None and b"" not in (attempt.code_verifier,)

    response = _callback(team, oauth_fake.approve(configured, location))
    assert response.status_code == 303 and response.headers["location"] == "/accounts"
    page = _flash(team)
    assert "alice on FakeTube is connected." in page

    [account] = _accounts(session)
    assert (account.platform, account.remote_id) == ("oauthfake", "u-alice")
    assert account.handle == "alice"
    assert account.status == AccountStatus.connected
    assert account.token_expires_at is not None and account.last_success_at is not None
    tokens = credentials.load_tokens(account)
    assert tokens.access_token in configured.access_tokens
    assert tokens.access_token.encode() not in (account.credentials or b"")  # sealed
    assert session.scalar(select(func.count()).select_from(OAuthAttempt)) == 0
    actions = set(session.scalars(select(AuditEvent.action)))
    assert "account.connected" in actions


def test_a_used_state_is_refused(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    params = oauth_fake.approve(configured, _start(team))
    assert _callback(team, params).status_code == 303
    again = _callback(team, params)
    assert again.status_code == 303
    assert "unknown or was already used" in _flash(team)
    assert len(_accounts(session)) == 1


def test_an_unknown_state_is_refused(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    params = oauth_fake.approve(configured, _start(team))
    response = _callback(team, {**params, "state": "forged-state"})
    assert response.status_code == 303
    assert "unknown or was already used" in _flash(team)
    assert _accounts(session) == []
    # The real state still works: a forged one did not burn it.
    assert _callback(team, params).status_code == 303
    assert len(_accounts(session)) == 1


def test_an_expired_state_is_refused_and_used_up(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    params = oauth_fake.approve(configured, _start(team))
    session.execute(update(OAuthAttempt).values(created_at=utcnow() - timedelta(minutes=16)))
    session.commit()
    _callback(team, params)
    assert "took more than 15 minutes and expired" in _flash(team)
    assert _accounts(session) == []
    assert session.scalar(select(func.count()).select_from(OAuthAttempt)) == 0


def test_another_user_cannot_finish_my_sign_in(
    app: Any, team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    params = oauth_fake.approve(configured, _start(team))
    other = factories.create_user(session, email="editor@studio.example")
    factories.add_member(session, workspace=team.workspace, user=other, role=Role.editor)
    with TestClient(app) as client:
        factories.login(client, other.email)
        client.get("/accounts/callback/oauthfake", params=params, follow_redirects=False)
        assert "unknown or was already used" in client.get("/accounts").text
    assert _accounts(session) == []


def test_denying_access_on_the_platform_is_explained(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    configured.deny_next = True
    params = oauth_fake.approve(configured, _start(team))
    assert params["error"] == "access_denied"
    _callback(team, params)
    assert "You did not allow shortops to use the FakeTube account" in _flash(team)
    assert _accounts(session) == []
    assert session.scalar(select(func.count()).select_from(OAuthAttempt)) == 0


def test_platform_errors_are_shown_in_the_users_language(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    params = oauth_fake.approve(configured, _start(team))
    configured.fail_next("503", endpoint="/oauth/token")
    csrf = factories.csrf(team.client)
    team.client.post("/language", data={"language": "zh_Hans", "csrf_token": csrf})
    _callback(team, params)
    page = _flash(team)
    assert "FakeTube" in page and "HTTP 503" in page
    assert "目前" in page or "暂时" in page or "现在" in page, page
    assert _accounts(session) == []


def test_reconnect_keeps_the_account_and_refuses_another_user(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    _callback(team, oauth_fake.approve(configured, _start(team)))
    [account] = _accounts(session)
    account.status = AccountStatus.needs_reauth
    session.commit()
    old_tokens = credentials.load_tokens(account)

    # Bob signs in where Alice's account is being reconnected: refused, nothing changes.
    configured.next_user = "u-bob"
    location = _start(team, account_id=str(account.id))
    _callback(team, oauth_fake.approve(configured, location))
    page = _flash(team)
    assert "You signed in to FakeTube as bob, but this account is alice" in page
    [same] = _accounts(session)
    assert same.status == AccountStatus.needs_reauth
    assert credentials.load_tokens(same) == old_tokens
    assert configured.revoked, "the stray sign-in was revoked"

    configured.next_user = "u-alice"
    _callback(team, oauth_fake.approve(configured, _start(team, account_id=str(account.id))))
    assert "alice on FakeTube is reconnected." in _flash(team)
    [again] = _accounts(session)
    assert again.id == account.id and again.status == AccountStatus.connected
    assert credentials.load_tokens(again) != old_tokens


def test_connecting_without_app_credentials_points_to_settings(
    team: Team, session: Session, fake_oauth: oauth_fake.FakeOAuthServer
) -> None:
    page = team.client.get("/accounts").text
    assert 'href="/settings/platforms#platform-oauthfake"' in page
    location = _start(team)
    assert location == "/accounts"
    assert "Settings → Platforms" in _flash(team)
    assert session.scalar(select(func.count()).select_from(OAuthAttempt)) == 0


def test_sandbox_account_is_connected_at_once(team: Team, session: Session) -> None:
    page = team.client.get("/accounts").text
    assert "No accounts yet." in page and "Try the sandbox" in page
    response = team.client.post(
        "/accounts/sandbox", data={"csrf_token": factories.csrf(team.client, "/accounts")},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303
    page = team.client.get("/accounts").text
    assert "sandbox_creator_1" in page and "badge-sandbox" in page
    [account] = _accounts(session)
    assert account.platform == "sandbox" and account.status == AccountStatus.connected
    assert account.token_expires_at is None
    profile_user = SandboxStore.default().state()["users"][account.remote_id]
    assert profile_user["handle"] == account.handle


def test_manual_account_needs_a_platform_and_a_handle(team: Team, session: Session) -> None:
    csrf = factories.csrf(team.client, "/accounts")
    bad = team.client.post("/accounts/manual", data={"csrf_token": csrf, "platform_label": " "})
    assert bad.status_code == 422 and _accounts(session) == []
    ok = team.client.post(
        "/accounts/manual",
        data={"csrf_token": csrf, "platform_label": "小红书", "handle": "studio_xhs"},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    [account] = _accounts(session)
    assert (account.platform, account.platform_label, account.handle) == (
        "manual",
        "小红书",
        "studio_xhs",
    )
    page = team.client.get("/accounts").text
    assert "Xiaohongshu 小红书" in page and "badge-manual" in page


def test_disconnect_revokes_and_wipes_the_sign_in(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    _callback(team, oauth_fake.approve(configured, _start(team)))
    [account] = _accounts(session)
    token = credentials.load_tokens(account).access_token
    response = team.client.post(
        f"/accounts/{account.id}/disconnect",
        data={"csrf_token": factories.csrf(team.client, "/accounts")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    [gone] = _accounts(session)
    assert gone.status == AccountStatus.disconnected and gone.credentials is None
    assert gone.token_expires_at is None
    assert token in configured.revoked


def test_disconnect_works_when_the_platform_is_down(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    _callback(team, oauth_fake.approve(configured, _start(team)))
    [account] = _accounts(session)
    configured.fail_next("500", endpoint="/oauth/revoke")
    team.client.post(
        f"/accounts/{account.id}/disconnect",
        data={"csrf_token": factories.csrf(team.client, "/accounts")},
    )
    [gone] = _accounts(session)
    assert gone.status == AccountStatus.disconnected and gone.credentials is None


# --- API ------------------------------------------------------------------------------------------


@pytest.fixture
def api(team: Team, session: Session) -> tuple[Any, dict[str, str], str]:
    _token, secret = factories.create_token(session, user=team.owner, workspace=team.workspace)
    base = f"/api/v1/workspaces/{team.workspace.id}"
    return team.client, {"Authorization": f"Bearer {secret}"}, base


def test_api_connect_then_browser_callback(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer, api: Any
) -> None:
    client, headers, base = api
    response = client.post(f"{base}/accounts/connect/oauthfake", headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["authorization_url"].startswith(configured.url)
    assert body["state"] in body["authorization_url"]
    # The token's user opens the URL in a browser signed in to shortops: the same user here.
    _callback(team, oauth_fake.approve(configured, body["authorization_url"]))
    listing = client.get(f"{base}/accounts", headers=headers).json()
    [item] = listing["items"]
    assert item["handle"] == "alice" and item["platform_name"] == "FakeTube"
    assert item["last_success_at"] and item["token_expires_at"]
    assert "credentials" not in item and item["is_sandbox"] is False
    one = client.get(f"{base}/accounts/{item['id']}", headers=headers).json()
    assert one == item


def test_api_sandbox_manual_and_disconnect(team: Team, session: Session, api: Any) -> None:
    client, headers, base = api
    sandbox = client.post(f"{base}/accounts/sandbox", headers=headers, json={"handle": "demo"})
    assert sandbox.status_code == 201 and sandbox.json()["is_sandbox"] is True
    assert sandbox.json()["handle"] == "demo"
    manual = client.post(
        f"{base}/accounts/manual",
        headers=headers,
        json={"platform_label": "WeChat Channels", "handle": "studio"},
    )
    assert manual.status_code == 201
    assert manual.json()["platform_name"] == "WeChat Channels 视频号"
    bad = client.post(f"{base}/accounts/manual", headers=headers, json={"handle": "x"})
    assert bad.status_code == 422
    gone = client.delete(f"{base}/accounts/{sandbox.json()['id']}", headers=headers)
    assert gone.status_code == 204
    status = client.get(f"{base}/accounts/{sandbox.json()['id']}", headers=headers).json()
    assert status["status"] == "disconnected"


def test_api_connect_errors(
    team: Team, session: Session, fake_oauth: oauth_fake.FakeOAuthServer, api: Any
) -> None:
    client, headers, base = api
    missing = client.post(f"{base}/accounts/connect/oauthfake", headers=headers)
    assert missing.status_code == 422
    assert missing.json()["error"]["code"] == "platform_not_configured"
    sandbox = client.post(f"{base}/accounts/connect/sandbox", headers=headers)
    assert sandbox.json()["error"]["code"] == "not_oauth_platform"
    unknown = client.post(f"{base}/accounts/connect/nowhere", headers=headers)
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_platform"


def test_redirect_uri_follows_the_public_url(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    location = _start(team)
    redirect = dict(httpx.URL(location).params)["redirect_uri"]
    assert urlsplit(redirect).path == "/accounts/callback/oauthfake"
