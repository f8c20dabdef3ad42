"""The edit spec: every choice that shapes a rendition, as a versioned JSON document.

A spec plus the input's hash plus the profile identify a rendition: the same three never render
twice. Templates ("our TikTok style") are saved specs without per-file inputs.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SPEC_VERSION: Literal[1] = 1
# The parts of a spec that name a file of their own, besides the master.
SIDE_FILE_ROLES = ("subtitles", "logo", "music")

Position = Literal[
    "top-left", "top", "top-right", "center", "bottom-left", "bottom", "bottom-right"
]


class Fit(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    mode: Literal["crop", "smart_crop", "pad"] = "crop"
    # smart_crop: horizontal centre of interest, 0 = left edge, 1 = right edge.
    focus_x: float = Field(default=0.5, ge=0, le=1)
    # pad: background is the same picture scaled up and blurred (not black bars).
    blur: int = Field(default=20, ge=0, le=100)


class Trim(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    start_s: float = Field(default=0, ge=0)
    end_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _end_after_start(self) -> Trim:
        if self.end_s is not None and self.end_s <= self.start_s:
            raise ValueError("trim end must come after its start")
        return self


class TextStyle(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    font: str | None = Field(default=None, description="Font family; default: bundled CJK font")
    size: int = Field(default=56, ge=8, le=400)
    color: str = Field(default="#FFFFFF", pattern=r"^#[0-9A-Fa-f]{6}$")
    outline: int = Field(default=3, ge=0, le=20)
    outline_color: str = Field(default="#000000", pattern=r"^#[0-9A-Fa-f]{6}$")
    position: Position = "bottom"
    margin: int = Field(
        default=30, ge=0, le=2000, description="Pixels in from the platform's safe area"
    )


class Subtitles(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    asset_id: int | None = None
    path: str | None = Field(default=None, description="SRT, ASS or VTT file")
    style: TextStyle = TextStyle()


class TextOverlay(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(min_length=1, max_length=500)
    start_s: float = Field(default=0, ge=0)
    end_s: float | None = Field(default=None, gt=0, description="None: until the end")
    style: TextStyle = TextStyle()


class Logo(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    asset_id: int | None = None
    path: str | None = None
    position: Position = "top-right"
    scale: float = Field(default=0.15, gt=0, le=1, description="Logo width / video width")
    opacity: float = Field(default=0.85, ge=0, le=1)
    margin: int = Field(default=40, ge=0, le=2000)


class Music(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    asset_id: int | None = None
    path: str | None = None
    volume: float = Field(default=0.2, ge=0, le=2)
    duck: bool = Field(default=False, description="Lower the music under speech (sidechain)")
    loop: bool = True


class Cover(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    enabled: bool = True
    at_s: float | None = Field(default=None, ge=0, description="None: pick the best frame")
    title: str | None = Field(default=None, max_length=200)


class EditSpec(BaseModel):
    """All choices for one rendition; stored with it and reusable as a template."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: Literal[1] = SPEC_VERSION
    fit: Fit = Fit()
    trim: Trim = Trim()
    subtitles: Subtitles | None = None
    overlays: tuple[TextOverlay, ...] = ()
    logo: Logo | None = None
    music: Music | None = None
    loudness_lufs: float | None = Field(
        default=None,
        ge=-40,
        le=-5,
        description="Normalise the sound to this loudness (EBU R128, -14 is usual); "
        "None leaves the levels as mixed",
    )
    remove_silence: bool = False
    cover: Cover = Cover()
    crf: int = Field(default=23, ge=0, le=51)
    preset: Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow"] = (
        "veryfast"
    )

    def canonical_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))

    def without_file_refs(self) -> EditSpec:
        """The same choices with no side file named (by asset id or path).

        Two specs that differ only in how they name the same files render the same output.
        """
        unnamed = {"asset_id": None, "path": None}
        return self.model_copy(
            update={
                role: part.model_copy(update=unnamed)
                for role in SIDE_FILE_ROLES
                if (part := getattr(self, role)) is not None
            }
        )


# The profile fields that shape the output file; the rest (name, slug, duration limits) only
# decide whether a file is accepted, so two platforms equal in these get the very same file.
OUTPUT_FIELDS = (
    "width", "height", "fps", "video_codec", "h264_profile", "pixel_format", "audio_codec",
    "audio_rate", "audio_bitrate_k", "max_video_bitrate_k", "keyframe_interval_s", "faststart",
    "covers", "safe_area",
)  # fmt: skip
# Mirrors the encoder's ceiling (pipeline/plan.py): the size cap only matters when it lowers
# the peak rate for this video's length.
_SIZE_HEADROOM = 0.97


def output_profile(profile: BaseModel, duration_s: float | None) -> dict[str, Any]:
    """What of `profile` decides the bytes of a rendition of a video `duration_s` long."""
    dumped = profile.model_dump(mode="json")
    shaped = {name: dumped.get(name) for name in OUTPUT_FIELDS}
    max_bytes, audio_k = dumped.get("max_bytes"), dumped.get("audio_bitrate_k") or 0
    peak_k = dumped.get("max_video_bitrate_k") or 0
    binds = (
        duration_s is None
        or not max_bytes
        or max_bytes * 8 * _SIZE_HEADROOM / 1000 / max(duration_s, 0.001) - audio_k < peak_k
    )
    if binds:  # unknown length, or a cap that lowers the rate: the cap is part of the output
        shaped["max_bytes"] = max_bytes
    return shaped


def rendition_key(
    *,
    input_sha256: str,
    profile: BaseModel,
    spec: EditSpec,
    inputs_sha256: dict[str, str] | None = None,
    duration_s: float | None = None,
) -> str:
    """Content address of a rendition: same input, output settings, spec and side files → same
    key, whichever platform asked (TikTok and YouTube Shorts share one file when equal)."""
    payload = json.dumps(
        {
            "input": input_sha256,
            "profile": output_profile(profile, duration_s),
            "spec": json.loads(spec.canonical_json()),
            "files": dict(sorted((inputs_sha256 or {}).items())),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()
