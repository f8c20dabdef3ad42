"""Translations (Babel catalogs read straight from the .po files) and language choice.

In `kit`, not `web`: flows and tasks (notifications, reports) write in the reader's language too.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "web" / "translations"
DOMAIN = "messages"

# Language code -> name shown in the switcher (each in its own language).
LANGUAGES = {"en": "English", "zh_Hans": "简体中文"}

# Chinese tags that mean Traditional script: our catalog is Simplified, so these match nothing
# and the next preference in Accept-Language (often English) wins instead.
_TRADITIONAL = frozenset({"hant", "tw", "hk", "mo"})


@cache
def translations(language: str) -> NullTranslations:
    """The catalog for `language`, compiled in memory from its .po file (English needs none)."""
    po_path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language == "en" or not po_path.exists():
        return NullTranslations()
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=Locale.parse(language))
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def normalize_language(value: str | None) -> str | None:
    """A supported language code for `value` (zh-CN, zh_Hans, en-US …), or None."""
    if not value:
        return None
    if value in LANGUAGES:
        return value
    # Language tags are case-insensitive and browsers write them with hyphens.
    subtags = [part for part in value.strip().replace("-", "_").lower().split("_") if part]
    if not subtags:
        return None
    base, rest = subtags[0], subtags[1:]
    if base == "en":
        return "en"
    if base != "zh":
        return None
    # An explicit script wins over the region: zh-Hans-HK is Simplified, zh-Hant-CN is not.
    if "hans" in rest:
        return "zh_Hans"
    if any(subtag in _TRADITIONAL for subtag in rest):
        return None
    return "zh_Hans"


def _preferences(accept_language: str) -> list[str]:
    """The tags of an Accept-Language header, most wanted first, without refused ones (q=0)."""
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")):
        tag, *params = (piece.strip() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, number = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(number)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            # The index keeps the header's order among equal weights.
            weighted.append((-quality, index, tag))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(accept_language: str | None) -> str | None:
    """The best supported language for an Accept-Language header, or None."""
    if not accept_language:
        return None
    for tag in _preferences(accept_language):
        language = normalize_language(tag)
        if language:
            return language
    return None


def gettext(language: str, message: str) -> str:
    """`message` translated into `language` (unchanged when it has no translation)."""
    return translations(language).gettext(message)
