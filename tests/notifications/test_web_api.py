"""The bell, the notifications page, Settings → Notifications and the REST endpoints."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shortops.kit.i18n import gettext
from shortops.models import NotificationKind, NotificationSettings, Role
from shortops.notifications import service
from tests import factories
from tests.notifications.conftest import Team
from tests.notifications.receivers import WebhookReceiver
from tests.notifications.test_delivery import _verify


def _notify(session: Session, team: Team, *, link: str | None = "/accounts") -> int:
    note = service.notify(
        session,
        workspace_id=team.workspace.id,
        kind=NotificationKind.needs_reauth,
        message="Needs reconnecting",
        link=link,
    )
    session.commit()
    return note.id


def test_bell_counts_unread_and_the_page_marks_read(team: Team, session: Session) -> None:
    client = team.client
    assert 'hx-get="/notifications/bell"' in client.get("/accounts").text
    empty = client.get("/notifications/bell").text
    assert 'id="bell"' in empty and 'id="bell-count"' not in empty
    assert "No notifications." in client.get("/notifications").text

    first = _notify(session, team)
    _notify(session, team, link=None)
    bell = client.get("/notifications/bell").text
    assert '<span class="bell-count" id="bell-count">2</span>' in bell
    assert 'hx-trigger="every 30s"' in bell

    page = client.get("/notifications").text
    assert page.count('class="note unread"') == 2
    csrf = factories.csrf(client, "/notifications")
    opened = client.post(
        f"/notifications/{first}/read",
        data={"csrf_token": csrf, "next": "/accounts"},
        follow_redirects=False,
    )
    assert opened.status_code == 303 and opened.headers["location"] == "/accounts"
    assert ">1</span>" in client.get("/notifications/bell").text
    # An off-site `next` is ignored.
    offsite = client.post(
        f"/notifications/{first}/read",
        data={"csrf_token": csrf, "next": "https://evil.example"},
        follow_redirects=False,
    )
    assert offsite.headers["location"] == "/notifications"
    client.post("/notifications/read-all", data={"csrf_token": csrf})
    assert 'id="bell-count"' not in client.get("/notifications/bell").text


def test_notifications_page_in_chinese(team: Team, session: Session) -> None:
    _notify(session, team)
    csrf = factories.csrf(team.client)
    team.client.post("/language", data={"language": "zh_Hans", "csrf_token": csrf})
    page = team.client.get("/notifications").text
    translated = gettext("zh_Hans", "Needs reconnecting")
    assert translated != "Needs reconnecting" and translated in page
    assert "全部标为已读" in page


def test_settings_show_the_webhook_secret_once(
    team: Team, session: Session, receiver: WebhookReceiver
) -> None:
    client = team.client
    page = client.get("/settings/notifications")
    assert page.status_code == 200 and "Send test" in page.text
    csrf = factories.csrf(client, "/settings/notifications")
    saved = client.post(
        "/settings/notifications",
        data={
            "csrf_token": csrf,
            "webhook_url": receiver.url,
            "email_to": "ops@studio.example; lead@studio.example",
            "smtp_host": "127.0.0.1",
            "smtp_port": "2525",
            "smtp_password": "smtp-pass-123",
            "smtp_starttls": "1",
            "kinds": ["needs_reauth", "publish_failed"],
        },
    )
    assert saved.status_code == 200
    assert 'id="new-webhook-secret"' in saved.text
    secret = saved.text.split('id="new-webhook-secret">', 1)[1].split("<", 1)[0]
    assert secret.startswith("whsec_")
    again = client.get("/settings/notifications").text
    assert secret not in again and "smtp-pass-123" not in again
    assert "set ✓" in again and "ops@studio.example, lead@studio.example" in again
    row = service.get_notification_settings(session, workspace_id=team.workspace.id)
    assert isinstance(row, NotificationSettings)
    assert row.kinds == ["needs_reauth", "publish_failed"] and row.smtp_port == 2525
    assert service.unseal(row.webhook_secret or b"", service.WEBHOOK_SECRET_PURPOSE) == secret

    # Saving again keeps the secret (nothing shown); the test button reports each channel.
    kept = client.post(
        "/settings/notifications",
        data={"csrf_token": csrf, "webhook_url": receiver.url, "kinds": ["needs_reauth"]},
        follow_redirects=False,
    )
    assert kept.status_code == 303
    result = client.post("/settings/notifications/test", data={"csrf_token": csrf})
    assert result.status_code == 200 and 'id="test-results"' in result.text
    assert "Sent." in result.text
    [hit] = receiver.hits
    assert hit.json()["kind"] == "test"


def test_settings_refuse_bad_input(team: Team, session: Session) -> None:
    csrf = factories.csrf(team.client, "/settings/notifications")
    bad = team.client.post(
        "/settings/notifications",
        data={"csrf_token": csrf, "webhook_url": "ftp://x", "email_to": "not-an-address"},
    )
    assert bad.status_code == 422
    assert service.get_notification_settings(session, workspace_id=team.workspace.id) is None
    nothing = team.client.post("/settings/notifications/test", data={"csrf_token": csrf})
    assert nothing.status_code == 422 and "webhook URL or e-mail" in nothing.text


def test_viewers_see_the_bell_but_not_the_settings(app: Any, team: Team, session: Session) -> None:
    viewer = factories.create_user(session)
    factories.add_member(session, workspace=team.workspace, user=viewer, role=Role.viewer)
    _notify(session, team)
    with TestClient(app) as client:
        factories.login(client, viewer.email)
        assert ">1</span>" in client.get("/notifications/bell").text
        assert client.get("/settings/notifications").status_code == 403


@pytest.fixture
def api(team: Team, session: Session) -> tuple[Any, dict[str, str], str]:
    _token, secret = factories.create_token(session, user=team.owner, workspace=team.workspace)
    base = f"/api/v1/workspaces/{team.workspace.id}"
    return team.client, {"Authorization": f"Bearer {secret}"}, base


def test_api_lists_and_marks(team: Team, session: Session, api: Any) -> None:
    client, headers, base = api
    first = _notify(session, team)
    second = _notify(session, team)
    listing = client.get(f"{base}/notifications", headers=headers).json()
    assert [item["id"] for item in listing["items"]] == [second, first]
    assert (
        listing["items"][0]["message"] == "Needs reconnecting" and not listing["items"][0]["read"]
    )
    chinese = client.get(
        f"{base}/notifications", headers={**headers, "Accept-Language": "zh-CN"}
    ).json()
    assert chinese["items"][0]["message"] != "Needs reconnecting"
    assert chinese["items"][0]["template"] == "Needs reconnecting"
    assert client.get(f"{base}/notifications/unread-count", headers=headers).json() == {"unread": 2}
    marked = client.post(f"{base}/notifications/{first}/read", headers=headers).json()
    assert marked["read"] and marked["read_at"]
    unread = client.get(f"{base}/notifications?unread_only=true", headers=headers).json()
    assert [item["id"] for item in unread["items"]] == [second]
    assert client.post(f"{base}/notifications/read-all", headers=headers).json() == {"marked": 1}
    assert client.post(f"{base}/notifications/999/read", headers=headers).status_code == 404


def test_api_settings_are_write_only_for_secrets(
    team: Team, session: Session, api: Any, receiver: WebhookReceiver
) -> None:
    client, headers, base = api
    assert client.get(f"{base}/notification-settings", headers=headers).json()["kinds"]
    saved = client.put(
        f"{base}/notification-settings",
        headers=headers,
        json={"webhook_url": receiver.url, "smtp_password": "pw-123", "kinds": ["published"]},
    )
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert body["new_webhook_secret"].startswith("whsec_") and body["webhook_secret_set"]
    assert body["smtp_password_set"] and "pw-123" not in saved.text
    read = client.get(f"{base}/notification-settings", headers=headers)
    assert body["new_webhook_secret"] not in read.text and "new_webhook_secret" not in read.json()
    again = client.put(
        f"{base}/notification-settings",
        headers=headers,
        json={"webhook_url": receiver.url, "kinds": ["published"]},
    ).json()
    assert again["new_webhook_secret"] is None and again["smtp_password_set"]
    rotated = client.put(
        f"{base}/notification-settings",
        headers=headers,
        json={"webhook_url": receiver.url, "rotate_webhook_secret": True},
    ).json()
    assert rotated["new_webhook_secret"] not in (None, body["new_webhook_secret"])
    tested = client.post(f"{base}/notification-settings/test", headers=headers).json()
    assert tested == [{"channel": "webhook", "ok": True, "detail": "Sent."}]
    signature = receiver.hits[0].headers["x-shortops-signature"]
    assert _verify(receiver.hits[0].body, signature, rotated["new_webhook_secret"])
    invalid = client.put(
        f"{base}/notification-settings", headers=headers, json={"kinds": ["nonsense"]}
    )
    assert invalid.status_code == 422
