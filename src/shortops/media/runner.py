"""Run one FFmpeg process: progress, timeout, cancellation, and no half-written output.

FFmpeg reports progress as `key=value` lines on stdout when given `-progress pipe:1`
(`out_time_us`, then `progress=continue` or `progress=end` per block). Errors go to stderr, whose
last lines are kept for the error message. The output is written to a hidden temporary file next
to the target and renamed only when FFmpeg succeeded, so the target path never holds a partial
file, even if the process is killed.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from shortops.media.errors import RenderCancelled, RenderFailed, RenderTimeout

STDERR_TAIL_LINES = 40
POLL_INTERVAL_S = 0.05
_GENERIC_LINES = (
    "Conversion failed!",
    "Exiting normally",
    "Error opening output files",
    "Error opening output file",
)
_TAG = re.compile(r"^\[[^\]]+ @ 0x[0-9a-f]+\]\s*")

ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class RunResult:
    argv: tuple[str, ...]
    returncode: int
    elapsed_s: float
    stderr_tail: tuple[str, ...]
    output: Path | None


def run_ffmpeg(
    argv: Sequence[str],
    *,
    duration_s: float,
    timeout_s: float,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    output: Path | None = None,
) -> RunResult:
    """Run `argv` (plus the temporary output path when `output` is given); raise on failure."""
    temporary = _temporary_path(output) if output is not None else None
    full_argv = [*argv, str(temporary)] if temporary is not None else list(argv)
    started = time.monotonic()
    try:
        returncode, tail = _supervise(full_argv, duration_s, timeout_s, on_progress, cancel)
        if returncode != 0:
            raise RenderFailed(detail=last_meaningful_line(tail))
        if temporary is not None and output is not None:
            os.replace(temporary, output)
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)
    if on_progress is not None:
        on_progress(1.0)
    return RunResult(
        argv=tuple(full_argv),
        returncode=returncode,
        elapsed_s=time.monotonic() - started,
        stderr_tail=tuple(tail),
        output=output,
    )


def _supervise(
    argv: list[str],
    duration_s: float,
    timeout_s: float,
    on_progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> tuple[int, list[str]]:
    """Run FFmpeg under the deadline and the cancel flag; (exit code, stderr tail)."""
    try:
        process = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            errors="replace",
        )
    except OSError as exc:
        raise RenderFailed(detail=f"{argv[0]}: {exc.strerror or exc}") from None
    assert process.stdout is not None and process.stderr is not None
    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    failures: list[BaseException] = []
    readers = [
        _reader(process.stdout, lambda line: _report(line, duration_s, on_progress), failures),
        _reader(process.stderr, tail.append, failures),
    ]
    deadline = time.monotonic() + timeout_s
    try:
        if on_progress is not None:
            on_progress(0.0)  # FFmpeg is running: callers may wait for this
        while process.poll() is None:
            if cancel is not None and cancel.is_set():
                raise RenderCancelled()
            if time.monotonic() > deadline:
                raise RenderTimeout(seconds=f"{timeout_s:g}")
            _wait_a_moment(process, readers[0])
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()
        for reader in readers:
            reader.join()
    if failures:
        raise failures[0]
    return process.returncode, list(tail)


def _wait_a_moment(process: subprocess.Popen[str], stdout_reader: threading.Thread) -> None:
    """Up to POLL_INTERVAL_S, back at once when FFmpeg exits.

    FFmpeg's stdout closes when it exits, which ends its reader thread and wakes the join;
    a sleep would leave every render up to POLL_INTERVAL_S longer.
    """
    if stdout_reader.is_alive():
        stdout_reader.join(POLL_INTERVAL_S)
        return
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(POLL_INTERVAL_S)


def _reader(
    stream: IO[str], consume: Callable[[str], None], failures: list[BaseException]
) -> threading.Thread:
    """A thread draining `stream` into `consume`; a failing `consume` is kept, not fatal."""

    def pump() -> None:
        with stream:
            for line in stream:
                if failures:
                    continue  # keep draining so FFmpeg never blocks on a full pipe
                try:
                    consume(line.rstrip("\n"))
                except Exception as exc:  # a progress callback's own error
                    failures.append(exc)

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return thread


def _report(line: str, duration_s: float, on_progress: ProgressCallback | None) -> None:
    if on_progress is None:
        return
    fraction = progress_fraction(line, duration_s)
    if fraction is not None:
        on_progress(fraction)


def progress_fraction(line: str, duration_s: float) -> float | None:
    """0..1 from one `-progress` line (`out_time_us=…` or `progress=end`); None for others."""
    key, _, value = line.strip().partition("=")
    if key == "progress" and value == "end":
        return 1.0
    if key != "out_time_us" or not value.lstrip("-").isdigit() or duration_s <= 0:
        return None
    return min(1.0, max(0.0, int(value) / 1_000_000 / duration_s))


def last_meaningful_line(lines: Iterable[str]) -> str:
    """The last stderr line that says something specific, without its "[… @ 0x…]" tag."""
    for raw in reversed(list(lines)):
        line = _TAG.sub("", raw.strip())
        if line and not line.startswith(_GENERIC_LINES):
            return line.rstrip(".")
    return "FFmpeg stopped without saying why"


def _temporary_path(output: Path) -> Path:
    """A hidden file beside `output` with the same suffix (FFmpeg picks the format by it)."""
    return output.with_name(f".{output.stem}.{secrets.token_hex(4)}.partial{output.suffix}")
