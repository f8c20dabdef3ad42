"""Where FFmpeg (and, if any, ffprobe) live, and what the FFmpeg build can do."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

from shortops.config import get_settings
from shortops.errors import N_
from shortops.media.errors import FFmpegUnavailable

# -display_rotation, `fps_mode` and the drawtext options used here need FFmpeg 6.
MIN_VERSION = (6, 0)
_VERSION = re.compile(r"version\s+n?(\d+)\.(\d+)")
_FILTER_LINE = re.compile(r"^\s*[A-Z.|]{2,3}\s+(\w+)\s+\S+->\S+", re.MULTILINE)
_QUERY_TIMEOUT_S = 30


@dataclass(frozen=True)
class Tools:
    """The executables the pipeline runs."""

    ffmpeg: str
    ffprobe: str | None
    version: tuple[int, int] | None  # None: a git build whose version string has no number


def find_tools() -> Tools:
    """The configured FFmpeg (checked once per path) and ffprobe, if there is one."""
    settings = get_settings()
    ffmpeg = ffmpeg_executable(settings.ffmpeg)
    return Tools(
        ffmpeg=ffmpeg,
        ffprobe=ffprobe_executable(settings.ffprobe),
        version=checked_version(ffmpeg),
    )


def ffmpeg_executable(configured: str | None) -> str:
    """`configured` (a path or a name on PATH) if set, else imageio-ffmpeg's FFmpeg."""
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise _unavailable(f"SHORTOPS_FFMPEG={configured} is not an executable")
        return found
    try:
        import imageio_ffmpeg

        return str(imageio_ffmpeg.get_ffmpeg_exe())
    except (ImportError, RuntimeError) as exc:  # the wheel has no binary for this platform
        raise _unavailable(f"imageio-ffmpeg: {exc}") from None


def ffprobe_executable(configured: str | None) -> str | None:
    """`configured` if set (it must exist), else `ffprobe` on PATH, else None: probe with FFmpeg."""
    if configured:
        found = shutil.which(configured)
        if found is None:
            raise _unavailable(f"SHORTOPS_FFPROBE={configured} is not an executable")
        return found
    return shutil.which("ffprobe")


@lru_cache(maxsize=8)
def checked_version(ffmpeg: str) -> tuple[int, int] | None:
    """FFmpeg's (major, minor); refuses builds older than MIN_VERSION."""
    try:
        completed = subprocess.run(
            [ffmpeg, "-hide_banner", "-version"],
            capture_output=True,
            text=True,
            timeout=_QUERY_TIMEOUT_S,
            check=False,
        )
    except OSError as exc:
        raise _unavailable(f"{ffmpeg}: {exc.strerror or exc}") from None
    version = parse_version(completed.stdout)
    if version is not None and version < MIN_VERSION:
        raise FFmpegUnavailable(
            N_(
                "{ffmpeg} is FFmpeg {found}, too old for shortops. Install FFmpeg {min_version} "
                "or newer, or unset SHORTOPS_FFMPEG to use the bundled one."
            ),
            ffmpeg=ffmpeg,
            found=".".join(map(str, version)),
            min_version=_min_version_text(),
        )
    return version


def parse_version(text: str) -> tuple[int, int] | None:
    """(major, minor) from `ffmpeg -version` output; None for git builds ("N-12345-g…")."""
    match = _VERSION.search(text)
    return (int(match.group(1)), int(match.group(2))) if match else None


@lru_cache(maxsize=8)
def available_filters(ffmpeg: str) -> frozenset[str]:
    """Names of the filters this FFmpeg build has (`ffmpeg -filters`)."""
    completed = subprocess.run(
        [ffmpeg, "-hide_banner", "-filters"],
        capture_output=True,
        text=True,
        timeout=_QUERY_TIMEOUT_S,
        check=False,
    )
    return frozenset(_FILTER_LINE.findall(completed.stdout))


def _min_version_text() -> str:
    return ".".join(map(str, MIN_VERSION))


def _unavailable(detail: str) -> FFmpegUnavailable:
    return FFmpegUnavailable(detail=detail, min_version=_min_version_text())
