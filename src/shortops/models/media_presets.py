"""Saved edit specs (templates) and a workspace's own platform profiles."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shortops.db.base import Base, IdMixin
from shortops.models._columns import created_at_column, workspace_fk


class EditTemplate(IdMixin, Base):
    """A named edit spec ("our TikTok style"), reused for many renditions."""

    __tablename__ = "edit_template"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    workspace_id: Mapped[int] = workspace_fk()
    name: Mapped[str] = mapped_column(String(120))
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()


class CustomProfile(IdMixin, Base):
    """A platform profile a workspace defined itself, next to the built-in ones."""

    __tablename__ = "custom_profile"
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)

    workspace_id: Mapped[int] = workspace_fk()
    slug: Mapped[str] = mapped_column(String(40))
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = created_at_column()
