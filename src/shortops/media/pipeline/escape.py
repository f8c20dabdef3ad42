"""Quoting for FFmpeg filter graphs.

A value inside `-filter_complex` is parsed twice (FFmpeg docs, "Notes on filtergraph escaping"):
the filter's option parser splits on `:` and removes one level of `\\`/`'` escaping, after the
graph parser has split on `[],;` and removed another. So a value is escaped for the option level
first, then for the graph level.
"""

from __future__ import annotations

_OPTION_SPECIALS = "\\':"
_GRAPH_SPECIALS = "\\'[],;"


def filter_value(value: str) -> str:
    """`value` escaped to stand as one option value inside a filter graph."""
    return _escape(_escape(value, _OPTION_SPECIALS), _GRAPH_SPECIALS)


def hex_color(color: str) -> str:
    """ "#RRGGBB" as FFmpeg's 0xRRGGBB."""
    return "0x" + color.removeprefix("#").upper()


def ass_color(color: str, *, alpha: int = 0) -> str:
    """ "#RRGGBB" as an ASS colour: &HAABBGGRR (blue first; alpha 0 is opaque)."""
    rgb = color.removeprefix("#").upper()
    return f"&H{alpha:02X}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}"


def seconds(value: float) -> str:
    """A time in seconds with millisecond precision and no trailing zeros."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text or "0"


def _escape(text: str, specials: str) -> str:
    return "".join("\\" + char if char in specials else char for char in text)
