"""Posts (what to say) and publications (a post on one account at one time)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shortops.db.base import Base, IdMixin
from shortops.models._columns import created_at_column, workspace_fk


class PublicationStatus(enum.StrEnum):
    draft = "draft"
    scheduled = "scheduled"
    uploading = "uploading"
    processing = "processing"
    published = "published"
    failed = "failed"
    needs_review = "needs_review"
    cancelled = "cancelled"


# States a worker may still move on its own.
ACTIVE_PUBLICATION_STATUSES = frozenset(
    {PublicationStatus.scheduled, PublicationStatus.uploading, PublicationStatus.processing}
)


class Post(IdMixin, Base):
    __tablename__ = "post"

    workspace_id: Mapped[int] = workspace_fk()
    title: Mapped[str] = mapped_column(String(500), default="")
    caption: Mapped[str] = mapped_column(Text, default="")
    hashtags: Mapped[list[str]] = mapped_column(default=list)
    asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_asset.id", ondelete="SET NULL"), default=None
    )
    cover_asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("media_asset.id", ondelete="SET NULL"), default=None
    )
    # The content pillar / series this post belongs to, for Measure's filters and insights.
    pillar: Mapped[str] = mapped_column(String(64), default="")
    # Ideas and deals arrive with Plan and Earn; their foreign keys are added by those migrations.
    idea_id: Mapped[int | None] = mapped_column(default=None)
    deal_id: Mapped[int | None] = mapped_column(default=None)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = created_at_column()


class Publication(IdMixin, Base):
    __tablename__ = "publication"
    __table_args__ = (
        UniqueConstraint("idempotency_key"),
        Index("ix_publication_status_due", "status", "scheduled_at"),
    )

    workspace_id: Mapped[int] = workspace_fk()
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("post.id", ondelete="CASCADE"), index=True, default=None
    )
    account_id: Mapped[int] = mapped_column(
        ForeignKey("account.id", ondelete="CASCADE"), index=True
    )
    scheduled_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    status: Mapped[PublicationStatus] = mapped_column(
        Enum(PublicationStatus, native_enum=False, length=16), default=PublicationStatus.draft
    )
    # The provider's options (privacy, comments, disclosures …) and per-account text overrides
    # ({"title": …, "caption": …, "hashtags": […]}): what this account posts differs from the post.
    options: Mapped[dict[str, Any]] = mapped_column(default=dict)
    overrides: Mapped[dict[str, Any]] = mapped_column(default=dict)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    # SHA-256 of the file the engine handed to the platform (empty until an upload starts).
    uploaded_sha256: Mapped[str] = mapped_column(String(64), default="", server_default="")
    rendition_id: Mapped[int | None] = mapped_column(
        ForeignKey("rendition.id", ondelete="SET NULL"), default=None
    )
    # Engine bookkeeping. `attempts` counts tries before the upload began (retried with backoff);
    # `upload_started_at` is written and committed before the irreversible call, `ticket` (the
    # platform's reference) the moment the provider has one, `heartbeat_at` while uploading.
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    upload_started_at: Mapped[datetime | None] = mapped_column(default=None)
    heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    upload_progress: Mapped[float] = mapped_column(default=0.0)
    ticket: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    remote_id: Mapped[str | None] = mapped_column(String(128), default=None)
    url: Mapped[str | None] = mapped_column(String(1000), default=None)
    # Why it failed or needs review, as an English template + params (shown translated).
    error: Mapped[str | None] = mapped_column(Text, default=None)
    error_code: Mapped[str | None] = mapped_column(String(64), default=None)
    error_params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    verification: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # True for posts found through imports or polling that were not published by shortops.
    external: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    # "minute" when the platform gave the time, "day" when an export gave only the date (stored
    # as local midnight): such posts count per day, never per hour of day.
    published_precision: Mapped[str] = mapped_column(String(8), default="minute")
    duration_s: Mapped[float | None] = mapped_column(default=None)
    # Polling: when its counters were last read, and when they are due again (by its age).
    polled_at: Mapped[datetime | None] = mapped_column(default=None)
    next_poll_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime | None] = mapped_column(default=None)


class PublicationEvent(IdMixin, Base):
    """One step in a publication's life: the timeline shown on its page."""

    __tablename__ = "publication_event"

    publication_id: Mapped[int] = mapped_column(
        ForeignKey("publication.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = created_at_column()
