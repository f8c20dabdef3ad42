"""Reading values out of platforms' JSON answers, the one way every provider does it.

Platforms send numbers as numbers or as strings ("12", " 7 "), booleans where numbers belong, and
times with or without an offset. Each reader returns None for what it cannot read (never raises):
a field a platform left out or changed shape is "unknown", which callers already handle.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any


def integer(value: Any) -> int | None:
    """An int from an int or a string of one ("12", " -3 "); None otherwise (bools included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def number(value: Any) -> float | None:
    """A finite float from a number or a string of one; None otherwise (bools, NaN, inf)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        found = float(value)
    except ValueError:
        return None
    return found if math.isfinite(found) else None


def timestamp(value: Any) -> datetime | None:
    """An aware datetime from an ISO 8601 string (one without an offset is taken as UTC)."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def epoch(value: Any) -> datetime | None:
    """An aware datetime from a Unix time in seconds or in milliseconds (platforms use both;
    anything past 1e11 is taken as milliseconds)."""
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        return None
    return datetime.fromtimestamp(value / 1000 if value > 1e11 else value, UTC)


def mapping(value: Any) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}
