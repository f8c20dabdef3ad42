"""Renditions: one asset conformed to one platform profile with one edit spec."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shortops.db.base import Base, IdMixin
from shortops.models._columns import created_at_column, workspace_fk


class RenditionStatus(enum.StrEnum):
    queued = "queued"
    rendering = "rendering"
    ready = "ready"
    failed = "failed"
    cancelled = "cancelled"


# Statuses in which asking for the same rendition again costs nothing.
LIVE_RENDITION_STATUSES = (
    RenditionStatus.queued,
    RenditionStatus.rendering,
    RenditionStatus.ready,
)


class Rendition(IdMixin, Base):
    __tablename__ = "rendition"
    # The key is the content address (input hash + profile + spec + side files): one row per key.
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    workspace_id: Mapped[int] = workspace_fk()
    asset_id: Mapped[int] = mapped_column(
        ForeignKey("media_asset.id", ondelete="CASCADE"), index=True
    )
    profile_slug: Mapped[str] = mapped_column(String(40))
    # Snapshots: later changes to a custom profile or template never change a made rendition.
    profile: Mapped[dict[str, Any]] = mapped_column(default=dict)
    spec: Mapped[dict[str, Any]] = mapped_column(default=dict)
    key: Mapped[str] = mapped_column(String(64))
    status: Mapped[RenditionStatus] = mapped_column(
        Enum(RenditionStatus, native_enum=False, length=16),
        default=RenditionStatus.queued,
        index=True,
    )
    progress: Mapped[float] = mapped_column(default=0.0)
    output_path: Mapped[str] = mapped_column(String(500), default="")
    output_size_bytes: Mapped[int | None] = mapped_column(BigInteger, default=None)
    output_probe: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Cover name (e.g. "portrait") -> path relative to the media directory.
    covers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # The failure in English (API answers), and its message template with parameters so pages
    # can show it in the reader's language.
    error: Mapped[str] = mapped_column(Text, default="")
    error_code: Mapped[str] = mapped_column(String(64), default="")
    error_template: Mapped[str] = mapped_column(Text, default="")
    error_params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = created_at_column()
    queued_at: Mapped[datetime] = created_at_column()
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
