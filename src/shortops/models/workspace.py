"""Workspaces, users, memberships, API tokens, audit events and login throttling."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shortops.db.base import Base, IdMixin
from shortops.models._columns import created_at_column, workspace_fk


class Role(enum.StrEnum):
    owner = "owner"
    admin = "admin"
    editor = "editor"
    analyst = "analyst"
    viewer = "viewer"


class Workspace(IdMixin, Base):
    __tablename__ = "workspace"

    name: Mapped[str] = mapped_column(String(120))
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    created_at: Mapped[datetime] = created_at_column()

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="workspace", lazy="raise", cascade="all, delete-orphan"
    )


class User(IdMixin, Base):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL

    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    language: Mapped[str | None] = mapped_column(String(16), default=None)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Bumped on password change so older session cookies stop working.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = created_at_column()
    last_login_at: Mapped[datetime | None] = mapped_column(default=None)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user", lazy="raise")


class Membership(IdMixin, Base):
    __tablename__ = "membership"
    __table_args__ = (UniqueConstraint("workspace_id", "user_id"),)

    workspace_id: Mapped[int] = workspace_fk()
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    role: Mapped[Role] = mapped_column(Enum(Role, native_enum=False, length=16))
    created_at: Mapped[datetime] = created_at_column()

    workspace: Mapped[Workspace] = relationship(back_populates="memberships", lazy="raise")
    user: Mapped[User] = relationship(back_populates="memberships", lazy="raise")


class ApiToken(IdMixin, Base):
    __tablename__ = "api_token"

    workspace_id: Mapped[int] = workspace_fk()
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    # Only the SHA-256 is stored; the prefix lets a user recognise a token in lists.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    scopes: Mapped[list[str]] = mapped_column()
    created_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime | None] = mapped_column(default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditEvent(IdMixin, Base):
    __tablename__ = "audit_event"

    workspace_id: Mapped[int | None] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True, default=None
    )
    actor_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    actor_token_id: Mapped[int | None] = mapped_column(
        ForeignKey("api_token.id", ondelete="SET NULL"), default=None
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    target_type: Mapped[str] = mapped_column(String(32), default="")
    target_id: Mapped[str] = mapped_column(String(64), default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ip: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = created_at_column()


class LoginThrottle(IdMixin, Base):
    """Failed sign-ins per email (known or not, so throttling reveals nothing about accounts)."""

    __tablename__ = "login_throttle"

    email: Mapped[str] = mapped_column(String(254), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    first_failure_at: Mapped[datetime | None] = mapped_column(default=None)
    locked_until: Mapped[datetime | None] = mapped_column(default=None)


class WebSession(IdMixin, Base):
    """A browser sign-in. The cookie carries a random secret; only its SHA-256 is stored, and
    deleting the row (sign-out, password change) ends that session wherever the cookie went."""

    __tablename__ = "web_session"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[datetime] = created_at_column()
    last_seen_at: Mapped[datetime | None] = mapped_column(default=None)
