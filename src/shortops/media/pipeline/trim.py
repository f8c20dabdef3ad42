"""Trim: keep one part of the source, by seeking the input rather than filtering.

`-ss`/`-to` before `-i` make FFmpeg seek to the nearest keyframe and decode only from there, then
drop frames up to the exact start (accurate seeking is on by default when transcoding); a `trim`
filter would decode everything before the start first. The kept part's timestamps start at 0.
"""

from __future__ import annotations

from shortops.media.pipeline.escape import seconds
from shortops.media.spec import Trim


def trim_input_args(trim: Trim, source_duration_s: float) -> list[str]:
    """Input options for the master: `-ss start` and `-to end`, each only when it cuts."""
    args: list[str] = []
    if trim.start_s > 0:
        args += ["-ss", seconds(trim.start_s)]
    if trim.end_s is not None and trim.end_s < source_duration_s:
        args += ["-to", seconds(trim.end_s)]
    return args


def trimmed_duration(trim: Trim, source_duration_s: float) -> float:
    """How long the kept part is (0 when the start lies beyond the end of the source)."""
    end = source_duration_s if trim.end_s is None else min(trim.end_s, source_duration_s)
    return max(0.0, end - trim.start_s)
