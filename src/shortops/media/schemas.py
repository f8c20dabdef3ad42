"""Pydantic shapes of the media library (API in/out)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from shortops.errors import N_
from shortops.kit.schema import UserInput
from shortops.media.profiles import CoverSize, PlatformProfile, SafeArea
from shortops.media.spec import EditSpec
from shortops.models import AssetKind, RenditionStatus, UploadStatus

STATUS_LABELS = {
    RenditionStatus.queued: N_("Queued"),
    RenditionStatus.rendering: N_("Rendering"),
    RenditionStatus.ready: N_("Ready"),
    RenditionStatus.failed: N_("Failed"),
    RenditionStatus.cancelled: N_("Cancelled"),
}

KIND_LABELS = {
    AssetKind.video: N_("Video"),
    AssetKind.audio: N_("Audio"),
    AssetKind.image: N_("Image"),
    AssetKind.subtitles: N_("Subtitles"),
}

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Sha256 = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[0-9a-fA-F]{64}$")
]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{1,39}$")]


# --- assets ---------------------------------------------------------------------------------------


class MediaFacts(BaseModel):
    """What probing found, in the shape every reader shows."""

    duration_s: float | None = None
    width: int | None = None
    height: int | None = None
    fps: float | None = None
    vfr: bool = False
    hdr: bool = False
    video_codec: str | None = None
    audio_codec: str | None = None
    has_video: bool = False
    has_audio: bool = False
    rotation: int = 0


class RenditionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    asset_id: int
    profile_slug: str
    profile_name: str
    key: str
    status: RenditionStatus
    progress: float = Field(description="0 to 1 while rendering; 1 when ready")
    error: str
    output: MediaFacts | None = None
    output_size_bytes: int | None
    covers: list[str] = Field(description="Names of the cover images made (e.g. portrait)")
    warnings: list[str] = Field(
        description="Codes of what the renderer had to compromise on (e.g. upscaled_small_source)"
    )
    spec: dict[str, Any]
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class AssetRead(BaseModel):
    id: int
    filename: str
    kind: AssetKind
    content_type: str
    size_bytes: int
    sha256: str
    facts: MediaFacts
    created_at: datetime
    renditions: list[RenditionRead] = Field(default_factory=list)


# --- uploads --------------------------------------------------------------------------------------


class UploadCreate(UserInput):
    filename: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
    size: int = Field(ge=1, description="Size of the whole file in bytes")
    sha256: Sha256 | None = Field(
        default=None, description="Checked when the last byte arrives, when given"
    )


class UploadRead(BaseModel):
    id: str
    filename: str
    size: int
    offset: int = Field(description="Bytes received so far: send the next chunk from here")
    chunk_size: int = Field(description="Suggested chunk size; chunks may be up to max_chunk_size")
    max_chunk_size: int
    status: UploadStatus
    error: str = ""
    expires_at: datetime
    asset: AssetRead | None = None
    duplicate: bool = Field(
        default=False, description="True when the file was already in the library"
    )


# --- profiles -------------------------------------------------------------------------------------


class ProfileRead(PlatformProfile):
    """A built-in or custom profile (custom ones have builtin false)."""

    id: int | None = Field(default=None, description="Set for custom profiles")


class ProfileCreate(UserInput):
    """A custom profile: a built-in one to start from, with the values to change."""

    model_config = ConfigDict(extra="forbid")

    slug: Slug
    name: Name
    based_on: str = Field(default="tiktok", description="Slug of a built-in profile")
    width: int | None = Field(default=None, gt=0, le=8192)
    height: int | None = Field(default=None, gt=0, le=8192)
    fps: float | None = Field(default=None, gt=0, le=120)
    h264_profile: Literal["high", "main", "baseline"] | None = None
    audio_bitrate_k: int | None = Field(default=None, gt=0, le=512)
    max_video_bitrate_k: int | None = Field(default=None, gt=0)
    max_bytes: int | None = Field(default=None, gt=0)
    min_duration_s: float | None = Field(default=None, ge=0)
    max_duration_s: float | None = Field(default=None, gt=0)
    keyframe_interval_s: float | None = Field(default=None, gt=0, le=10)
    covers: list[CoverSize] | None = None
    safe_area: SafeArea | None = Field(
        default=None, description="Where the platform draws over the video (px in from each edge)"
    )


# --- templates ------------------------------------------------------------------------------------


class TemplateCreate(UserInput):
    model_config = ConfigDict(extra="forbid")

    name: Name
    spec: EditSpec = EditSpec()


class TemplateUpdate(UserInput):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    spec: EditSpec | None = None


class TemplateRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    spec: dict[str, Any]
    created_at: datetime
    updated_at: datetime


# --- renditions -----------------------------------------------------------------------------------


class RenditionsCreate(UserInput):
    """One asset for one or more platforms, with an edit spec or a saved template."""

    model_config = ConfigDict(extra="forbid")

    asset_id: int
    profiles: list[Slug] = Field(min_length=1, max_length=50)
    spec: EditSpec | None = None
    template_id: int | None = None

    @model_validator(mode="after")
    def _spec_or_template(self) -> RenditionsCreate:
        if self.spec is not None and self.template_id is not None:
            raise ValueError("give a spec or a template_id, not both")
        return self
