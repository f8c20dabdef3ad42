"""One Jinja environment per language, with that language's gettext installed."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from shortops import __version__
from shortops.web.i18n import LANGUAGES, translations

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _local_time(value: datetime | None, timezone: str = "UTC") -> str:
    """A UTC datetime shown in the workspace timezone."""
    if value is None:
        return "—"
    return value.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


@cache
def environment(language: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    env.filters["local_time"] = _local_time
    env.globals.update(languages=LANGUAGES, version=__version__, language=language)
    return env


def render(language: str, name: str, context: dict[str, Any]) -> str:
    return environment(language).get_template(name).render(**context)
