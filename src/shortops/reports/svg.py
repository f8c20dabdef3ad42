"""The report's charts as SVG (Matplotlib), so the PDF needs no JavaScript and Chinese labels
render with the bundled CJK font (glyphs become paths: no tofu whatever the reader has).

Matplotlib draws no colour-emoji font, so characters neither chart font has (emoji in a post's
title) are left out of chart labels rather than drawn as boxes; the report's tables keep them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib import pyplot as plt
from matplotlib.figure import Figure
from matplotlib.ft2font import FT2Font

from shortops.media.fonts import bundled_font
from shortops.metrics.charts import colour_for


@lru_cache(maxsize=1)
def _font_family() -> str:
    font = bundled_font()
    font_manager.fontManager.addfont(str(font.path))
    return font_manager.FontProperties(fname=str(font.path)).get_name()


@lru_cache(maxsize=1)
def _drawable_code_points() -> frozenset[int]:
    found: set[int] = set()
    for path in (str(bundled_font().path), font_manager.findfont("DejaVu Sans")):
        found |= set(FT2Font(path).get_charmap())
    return frozenset(found)


def drawable(text: str) -> str:
    """`text` without the characters the chart fonts cannot draw (spaces tidied after)."""
    points = _drawable_code_points()
    kept = "".join(c for c in text if c.isspace() or ord(c) in points)
    return kept if kept == text else " ".join(kept.split())


def _style() -> Any:
    return {
        "font.family": [_font_family(), "DejaVu Sans"],
        "svg.fonttype": "path",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.titlesize": 11,
        "font.size": 9,
    }


def _svg(fig: Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg") :]  # drop the XML prolog: the SVG goes inline in HTML


def stacked_days(
    title: str,
    *,
    days: Sequence[date],
    series: Mapping[str, Mapping[date, float]],
    names: Mapping[str, str],
) -> str:
    """Daily bars, one colour per platform, stacked."""
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7.2, 2.6))
        bottom = [0.0] * len(days)
        for index, (key, values) in enumerate(sorted(series.items())):
            heights = [float(values.get(d, 0.0)) for d in days]
            ax.bar(
                list[Any](days),
                heights,
                bottom=bottom,
                label=drawable(names.get(key, key)),
                color=colour_for(key, index),
                width=0.8,
            )
            bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        ax.set_title(drawable(title), loc="left")
        ax.legend(loc="upper left", frameon=False, fontsize=8, ncol=4)
        fig.autofmt_xdate()
        return _svg(fig)


def horizontal_bars(title: str, *, labels: Sequence[str], values: Sequence[float]) -> str:
    with plt.rc_context(_style()):
        fig, ax = plt.subplots(figsize=(7.2, 0.5 + 0.32 * max(1, len(labels))))
        ax.barh([drawable(label) for label in labels][::-1], list(values)[::-1], color="#2f6fed")
        ax.set_title(drawable(title), loc="left")
        return _svg(fig)
