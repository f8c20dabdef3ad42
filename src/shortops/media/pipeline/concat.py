"""Concat: join clips of any size, rate and sound into one video with the `concat` filter.

The concat filter needs every segment in the same shape, so each clip is first fitted to one
size, set to one frame rate and square pixels, and its sound converted to 48 kHz stereo; a clip
without sound contributes silence of its own length.
"""

from __future__ import annotations

from collections.abc import Sequence

from shortops.media.errors import NoVideoStream
from shortops.media.pipeline.audio import SAMPLE_RATE, STANDARD_FORMAT
from shortops.media.pipeline.escape import seconds
from shortops.media.pipeline.fit import Size, fit_chains
from shortops.media.probe import MediaInfo
from shortops.media.spec import Fit

# The joined file is an intermediate master, so it is kept at high quality.
INTERMEDIATE_ENCODE = [
    "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p",
    "-c:a", "aac", "-b:a", "192k", "-ar", str(SAMPLE_RATE), "-ac", "2",
    "-movflags", "+faststart",
]  # fmt: skip


def concat_chains(clips: Sequence[MediaInfo], frame: Size, fps: float, fit: Fit) -> list[str]:
    """Labelled chains normalising every clip, then [vout][aout] from the concat filter."""
    chains: list[str] = []
    segments = ""
    for number, clip in enumerate(clips):
        if clip.video is None:
            raise NoVideoStream(name=clip.path.name)
        source = Size(clip.video.display_width, clip.video.display_height)
        chains.append(f"[{number}:{clip.video.index}]fps={fps:g}[c{number}_rate]")
        chains += fit_chains(fit, source, frame, f"c{number}_rate", f"c{number}_fit")
        chains.append(f"[c{number}_fit]format=yuv420p[c{number}_v]")
        chains.append(_clip_audio(clip, number))
        segments += f"[c{number}_v][c{number}_a]"
    chains.append(f"{segments}concat=n={len(clips)}:v=1:a=1[vout][aout]")
    return chains


def _clip_audio(clip: MediaInfo, number: int) -> str:
    if clip.audio is None:
        silence = f"anullsrc=r={SAMPLE_RATE}:cl=stereo,atrim=duration={seconds(clip.duration_s)}"
        return f"{silence}[c{number}_a]"
    return f"[{number}:{clip.audio.index}]{STANDARD_FORMAT}[c{number}_a]"


def concat_argv(
    ffmpeg: str, clips: Sequence[MediaInfo], frame: Size, fps: float, fit: Fit
) -> list[str]:
    """The FFmpeg command joining `clips` (the output path is added by the runner)."""
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-y"]
    for clip in clips:
        argv += ["-i", str(clip.path)]
    graph = ";".join(concat_chains(clips, frame, fps, fit))
    return [
        *argv,
        "-filter_complex", graph, "-map", "[vout]", "-map", "[aout]",
        *INTERMEDIATE_ENCODE,
        "-progress", "pipe:1", "-nostats",
    ]  # fmt: skip
