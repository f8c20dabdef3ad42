"""Previews: the commands for a library preview clip and for one frame of a rendition.

A preview clip is a few muted seconds of a video, small enough to play on hover in the library.

A preview frame shows one moment of a rendition exactly as the render would draw it, from the
same picture graph (`graph.video_chains`: fit, subtitles, text overlays, logo). It seeks the
input (`-ss` before `-i`), so FFmpeg decodes only from the keyframe before that moment instead of
from the start of the video. Seeking restarts the timestamps at 0, but the graph's timed steps
read the rendition's time from them (hook text is `enable=between(t,…)`, subtitles are shifted by
the trim start), so the frames first get their rendition time back with `setpts=PTS+t/TB`.
Silence removal is not previewed: the time counts from the trim start, before any cut.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from shortops.errors import N_, InvalidInput
from shortops.media.pipeline.cover import JPEG_COLORS
from shortops.media.pipeline.escape import seconds
from shortops.media.pipeline.fit import Size, contain_size
from shortops.media.pipeline.graph import (
    VIDEO_OUT,
    RenderFonts,
    RenderInputs,
    input_indexes,
    video_chains,
)
from shortops.media.pipeline.plan import RenderPlan

CLIP_SECONDS = 4.0
CLIP_BOX = Size(360, 360)
CLIP_CRF = 30
FRAME_QUALITY = 3  # JPEG -q:v: 2 is best; 3 looks the same at half the bytes
FRAME_OUT = "vjpeg"


# --- the preview clip ----------------------------------------------------------------------------


def clip_start(duration_s: float) -> float:
    """Where the clip starts: a third in when a whole clip still fits after that, else 0.

    The first seconds are often a black fade or a title card; a third in shows the content.
    """
    start = duration_s / 3
    return start if duration_s - start >= CLIP_SECONDS else 0.0


def clip_size(source: Size) -> Size:
    """The clip's size: `source` fitted inside `CLIP_BOX`, never enlarged, both sides even."""
    if source.width <= CLIP_BOX.width and source.height <= CLIP_BOX.height:
        return Size(max(2, source.width // 2 * 2), max(2, source.height // 2 * 2))
    return contain_size(source, CLIP_BOX)


def clip_scale(source: Size | None) -> str:
    """The scale filter of the clip; from the stored display size when known."""
    if source is None:  # facts from before probing kept sizes: let FFmpeg work it out
        return (
            f"scale={CLIP_BOX.width}:{CLIP_BOX.height}"
            ":force_original_aspect_ratio=decrease:force_divisible_by=2,setsar=1"
        )
    size = clip_size(source)
    return f"scale={size.width}:{size.height},setsar=1"


def clip_argv(ffmpeg: str, master: Path, *, start_s: float, source: Size | None) -> list[str]:
    """A muted H.264 clip of `CLIP_SECONDS` from `start_s` (the runner adds the output path)."""
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-ss", seconds(start_s), "-t", seconds(CLIP_SECONDS), "-i", str(master),
        "-map", "0:v:0", "-an", "-sn", "-dn", "-vf", clip_scale(source),
        "-c:v", "libx264", "-preset", "veryfast", "-crf", str(CLIP_CRF),
        "-pix_fmt", "yuv420p", "-movflags", "+faststart",
        "-map_metadata", "-1", "-map_chapters", "-1",
    ]  # fmt: skip


# --- the preview frame ---------------------------------------------------------------------------


def frame_time(plan: RenderPlan, at_s: float) -> float:
    """`at_s` checked against the rendition's length, and kept inside its last frame."""
    if at_s < 0 or at_s > plan.duration_s:
        raise InvalidInput(
            N_(
                "The preview time {at} s is outside the video, which is {duration} s long after "
                "trimming: choose a time from 0 to {duration} s."
            ),
            at=seconds(at_s),
            duration=seconds(round(plan.duration_s, 1)),
        )
    # A seek to the very end finds no frame to show: the last one starts a frame earlier, and
    # times are written to the millisecond, so stay two frames clear of the end.
    last_frame = 2 * max(1 / plan.video.fps, 1 / plan.profile.fps)
    return max(0.0, min(at_s, plan.duration_s - last_frame))


def frame_argv(
    plan: RenderPlan, inputs: RenderInputs, fonts: RenderFonts, *, at_s: float, ffmpeg: str
) -> list[str]:
    """One JPEG of the rendition at `at_s` seconds (the runner adds the output path).

    The music is left out: a picture does not need it. `at_s` must come from `frame_time`.
    """
    picture_inputs = replace(inputs, music=None)
    indexes = input_indexes(picture_inputs)
    chains = video_chains(plan, picture_inputs, fonts, indexes)
    source_label = f"[0:{plan.video.index}]"
    if not chains[0].startswith(source_label):
        raise AssertionError(f"the picture graph no longer starts at {source_label}")
    shift = f"setpts=PTS+{seconds(at_s)}/TB"
    chains[0] = f"{source_label}{shift},{chains[0].removeprefix(source_label)}"
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-y"]
    argv += ["-ss", seconds(plan.spec.trim.start_s + at_s), "-i", str(inputs.master)]
    if picture_inputs.logo:
        argv += ["-i", str(picture_inputs.logo)]
    chains.append(f"[{VIDEO_OUT}]{JPEG_COLORS}[{FRAME_OUT}]")
    argv += ["-filter_complex", ";".join(chains), "-map", f"[{FRAME_OUT}]"]
    return [*argv, "-frames:v", "1", "-update", "1", "-q:v", str(FRAME_QUALITY)]
