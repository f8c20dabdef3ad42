"""Creating and reading notifications, and each workspace's delivery settings.

`notify()` records a notification in the caller's transaction. When the workspace sends that
kind out (webhook, e-mail), each delivery is queued with `send_after_commit`, so no message goes
out for a notification that was rolled back; callers need do nothing more than commit.

A notification without `user_id` is for every member, and reading it marks it read for the
workspace: the bell works as a shared inbox, as a small team expects.
"""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import case, func, or_, select, update
from sqlalchemy.orm import Session

from shortops.config import get_settings
from shortops.errors import N_, NotFound
from shortops.kit.clock import utcnow
from shortops.kit.crypto import fernet_for
from shortops.kit.pagination import PageParams, paginate
from shortops.models import Notification, NotificationKind, NotificationSettings
from shortops.notifications.schemas import (
    NotificationRead,
    NotificationSettingsRead,
    NotificationSettingsWrite,
)
from shortops.worker.after_commit import send_after_commit
from shortops.workspaces.service import Actor, record

WEBHOOK_SECRET_PURPOSE = "notification-webhook-secret"
SMTP_PASSWORD_PURPOSE = "notification-smtp-password"
WEBHOOK = "webhook"
EMAIL = "email"
# Named, not imported: the task's module imports the flows that import this one.
DELIVER_TASK = "shortops.notifications.tasks.deliver_notification"


def seal(text: str, purpose: str) -> bytes:
    return fernet_for(get_settings().resolved_secret_key(), purpose).encrypt(text.encode())


def unseal(blob: bytes, purpose: str) -> str:
    return fernet_for(get_settings().resolved_secret_key(), purpose).decrypt(blob).decode()


def notify(
    session: Session,
    *,
    workspace_id: int,
    kind: NotificationKind,
    message: str,
    params: dict[str, Any] | None = None,
    link: str | None = None,
    user_id: int | None = None,
) -> Notification:
    """Record a notification (message: an English N_ template filled with `params`)."""
    notification = Notification(
        workspace_id=workspace_id,
        user_id=user_id,
        kind=kind,
        message=message,
        params=params or {},
        link=link,
    )
    session.add(notification)
    session.flush()
    channels = delivery_channels(
        get_notification_settings(session, workspace_id=workspace_id), kind
    )
    for channel in channels:
        send_after_commit(session, DELIVER_TASK, notification.id, channel)
    return notification


def delivery_channels(row: NotificationSettings | None, kind: NotificationKind | str) -> list[str]:
    """Where a notification of `kind` goes besides the app, under these settings."""
    if row is None or str(kind) not in row.kinds:
        return []
    channels = []
    if row.webhook_url:
        channels.append(WEBHOOK)
    if row.email_to and row.smtp_host:
        channels.append(EMAIL)
    return channels


def render(notification: Notification, gettext: Any = None) -> str:
    """The message in the language of `gettext` (English without one), params filled in."""
    text = gettext(notification.message) if gettext else notification.message
    try:
        return str(text.format(**notification.params))
    except (KeyError, IndexError, ValueError):
        return notification.message


def notification_read(notification: Notification, gettext: Any = None) -> NotificationRead:
    return NotificationRead(
        id=notification.id,
        kind=notification.kind,
        message=render(notification, gettext),
        template=notification.message,
        params=notification.params,
        link=notification.link,
        read=notification.read_at is not None,
        read_at=notification.read_at,
        created_at=notification.created_at,
        personal=notification.user_id is not None,
    )


# --- reading --------------------------------------------------------------------------------------


def _visible(workspace_id: int, user_id: int) -> Any:
    return (Notification.workspace_id == workspace_id) & or_(
        Notification.user_id.is_(None), Notification.user_id == user_id
    )


