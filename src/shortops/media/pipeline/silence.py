"""Silence removal: jump cuts that keep only the parts where something is said.

`silencedetect` finds the quiet stretches (an analysis pass); they become keep-intervals, a little
padded so words are not clipped, and `select`/`aselect` keep the frames and samples inside them.
`setpts`/`asetpts` then renumber the timestamps so the kept parts play back to back.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from shortops.media.pipeline.escape import filter_value, seconds

Interval = tuple[float, float]

NOISE_FLOOR_DB = -35
MIN_SILENCE_S = 0.6
PADDING_S = 0.15  # left around speech on both sides of a cut
MIN_KEEP_S = 0.1
_START = re.compile(r"silence_start:\s*(-?[\d.]+)")
_END = re.compile(r"silence_end:\s*(-?[\d.]+)")


def silencedetect_filter(
    noise_db: float = NOISE_FLOOR_DB, min_silence_s: float = MIN_SILENCE_S
) -> str:
    """The analysis filter: logs `silence_start`/`silence_end` for each quiet stretch."""
    return f"silencedetect=noise={noise_db:g}dB:d={min_silence_s:g}"


def parse_silences(log: str, duration_s: float) -> list[Interval]:
    """(start, end) of each silence in a silencedetect log; one still open ends at `duration_s`."""
    silences: list[Interval] = []
    start: float | None = None
    for line in log.splitlines():
        if found := _START.search(line):
            start = max(0.0, float(found.group(1)))
        elif (found := _END.search(line)) and start is not None:
            silences.append((start, float(found.group(1))))
            start = None
    if start is not None:
        silences.append((start, duration_s))
    return silences


def keep_intervals(
    silences: Sequence[Interval], duration_s: float, padding_s: float = PADDING_S
) -> list[Interval]:
    """The parts between silences, each widened by `padding_s` into the silence around it."""
    keep: list[Interval] = []
    position = 0.0
    for start, end in sorted(silences):
        cut_from = min(duration_s, start + padding_s) if start > 0 else 0.0
        if cut_from - position >= MIN_KEEP_S:
            keep.append((position, cut_from))
        position = max(position, end - padding_s if end < duration_s else duration_s)
    if duration_s - position >= MIN_KEEP_S:
        keep.append((position, duration_s))
    return keep


def kept_duration(keep: Sequence[Interval]) -> float:
    """Total length of the kept parts."""
    return sum(end - start for start, end in keep)


def select_expression(keep: Sequence[Interval]) -> str:
    """True for a time inside any kept interval."""
    return "+".join(f"between(t,{seconds(start)},{seconds(end)})" for start, end in keep)


def video_keep_filters(keep: Sequence[Interval]) -> list[str]:
    """Keep the frames inside `keep` and close the gaps (needs a constant rate before it)."""
    if not keep:
        return []
    return [f"select={filter_value(select_expression(keep))}", "setpts=N/FRAME_RATE/TB"]


def audio_keep_filters(keep: Sequence[Interval]) -> list[str]:
    """Keep the samples inside `keep` and close the gaps (N counts samples in asetpts)."""
    if not keep:
        return []
    return [f"aselect={filter_value(select_expression(keep))}", "asetpts=N/SR/TB"]
