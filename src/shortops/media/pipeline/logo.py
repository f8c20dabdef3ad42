"""Logo: a picture scaled to a share of the video width, made translucent, placed by margin."""

from __future__ import annotations

from shortops.media.pipeline.layout import position_xy
from shortops.media.spec import Logo


def logo_width(logo: Logo, frame_width: int) -> int:
    """The logo's width in pixels: `scale` of the frame width, even, at least 2."""
    return max(2, round(frame_width * logo.scale / 2) * 2)


def logo_chains(logo: Logo, frame_width: int, *, logo_in: str, main_in: str, out: str) -> list[str]:
    """Labelled chains scaling [logo_in] and laying it over [main_in] as [out]."""
    # colorchannelmixer scales the alpha channel, so the picture needs one first (rgba).
    prepare = [f"scale={logo_width(logo, frame_width)}:-1", "format=rgba"]
    if logo.opacity < 1:
        prepare.append(f"colorchannelmixer=aa={logo.opacity:g}")
    x, y = position_xy(logo.position, logo.margin, frame=("W", "H"), item=("w", "h"))
    return [
        f"[{logo_in}]{','.join(prepare)}[{out}_logo]",
        f"[{main_in}][{out}_logo]overlay=x={x}:y={y}:format=auto[{out}]",
    ]
