"""Connected platform accounts, and each workspace's app registration per platform."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shortops.db.base import Base, IdMixin
from shortops.kit.clock import utcnow
from shortops.models._columns import created_at_column, workspace_fk


class AccountStatus(enum.StrEnum):
    connected = "connected"
    needs_reauth = "needs_reauth"
    disconnected = "disconnected"
    # Figures only: created by an import (or by hand) for an account shortops cannot sign in to.
    import_only = "import_only"


class Account(IdMixin, Base):
    __tablename__ = "account"
    __table_args__ = (UniqueConstraint("workspace_id", "platform", "remote_id"),)

    workspace_id: Mapped[int] = workspace_fk()
    platform: Mapped[str] = mapped_column(String(32))
    remote_id: Mapped[str] = mapped_column(String(128))
    handle: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(255), default="")
    status: Mapped[AccountStatus] = mapped_column(
        Enum(AccountStatus, native_enum=False, length=16), default=AccountStatus.connected
    )
    # Fernet-encrypted JSON of providers.types.Tokens (kit.crypto); never returned by any API.
    credentials: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    token_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    refresh_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    scopes: Mapped[list[str]] = mapped_column(default=list)
    status_detail: Mapped[str] = mapped_column(String(500), default="")
    avatar_url: Mapped[str | None] = mapped_column(String(1000), default=None)
    # Health: when the platform last answered well, and the last thing that went wrong.
    last_success_at: Mapped[datetime | None] = mapped_column(default=None)
    last_error: Mapped[str | None] = mapped_column(String(1000), default=None)
    last_error_at: Mapped[datetime | None] = mapped_column(default=None)
    # Manual accounts: the platform's name as the user typed it ("Xiaohongshu", "Weibo" …).
    platform_label: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = created_at_column()


class PlatformApp(IdMixin, Base):
    """A workspace's app registration on one platform (Settings → Platforms)."""

    __tablename__ = "platform_app"
    __table_args__ = (UniqueConstraint("workspace_id", "platform"),)

    workspace_id: Mapped[int] = workspace_fk()
    platform: Mapped[str] = mapped_column(String(32))
    client_id: Mapped[str] = mapped_column(String(255))
    # Fernet-encrypted client secret.
    client_secret: Mapped[bytes] = mapped_column(LargeBinary)
    # Endpoint overrides by name (sandbox or test servers); empty for the real platform.
    endpoints: Mapped[dict[str, Any]] = mapped_column(default=dict)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class OAuthAttempt(IdMixin, Base):
    """A sign-in sent to a platform and not back yet: its state and PKCE verifier."""

    __tablename__ = "oauth_attempt"

    state: Mapped[str] = mapped_column(String(128), unique=True)
    workspace_id: Mapped[int] = workspace_fk()
    user_id: Mapped[int | None] = mapped_column(default=None)
    platform: Mapped[str] = mapped_column(String(32))
    # Fernet-encrypted PKCE code verifier, when the platform uses PKCE.
    code_verifier: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    # Reconnecting an existing account: the new sign-in must be the same remote user.
    account_id: Mapped[int | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = created_at_column()
