"""Colour: every rendition is 8-bit BT.709 SDR, whatever the source.

HDR (PQ or HLG transfer) is tone-mapped with zimg's `zscale` plus `tonemap` (Hable): linearise,
convert the primaries to BT.709 in float RGB, compress the highlights, re-encode to BT.709 video
range. FFmpeg builds without zimg lack `zscale`; `colorspace` cannot read PQ/HLG, so such builds
only convert the format: the picture keeps its HDR values and looks flat and pale. The plan warns
when that happens. 10-bit SDR only needs its depth reduced.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Literal

from shortops.media.probe import VideoStream

# The encoder's -color_* options lose to the frames' own (unset) colour properties, so the
# frames themselves are tagged.
BT709_TAGS = "setparams=range=tv:color_primaries=bt709:color_trc=bt709:colorspace=bt709"

ColorConversion = Literal["none", "depth", "tonemap", "hdr_without_tonemap"]

TONEMAP_FILTERS = [
    "zscale=t=linear:npl=100",
    "format=gbrpf32le",
    "zscale=p=bt709",
    "tonemap=tonemap=hable:desat=0",
    "zscale=t=bt709:m=bt709:r=tv",
    "format=yuv420p",
]


def color_conversion(video: VideoStream, filters: Collection[str]) -> ColorConversion:
    """Which conversion `video` needs with the filters this FFmpeg has."""
    if video.hdr:
        return "tonemap" if {"zscale", "tonemap"} <= set(filters) else "hdr_without_tonemap"
    if video.bit_depth > 8:
        return "depth"
    return "none"


def color_filters(conversion: ColorConversion) -> list[str]:
    """Filters that bring the picture to 8-bit SDR."""
    if conversion == "tonemap":
        return list(TONEMAP_FILTERS)
    if conversion in ("depth", "hdr_without_tonemap"):
        return ["format=yuv420p"]
    return []
