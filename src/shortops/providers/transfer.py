"""Sending a video in parts, the one loop the providers that upload in parts share (Bilibili,
Kuaishou): each part in turn, progress after each, then the platform's "complete" call.

Nothing is posted while the bytes travel, so a part that breaks off (a lost connection, an
outage, a rate limit) ends the upload as Transient, saying how far it got: starting again is
safe. A refusal (Rejected) stays what it is, and a file that cannot be read says so.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shortops.errors import N_
from shortops.providers.base import OnProgress
from shortops.providers.errors import OutcomeUnknown, RateLimited, Transient
from shortops.providers.files import FILE_UNREADABLE, FileReadError, read_range
from shortops.providers.types import Progress

UPLOAD_BROKE = N_(
    "The upload to {platform} broke off at {sent} of {total} bytes ({detail}); nothing was "
    "posted. Starting again is safe."
)

# send(index, content): one part, numbered from 0, with its bytes.
SendPart = Callable[[int, bytes], None]


def send_in_parts(
    path: Path,
    *,
    size: int,
    part_bytes: int,
    platform: str,
    send: SendPart,
    complete: Callable[[int], None] | None = None,
    on_progress: OnProgress | None = None,
) -> int:
    """Send `size` bytes of `path` in parts of `part_bytes`, then `complete(part_count)`;
    returns the number of parts."""
    if on_progress:
        on_progress(Progress(sent=0, total=size))
    sent = 0
    count = max(1, -(-size // part_bytes))
    try:
        for index in range(count):
            first = index * part_bytes
            length = min(part_bytes, size - first)
            send(index, read_range(path, first, length))
            sent = first + length
            if on_progress:
                on_progress(Progress(sent=sent, total=size))
        if complete is not None:
            complete(count)
    except FileReadError as exc:
        raise Transient(FILE_UNREADABLE, platform=platform, detail=str(exc)) from None
    except (Transient, OutcomeUnknown, RateLimited) as exc:
        raise Transient(
            UPLOAD_BROKE,
            platform=platform,
            platform_code=exc.platform_code,
            detail=exc.detail or type(exc).__name__,
            sent=sent,
            total=size,
        ) from None
    return count
