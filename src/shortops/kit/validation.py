"""Pydantic validation errors as short messages in the user's language."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from shortops.errors import N_

# The problems people actually hit; anything else keeps Pydantic's English text.
_PROBLEMS = {
    "missing": N_("is required"),
    "string_too_short": N_("is too short"),
    "string_too_long": N_("is too long"),
    "string_pattern_mismatch": N_("has the wrong format"),
    "enum": N_("must be one of: {expected}"),
    "int_parsing": N_("must be a whole number"),
    "greater_than_equal": N_("must be at least {ge}"),
    "less_than_equal": N_("must be at most {le}"),
    "too_short": N_("needs at least {min_length} item(s)"),
    "control_characters": N_("contains a control character (such as NUL or ESC); remove it"),
    "unknown_currency": N_("is not an ISO 4217 currency code such as USD, CNY or EUR"),
}
_UNKNOWN_TIMEZONE = N_("unknown timezone; use an IANA name such as Asia/Shanghai")


def describe(errors: Sequence[Any], gettext: Callable[[str], str]) -> list[dict[str, str]]:
    """One `{"field", "problem"}` per error, the problem translated where we know it."""
    described = []
    for error in errors:
        location = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path")]
        described.append({"field": ".".join(location), "problem": _problem(error, gettext)})
    return described


def _problem(error: dict[str, Any], gettext: Callable[[str], str]) -> str:
    kind = error.get("type", "")
    if kind == "value_error" and "unknown timezone" in str(error.get("msg", "")):
        return gettext(_UNKNOWN_TIMEZONE)
    template = _PROBLEMS.get(kind)
    if template is None:
        return str(error.get("msg", ""))
    try:
        return gettext(template).format(**(error.get("ctx") or {}))
    except (KeyError, IndexError):
        return gettext(template)


def summary(errors: Sequence[Any], gettext: Callable[[str], str]) -> str:
    """The first problem as one line: `field: problem`."""
    details = describe(errors, gettext)
    if not details:
        return gettext(N_("The request is not valid."))
    first = details[0]
    if not first["field"]:
        return first["problem"]
    return gettext(N_("{field}: {problem}")).format(**first)
