"""Notifications going out: a signed webhook checked by a local receiver, e-mail received by a
local SMTP server (plain and STARTTLS), retries on failures that may pass and none on refusals."""

from __future__ import annotations

import hashlib
import hmac
import ssl
from email import message_from_bytes
from typing import Any

import pytest
from sqlalchemy.orm import Session

from shortops.models import NotificationKind
from shortops.notifications import flows, service, tasks
from shortops.notifications.schemas import NotificationSettingsWrite
from shortops.worker.queue import get_queue
from tests.notifications.conftest import Team
from tests.notifications.receivers import SmtpServer, WebhookReceiver

SECRET = "whsec_test_secret_0123456789"


def _settings(session: Session, team: Team, **fields: Any) -> None:
    service.save_notification_settings(
        session, actor=team.actor, data=NotificationSettingsWrite(**fields)
    )
    session.commit()


def _notify(session: Session, team: Team) -> int:
    note = service.notify(
        session,
        workspace_id=team.workspace.id,
        kind=NotificationKind.needs_reauth,
        message="{platform} no longer accepts the sign-in of {handle}. Reconnect the account "
        "under Accounts.",
        params={"platform": "TikTok", "handle": "studio"},
        link="/accounts",
    )
    session.commit()
    return note.id


def _verify(body: bytes, header: str, secret: str) -> bool:
    """What a receiver does: HMAC-SHA256 of the raw body, compared in constant time."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def test_webhook_is_signed_and_carries_the_notification(
    team: Team, session: Session, receiver: WebhookReceiver
) -> None:
    _settings(session, team, webhook_url=receiver.url, webhook_secret=SECRET)
    note_id = _notify(session, team)
    assert get_queue().drain() >= 1
    [hit] = receiver.hits
    assert _verify(hit.body, hit.headers["x-shortops-signature"], SECRET)
    assert not _verify(hit.body, hit.headers["x-shortops-signature"], "another-secret-value")
    assert hit.headers["idempotency-key"] == f"notification-{note_id}"
    assert hit.headers["content-type"].startswith("application/json")
    payload = hit.json()
    assert payload["id"] == note_id and payload["kind"] == "needs_reauth"
    assert payload["message"] == (
        "TikTok no longer accepts the sign-in of studio. Reconnect the account under Accounts."
    )
    assert payload["params"] == {"platform": "TikTok", "handle": "studio"}
    assert payload["link"] == "http://127.0.0.1:8000/accounts"
    assert payload["workspace"] == {
        "id": team.workspace.id,
        "slug": team.workspace.slug,
        "name": "Studio",
    }
    assert payload["created_at"]


def test_webhook_retries_server_errors_with_the_same_key(
    team: Team, session: Session, receiver: WebhookReceiver
) -> None:
    _settings(session, team, webhook_url=receiver.url, webhook_secret=SECRET)
    note_id = _notify(session, team)
    receiver.statuses = [503]
    queue = get_queue()
    queue.drain()
    assert len(receiver.hits) == 1
    assert queue.scheduled_count() == 1, "a retry waits in the schedule"
    tasks.deliver_notification(note_id, "webhook", 2)  # the retry, when its time comes
    assert len(receiver.hits) == 2
    keys = {hit.headers["idempotency-key"] for hit in receiver.hits}
    assert keys == {f"notification-{note_id}"}


def test_webhook_refusal_is_not_retried(
    team: Team, session: Session, receiver: WebhookReceiver
) -> None:
    _settings(session, team, webhook_url=receiver.url, webhook_secret=SECRET)
    _notify(session, team)
    receiver.statuses = [410]
    queue = get_queue()
    queue.drain()
    assert len(receiver.hits) == 1 and queue.scheduled_count() == 0


def test_unreachable_webhook_is_retryable(settings: Any) -> None:
    with pytest.raises(flows.DeliveryFailed) as caught:
        flows.send_webhook(
            url="http://127.0.0.1:9/hook", secret=SECRET, payload={}, idempotency_key="k"
        )
    assert caught.value.retryable


def test_the_last_attempt_gives_up(
    team: Team, session: Session, receiver: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    _settings(session, team, webhook_url=receiver.url, webhook_secret=SECRET)
    note_id = _notify(session, team)
    get_queue().drain()
    receiver.statuses = [500]
    sent: list[Any] = []
    monkeypatch.setattr(get_queue(), "enqueue", lambda *a, **k: sent.append(a))
    tasks.deliver_notification(note_id, "webhook", tasks.MAX_ATTEMPTS)
    assert sent == []
    assert tasks.backoff(1) < tasks.backoff(2) < tasks.backoff(99)


def test_switching_a_channel_off_stops_delivery(
    team: Team, session: Session, receiver: WebhookReceiver
) -> None:
    _settings(session, team, webhook_url=receiver.url, webhook_secret=SECRET)
    _notify(session, team)
    _settings(session, team, webhook_url=None)
    get_queue().drain()
    assert receiver.hits == []


def test_email_is_received(team: Team, session: Session, smtp: SmtpServer) -> None:
    _settings(
        session,
        team,
        email_to=["ops@studio.example", "lead@studio.example"],
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_username="mailer",
        smtp_password="mail-pass",
        smtp_from="shortops@studio.example",
        smtp_starttls=False,
    )
    note_id = _notify(session, team)
    get_queue().drain()
    [mail] = smtp.mails
    assert mail.recipients == ["ops@studio.example", "lead@studio.example"]
    assert mail.sender == "shortops@studio.example"
    assert mail.auth == "\0mailer\0mail-pass"
    message = message_from_bytes(mail.data)
    assert message["Subject"].startswith("[shortops] TikTok no longer accepts")
    assert message["Message-ID"] == f"<notification-{note_id}.{team.workspace.id}@shortops>"
    body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
    assert "http://127.0.0.1:8000/accounts" in body and "workspace Studio" in body


def test_email_over_starttls(
    team: Team, session: Session, tls_smtp: tuple[SmtpServer, ssl.SSLContext]
) -> None:
    server, client_context = tls_smtp
    _settings(
        session,
        team,
        email_to=["ops@studio.example"],
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_starttls=True,
    )
    note_id = _notify(session, team)
    assert flows.deliver(
        session, notification_id=note_id, channel="email", ssl_context=client_context
    )
    [mail] = server.mails
    assert mail.tls and mail.recipients == ["ops@studio.example"]
    # Without trusting the server's certificate, STARTTLS refuses: never sent in the clear.
    with pytest.raises(flows.DeliveryFailed) as caught:
        flows.deliver(session, notification_id=note_id, channel="email")
    assert not caught.value.retryable and len(server.mails) == 1


def test_smtp_answers_decide_about_retrying(settings: Any, smtp: SmtpServer) -> None:
    config = flows.SmtpConfig(host="127.0.0.1", port=smtp.port, starttls=False)
    smtp.busy = True
    with pytest.raises(flows.DeliveryFailed) as later:
        flows.send_email(config=config, to=["a@b.example"], subject="s", body="b")
    assert later.value.retryable
    smtp.busy, smtp.refuse_rcpt = False, True
    with pytest.raises(flows.DeliveryFailed) as refused:
        flows.send_email(config=config, to=["a@b.example"], subject="s", body="b")
    assert not refused.value.retryable
    assert smtp.mails == []
