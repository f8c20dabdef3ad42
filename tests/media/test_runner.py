"""The runner: progress, timeout, cancel, failures, and never a half-written output."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

from shortops.media.errors import RenderCancelled, RenderFailed, RenderTimeout
from shortops.media.runner import last_meaningful_line, progress_fraction, run_ffmpeg
from tests.media.conftest import FFMPEG

PROGRESS = ["-progress", "pipe:1", "-nostats"]


def encode(source: str, *extra: str) -> list[str]:
    """An FFmpeg command encoding a lavfi source to an MP4 (output path added by the runner)."""
    head = [FFMPEG, "-hide_banner", "-nostdin", "-v", "error", "-y"]
    return [*head, *extra, "-f", "lavfi", "-i", source, "-c:v", "libx264", *PROGRESS]


def test_progress_reaches_one_and_the_output_appears(tmp_path: Path) -> None:
    seen: list[float] = []
    out = tmp_path / "out.mp4"
    result = run_ffmpeg(
        encode("testsrc2=size=160x120:rate=25:duration=2"),
        duration_s=2,
        timeout_s=60,
        on_progress=seen.append,
        output=out,
    )
    assert seen[-1] == 1.0
    assert seen == sorted(seen)
    assert out.stat().st_size > 0
    assert result.output == out and result.returncode == 0
    assert result.argv[-1] != str(out)  # FFmpeg wrote a temporary file, renamed afterwards
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]


def test_timeout_kills_and_leaves_nothing(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(RenderTimeout, match=r"longer than 0\.5 s"):
        run_ffmpeg(
            encode("testsrc2=size=160x120:rate=25:duration=60", "-re"),
            duration_s=60,
            timeout_s=0.5,
            output=tmp_path / "out.mp4",
        )
    assert time.monotonic() - started < 10
    assert list(tmp_path.iterdir()) == []


def test_cancel_kills_and_leaves_nothing(tmp_path: Path) -> None:
    cancel = threading.Event()
    threading.Timer(0.3, cancel.set).start()
    with pytest.raises(RenderCancelled):
        run_ffmpeg(
            encode("testsrc2=size=160x120:rate=25:duration=60", "-re"),
            duration_s=60,
            timeout_s=60,
            cancel=cancel,
            output=tmp_path / "out.mp4",
        )
    assert list(tmp_path.iterdir()) == []


def test_failure_keeps_ffmpegs_reason_and_no_output(tmp_path: Path) -> None:
    argv = encode("testsrc2=duration=1")
    argv[argv.index("-c:v") : argv.index("-c:v")] = ["-vf", "nosuchfilter=1"]
    with pytest.raises(RenderFailed) as caught:
        run_ffmpeg(argv, duration_s=1, timeout_s=60, output=tmp_path / "out.mp4")
    assert "nosuchfilter" in str(caught.value)
    assert list(tmp_path.iterdir()) == []


def test_a_missing_executable_is_a_render_failure() -> None:
    with pytest.raises(RenderFailed, match="/nowhere/ffmpeg"):
        run_ffmpeg(["/nowhere/ffmpeg"], duration_s=1, timeout_s=5)


def test_progress_lines() -> None:
    assert progress_fraction("out_time_us=1500000", 3) == 0.5
    assert progress_fraction("out_time_us=9000000", 3) == 1.0
    assert progress_fraction("out_time_us=N/A", 3) is None
    assert progress_fraction("out_time_us=-5", 3) == 0.0
    assert progress_fraction("progress=end", 3) == 1.0
    assert progress_fraction("progress=continue", 3) is None
    assert progress_fraction("frame=10", 3) is None


def test_last_meaningful_line() -> None:
    lines = [
        "[Parsed_subtitles_0 @ 0x55d0] Unable to open /tmp/x.srt",
        "[AVFilterGraph @ 0x55d0] Error initializing filters",
        "Conversion failed!",
        "",
    ]
    assert last_meaningful_line(lines) == "Error initializing filters"
    assert last_meaningful_line([]) == "FFmpeg stopped without saying why"


def test_a_failing_progress_callback_does_not_hang_ffmpeg(tmp_path: Path) -> None:
    def broken(fraction: float) -> None:
        raise LookupError("progress store is gone")

    with pytest.raises(LookupError, match="progress store is gone"):
        run_ffmpeg(
            encode("testsrc2=size=160x120:rate=25:duration=2"),
            duration_s=2,
            timeout_s=30,
            on_progress=broken,
            output=tmp_path / "out.mp4",
        )
    assert list(tmp_path.iterdir()) == []
