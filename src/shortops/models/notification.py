"""In-app notifications, and where else a workspace wants them sent."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shortops.db.base import Base, IdMixin
from shortops.models._columns import created_at_column, workspace_fk


class NotificationKind(enum.StrEnum):
    publish_failed = "publish_failed"
    needs_review = "needs_review"
    needs_reauth = "needs_reauth"
    manual_kit_due = "manual_kit_due"
    manual_kit_overdue = "manual_kit_overdue"
    live_link_broken = "live_link_broken"
    published = "published"
    metric_alert = "metric_alert"


class Notification(IdMixin, Base):
    __tablename__ = "notification"

    workspace_id: Mapped[int] = workspace_fk()
    # None: for every member of the workspace.
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), default=None, index=True
    )
    kind: Mapped[NotificationKind] = mapped_column(
        Enum(NotificationKind, native_enum=False, length=32)
    )
    # English template + params, translated where shown.
    message: Mapped[str] = mapped_column(Text)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    link: Mapped[str | None] = mapped_column(String(500), default=None)
    read_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = created_at_column()


class NotificationSettings(IdMixin, Base):
    """Per workspace: a webhook (JSON, HMAC-signed) and e-mail (SMTP) for notifications."""

    __tablename__ = "notification_settings"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), unique=True
    )
    webhook_url: Mapped[str | None] = mapped_column(String(1000), default=None)
    # Fernet-encrypted HMAC secret for the webhook signature.
    webhook_secret: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    email_to: Mapped[str | None] = mapped_column(Text, default=None)  # comma-separated
    smtp_host: Mapped[str | None] = mapped_column(String(255), default=None)
    smtp_port: Mapped[int] = mapped_column(default=587)
    smtp_username: Mapped[str | None] = mapped_column(String(255), default=None)
    smtp_password: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)  # Fernet
    smtp_from: Mapped[str | None] = mapped_column(String(255), default=None)
    smtp_starttls: Mapped[bool] = mapped_column(default=True)
    # Which kinds go out by webhook/e-mail (in-app always shows every kind).
    kinds: Mapped[list[str]] = mapped_column(default=list)
