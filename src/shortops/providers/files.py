"""What every uploading provider does with the file and with refused checks, written once."""

from __future__ import annotations

import os
from pathlib import Path

from shortops.errors import N_
from shortops.providers.errors import Rejected
from shortops.providers.types import Issue, Severity

FILE_UNREADABLE = N_("The video file to upload cannot be read ({detail}).")
FILE_CHANGED = N_(
    "The video file changed since it was checked ({size} bytes now, {expected} expected). "
    "Render it again."
)


class FileReadError(Exception):
    """The file could not be read while a part of it was being sent."""


def refuse_errors(issues: list[Issue], *, platform: str) -> None:
    """Raise the first error among `issues` as Rejected (checked again right before sending)."""
    for issue in issues:
        if issue.severity == Severity.error:
            params = {k: v for k, v in issue.params.items() if k not in ("platform", "detail")}
            raise Rejected(
                issue.message,
                platform=platform,
                platform_code=issue.code,
                detail=str(issue.params.get("detail") or issue.code),
                **params,
            )


def check_file(path: Path, expected: int, *, platform: str) -> None:
    """Refuse a file that is gone or no longer the size it was checked at."""
    try:
        size = os.stat(path).st_size
    except OSError as exc:
        raise Rejected(FILE_UNREADABLE, platform=platform, detail=str(exc)) from None
    if size != expected:
        raise Rejected(FILE_CHANGED, platform=platform, size=size, expected=expected)


def read_range(path: Path, first: int, length: int) -> bytes:
    """`length` bytes of `path` from byte `first`; FileReadError when they are not all there."""
    try:
        with open(path, "rb") as file:
            file.seek(first)
            data = file.read(length)
    except OSError as exc:
        raise FileReadError(str(exc)) from None
    if len(data) != length:
        raise FileReadError(f"{path} ended at byte {first + len(data)}")
    return data
