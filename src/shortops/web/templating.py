"""One Jinja environment per language, with that language's gettext installed."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, select_autoescape

from shortops import __version__
from shortops.kit.i18n import LANGUAGES, translations
from shortops.web import plotly_css

TEMPLATES_DIR = Path(__file__).parent / "templates"


def _local_time(value: datetime | None, timezone: str = "UTC") -> str:
    """A UTC datetime shown in the workspace timezone."""
    if value is None:
        return "—"
    try:
        return value.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")
    except (OverflowError, ValueError):  # at the calendar's edge, or an unknown zone: as stored
        return value.strftime("%Y-%m-%d %H:%M UTC")


def _number(value: float | int | None, language: str = "en") -> str:
    """A count as people read it on dashboards: 1,234 · 12.3K · 4.5M (Chinese: 1.2万, 3.4亿)."""
    if value is None:
        return "—"
    number = float(value)
    size = abs(number)
    units = _CJK_UNITS if language == "zh_Hans" else _UNITS
    for threshold, divisor, unit in units:
        if size >= threshold:
            return f"{number / divisor:.1f}".rstrip("0").rstrip(".") + unit
    return f"{number:,.0f}" if number == int(number) else f"{number:,.1f}"


# (from, divided by, unit): below 10,000 every digit is shown.
_UNITS = ((1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "K"))
_CJK_UNITS = ((1e8, 1e8, "亿"), (1e4, 1e4, "万"))


def _percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


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
    env.filters["number"] = lambda value: _number(value, language)
    env.filters["percent"] = _percent
    env.globals.update(
        languages=LANGUAGES,
        version=__version__,
        language=language,
        plotly_style_ids=lambda: plotly_css.injected_style_ids(plotly_css.bundle_path()),
    )
    return env


def render(language: str, name: str, context: dict[str, Any]) -> str:
    return environment(language).get_template(name).render(**context)
