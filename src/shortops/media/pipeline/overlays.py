"""Text overlays: hook lines and titles drawn with `drawtext`, CJK included.

The text is passed with `expansion=none`, so `%` and `{` are literal and only the filter-graph
quoting of `filter_value` applies (`:` `'` `\\` `,` `;` `[` `]`). drawtext does not wrap, so
long text is broken into lines here, estimating glyph widths: a CJK character is about one em
wide, a Latin one about half.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from shortops.media.pipeline.escape import filter_value, hex_color, seconds
from shortops.media.pipeline.fit import Size
from shortops.media.pipeline.layout import Insets, position_xy
from shortops.media.spec import Position, TextOverlay, TextStyle

LATIN_WIDTH_EM = 0.6
WRAP_MARGIN_SHARE = 0.06  # keep wrapped text 6 % of the width away from each side
_TOKEN = re.compile(r"\s+|[^\s]")


def drawtext_filter(
    text: str,
    style: TextStyle,
    font_file: Path,
    frame: Size,
    *,
    start_s: float = 0,
    end_s: float | None = None,
    insets: Insets | None = None,
) -> str:
    """One drawtext filter showing `text` in `style` from `start_s` to `end_s` (None: the end),
    `insets` from the edges (default: the style's margin all round), wrapped to fit between."""
    insets = insets or Insets.uniform(style.margin)
    x, y = position_xy(style.position, insets, frame=("w", "h"), item=("text_w", "text_h"))
    width = frame.width - insets.left - insets.right
    options = [
        f"fontfile={filter_value(str(font_file))}",
        "expansion=none",
        f"text={filter_value(wrap_text(text, style.size, width))}",
        f"fontsize={style.size}",
        f"fontcolor={hex_color(style.color)}",
        f"borderw={style.outline}",
        f"bordercolor={hex_color(style.outline_color)}",
        f"text_align={_alignment(style.position)}",
        f"x={filter_value(x)}",
        f"y={filter_value(y)}",
    ]
    enable = enable_expression(start_s, end_s)
    if enable:
        options.append(f"enable={filter_value(enable)}")
    return "drawtext=" + ":".join(options)


def overlay_filters(
    overlays: tuple[TextOverlay, ...],
    fonts: list[Path],
    frame: Size,
    insets: tuple[Insets, ...] | None = None,
) -> list[str]:
    """A drawtext filter per overlay; `fonts[i]` is the font file of `overlays[i]`, `insets[i]`
    where it goes (placement.layout)."""
    places: tuple[Insets | None, ...] = insets or (None,) * len(overlays)
    return [
        drawtext_filter(
            overlay.text,
            overlay.style,
            font,
            frame,
            start_s=overlay.start_s,
            end_s=overlay.end_s,
            insets=place,
        )
        for overlay, font, place in zip(overlays, fonts, places, strict=True)
    ]


def enable_expression(start_s: float, end_s: float | None) -> str | None:
    """The timeline expression for `enable=`; None when the text is always shown."""
    if end_s is not None:
        return f"between(t,{seconds(start_s)},{seconds(end_s)})"
    return f"gte(t,{seconds(start_s)})" if start_s > 0 else None


def wrap_text(text: str, font_size: int, frame_width: int) -> str:
    """`text` with line breaks so that no line is wider than `frame_width` minus its margins."""
    limit = frame_width * (1 - 2 * WRAP_MARGIN_SHARE)
    return "\n".join(
        line for paragraph in text.split("\n") for line in _wrap(paragraph, font_size, limit)
    )


def _wrap(paragraph: str, font_size: int, limit: float) -> list[str]:
    lines: list[str] = []
    current = ""
    for token in _tokens(paragraph):
        if current and _width(current + token, font_size) > limit and not token.isspace():
            lines.append(current.rstrip())
            current = token.lstrip()
        else:
            current += token
    lines.append(current.rstrip())
    return lines


def _tokens(text: str) -> list[str]:
    """Words of Latin text, single CJK characters, and the spaces between them."""
    tokens: list[str] = []
    for piece in _TOKEN.findall(text):
        joins_word = tokens and not _is_wide(piece) and not piece.isspace()
        if joins_word and not _is_wide(tokens[-1][-1]) and not tokens[-1].isspace():
            tokens[-1] += piece
        else:
            tokens.append(piece)
    return tokens


def _width(text: str, font_size: int) -> float:
    return sum(font_size * (1.0 if _is_wide(char) else LATIN_WIDTH_EM) for char in text)


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _alignment(position: Position) -> str:
    if position.endswith("left"):
        return "L"
    return "R" if position.endswith("right") else "C"
