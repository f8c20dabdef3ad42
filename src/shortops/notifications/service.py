"""Creating and reading notifications (delivery by webhook and e-mail lives in tasks)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from shortops.models import Notification, NotificationKind


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
    return notification
