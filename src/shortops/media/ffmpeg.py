"""Where FFmpeg (and, if any, ffprobe) live, and what the FFmpeg build can do.

What a build can do (its version, its filters) and where the bundled FFmpeg lives are kept in
`ffmpeg.json` in SHORTOPS_CACHE_DIR, keyed by the executable's path, size and modification time:
asking FFmpeg costs three process starts, which a one-off `shortops media render` would otherwise
pay every time. A replaced or updated executable has another size or time and is asked again.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

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
    ffmpeg = (
        ffmpeg_executable(settings.ffmpeg)
        if settings.ffmpeg
        else _cached(_bundled_key(), None)
        or _remember(_bundled_key(), None, ffmpeg_executable(None))
    )
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
    known = _cached("version", ffmpeg)
    if known is not None:
        version = (int(known[0]), int(known[1])) if known else None
    else:
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
        _remember("version", ffmpeg, list(version or ()))
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
    known = _cached("filters", ffmpeg)
    if known:
        return frozenset(known)
    completed = subprocess.run(
        [ffmpeg, "-hide_banner", "-filters"],
        capture_output=True,
        text=True,
        timeout=_QUERY_TIMEOUT_S,
        check=False,
    )
    names = frozenset(_FILTER_LINE.findall(completed.stdout))
    if names:
        _remember("filters", ffmpeg, sorted(names))
    return names


# --- the build cache ------------------------------------------------------------------------------


def _cache_file() -> Path:
    return get_settings().cache_dir / "ffmpeg.json"


def _bundled_key() -> str:
    """The cache key of the bundled FFmpeg: one per installed imageio-ffmpeg (per environment)."""
    spec = importlib.util.find_spec("imageio_ffmpeg")
    return f"bundled@{spec.origin if spec is not None else ''}"


def _identity(path: str) -> list[int] | None:
    """What tells one build from another at the same path: size and modification time."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return [stat.st_size, stat.st_mtime_ns]


def _read_cache() -> dict[str, Any]:
    try:
        data = json.loads(_cache_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _cached(fact: str, ffmpeg: str | None) -> Any:
    """A remembered fact about `ffmpeg` (for "bundled": the path itself), if still current."""
    entry = _read_cache().get(f"{fact}:{ffmpeg or ''}")
    if not isinstance(entry, dict):
        return None
    path = ffmpeg or entry.get("value")
    if not isinstance(path, str) or entry.get("identity") != _identity(path):
        return None
    return entry.get("value")


def _remember(fact: str, ffmpeg: str | None, value: Any) -> Any:
    """Keep `value` for the next process (best effort: an unwritable home just asks again)."""
    path = ffmpeg or value
    data = _read_cache()
    data[f"{fact}:{ffmpeg or ''}"] = {"identity": _identity(path), "value": value}
    target = _cache_file()
    staging = target.with_name(f".{target.name}.{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        staging.write_text(json.dumps(data), encoding="utf-8")
        os.replace(staging, target)
    except OSError:
        with contextlib.suppress(OSError):
            staging.unlink(missing_ok=True)
    return value


def _min_version_text() -> str:
    return ".".join(map(str, MIN_VERSION))


def _unavailable(detail: str) -> FFmpegUnavailable:
    return FFmpegUnavailable(detail=detail, min_version=_min_version_text())
