"""Logo: a picture scaled to a share of the video width, made translucent, placed by margin."""

from __future__ import annotations

from shortops.media.pipeline.layout import Insets, position_xy
from shortops.media.spec import Logo


def logo_width(logo: Logo, frame_width: int) -> int:
    """The logo's width in pixels: `scale` of the frame width, even, at least 2."""
    return max(2, round(frame_width * logo.scale / 2) * 2)


def logo_chains(
    logo: Logo,
    frame_width: int,
    *,
    logo_in: str,
    main_in: str,
    out: str,
    insets: Insets | None = None,
) -> list[str]:
    """Labelled chains scaling [logo_in] and laying it over [main_in] as [out], `insets` from the
    edges (default: the logo's margin all round)."""
    # colorchannelmixer scales the alpha channel, so the picture needs one first (rgba).
    prepare = [f"scale={logo_width(logo, frame_width)}:-1", "format=rgba"]
    if logo.opacity < 1:
        prepare.append(f"colorchannelmixer=aa={logo.opacity:g}")
    place = insets or Insets.uniform(logo.margin)
    x, y = position_xy(logo.position, place, frame=("W", "H"), item=("w", "h"))
    return [
        f"[{logo_in}]{','.join(prepare)}[{out}_logo]",
        f"[{main_in}][{out}_logo]overlay=x={x}:y={y}:format=auto[{out}]",
    ]
