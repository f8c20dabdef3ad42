"""Platform figures as typed counters, for the metric reads of every provider (no I/O).

Platforms spell numbers their own way (YouTube's statistics are strings, TikTok's are JSON
numbers, a missing figure may be absent, null or an empty list); everything here turns them into
an int or float, or None when the platform did not report a usable figure, never a made-up 0.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any


def count(value: Any) -> int | None:
    """A non-negative whole number from an int or a string of digits; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer():
        return int(value) if value >= 0 else None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def number(value: Any) -> float | None:
    """A finite non-negative number from an int, float or numeric string; None otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        found = float(value)
    except ValueError:
        return None
    return found if found >= 0 and found != float("inf") else None


def scaled(value: Any, factor: float) -> float | None:
    """`number(value) * factor` (minutes or milliseconds to seconds), None when unreported."""
    found = number(value)
    return None if found is None else round(found * factor, 3)


def epoch(value: Any) -> datetime | None:
    """A UTC datetime from epoch seconds (int or digit string)."""
    seconds = count(value)
    return datetime.fromtimestamp(seconds, UTC) if seconds is not None else None


def batches(ids: Sequence[str], size: int) -> Iterator[list[str]]:
    """The distinct ids, in order, `size` at a time."""
    unique = list(dict.fromkeys(str(i) for i in ids if str(i)))
    for start in range(0, len(unique), max(1, size)):
        yield unique[start : start + max(1, size)]
