"""Checks on text people type: control characters have no place in names, handles or emails."""

from __future__ import annotations

import unicodedata

# Multi-line fields (captions, notes, descriptions) keep their line breaks and tabs.
_MULTILINE_ALLOWED = frozenset("\n\r\t")


def has_control_characters(text: str, *, multiline: bool = False) -> bool:
    """True when `text` holds a control character (NUL, ESC, …; line breaks only if single-line)."""
    allowed = _MULTILINE_ALLOWED if multiline else frozenset()
    return any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text)
