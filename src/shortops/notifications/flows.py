"""Sending notifications out: a signed JSON webhook and e-mail over SMTP.

Webhook: `POST` of a JSON body

    {"id", "kind", "message" (English), "params", "link" (absolute URL or null),
     "workspace": {"id", "slug", "name"}, "created_at"}

with `X-Shortops-Signature: sha256=<hex HMAC-SHA256 of the exact body, keyed with the
workspace's webhook secret>` and `Idempotency-Key: notification-<id>`. Deliveries are retried
(see tasks.py), so a receiver may see one twice: the key tells it so.

E-mail: one plain-text message per notification to the workspace's recipients, in the
instance's default language, through the workspace's SMTP server (STARTTLS on port 587 by
default; port 465 speaks TLS from the start).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import httpx
from sqlalchemy.orm import Session

from shortops import __version__
from shortops.config import get_settings
from shortops.errors import N_, InvalidInput, ShortopsError
from shortops.kit import outbound
from shortops.kit.clock import utcnow
from shortops.kit.i18n import gettext
from shortops.models import Notification, NotificationSettings, Workspace
from shortops.notifications import service
from shortops.notifications.schemas import DeliveryTest
from shortops.workspaces.service import Actor

WEBHOOK_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
SMTP_TIMEOUT_S = 20.0
SIGNATURE_HEADER = "X-Shortops-Signature"


class DeliveryFailed(ShortopsError):
    status = 502
    code = "delivery_failed"
    template = N_("Sending by {channel} failed: {detail}")

    def __init__(self, *, channel: str, detail: str, retryable: bool) -> None:
        self.retryable = retryable
        super().__init__(channel=channel, detail=detail)


def signature(body: bytes, secret: str) -> str:
    """The value of X-Shortops-Signature for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def absolute_link(link: str | None) -> str | None:
    if not link:
        return None
    if link.startswith(("http://", "https://")):
        return link
    return get_settings().resolved_public_url + link


def webhook_payload(notification: Notification, workspace: Workspace) -> dict[str, Any]:
    return {
        "id": notification.id,
        "kind": str(notification.kind),
        "message": service.render(notification),
        "params": notification.params,
        "link": absolute_link(notification.link),
        "workspace": {"id": workspace.id, "slug": workspace.slug, "name": workspace.name},
        "created_at": notification.created_at.isoformat(),
    }


def send_webhook(
    *,
    url: str,
    secret: str,
    payload: dict[str, Any],
    idempotency_key: str,
    transport: httpx.BaseTransport | None = None,
) -> None:
    """POST the payload once; DeliveryFailed says whether trying again may help."""
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": f"shortops/{__version__}",
        SIGNATURE_HEADER: signature(body, secret),
        "Idempotency-Key": idempotency_key,
        "X-Shortops-Event": str(payload.get("kind", "")),
    }
    # A test transport never leaves the process; anything else goes to a public address only.
    hooks = {"request": [outbound.refuse_private_request]} if transport is None else {}
    try:
        with httpx.Client(
            timeout=WEBHOOK_TIMEOUT, transport=transport, event_hooks=hooks
        ) as client:
            response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        # The receiver dedupes by Idempotency-Key, so even a timeout is safe to repeat.
        raise DeliveryFailed(
            channel="webhook", detail=f"{type(exc).__name__}: {exc}", retryable=True
        ) from None
    if response.is_success:
        return
    retryable = response.status_code == 429 or response.status_code >= 500
    raise DeliveryFailed(
        channel="webhook", detail=f"HTTP {response.status_code}", retryable=retryable
    )


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    username: str | None = None
    password: str | None = None
    sender: str = "shortops@localhost"
    starttls: bool = True


def smtp_config(row: NotificationSettings) -> SmtpConfig:
    if not row.smtp_host:
        raise InvalidInput(N_("Set the SMTP server first."))
    password = (
        service.unseal(row.smtp_password, service.SMTP_PASSWORD_PURPOSE)
        if row.smtp_password
        else None
    )
    return SmtpConfig(
        host=row.smtp_host,
        port=row.smtp_port,
        username=row.smtp_username,
        password=password,
        sender=row.smtp_from or row.smtp_username or "shortops@localhost",
        starttls=row.smtp_starttls,
    )