def list_notifications(
    session: Session,
    *,
    workspace_id: int,
    user_id: int,
    params: PageParams,
    unread_only: bool = False,
) -> tuple[list[Notification], int]:
    """The user's notifications in the workspace: unread first, then newest first."""
    statement = select(Notification).where(_visible(workspace_id, user_id))
    if unread_only:
        statement = statement.where(Notification.read_at.is_(None))
    unread_first = case((Notification.read_at.is_(None), 0), else_=1)
    return paginate(session, statement.order_by(unread_first, Notification.id.desc()), params)


def unread_count(session: Session, *, workspace_id: int, user_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(_visible(workspace_id, user_id), Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(
    session: Session, *, workspace_id: int, user_id: int, notification_id: int
) -> Notification:
    notification = session.scalar(
        select(Notification).where(
            _visible(workspace_id, user_id), Notification.id == notification_id
        )
    )
    if notification is None:
        raise NotFound(N_("No notification with id {id} here."), id=notification_id)
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def mark_all_read(session: Session, *, workspace_id: int, user_id: int) -> int:
    result = session.execute(
        update(Notification)
        .where(_visible(workspace_id, user_id), Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .returning(Notification.id)
    )
    return len(result.all())


# --- delivery settings ----------------------------------------------------------------------------


def get_notification_settings(
    session: Session, *, workspace_id: int
) -> NotificationSettings | None:
    return session.scalar(
        select(NotificationSettings).where(NotificationSettings.workspace_id == workspace_id)
    )


def settings_read(row: NotificationSettings | None) -> NotificationSettingsRead:
    if row is None:
        return NotificationSettingsRead()
    return NotificationSettingsRead(
        webhook_url=row.webhook_url,
        webhook_secret_set=row.webhook_secret is not None,
        email_to=[e for e in (row.email_to or "").split(",") if e],
        smtp_host=row.smtp_host,
        smtp_port=row.smtp_port,
        smtp_username=row.smtp_username,
        smtp_password_set=row.smtp_password is not None,
        smtp_from=row.smtp_from,
        smtp_starttls=row.smtp_starttls,
        kinds=[NotificationKind(k) for k in row.kinds if k in NotificationKind.__members__],
    )


def save_notification_settings(
    session: Session, *, actor: Actor, data: NotificationSettingsWrite
) -> tuple[NotificationSettings, str | None]:
    """Replace the workspace's delivery settings; returns them and a webhook secret made now.

    A webhook always has a signing secret: one is made when none is given or stored, and
    `rotate_webhook_secret` replaces it. Secrets are stored encrypted and never shown again.
    """
    row = get_notification_settings(session, workspace_id=actor.workspace.id)
    if row is None:
        row = NotificationSettings(workspace_id=actor.workspace.id)
        session.add(row)
    new_secret = None
    row.webhook_url = data.webhook_url
    if data.webhook_secret is not None:
        row.webhook_secret = seal(data.webhook_secret, WEBHOOK_SECRET_PURPOSE)
    elif data.webhook_url and (row.webhook_secret is None or data.rotate_webhook_secret):
        new_secret = f"whsec_{secrets.token_urlsafe(32)}"
        row.webhook_secret = seal(new_secret, WEBHOOK_SECRET_PURPOSE)
    row.email_to = ",".join(data.email_to) or None
    row.smtp_host = data.smtp_host
    row.smtp_port = data.smtp_port
    row.smtp_username = data.smtp_username
    if data.smtp_password == "":
        row.smtp_password = None
    elif data.smtp_password is not None:
        row.smtp_password = seal(data.smtp_password, SMTP_PASSWORD_PURPOSE)
    row.smtp_from = data.smtp_from
    row.smtp_starttls = data.smtp_starttls
    row.kinds = [str(kind) for kind in dict.fromkeys(data.kinds)]
    session.flush()
    record(
        session,
        action="notification_settings.saved",
        actor=actor,
        target=("notification_settings", actor.workspace.id),
        data={
            "webhook": bool(row.webhook_url),
            "email": bool(row.email_to),
            "kinds": row.kinds,
            "secret_changed": new_secret is not None or data.webhook_secret is not None,
        },
    )
    return row, new_secret
