"""Fit: make the source picture exactly the profile's size.

Sizes are computed here from the source's *display* size: FFmpeg rotates frames upright while
decoding (autorotate is on by default), so a phone video stored as 1920×1080 with a 90° display
matrix reaches the filters as 1080×1920. The sample aspect ratio is folded in the same way.

- crop: cut the target's aspect ratio out of the centre, then scale it to size;
- smart_crop: the same, with the cut centred on `focus_x` (0 = left edge, 1 = right edge);
- pad: scale until the whole picture fits, over a scaled-up, blurred copy of itself (not black
  bars). The copy is blurred at a quarter of the size, which looks the same and costs 1/16.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from shortops.media.spec import Fit

BACKGROUND_SCALE = 4  # the pad background is blurred at 1/4 of the output size


@dataclass(frozen=True)
class Size:
    width: int
    height: int


def contain_size(source: Size, target: Size) -> Size:
    """The largest even-sized scale of `source` that fits inside `target`."""
    factor = min(target.width / source.width, target.height / source.height)
    return Size(
        min(target.width, _even_down(source.width * factor)),
        min(target.height, _even_down(source.height * factor)),
    )


def crop_region(source: Size, target: Size) -> Size:
    """The largest even-sized region of `source` with the aspect ratio of `target`."""
    width = min(source.width, _even_nearest(source.height * target.width / target.height))
    height = min(source.height, _even_nearest(source.width * target.height / target.width))
    return Size(max(2, width), max(2, height))


def crop_filters(source: Size, target: Size, focus_x: float = 0.5) -> list[str]:
    """Cut the target's aspect ratio out around `focus_x` (vertically centred), then scale.

    Cutting first means only the kept pixels are scaled: for 16:9 → 9:16 that is a third of the
    picture, where scaling first would enlarge the whole frame before throwing most of it away.
    """
    region = crop_region(source, target)
    filters = []
    if region != source:
        x = round((source.width - region.width) * focus_x)
        y = (source.height - region.height) // 2
        filters.append(f"crop={region.width}:{region.height}:{x}:{y}")
    if region != target:
        filters.append(f"scale={target.width}:{target.height}")
    return filters


def pad_chains(source: Size, target: Size, blur: int, inp: str, out: str) -> list[str]:
    """Labelled chains: the fitted picture centred over its own blurred, cropped enlargement."""
    small = Size(
        _even_down(target.width / BACKGROUND_SCALE) or 2,
        _even_down(target.height / BACKGROUND_SCALE) or 2,
    )
    background = crop_filters(source, small)
    if blur > 0:
        background.append(f"gblur=sigma={blur / BACKGROUND_SCALE:g}")
    background.append(f"scale={target.width}:{target.height}")
    picture = contain_size(source, target)
    x = (target.width - picture.width) // 2
    y = (target.height - picture.height) // 2
    return [
        f"[{inp}]split=2[{out}_bg][{out}_fg]",
        f"[{out}_bg]{','.join(background)}[{out}_blur]",
        f"[{out}_fg]scale={picture.width}:{picture.height}[{out}_pic]",
        f"[{out}_blur][{out}_pic]overlay={x}:{y},setsar=1[{out}]",
    ]


def fit_chains(fit: Fit, source: Size, target: Size, inp: str, out: str) -> list[str]:
    """Labelled chains taking [inp] at the source's display size to [out] at exactly `target`."""
    if fit.mode == "pad":
        return pad_chains(source, target, fit.blur, inp, out)
    focus = fit.focus_x if fit.mode == "smart_crop" else 0.5
    return [f"[{inp}]{','.join([*crop_filters(source, target, focus), 'setsar=1'])}[{out}]"]


def _even_nearest(value: float) -> int:
    return round(value / 2) * 2


def _even_down(value: float) -> int:
    return math.floor(round(value, 6) / 2) * 2
