"""Covers: a still per cover size, from the sharpest moment, optionally titled, as a small JPEG.

Candidates are the frames right after scene changes (`select='gt(scene,0.3)'`) plus frames spread
evenly over the video, decoded small and grey; the sharpest is the one with the largest variance
of its Laplacian (edges are crisp, not motion-blurred), ignoring near-black frames. The cover is
cut from the rendition, so it shows what viewers see. A cover whose shape differs from the video
(Bilibili's landscape cover of a portrait video) shows the whole picture over a blurred copy.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shortops.media.pipeline.escape import filter_value, seconds
from shortops.media.pipeline.fit import Size, contain_size, crop_filters, pad_chains
from shortops.media.pipeline.overlays import drawtext_filter
from shortops.media.spec import Position, TextStyle

# JPEG viewers (browsers included) read YCbCr as full-range BT.601 (JFIF), whatever the file
# says; the rendition's BT.709 video-range picture would look pale and shifted (magenta
# 255,0,255 shows as 232,0,242) without this conversion. Covers, posters and preview frames
# are all JPEGs.
JPEG_COLORS = "scale=out_color_matrix=bt601:out_range=full"

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

SCENE_THRESHOLD = 0.3
EVEN_SAMPLES = 24
ANALYSIS_SIDE = 240
DARK_MEAN = 16  # frames darker than this on average (0–255) are never picked
SAME_SHAPE_TOLERANCE = 0.1
COVER_BLUR = 30
# JPEG quality (-q:v, 2 is best); the first size under the profile's limit is kept.
QUALITY_STEPS = (2, 3, 5, 8, 12, 18, 25, 31)
_PTS_TIME = re.compile(r"\bpts_time:\s*(-?[\d.]+)")


def analysis_size(video: Size) -> Size:
    """The small size candidates are judged at: at most `ANALYSIS_SIDE` on its longer side."""
    return contain_size(video, Size(ANALYSIS_SIDE, ANALYSIS_SIDE))


def candidate_select_filters(frame_count: int, size: Size) -> list[str]:
    """Small grey frames at scene changes and at `EVEN_SAMPLES` even steps."""
    step = max(1, frame_count // EVEN_SAMPLES)
    chosen = f"gt(scene,{SCENE_THRESHOLD})+not(mod(n,{step}))"
    scale = f"scale={size.width}:{size.height}"
    return [scale, f"select={filter_value(chosen)}", "format=gray"]


def candidate_filters(frame_count: int, size: Size) -> list[str]:
    """The candidate frames with their times logged (for a separate analysis pass)."""
    return [*candidate_select_filters(frame_count, size), "showinfo"]


def candidate_output_args(label: str, directory: Path, duration_s: float) -> list[str]:
    """A second output of the render writing each candidate as `<milliseconds>.pgm`.

    Taking the candidates from the render's own frames spares a second decode of the whole
    rendition; `-frame_pts` with a millisecond time base puts each frame's time in its name.
    """
    return [
        "-map", f"[{label}]", "-fps_mode", "passthrough", "-enc_time_base:v", "1/1000",
        "-t", seconds(duration_s), "-f", "image2", "-frame_pts", "1", "-c:v", "pgm",
        str(directory / "%d.pgm"),
    ]  # fmt: skip


def read_candidates(directory: Path) -> tuple[list[float], list[NDArray[np.uint8]]]:
    """Times (s) and grey pixels of the candidate frames a render wrote, in time order."""
    import numpy as np  # only when picking a cover: see sharpness

    found = sorted((int(path.stem), path) for path in directory.glob("*.pgm"))
    times, frames = [], []
    for millis, path in found:
        frames.append(_read_pgm(path.read_bytes(), np))
        times.append(millis / 1000)
    return times, frames


def _read_pgm(data: bytes, np: Any) -> Any:
    # Binary PGM: "P5", width, height, maxval (255), one whitespace, then the pixels.
    fields = data.split(maxsplit=4)
    width, height = int(fields[1]), int(fields[2])
    return np.frombuffer(fields[4][: width * height], dtype=np.uint8).reshape(height, width)


def frame_times(showinfo_log: str) -> list[float]:
    """The `pts_time` of each frame showinfo logged, in order."""
    return [float(match.group(1)) for match in _PTS_TIME.finditer(showinfo_log)]


def sharpness(frame: NDArray[np.uint8]) -> float:
    """Variance of the Laplacian: high for crisp edges, low for blur; 0 for near-black frames."""
    # Imported here: OpenCV and NumPy cost ~40 MB and 0.3 s, and only cover picking needs them.
    import cv2

    if float(frame.mean()) < DARK_MEAN:
        return 0.0
    return float(cv2.Laplacian(frame, cv2.CV_64F).var())


def sharpest_time(times: Sequence[float], frames: Sequence[NDArray[np.uint8]]) -> float | None:
    """The time of the sharpest frame; None without candidates."""
    scored = [(sharpness(frame), time) for time, frame in zip(times, frames, strict=False)]
    return max(scored)[1] if scored else None


def same_shape(source: Size, cover: Size) -> bool:
    """Whether a `source` frame fills a `cover` by a slight crop (no blurred sides needed)."""
    return abs(source.width / source.height - cover.width / cover.height) <= (
        SAME_SHAPE_TOLERANCE * cover.width / cover.height
    )


def cover_chains(
    source: Size,
    cover: Size,
    *,
    title: str | None,
    font_file: Path,
    inp: str,
    out: str,
    title_position: Position = "top",
) -> list[str]:
    """Labelled chains turning a [inp] frame into a `cover`-sized, optionally titled picture."""
    fitted = f"{out}_fit"
    if same_shape(source, cover):
        chains = [f"[{inp}]{','.join([*crop_filters(source, cover), 'setsar=1'])}[{fitted}]"]
    else:
        chains = pad_chains(source, cover, COVER_BLUR, inp, fitted)
    finish = [title_filter(title, cover, font_file, title_position)] if title else []
    chains.append(f"[{fitted}]{','.join([*finish, JPEG_COLORS, 'format=yuvj420p'])}[{out}]")
    return chains


def title_filter(title: str, cover: Size, font_file: Path, position: Position = "top") -> str:
    """The title, large and outlined, in the upper part of the cover (or its middle)."""
    size = max(24, cover.width // 12)
    style = TextStyle(
        size=size,
        outline=max(2, size // 12),
        position=position,
        margin=cover.height // 8,
    )
    return drawtext_filter(title, style, font_file, cover)


def cover_argv(
    ffmpeg: str, video: Path, at_s: float, chains: list[str], label: str, quality: int
) -> list[str]:
    """One JPEG frame at `at_s` through `chains` at quality `quality` (the runner adds the path)."""
    return [
        ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-ss", seconds(at_s), "-i", str(video),
        "-filter_complex", ";".join(chains), "-map", f"[{label}]",
        "-frames:v", "1", "-update", "1", "-q:v", str(quality),
    ]  # fmt: skip
