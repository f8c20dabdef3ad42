"""Numbers from the address: larger than a database id (2³¹−1, PostgreSQL's INTEGER) is a 422,
not a crash.

Every path and query parameter that looks like a whole number is checked before any endpoint
runs; numbers in forms and JSON bodies that reach the database too large are caught where the
driver refuses them (SQLite's `OverflowError`, PostgreSQL's "out of range"; api/errors.py) and
answered the same way.
"""

from __future__ import annotations

import re

from fastapi import Request

from shortops.errors import N_, InvalidInput

MAX_INTEGER = 2**31 - 1
_WHOLE = re.compile(r"^\s*[+-]?\d+\s*$")
TOO_LARGE = N_("The number {value} is too large for {name}: numbers go up to {max}.")


# Query parameters that name an id or a page. Others stay free text: a platform's OAuth `code`
# or `state` may well be a long run of digits.
_NUMBER_QUERIES = frozenset({"page", "per_page", "page_number", "post", "account", "ids", "id"})


def _numeric_query(name: str) -> bool:
    return name in _NUMBER_QUERIES or name.endswith(("_id", "_ids"))


def bounded_numbers(request: Request) -> None:
    """Refuse a path or query number no database column can hold (dependency of every route)."""
    queries = [(k, v) for k, v in request.query_params.multi_items() if _numeric_query(k)]
    for name, value in [*request.path_params.items(), *queries]:
        if _too_large(value):
            raise InvalidInput(TOO_LARGE, value=_shortened(value), name=name, max=MAX_INTEGER)


def _too_large(value: object) -> bool:
    # Fewer digits than the limit always fit, more never do (and int() refuses huge strings).
    if not isinstance(value, str) or not _WHOLE.match(value):
        return False
    digits = value.strip().lstrip("+-").lstrip("0")
    if len(digits) != _DIGITS:
        return len(digits) > _DIGITS
    return int(digits) > MAX_INTEGER


_DIGITS = len(str(MAX_INTEGER))


def _shortened(value: str) -> str:
    value = value.strip()
    return value if len(value) <= 30 else value[:12] + "…" + value[-6:]
