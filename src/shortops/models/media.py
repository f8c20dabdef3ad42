"""Media assets: content-addressed files with their probe facts."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shortops.db.base import Base, IdMixin
from shortops.models._columns import created_at_column, workspace_fk


class AssetKind(enum.StrEnum):
    """What a file is for: masters are videos; the others are side files of an edit."""

    video = "video"
    audio = "audio"
    image = "image"
    subtitles = "subtitles"


class MediaAsset(IdMixin, Base):
    __tablename__ = "media_asset"
    __table_args__ = (UniqueConstraint("workspace_id", "sha256"),)

    workspace_id: Mapped[int] = workspace_fk()
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[AssetKind] = mapped_column(
        Enum(AssetKind, native_enum=False, length=16),
        default=AssetKind.video,
        server_default=AssetKind.video.value,
    )
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    # Relative to the media directory, so the directory can move without touching rows.
    storage_path: Mapped[str] = mapped_column(String(500))
    duration_s: Mapped[float | None] = mapped_column(default=None)
    width: Mapped[int | None] = mapped_column(default=None)
    height: Mapped[int | None] = mapped_column(default=None)
    probe: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = created_at_column()
