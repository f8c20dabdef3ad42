"""Translations (Babel catalogs read straight from the .po files) and language choice."""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel import Locale, negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

TRANSLATIONS_DIR = Path(__file__).parent / "translations"
DOMAIN = "messages"

# Language code -> name shown in the switcher (each in its own language).
LANGUAGES = {"en": "English", "zh_Hans": "简体中文"}

# Browser tags that mean Simplified Chinese.
_ALIASES = {"zh": "zh_Hans", "zh_CN": "zh_Hans", "zh_SG": "zh_Hans", "zh_Hans_CN": "zh_Hans"}


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
    tag = value.replace("-", "_")
    if tag in LANGUAGES:
        return tag
    if tag in _ALIASES:
        return _ALIASES[tag]
    base = tag.split("_", 1)[0]
    return "en" if base == "en" else _ALIASES.get(base)


def negotiate(accept_language: str | None) -> str | None:
    """The best supported language for an Accept-Language header."""
    if not accept_language:
        return None
    preferred = []
    for part in accept_language.split(","):
        tag = part.split(";", 1)[0].strip()
        if tag:
            preferred.append(tag.replace("-", "_"))
    for tag in preferred:
        language = normalize_language(tag)
        if language:
            return language
    found = negotiate_locale(preferred, list(LANGUAGES), sep="_")
    return found


def gettext(language: str, message: str) -> str:
    return translations(language).gettext(message)
