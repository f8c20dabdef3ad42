"""Connected platform accounts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Enum, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shortops.db.base import Base, IdMixin
from shortops.models._columns import created_at_column, workspace_fk


class AccountStatus(enum.StrEnum):
    connected = "connected"
    needs_reauth = "needs_reauth"
    disconnected = "disconnected"


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
    # Fernet-encrypted JSON (kit.crypto); never returned by any API.
    credentials: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    token_expires_at: Mapped[datetime | None] = mapped_column(default=None)
    status_detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = created_at_column()
