"""Scenes: a long video as a list of (start, end) clips, cut where the picture changes.

The cuts come from PySceneDetect's content detector (see `analysis.detect_scenes`); this module
turns cut times into clip ranges, merging clips too short to stand alone into their neighbour.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

Interval = tuple[float, float]

MIN_CLIP_S = 1.0


def scene_ranges(
    cuts: Sequence[float], duration_s: float, min_clip_s: float = MIN_CLIP_S
) -> list[Interval]:
    """Clips between consecutive cuts; a clip shorter than `min_clip_s` joins the one before."""
    bounds = [0.0, *sorted(cut for cut in cuts if 0 < cut < duration_s), duration_s]
    ranges: list[Interval] = []
    for start, end in itertools.pairwise(bounds):
        if ranges and end - start < min_clip_s:
            ranges[-1] = (ranges[-1][0], end)
        else:
            ranges.append((start, end))
    if len(ranges) > 1 and ranges[0][1] - ranges[0][0] < min_clip_s:
        ranges[:2] = [(ranges[0][0], ranges[1][1])]
    return ranges
