"""Where a box goes on the frame: the seven named positions as FFmpeg x/y expressions."""

from __future__ import annotations

from shortops.media.spec import Position


def position_xy(
    position: Position,
    margin: int,
    *,
    frame: tuple[str, str],
    item: tuple[str, str],
) -> tuple[str, str]:
    """x and y expressions placing an item of size `item` on a frame of size `frame`.

    The sizes are the filter's own variable names: ("W", "H") and ("w", "h") for overlay,
    ("w", "h") and ("text_w", "text_h") for drawtext.
    """
    frame_w, frame_h = frame
    item_w, item_h = item
    left, right = str(margin), f"{frame_w}-{item_w}-{margin}"
    top, bottom = str(margin), f"{frame_h}-{item_h}-{margin}"
    centre_x, centre_y = f"({frame_w}-{item_w})/2", f"({frame_h}-{item_h})/2"
    return {
        "top-left": (left, top),
        "top": (centre_x, top),
        "top-right": (right, top),
        "center": (centre_x, centre_y),
        "bottom-left": (left, bottom),
        "bottom": (centre_x, bottom),
        "bottom-right": (right, bottom),
    }[position]
