"""Random identifiers and slugs."""

from __future__ import annotations

import re
import secrets
import unicodedata

_SLUG_STRIP = re.compile(r"[^a-z0-9]+")


def random_token(prefix: str, nbytes: int = 32) -> str:
    """An unguessable token such as `sho_…`, safe in URLs and headers."""
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"


def slugify(text: str, fallback: str = "workspace") -> str:
    """An ASCII slug; names in Chinese or other scripts fall back to `fallback` plus a suffix."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _SLUG_STRIP.sub("-", ascii_text.lower()).strip("-")[:48].strip("-")
    return slug or f"{fallback}-{secrets.token_hex(3)}"
