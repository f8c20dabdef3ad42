"""Plotly's stylesheet as a file, so chart pages need no inline <style> under the CSP.

Plotly injects its rules with `<style>` elements unless the page already has an element with id
`plotly.js-style-global` and class `no-inline-styles`. The rules live in the bundle as one
object literal (selector template → declarations); they are read from the very bundle the app
serves, so the two never drift apart when plotly is upgraded.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

_START = '{"X,X div":'
# Stylesheets the bundle's parts (MapLibre) inject at load unless an element has their id.
_INJECTED = re.compile(
    r'getElementById\("([0-9a-f]{16,})"\)\)\{var (\w+)=document\.createElement\("style"\);'
    r'\2\.id="\1",\2\.textContent=`([^`]*)`'
)
_BARE_KEY = re.compile(r"[A-Za-z_$][\w$]*")


class PlotlyStylesNotFound(RuntimeError):
    """The bundle's layout changed: the rules object is no longer where it used to be."""


def bundle_path() -> Path:
    """plotly.min.js inside the installed plotly package (found without importing plotly)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise PlotlyStylesNotFound("the plotly package is not installed")
    return Path(spec.origin).parent / "package_data" / "plotly.min.js"


@functools.cache
def stylesheet(bundle: Path) -> str:
    """Every rule Plotly would inject, as one stylesheet."""
    text = bundle.read_text(encoding="utf-8")
    injected = [css for _id, _var, css in _INJECTED.findall(text)]
    return plotly_rules_as_css(text) + "".join(css + "\n" for css in injected)


@functools.cache
def injected_style_ids(bundle: Path) -> tuple[str, ...]:
    """Ids to put on the page so the bundle's parts skip their own <style> (it is in ours)."""
    return tuple(match[0] for match in _INJECTED.findall(bundle.read_text(encoding="utf-8")))


def plotly_rules_as_css(bundle_text: str) -> str:
    start = bundle_text.find(_START)
    if start < 0:
        raise PlotlyStylesNotFound("no rules object in the Plotly bundle")
    rules = _read_object(bundle_text, start)
    lines = []
    for template, declarations in rules:
        selector = template.replace(",", " ,", 1) if template.startswith(",") else template
        selector = selector.replace("X", ".js-plotly-plot .plotly").replace("Y", ".plotly-notifier")
        lines.append(f"{selector}{{{declarations}}}")
    return "\n".join(lines) + "\n"


def _read_object(text: str, at: int) -> list[tuple[str, str]]:
    """The pairs of a flat `{"key":'value',…}` literal whose values are all strings (a key may be
    a bare name: the minifier drops the quotes of `"Y"`)."""
    pairs: list[tuple[str, str]] = []
    i = at + 1
    while True:
        key, i = _read_key(text, i)
        if text[i] != ":":
            raise PlotlyStylesNotFound(f"expected ':' at {i}")
        value, i = _read_string(text, i + 1)
        pairs.append((key, value))
        if text[i] == "}":
            return pairs
        if text[i] != ",":
            raise PlotlyStylesNotFound(f"expected ',' at {i}")
        i += 1


def _read_key(text: str, i: int) -> tuple[str, int]:
    match = _BARE_KEY.match(text, i)
    if match:
        return match.group(0), match.end()
    return _read_string(text, i)


def _read_string(text: str, i: int) -> tuple[str, int]:
    quote = text[i]
    if quote not in "'\"":
        raise PlotlyStylesNotFound(f"expected a string at {i}")
    out = []
    i += 1
    while text[i] != quote:
        if text[i] == "\\":
            i += 1
        out.append(text[i])
        i += 1
    return "".join(out), i + 1
