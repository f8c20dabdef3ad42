"""Pydantic shapes of notifications and their delivery settings (secrets are write-only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shortops.errors import N_
from shortops.kit.schema import UserInput
from shortops.models import NotificationKind

KIND_LABELS = {
    NotificationKind.publish_failed: N_("A publication failed"),
    NotificationKind.needs_review: N_("A publication needs review"),
    NotificationKind.needs_reauth: N_("An account needs reconnecting"),
    NotificationKind.manual_kit_due: N_("A manual post is due"),
    NotificationKind.manual_kit_overdue: N_("A manual post is overdue"),
    NotificationKind.live_link_broken: N_("A pasted live link does not answer"),
    NotificationKind.published: N_("A post went live"),
    NotificationKind.metric_alert: N_("A post spiked, stalled, or is taking off or falling behind"),
}

# What goes out by webhook and e-mail when a workspace first sets them up: what needs a person.
DEFAULT_KINDS = (
    NotificationKind.publish_failed,
    NotificationKind.needs_review,
    NotificationKind.needs_reauth,
    NotificationKind.manual_kit_due,
    NotificationKind.manual_kit_overdue,
    NotificationKind.live_link_broken,
)


class NotificationRead(BaseModel):
    id: int
    kind: NotificationKind
    # In the request's language; `template` and `params` are the English original.
    message: str
    template: str
    params: dict[str, Any]
    link: str | None
    read: bool
    read_at: datetime | None
    created_at: datetime
    # True when meant for this user only, false for everyone in the workspace.
    personal: bool


class UnreadCount(BaseModel):
    unread: int


class MarkedRead(BaseModel):
    marked: int


def split_emails(value: list[str] | str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(";", ",").replace("\n", ",").split(",")
    if not isinstance(value, list | tuple):
        raise ValueError("must be a list of email addresses")
    found: list[str] = []
    for item in value:
        if not isinstance(item, str):
            raise ValueError(f"{item!r} is not an email address")
        email = item.strip()
        if not email:
            continue
        local, _, domain = email.partition("@")
        if not local or "." not in domain or " " in email or len(email) > 254:
            raise ValueError(f"{email!r} is not an email address")
        found.append(email)
    return list(dict.fromkeys(found))


class NotificationSettingsWrite(UserInput):
    """Everything is replaced except the secrets, which are kept when left out (null)."""

    model_config = ConfigDict(extra="forbid")

    webhook_url: str | None = Field(default=None, max_length=1000)
    # Write-only. Left out: keep the stored one (one is made when a webhook has none).
    webhook_secret: str | None = Field(default=None, min_length=16, max_length=200)
    rotate_webhook_secret: bool = False
    email_to: list[str] = Field(default_factory=list)
    smtp_host: str | None = Field(default=None, max_length=255)
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str | None = Field(default=None, max_length=255)
    # Write-only. Left out: keep; "" removes it.
    smtp_password: str | None = Field(default=None, max_length=500)
    smtp_from: str | None = Field(default=None, max_length=255)
    smtp_starttls: bool = True
    kinds: list[NotificationKind] = Field(default_factory=lambda: list(DEFAULT_KINDS))

    @field_validator("webhook_url", "smtp_host", "smtp_username", "smtp_from")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value.strip() or None if value is not None else None

    @field_validator("webhook_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("email_to", mode="before")
    @classmethod
    def _email_list(cls, value: Any) -> list[str]:
        return split_emails(value)

    @field_validator("smtp_from")
    @classmethod
    def _from_address(cls, value: str | None) -> str | None:
        if value is not None:
            split_emails([value.rsplit("<", 1)[-1].rstrip(">")])
        return value


class NotificationSettingsRead(BaseModel):
    webhook_url: str | None = None
    webhook_secret_set: bool = False
    email_to: list[str] = Field(default_factory=list)
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_username: str | None = None
    smtp_password_set: bool = False
    smtp_from: str | None = None
    smtp_starttls: bool = True
    kinds: list[NotificationKind] = Field(default_factory=lambda: list(DEFAULT_KINDS))


class NotificationSettingsSaved(NotificationSettingsRead):
    # Only in the answer that made it: the webhook's new signing secret, shown once.
    new_webhook_secret: str | None = None


class DeliveryTest(BaseModel):
    channel: str  # webhook | email
    ok: bool
    detail: str