def send_email(
    *,
    config: SmtpConfig,
    to: list[str],
    subject: str,
    body: str,
    message_id: str | None = None,
    ssl_context: ssl.SSLContext | None = None,
    attachments: Sequence[tuple[str, bytes, str]] = (),
) -> None:
    """Send one plain-text message (with `(filename, bytes, "type/subtype")` attachments);
    DeliveryFailed says whether trying again may help."""
    message = EmailMessage()
    message["From"] = config.sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(body)
    for filename, data, content_type in attachments:
        maintype, _, subtype = content_type.partition("/")
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    context = ssl_context or ssl.create_default_context()
    outbound.ensure_public(config.host, config.port)
    try:
        if config.port == 465:
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                config.host, config.port, timeout=SMTP_TIMEOUT_S, context=context
            )
        else:
            client = smtplib.SMTP(config.host, config.port, timeout=SMTP_TIMEOUT_S)
        with client:
            if config.starttls and config.port != 465:
                client.starttls(context=context)
            if config.username and config.password:
                client.login(config.username, config.password)
            client.send_message(message)
    except smtplib.SMTPResponseException as exc:
        # 4xx: the server asks to come back later; 5xx: it refuses.
        said = exc.smtp_error
        detail = (
            f"{exc.smtp_code} {said.decode(errors='replace') if isinstance(said, bytes) else said}"
        )
        retryable = exc.smtp_code < 500
        raise DeliveryFailed(channel="email", detail=detail, retryable=retryable) from None
    except smtplib.SMTPRecipientsRefused as exc:
        detail = f"recipients refused: {', '.join(exc.recipients)}"
        raise DeliveryFailed(channel="email", detail=detail, retryable=False) from None
    except ssl.SSLError as exc:
        raise DeliveryFailed(channel="email", detail=f"TLS: {exc}", retryable=False) from None
    except (smtplib.SMTPException, OSError) as exc:
        detail = f"{type(exc).__name__}: {exc}"
        raise DeliveryFailed(channel="email", detail=detail, retryable=True) from None


def email_text(
    notification_text: str, link: str | None, workspace: Workspace, language: str
) -> tuple[str, str]:
    """Subject and body of a notification e-mail in `language`."""
    subject = f"[shortops] {notification_text}"
    if len(subject) > 120:
        subject = subject[:119] + "…"
    lines = [notification_text, ""]
    if link:
        lines += [link, ""]
    footer = gettext(language, N_("— shortops, workspace {workspace}"))
    lines.append(footer.format(workspace=workspace.name))
    return subject, "\n".join(lines)


# --- delivering one notification ---------------------------------------------------------------


def deliver(
    session: Session,
    *,
    notification_id: int,
    channel: str,
    transport: httpx.BaseTransport | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> bool:
    """Send one notification by `channel` if the workspace still wants it; False when not."""
    notification = session.get(Notification, notification_id)
    if notification is None:
        return False
    row = service.get_notification_settings(session, workspace_id=notification.workspace_id)
    if channel not in service.delivery_channels(row, notification.kind):
        return False
    assert row is not None
    workspace = session.get(Workspace, notification.workspace_id)
    assert workspace is not None
    if channel == service.WEBHOOK:
        _webhook(row, webhook_payload(notification, workspace), notification.id, transport)
    else:
        language = get_settings().default_language
        text = service.render(notification, lambda m: gettext(language, m))
        subject, body = email_text(text, absolute_link(notification.link), workspace, language)
        send_email(
            config=smtp_config(row),
            to=_recipients(row),
            subject=subject,
            body=body,
            message_id=f"<notification-{notification.id}.{workspace.id}@shortops>",
            ssl_context=ssl_context,
        )
    return True


def _recipients(row: NotificationSettings) -> list[str]:
    return [e for e in (row.email_to or "").split(",") if e]


def _webhook(
    row: NotificationSettings,
    payload: dict[str, Any],
    key: int | str,
    transport: httpx.BaseTransport | None,
) -> None:
    if not row.webhook_url or row.webhook_secret is None:
        raise InvalidInput(N_("Set the webhook URL first."))
    send_webhook(
        url=row.webhook_url,
        secret=service.unseal(row.webhook_secret, service.WEBHOOK_SECRET_PURPOSE),
        payload=payload,
        idempotency_key=f"notification-{key}",
        transport=transport,
    )


def send_test(
    session: Session,
    *,
    actor: Actor,
    language: str,
    transport: httpx.BaseTransport | None = None,
    ssl_context: ssl.SSLContext | None = None,
) -> list[DeliveryTest]:
    """Send a test message on every channel that is set up, now, and say how each went."""
    row = service.get_notification_settings(session, workspace_id=actor.workspace.id)
    results: list[DeliveryTest] = []
    if row is None or not (row.webhook_url or row.email_to):
        raise InvalidInput(N_("Set a webhook URL or e-mail recipients first, then save."))
    workspace = actor.workspace
    now: datetime = utcnow()
    english = N_("This is a test notification from shortops, sent by {user}.")
    params = {"user": actor.user.email}
    if row.webhook_url:
        payload = {
            "id": None,
            "kind": "test",
            "message": english.format(**params),
            "params": params,
            "link": absolute_link("/notifications"),
            "workspace": {"id": workspace.id, "slug": workspace.slug, "name": workspace.name},
            "created_at": now.isoformat(),
        }
        results.append(
            _try(
                "webhook",
                language,
                lambda: _webhook(row, payload, f"test-{now.timestamp()}", transport),
            )
        )
    if row.email_to:
        text = gettext(language, english).format(**params)
        subject, body = email_text(text, absolute_link("/notifications"), workspace, language)

        def send() -> None:
            send_email(
                config=smtp_config(row),
                to=_recipients(row),
                subject=subject,
                body=body,
                ssl_context=ssl_context,
            )

        results.append(_try("email", language, send))
    return results


def _try(channel: str, language: str, send: Any) -> DeliveryTest:
    try:
        send()
    except ShortopsError as exc:
        return DeliveryTest(
            channel=channel, ok=False, detail=exc.render(lambda m: gettext(language, m))
        )
    return DeliveryTest(channel=channel, ok=True, detail=gettext(language, N_("Sent.")))
