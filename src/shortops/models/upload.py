"""Resumable uploads: a file arriving in chunks, then imported as an asset."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Enum, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from shortops.db.base import Base
from shortops.models._columns import created_at_column, workspace_fk


class UploadStatus(enum.StrEnum):
    open = "open"
    completed = "completed"
    failed = "failed"
    cancelled = "cancelled"


class UploadSession(Base):
    __tablename__ = "upload_session"

    # An unguessable token: it appears in URLs and is all a client needs to resume.
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    workspace_id: Mapped[int] = workspace_fk()
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64), default=None)
    received_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    # Relative to the media directory.
    temp_path: Mapped[str] = mapped_column(String(500))
    status: Mapped[UploadStatus] = mapped_column(
        Enum(UploadStatus, native_enum=False, length=16), default=UploadStatus.open, index=True
    )
    # One writer at a time: a request holds the lease while it appends or finishes the file.
    lease_until: Mapped[datetime | None] = mapped_column(default=None)
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_asset.id", ondelete="SET NULL"), default=None
    )
    duplicate: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
    expires_at: Mapped[datetime] = mapped_column(index=True)
