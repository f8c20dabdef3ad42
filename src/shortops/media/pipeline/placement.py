"""Placement: where subtitles, text overlays and the logo go, inside the platform's safe area and
never on top of each other.

A spec's margins count from the edge of the safe area (the part of the frame the platform's own
buttons and texts leave free), not from the frame's edge. Items anchored to the same edge are
stacked away from it in a fixed order, each box's height estimated from its lines, so the hook
text never lands on the logo and a caption never lands on the subtitles:

- bottom: subtitles nearest the edge, then the text overlays in the spec's order, then the logo;
- top: the logo nearest the edge, then the subtitles, then the text overlays;
- centre: overlays stacked downward from the middle of the safe area.

Stacking ignores time and sideways room (a short hook at the top-left would fit beside a logo at
the top-right): the estimate is conservative so that text stays readable on every frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shortops.media.pipeline.fit import Size
from shortops.media.pipeline.layout import Insets
from shortops.media.pipeline.overlays import wrap_text
from shortops.media.profiles import SafeArea
from shortops.media.spec import EditSpec, Position, TextStyle

LINE_HEIGHT = 1.25  # a line's box, in font sizes (CJK glyphs fill about 1.1)
GAP_SHARE = 0.35  # the space between stacked items, in font sizes
SUBTITLE_LINES = 2  # lines reserved for a cue when the file's own lines are not known
MAX_SUBTITLE_LINES = 4

Row = Literal["top", "center", "bottom"]


@dataclass(frozen=True)
class Layout:
    """The insets each item is positioned with (see layout.position_xy)."""

    subtitles: Insets | None
    overlays: tuple[Insets, ...]
    logo: Insets | None


@dataclass(frozen=True)
class _Item:
    kind: Literal["subtitles", "overlay", "logo"]
    index: int
    position: Position
    margin: int
    height: int
    gap: int


def row_of(position: Position) -> Row:
    if position.startswith("top"):
        return "top"
    return "bottom" if position.startswith("bottom") else "center"


def text_height(text: str, style: TextStyle, width: int) -> int:
    """The height of `text` drawn in `style`, wrapped to `width`, with its outline."""
    lines = wrap_text(text, style.size, width).count("\n") + 1
    return round(lines * style.size * LINE_HEIGHT) + 2 * style.outline


def subtitle_lines(texts: tuple[str, ...], style: TextStyle, width: int) -> int:
    """The most lines a cue takes once wrapped to `width` (at most MAX_SUBTITLE_LINES)."""
    if not texts:
        return SUBTITLE_LINES
    most = max(wrap_text(text, style.size, width).count("\n") + 1 for text in texts)
    return min(MAX_SUBTITLE_LINES, most)


def subtitle_height(style: TextStyle, lines: int) -> int:
    return round(max(1, lines) * style.size * LINE_HEIGHT) + 2 * style.outline


def layout(
    spec: EditSpec,
    frame: Size,
    safe: SafeArea,
    *,
    subtitle_texts: tuple[str, ...] = (),
    logo_size: Size | None = None,
) -> Layout:
    """Every item's insets: margins from the safe area's edges, stacked where they share a row.

    `subtitle_texts` are the cues' texts (none known: SUBTITLE_LINES lines are kept free);
    `logo_size` the logo picture's own size (unknown: a square logo is assumed).
    """
    items = _items(spec, frame, safe, subtitle_texts, logo_size)
    placed: dict[tuple[str, int], Insets] = {}
    for row in ("top", "center", "bottom"):
        cursor = 0  # distance from the row's anchor (edge or middle) where the next item may go
        for item in _stack_order([i for i in items if row_of(i.position) == row], row):
            start = cursor if row == "center" else max(cursor, item.margin)
            placed[(item.kind, item.index)] = _insets(item, row, start, safe)
            cursor = start + item.height + item.gap
    return Layout(
        subtitles=placed.get(("subtitles", 0)),
        overlays=tuple(placed[("overlay", i)] for i in range(len(spec.overlays))),
        logo=placed.get(("logo", 0)),
    )


def _items(
    spec: EditSpec,
    frame: Size,
    safe: SafeArea,
    subtitle_texts: tuple[str, ...],
    logo_size: Size | None,
) -> list[_Item]:
    items: list[_Item] = []
    if spec.subtitles is not None:
        style = spec.subtitles.style
        width = frame.width - sum(_sides(style.position, style.margin, safe))
        lines = subtitle_lines(subtitle_texts, style, width)
        items.append(
            _Item(
                "subtitles",
                0,
                style.position,
                style.margin,
                subtitle_height(style, lines),
                round(style.size * GAP_SHARE),
            )
        )
    for index, overlay in enumerate(spec.overlays):
        style = overlay.style
        items.append(
            _Item(
                "overlay",
                index,
                style.position,
                style.margin,
                text_height(
                    overlay.text,
                    style,
                    frame.width - sum(_sides(style.position, style.margin, safe)),
                ),
                round(style.size * GAP_SHARE),
            )
        )
    if spec.logo is not None:
        width = round(frame.width * spec.logo.scale)
        height = round(width * logo_size.height / logo_size.width) if logo_size else width
        items.append(_Item("logo", 0, spec.logo.position, spec.logo.margin, height, 24))
    return items


# Nearest the anchor first: subtitles at the bottom (where viewers look for them), the logo in
# its top corner; overlays keep the spec's order.
_STACK_RANK: dict[Row, dict[str, int]] = {
    "bottom": {"subtitles": 0, "overlay": 1, "logo": 2},
    "top": {"logo": 0, "subtitles": 1, "overlay": 2},
    "center": {"subtitles": 0, "overlay": 1, "logo": 2},
}


def _stack_order(items: list[_Item], row: Row) -> list[_Item]:
    return sorted(items, key=lambda item: (_STACK_RANK[row][item.kind], item.index))


def _insets(item: _Item, row: Row, start: int, safe: SafeArea) -> Insets:
    """Insets for `item`: the safe area, `start` further in from its row's edge (for the centre
    row: `start` below the middle of the safe area), and its margin at its side."""
    top, bottom = safe.top, safe.bottom
    if row == "top":
        top += start
    elif row == "bottom":
        bottom += start
    else:  # centred between top and bottom insets: a larger top moves the centre down by half
        top += 2 * start
    left, right = _sides(item.position, item.margin, safe)
    return Insets(top=top, right=right, bottom=bottom, left=left)


def _sides(position: Position, margin: int, safe: SafeArea) -> tuple[int, int]:
    """Left and right insets: the safe area, plus the margin on the side an item is put to."""
    left, right = safe.left, safe.right
    if position.endswith("left"):
        left += margin
    elif position.endswith("right"):
        right += margin
    return left, right
