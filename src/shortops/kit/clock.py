"""The one place that reads the time, so tests can freeze it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def local_timezone_name() -> str:
    """This machine's IANA time zone (TZ, /etc/timezone or /etc/localtime's link); else UTC."""
    import os
    from pathlib import Path
    from zoneinfo import available_timezones

    candidates = [os.environ.get("TZ", "").lstrip(":")]
    timezone_file = Path("/etc/timezone")
    if timezone_file.is_file():
        candidates.append(timezone_file.read_text(encoding="utf-8", errors="replace").strip())
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        if "zoneinfo/" in target:
            candidates.append(target.split("zoneinfo/", 1)[1])
    known = available_timezones()
    return next((name for name in candidates if name in known), "UTC")
