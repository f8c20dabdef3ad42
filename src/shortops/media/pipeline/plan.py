"""Plan: everything that can be decided, and refused, before FFmpeg starts.

A render can take minutes; a limit it would break is better reported at once, in words that say
what to change. The plan fixes the rendition's duration (after trim and silence removal), the
colour conversion, the bitrate ceiling that keeps the file under the platform's size limit, and
the warnings to show with the result.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Literal

from shortops.errors import N_
from shortops.media.errors import NoVideoStream, RenditionLimitError, SourceTooSmall
from shortops.media.pipeline.color import ColorConversion, color_conversion
from shortops.media.pipeline.fit import Size
from shortops.media.pipeline.silence import Interval, kept_duration
from shortops.media.pipeline.trim import trimmed_duration
from shortops.media.probe import MediaInfo, VideoStream
from shortops.media.profiles import PlatformProfile
from shortops.media.spec import EditSpec

# Below this shorter side a source is too small to make a sharp rendition by upscaling.
MIN_SOURCE_SHORT_SIDE = 480
# Below this video bitrate a rendition would be visibly broken, so the size limit refuses it.
MIN_VIDEO_BITRATE_K = 300
# Share of the byte limit the audio and video may fill; the rest is the MP4's own overhead.
SIZE_HEADROOM = 0.97

# Codes the UI can translate and explain (docs/media.md, "Warnings").
PlanWarning = Literal["upscaled_small_source", "hdr_not_tone_mapped", "no_sound_to_cut"]


@dataclass(frozen=True)
class RenderPlan:
    source: MediaInfo
    video: VideoStream
    spec: EditSpec
    profile: PlatformProfile
    duration_s: float  # of the rendition, after trim and silence removal
    keep: tuple[Interval, ...]  # silence removal: parts kept, on the trimmed timeline
    color: ColorConversion
    max_video_bitrate_k: int
    warnings: tuple[PlanWarning, ...]

    @property
    def frame(self) -> Size:
        return Size(self.profile.width, self.profile.height)

    @property
    def source_size(self) -> Size:
        return Size(self.video.display_width, self.video.display_height)


def plan_render(
    source: MediaInfo,
    spec: EditSpec,
    profile: PlatformProfile,
    *,
    filters: Collection[str],
    keep: Sequence[Interval] = (),
    allow_upscale: bool = False,
) -> RenderPlan:
    """Check the limits known before rendering and fix the rendition's parameters.

    `filters` are the FFmpeg build's filter names; `keep` the silence-removal intervals, if any.
    """
    video = source.video
    if video is None:
        raise NoVideoStream(name=source.path.name)
    warnings: list[PlanWarning] = []
    duration = _checked_duration(source, spec, profile, keep)
    if _needs_upscale_from_tiny(video, profile):
        if not allow_upscale:
            raise SourceTooSmall(
                name=source.path.name,
                width=video.display_width,
                height=video.display_height,
                target=f"{profile.width}×{profile.height}",
                min_side=MIN_SOURCE_SHORT_SIDE,
            )
        warnings.append("upscaled_small_source")
    color = color_conversion(video, filters)
    if color == "hdr_without_tonemap":
        warnings.append("hdr_not_tone_mapped")
    if spec.remove_silence and source.audio is None:
        warnings.append("no_sound_to_cut")
    return RenderPlan(
        source=source,
        video=video,
        spec=spec,
        profile=profile,
        duration_s=duration,
        keep=tuple(keep) if source.audio is not None else (),
        color=color,
        max_video_bitrate_k=_bitrate_ceiling(profile, duration),
        warnings=tuple(warnings),
    )


def _checked_duration(
    source: MediaInfo, spec: EditSpec, profile: PlatformProfile, keep: Sequence[Interval]
) -> float:
    trimmed = trimmed_duration(spec.trim, source.duration_s)
    if trimmed <= 0:
        raise RenditionLimitError(
            N_(
                "The trim starts at {start} s, but the video is only {duration} s long: choose a "
                "start within the video."
            ),
            start=_shown(spec.trim.start_s),
            duration=_shown(source.duration_s),
        )
    if trimmed > profile.max_duration_s:
        raise RenditionLimitError(
            duration=_shown(trimmed),
            platform=profile.name,
            limit=_shown(profile.max_duration_s),
        )
    duration = kept_duration(keep) if keep and source.audio is not None else trimmed
    if duration < profile.min_duration_s:
        raise RenditionLimitError(
            N_(
                "The video is {duration} s long after trimming and cutting silences; {platform} "
                "needs at least {limit} s: keep a longer part or turn silence removal off."
            ),
            duration=_shown(duration),
            platform=profile.name,
            limit=_shown(profile.min_duration_s),
        )
    return duration


def _needs_upscale_from_tiny(video: VideoStream, profile: PlatformProfile) -> bool:
    source_short = min(video.display_width, video.display_height)
    target_short = min(profile.width, profile.height)
    return source_short < MIN_SOURCE_SHORT_SIDE and target_short > source_short


def _bitrate_ceiling(profile: PlatformProfile, duration_s: float) -> int:
    """The profile's peak rate, lowered if needed so even a worst-case file fits `max_bytes`."""
    budget_k = profile.max_bytes * 8 * SIZE_HEADROOM / 1000 / max(duration_s, 0.001)
    video_k = math.floor(budget_k - profile.audio_bitrate_k)
    if video_k < MIN_VIDEO_BITRATE_K:
        longest = (
            profile.max_bytes
            * 8
            * SIZE_HEADROOM
            / 1000
            / (MIN_VIDEO_BITRATE_K + profile.audio_bitrate_k)
        )
        raise RenditionLimitError(
            N_(
                "{platform} accepts files up to {megabytes} MB, too small for {duration} s of "
                "video at a watchable quality: trim it to {limit} s or less."
            ),
            platform=profile.name,
            megabytes=_shown(profile.max_bytes / 1024 / 1024),
            duration=_shown(duration_s),
            limit=_shown(math.floor(longest)),
        )
    return min(profile.max_video_bitrate_k, video_k)


def _shown(value: float) -> str:
    """A number of seconds or megabytes for people: at most one decimal."""
    return f"{value:.1f}".removesuffix(".0")
