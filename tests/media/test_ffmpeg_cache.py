"""What the FFmpeg build can do is asked once per build and kept in SHORTOPS_CACHE_DIR."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from shortops.config import Settings, get_settings
from shortops.media import ffmpeg
from shortops.media.errors import FFmpegUnavailable

FILTERS_OUTPUT = """Filters:
  T.. = Timeline support
 ... crop              V->V       Crop the input video.
 ... drawtext          V->V       Draw text on top of video frames.
"""


def fake_ffmpeg(path: Path, version: str) -> Path:
    """A stand-in executable answering -version and -filters like an FFmpeg build would."""
    path.write_text(
        "#!/bin/sh\n"
        'case "$*" in\n'
        f'  *-version*) echo "ffmpeg version {version} Copyright (c) the FFmpeg developers" ;;\n'
        f"  *-filters*) cat <<'EOF'\n{FILTERS_OUTPUT}EOF\n ;;\n"
        "esac\n"
    )
    path.chmod(0o755)
    return path


@pytest.fixture
def fresh() -> Iterator[None]:
    """Each test starts like a new process: nothing remembered in memory."""
    ffmpeg.checked_version.cache_clear()
    ffmpeg.available_filters.cache_clear()
    yield
    ffmpeg.checked_version.cache_clear()
    ffmpeg.available_filters.cache_clear()


def no_processes(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"FFmpeg was asked again: {args[0]!r}")

    monkeypatch.setattr(subprocess, "run", refuse)


def test_build_facts_are_asked_once_and_reused(
    settings: Settings, tmp_path: Path, fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    exe = str(fake_ffmpeg(tmp_path / "ffmpeg", "7.1"))
    assert ffmpeg.checked_version(exe) == (7, 1)
    assert ffmpeg.available_filters(exe) == {"crop", "drawtext"}
    kept = json.loads((settings.cache_dir / "ffmpeg.json").read_text())
    assert kept[f"version:{exe}"]["value"] == [7, 1]

    ffmpeg.checked_version.cache_clear()
    ffmpeg.available_filters.cache_clear()
    no_processes(monkeypatch)
    assert ffmpeg.checked_version(exe) == (7, 1)
    assert ffmpeg.available_filters(exe) == {"crop", "drawtext"}


def test_a_replaced_build_is_asked_again(settings: Settings, tmp_path: Path, fresh: None) -> None:
    exe = fake_ffmpeg(tmp_path / "ffmpeg", "7.1")
    assert ffmpeg.checked_version(str(exe)) == (7, 1)
    ffmpeg.checked_version.cache_clear()
    fake_ffmpeg(exe, "5.1.4")  # same path, another build (size and time differ)
    os.utime(exe, ns=(1, 1))
    with pytest.raises(FFmpegUnavailable, match=r"FFmpeg 5\.1, too old"):
        ffmpeg.checked_version(str(exe))


def test_the_bundled_ffmpeg_is_found_without_asking_it_again(
    settings: Settings, fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ffmpeg.find_tools()
    assert Path(first.ffmpeg).is_file()
    no_processes(monkeypatch)
    import imageio_ffmpeg

    monkeypatch.setattr(imageio_ffmpeg, "get_ffmpeg_exe", lambda: pytest.fail("looked up again"))
    assert ffmpeg.find_tools() == first


def test_an_unwritable_cache_only_costs_time(
    settings: Settings, tmp_path: Path, fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the cache directory should be")
    monkeypatch.setenv("SHORTOPS_CACHE_DIR", str(blocked))
    get_settings.cache_clear()
    exe = str(fake_ffmpeg(tmp_path / "ffmpeg", "7.1"))
    assert ffmpeg.checked_version(exe) == (7, 1)
    assert ffmpeg.available_filters(exe) == {"crop", "drawtext"}
    assert blocked.read_text().startswith("a file")


def test_another_environments_bundled_ffmpeg_is_not_taken(
    settings: Settings, fresh: None, tmp_path: Path
) -> None:
    """Two checkouts share the user's cache; each finds its own bundled FFmpeg."""
    import imageio_ffmpeg

    elsewhere = str(fake_ffmpeg(tmp_path / "ffmpeg-elsewhere", "7.1"))
    ffmpeg._remember("bundled@/elsewhere/imageio_ffmpeg/__init__.py", None, elsewhere)
    assert ffmpeg.find_tools().ffmpeg == imageio_ffmpeg.get_ffmpeg_exe()
