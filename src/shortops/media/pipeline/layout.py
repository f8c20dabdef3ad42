"""Where a box goes on the frame: the seven named positions as FFmpeg x/y expressions."""

from __future__ import annotations

from dataclasses import dataclass

from shortops.media.spec import Position


@dataclass(frozen=True)
class Insets:
    """Distances in from each frame edge that a positioned item keeps (see placement.py)."""

    top: int = 0
    right: int = 0
    bottom: int = 0
    left: int = 0

    @classmethod
    def uniform(cls, margin: int) -> Insets:
        return cls(top=margin, right=margin, bottom=margin, left=margin)


def position_xy(
    position: Position,
    insets: Insets,
    *,
    frame: tuple[str, str],
    item: tuple[str, str],
) -> tuple[str, str]:
    """x and y expressions placing an item of size `item` on a frame of size `frame`, keeping
    `insets` from the edges; centred items are centred between the insets.

    The sizes are the filter's own variable names: ("W", "H") and ("w", "h") for overlay,
    ("w", "h") and ("text_w", "text_h") for drawtext.
    """
    frame_w, frame_h = frame
    item_w, item_h = item
    left, right = str(insets.left), f"{frame_w}-{item_w}-{insets.right}"
    top, bottom = str(insets.top), f"{frame_h}-{item_h}-{insets.bottom}"
    centre_x = f"{insets.left}+({frame_w}-{item_w}-{insets.left + insets.right})/2"
    centre_y = f"{insets.top}+({frame_h}-{item_h}-{insets.top + insets.bottom})/2"
    return {
        "top-left": (left, top),
        "top": (centre_x, top),
        "top-right": (right, top),
        "center": (centre_x, centre_y),
        "bottom-left": (left, bottom),
        "bottom": (centre_x, bottom),
        "bottom-right": (right, bottom),
    }[position]
