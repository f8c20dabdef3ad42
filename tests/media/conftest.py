"""Media fixtures: tiny videos made with FFmpeg's lavfi sources at test time, once per session.

Nothing binary is committed: every file is generated on first use into a session directory and
reused. Renders go to a small custom profile (180×320) so each takes a fraction of a second.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from shortops.config import get_settings
from shortops.media.ffmpeg import ffmpeg_executable
from shortops.media.profiles import CoverSize, PlatformProfile

FFMPEG = ffmpeg_executable(None)
H264 = ["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p"]
AAC = ["-c:a", "aac", "-b:a", "96k"]
METER = ["-af", "ebur128=framelog=quiet", "-f", "null", "-"]


def small_profile(**changes: object) -> PlatformProfile:
    """A 180×320 portrait profile with generous limits; `changes` override any field."""
    values: dict[str, object] = {
        "slug": "test_small",
        "name": "Test Small",
        "width": 180,
        "height": 320,
        "max_video_bitrate_k": 2000,
        "max_bytes": 20_000_000,
        "min_duration_s": 1,
        "max_duration_s": 60,
        "covers": (),
        "builtin": False,
    }
    return PlatformProfile.model_validate({**values, **changes})


SMALL_COVERS = (
    CoverSize(name="portrait", width=270, height=480, max_bytes=60_000),
    CoverSize(name="landscape", width=320, height=200, max_bytes=40_000),
)


def ffmpeg(*args: str) -> None:
    """Run FFmpeg quietly; fail the test with its error output."""
    completed = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr


def frame_at(path: Path, at_s: float, width: int, height: int) -> NDArray[np.int16]:
    """The RGB frame of `path` at `at_s`, scaled to width×height, as int16 (safe to subtract)."""
    # No -ss for 0: a single picture (a JPEG cover) has no frame left after a seek.
    seek = [*(["-ss", str(at_s)] if at_s else []), "-i", str(path), "-frames:v", "1"]
    raw = ["-vf", f"scale={width}:{height}", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    completed = subprocess.run(
        [FFMPEG, "-v", "error", "-nostdin", *seek, *raw],
        capture_output=True,
        check=True,
    )
    return (
        np.frombuffer(completed.stdout, dtype=np.uint8).reshape(height, width, 3).astype(np.int16)
    )


def integrated_loudness(path: Path) -> float:
    """EBU R128 integrated loudness of the file's audio, in LUFS."""
    completed = subprocess.run(
        [FFMPEG, "-hide_banner", "-nostats", "-nostdin", "-i", str(path), "-map", "0:a", *METER],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = completed.stderr.rsplit("Integrated loudness:", 1)[1]
    return float(summary.split("I:", 1)[1].split("LUFS", 1)[0])


@pytest.fixture(autouse=True)
def _default_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No developer's FFmpeg/ffprobe settings or .env leak in: the bundled FFmpeg, no ffprobe."""
    for name in ("SHORTOPS_FFMPEG", "SHORTOPS_FFPROBE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHORTOPS_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # hides any real ffprobe outside /usr/bin
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


class Fixtures:
    """Makes each named fixture file once, on first request."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def get(self, name: str, make: Callable[[Path], None]) -> Path:
        path = self.directory / name
        if not path.exists():
            make(path)
        return path

    def video(self, name: str, *args: str) -> Path:
        return self.get(name, lambda path: ffmpeg(*args, str(path)))


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Fixtures:
    return Fixtures(tmp_path_factory.mktemp("media"))


def lavfi(source: str) -> list[str]:
    return ["-f", "lavfi", "-i", source]


@pytest.fixture(scope="session")
def basic(media: Fixtures) -> Path:
    """2 s, 320×240 test pattern at 25 fps with a 440 Hz tone."""
    return media.video(
        "basic.mp4",
        *lavfi("testsrc2=size=320x240:rate=25:duration=2"),
        *lavfi("sine=frequency=440:duration=2:sample_rate=44100"),
        *H264,
        *AAC,
        "-movflags",
        "+faststart",
    )


@pytest.fixture(scope="session")
def halves(media: Fixtures) -> Path:
    """3 s, 640×360: red left half, blue right half, with a tone."""
    return media.video(
        "halves.mp4",
        *lavfi("color=red:size=320x360:rate=25:duration=3"),
        *lavfi("color=blue:size=320x360:rate=25:duration=3"),
        *lavfi("sine=frequency=330:duration=3"),
        "-filter_complex",
        "[0:v][1:v]hstack[v]",
        "-map",
        "[v]",
        "-map",
        "2:a",
        *H264,
        *AAC,
    )


@pytest.fixture(scope="session")
def silent_video(media: Fixtures) -> Path:
    """2 s picture without any audio stream."""
    return media.video("no-audio.mp4", *lavfi("testsrc2=size=320x240:rate=25:duration=2"), *H264)


@pytest.fixture(scope="session")
def audio_only(media: Fixtures) -> Path:
    return media.video("audio-only.m4a", *lavfi("sine=frequency=440:duration=2"), *AAC)


@pytest.fixture(scope="session")
def music(media: Fixtures) -> Path:
    """1 s of 220 Hz: shorter than the videos, so looping is needed."""
    return media.video("music.m4a", *lavfi("sine=frequency=220:duration=1"), *AAC)


@pytest.fixture(scope="session")
def logo(media: Fixtures) -> Path:
    return media.video("logo.png", *lavfi("color=c=red:size=200x100,format=rgba"), "-frames:v", "1")


@pytest.fixture(scope="session")
def rotated(media: Fixtures, halves: Path) -> Path:
    """`halves` with a display matrix turning it 90° counter-clockwise: shown as 360×640."""
    return media.video("rotated.mp4", "-display_rotation", "90", "-i", str(halves), "-c", "copy")


@pytest.fixture(scope="session")
def vfr(media: Fixtures) -> Path:
    """3 s at 30 fps with two of every three frames dropped between 1 s and 2 s."""
    return media.video(
        "vfr.mp4",
        *lavfi("testsrc2=size=320x240:rate=30:duration=3"),
        "-vf",
        "select='not(between(t,1,2)*mod(n,3))'",
        "-fps_mode",
        "vfr",
        *H264,
    )


@pytest.fixture(scope="session")
def hdr10(media: Fixtures) -> Path:
    """2 s, 10-bit, tagged BT.2020 primaries with the PQ (HDR10) transfer."""
    return media.video(
        "hdr10.mp4",
        *lavfi("testsrc2=size=320x240:rate=25:duration=2"),
        "-vf",
        "setparams=color_primaries=bt2020:color_trc=smpte2084:colorspace=bt2020nc,"
        "format=yuv420p10le",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
    )


@pytest.fixture(scope="session")
def speech_with_gap(media: Fixtures) -> Path:
    """4 s: tone, 1.5 s of silence from 1 s, tone again."""
    return media.video(
        "gap.mp4",
        *lavfi("testsrc2=size=320x240:rate=25:duration=4"),
        *lavfi("sine=frequency=440:duration=4"),
        "-af",
        "volume='if(between(t,1,2.5),0,1)':eval=frame",
        *H264,
        *AAC,
    )


@pytest.fixture(scope="session")
def three_scenes(media: Fixtures) -> Path:
    """4.5 s: three different 1.5 s pictures back to back (cuts at 1.5 s and 3 s)."""
    sources = ["testsrc2", "smptebars", "rgbtestsrc"]
    inputs = [arg for src in sources for arg in lavfi(f"{src}=size=320x240:rate=25:duration=1.5")]
    return media.video(
        "scenes.mp4",
        *inputs,
        "-filter_complex",
        "[0:v][1:v][2:v]concat=n=3:v=1:a=0[v]",
        "-map",
        "[v]",
        *H264,
    )


@pytest.fixture(scope="session")
def mostly_blurred(media: Fixtures) -> Path:
    """3 s portrait pattern, heavily blurred except from 1.9 s to 2.1 s."""
    return media.video(
        "blurred.mp4",
        *lavfi("testsrc2=size=180x320:rate=30:duration=3"),
        "-vf",
        "gblur=sigma=12:enable='not(between(t,1.9,2.1))'",
        *H264,
    )
