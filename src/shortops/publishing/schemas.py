"""Pydantic shapes of publishing (API in/out) and the filters of the queue and calendar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from shortops.errors import N_
from shortops.kit.schema import UserInput
from shortops.models import PublicationStatus
from shortops.providers.types import Severity

STATUS_LABELS = {
    PublicationStatus.draft: N_("Draft"),
    PublicationStatus.scheduled: N_("Scheduled"),
    PublicationStatus.uploading: N_("Uploading"),
    PublicationStatus.processing: N_("Processing"),
    PublicationStatus.published: N_("Published"),
    PublicationStatus.failed: N_("Failed"),
    PublicationStatus.needs_review: N_("Needs review"),
    PublicationStatus.cancelled: N_("Cancelled"),
}

TITLE_MAX = 500
CAPTION_MAX = 10_000
HASHTAGS_MAX = 100

When = datetime | Literal["now"]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]


def normalize_hashtags(values: list[str]) -> list[str]:
    """Tags without their '#', each once (first spelling kept); a tag may not contain spaces."""
    found: dict[str, str] = {}
    for value in values:
        tag = value.strip().lstrip("#").strip()
        if not tag:
            continue
        if any(ch.isspace() for ch in tag) or "#" in tag:
            raise ValueError(f"a hashtag is one word without spaces or '#': {value!r}")
        if len(tag) > 100:
            raise ValueError(f"a hashtag has at most 100 characters: {value[:20]!r}…")
        found.setdefault(tag.lower(), tag)
    return list(found.values())


class TextOverrides(UserInput):
    """What one account posts instead of the post's own text (None: the post's)."""

    model_config = ConfigDict(extra="forbid")
    multiline_fields: ClassVar[frozenset[str]] = frozenset({"caption"})

    title: str | None = Field(default=None, max_length=TITLE_MAX)
    caption: str | None = Field(default=None, max_length=CAPTION_MAX)
    hashtags: list[str] | None = Field(default=None, max_length=HASHTAGS_MAX)

    @field_validator("hashtags")
    @classmethod
    def _hashtags(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else normalize_hashtags(value)


class TargetCreate(UserInput):
    """One account to publish on, with the platform's options and optional text overrides."""

    model_config = ConfigDict(extra="forbid")
    multiline_fields: ClassVar[frozenset[str]] = frozenset({"options"})  # descriptions

    account_id: int
    rendition_id: int | None = Field(
        default=None,
        description="The edit to post (a rendition made in Produce). Default: the newest edit "
        "of the video for the platform's profile; without one, a plain version is made (the "
        "check says so)",
    )
    options: dict[str, Any] = Field(
        default_factory=dict,
        description="The platform's publish options (privacy, comments, disclosures …)",
    )
    overrides: TextOverrides = Field(default_factory=TextOverrides)


class Schedule(UserInput):
    model_config = ConfigDict(extra="forbid")

    at: When = Field(
        default="now",
        description="When to publish: an ISO 8601 time (without an offset it is read in the "
        'workspace\'s timezone) or "now"',
    )


class PostCreate(UserInput):
    """A post for one or more accounts, scheduled at one time."""

    model_config = ConfigDict(extra="forbid")
    multiline_fields: ClassVar[frozenset[str]] = frozenset({"caption"})

    title: str = Field(default="", max_length=TITLE_MAX)
    caption: str = Field(default="", max_length=CAPTION_MAX)
    hashtags: list[str] = Field(default_factory=list, max_length=HASHTAGS_MAX)
    asset_id: int | None = Field(
        default=None,
        description="The video (a media library asset); may be left out when every target "
        "names a rendition of it",
    )
    cover_asset_id: int | None = Field(default=None, description="A cover image asset")
    targets: list[TargetCreate] = Field(min_length=1, max_length=50)
    schedule: Schedule = Field(default_factory=Schedule)

    @field_validator("hashtags")
    @classmethod
    def _hashtags(cls, value: list[str]) -> list[str]:
        return normalize_hashtags(value)


class RescheduleIn(UserInput):
    model_config = ConfigDict(extra="forbid")

    at: When


class DuplicateIn(UserInput):
    model_config = ConfigDict(extra="forbid")

    at: When = Field(description="When the copy publishes")


class ReviewIn(UserInput):
    """What a person found on the platform for a publication that needs review."""

    model_config = ConfigDict(extra="forbid")

    outcome: Literal["published", "failed"] = Field(
        description="published: the post is live (give its url); failed: it is not there"
    )
    url: str | None = Field(default=None, description="The live post's address (published)")


class CompleteIn(UserInput):
    model_config = ConfigDict(extra="forbid")

    url: Url = Field(description="The live post's address (http or https)")


# --- out ------------------------------------------------------------------------------------------


class IssueRead(BaseModel):
    field: str = Field(description="What the issue is about: title, caption, media, options.x …")
    code: str
    severity: Severity
    message: str
    template: str = Field(description="The message's English template, for translation")
    params: dict[str, Any]


class TargetReport(BaseModel):
    account_id: int
    platform: str
    handle: str
    ok: bool
    rendition_id: int | None = Field(
        description="The rendition this target posts (None: a plain version is made)"
    )
    issues: list[IssueRead]


class ValidationReport(BaseModel):
    """The composer's live check: every issue of every target, and whether it may be scheduled."""

    ok: bool = Field(description="False when any issue is an error")
    scheduled_at: datetime | None = Field(description="The resolved time, in UTC")
    issues: list[IssueRead] = Field(description="Issues of the post as a whole (time, video)")
    targets: list[TargetReport]


class EventRead(BaseModel):
    status: str
    message: str
    created_at: datetime


class PublicationRead(BaseModel):
    id: int
    post_id: int | None
    account_id: int
    platform: str
    account_handle: str
    status: PublicationStatus
    scheduled_at: datetime | None
    next_attempt_at: datetime | None = Field(
        description="When the engine looks at it next (a retry, or the next status check)"
    )
    attempts: int = Field(description="Tries that failed before anything was sent")
    max_attempts: int = Field(description="Tries before it is marked failed")
    upload_started_at: datetime | None
    upload_progress: float = Field(description="0 to 1 while uploading")
    published_at: datetime | None
    remote_id: str | None
    url: str | None = Field(description="The live post, once verified")
    error: str | None = Field(description="Why it failed, needs review, or is being retried")
    error_code: str | None
    review_url: str | None = Field(
        description="Where to check on the platform, when the outcome needs a person"
    )
    verification: dict[str, Any] = Field(
        description="What the platform confirmed: checked_at, visibility, url, remote_id"
    )
    rendition_id: int | None
    uploaded_sha256: str = Field(
        description="SHA-256 of the file sent to the platform (empty before the upload)"
    )
    options: dict[str, Any]
    overrides: dict[str, Any]
    created_at: datetime
    updated_at: datetime | None
    timeline: list[EventRead] = Field(
        default_factory=list, description="Every step (only when one publication is read)"
    )


class PostRead(BaseModel):
    id: int
    title: str
    caption: str
    hashtags: list[str]
    asset_id: int | None
    cover_asset_id: int | None
    created_at: datetime
    publications: list[PublicationRead]


@dataclass(frozen=True)
class PublicationFilters:
    """Queue and calendar filters; `start`/`end` bound `scheduled_at` (start ≤ t < end)."""

    statuses: tuple[PublicationStatus, ...] = ()
    account_id: int | None = None
    post_id: int | None = None
    start: datetime | None = None
    end: datetime | None = None
