"""The passes that look at the media before building a render: silences, scene cuts, cover frame.

Unlike the other pipeline modules these run things (FFmpeg, PySceneDetect); each is one process
over the input and returns plain numbers the pure builders take.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shortops.media.errors import RenderFailed
from shortops.media.pipeline.cover import (
    analysis_size,
    candidate_filters,
    frame_times,
    sharpest_time,
)
from shortops.media.pipeline.fit import Size
from shortops.media.pipeline.scenes import Interval, scene_ranges
from shortops.media.pipeline.silence import parse_silences, silencedetect_filter
from shortops.media.pipeline.trim import trim_input_args, trimmed_duration
from shortops.media.probe import MediaInfo
from shortops.media.runner import last_meaningful_line
from shortops.media.spec import Trim

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

SCENE_THRESHOLD = 27.0  # PySceneDetect ContentDetector's default


def detect_silences(
    ffmpeg: str, source: MediaInfo, trim: Trim, *, timeout_s: float
) -> list[Interval]:
    """Silent stretches of the trimmed part of `source`, on the trimmed timeline."""
    if source.audio is None:
        return []
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-v", "info"]
    argv += [*trim_input_args(trim, source.duration_s), "-i", str(source.path)]
    argv += ["-map", f"0:{source.audio.index}", "-af", silencedetect_filter(), "-f", "null", "-"]
    log = _run(argv, timeout_s).stderr.decode(errors="replace")
    return parse_silences(log, trimmed_duration(trim, source.duration_s))


def choose_cover_time(ffmpeg: str, video: MediaInfo, *, timeout_s: float) -> float:
    """The time of the sharpest candidate frame of `video` (0 when it has none)."""
    stream = video.video
    if stream is None:
        return 0.0
    frame_count = max(1, round(video.duration_s * stream.fps))
    size = analysis_size(Size(stream.display_width, stream.display_height))
    filters = candidate_filters(frame_count, size)
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-v", "info", "-i", str(video.path)]
    argv += ["-map", f"0:{stream.index}", "-vf", ",".join(filters), "-fps_mode", "passthrough"]
    argv += ["-f", "rawvideo", "-pix_fmt", "gray", "-"]
    completed = _run(argv, timeout_s)
    frames = _gray_frames(completed.stdout, size)
    times = frame_times(completed.stderr.decode(errors="replace"))
    return sharpest_time(times, frames) or 0.0


def _gray_frames(raw: bytes, size: Size) -> list[NDArray[np.uint8]]:
    import numpy as np  # only when picking a cover: see cover.sharpness

    pixels = size.width * size.height
    count = len(raw) // pixels
    data = np.frombuffer(raw[: count * pixels], dtype=np.uint8)
    return list(data.reshape(count, size.height, size.width))


def detect_scenes(path: Path, *, threshold: float = SCENE_THRESHOLD) -> list[Interval]:
    """(start, end) seconds of each scene of the video at `path`, by PySceneDetect."""
    from scenedetect import ContentDetector, detect, open_video

    scenes = detect(str(path), ContentDetector(threshold=threshold))
    duration = _seconds(open_video(str(path)).duration)
    return scene_ranges([_seconds(start) for start, _end in scenes[1:]], duration)


def _seconds(timecode: Any) -> float:
    # PySceneDetect 0.7 deprecates FrameTimecode.get_seconds() for the `seconds` property.
    if hasattr(type(timecode), "seconds"):
        return float(timecode.seconds)
    return float(timecode.get_seconds())


def _run(argv: list[str], timeout_s: float) -> subprocess.CompletedProcess[bytes]:
    try:
        completed = subprocess.run(
            argv, capture_output=True, timeout=timeout_s, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise RenderFailed(detail=f"an analysis pass took more than {timeout_s:g} s") from None
    if completed.returncode != 0:
        lines = completed.stderr.decode(errors="replace").splitlines()
        raise RenderFailed(detail=last_meaningful_line(lines))
    return completed
