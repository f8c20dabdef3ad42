"""Encode: H.264 and AAC as the platforms document them, in an MP4 that starts playing at once.

- libx264 at the profile's H.264 profile, yuv420p, quality by CRF and preset from the spec, with
  the peak rate capped (`-maxrate`, a two-second `-bufsize`) so no stretch exceeds the platform's
  bitrate limit;
- a keyframe every `keyframe_interval_s` and closed GOPs: `-g` = `-keyint_min` = fps × interval,
  `-sc_threshold 0` so scene cuts add no extra keyframes, `-flags +cgop` (Instagram asks for it);
- AAC-LC 48 kHz stereo at the profile's bitrate (the BT.709 colour tags are set on the frames by
  the graph);
- `-threads` when the caller sets a thread budget: x264's own default (1.5 × cores) is for one
  encode owning the machine; renders sharing it get cores ÷ concurrent renders each, which also
  keeps fewer frames in flight (less memory) at the same speed;
- `+faststart` moves the index (moov) before the media data, and `-map_metadata -1` drops the
  source's tags (camera, GPS position, editing software).
"""

from __future__ import annotations

from shortops.media.pipeline.escape import seconds
from shortops.media.profiles import PlatformProfile
from shortops.media.spec import EditSpec

BUFFER_SECONDS = 2


def gop_frames(profile: PlatformProfile) -> int:
    """Frames between keyframes."""
    return max(1, round(profile.fps * profile.keyframe_interval_s))


def encode_args(
    profile: PlatformProfile,
    spec: EditSpec,
    *,
    duration_s: float,
    max_video_bitrate_k: int,
    threads: int | None = None,
) -> list[str]:
    """Output options for one rendition of `duration_s` seconds."""
    gop = str(gop_frames(profile))
    args = [
        "-c:v", "libx264",
        "-profile:v", profile.h264_profile,
        "-pix_fmt", profile.pixel_format,
        "-preset", spec.preset,
        "-crf", str(spec.crf),
        "-maxrate", f"{max_video_bitrate_k}k",
        "-bufsize", f"{max_video_bitrate_k * BUFFER_SECONDS}k",
        "-g", gop,
        "-keyint_min", gop,
        "-sc_threshold", "0",
        "-flags", "+cgop",
        "-fps_mode", "cfr",
        "-c:a", profile.audio_codec,
        "-b:a", f"{profile.audio_bitrate_k}k",
        "-ar", str(profile.audio_rate),
        "-ac", "2",
        "-t", seconds(duration_s),
        "-map_metadata", "-1",
        "-map_chapters", "-1",
    ]  # fmt: skip
    if threads is not None:
        args += ["-threads", str(threads)]
    if profile.faststart:
        args += ["-movflags", "+faststart"]
    return args
