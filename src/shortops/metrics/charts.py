"""Plotly figures of the dashboards, as plain JSON-able dicts (no I/O, no Plotly import).

The page embeds each figure as JSON and `static/measure.js` draws it with the Plotly bundle the
app serves itself, so charts work offline. Labels arrive translated from the view; numbers stay
numbers (Plotly formats them), days are ISO strings in the workspace's timezone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

# One colour per platform, so a platform looks the same on every chart.
PLATFORM_COLOURS = {
    "youtube": "#e62117",
    "tiktok": "#111111",
    "douyin": "#fe2c55",
    "kuaishou": "#ff6a00",
    "instagram": "#c13584",
    "bilibili": "#00a1d6",
    "xiaohongshu": "#ff2442",
    "wechat_channels": "#07c160",
    "weibo": "#e6162d",
    "sandbox": "#7a5af8",
}
FALLBACK_COLOURS = ("#2f6fed", "#0f9d58", "#f4b400", "#ab47bc", "#00acc1", "#ff7043")

_LAYOUT: dict[str, Any] = {
    "margin": {"l": 48, "r": 16, "t": 36, "b": 40},
    "height": 320,
    "legend": {"orientation": "h", "y": -0.18},
    "hovermode": "x unified",
    "paper_bgcolor": "rgba(0,0,0,0)",
    "plot_bgcolor": "rgba(0,0,0,0)",
    "font": {"family": "system-ui, 'WenQuanYi Micro Hei', 'Noto Sans CJK SC', sans-serif"},
}


def colour_for(key: str, index: int = 0) -> str:
    return PLATFORM_COLOURS.get(key, FALLBACK_COLOURS[index % len(FALLBACK_COLOURS)])


def layout(title: str, **changes: Any) -> dict[str, Any]:
    return {**_LAYOUT, "title": {"text": title, "font": {"size": 14}}, **changes}


def day_axis(start: date, end: date) -> list[str]:
    """Every day of the range, so a day without figures shows as a gap, not as a missing tick."""
    return [date.fromordinal(n).isoformat() for n in range(start.toordinal(), end.toordinal() + 1)]


def stacked_days(
    title: str,
    *,
    start: date,
    end: date,
    series: Mapping[str, Mapping[date, float]],
    names: Mapping[str, str],
    kind: str = "bar",
) -> dict[str, Any]:
    """One trace per key (platform or account), each day's value stacked."""
    axis = day_axis(start, end)
    traces = []
    for index, (key, values) in enumerate(sorted(series.items())):
        by_day = {d.isoformat(): v for d, v in values.items()}
        trace: dict[str, Any] = {
            "type": "bar" if kind == "bar" else "scatter",
            "name": names.get(key, key),
            "x": axis,
            "y": [by_day.get(d) for d in axis],
            "marker": {"color": colour_for(key, index)},
        }
        if kind != "bar":
            trace.update(mode="lines", line={"color": colour_for(key, index), "width": 2})
        traces.append(trace)
    return {"data": traces, "layout": layout(title, barmode="stack")}


def lines(
    title: str,
    *,
    x: Sequence[Any],
    series: Mapping[str, Sequence[float | None]],
    colours: Mapping[str, str] | None = None,
    dashed: Iterable[str] = (),
    y_format: str | None = None,
    x_title: str | None = None,
) -> dict[str, Any]:
    dashed_names = set(dashed)
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers" if len(x) < 40 else "lines",
            "name": name,
            "x": list(x),
            "y": list(values),
            "line": {
                "color": (colours or {}).get(name, FALLBACK_COLOURS[i % len(FALLBACK_COLOURS)]),
                "dash": "dot" if name in dashed_names else "solid",
                "width": 2,
            },
            "connectgaps": False,
        }
        for i, (name, values) in enumerate(series.items())
    ]
    extra: dict[str, Any] = {}
    if y_format:
        extra["yaxis"] = {"tickformat": y_format}
    if x_title:
        extra["xaxis"] = {"title": {"text": x_title}}
    return {"data": traces, "layout": layout(title, **extra)}


def bars(
    title: str,
    *,
    labels: Sequence[str],
    values: Sequence[float | None],
    colours: Sequence[str] | None = None,
    horizontal: bool = False,
    x_format: str | None = None,
) -> dict[str, Any]:
    trace: dict[str, Any] = {
        "type": "bar",
        "x": list(values) if horizontal else list(labels),
        "y": list(labels) if horizontal else list(values),
        "orientation": "h" if horizontal else "v",
        "marker": {"color": list(colours) if colours else FALLBACK_COLOURS[0]},
    }
    extra: dict[str, Any] = {"showlegend": False, "hovermode": "closest"}
    if horizontal:
        extra["yaxis"] = {"automargin": True, "autorange": "reversed"}
        extra["height"] = max(220, 40 + 28 * len(labels))
        if x_format:
            extra["xaxis"] = {"tickformat": x_format}
    return {"data": [trace], "layout": layout(title, **extra)}


def heatmap(
    title: str,
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[float | None]],
    text: Sequence[Sequence[str]],
    colour_title: str,
) -> dict[str, Any]:
    """A grid (weekday × hour): colour = value, hover = the cell's own text (value, samples)."""
    trace = {
        "type": "heatmap",
        "z": [list(r) for r in values],
        "x": list(columns),
        "y": list(rows),
        "text": [list(r) for r in text],
        "hoverinfo": "text",
        "colorscale": "RdBu",
        "reversescale": True,
        "zmid": 1.0,
        "colorbar": {"title": {"text": colour_title}},
        "xgap": 1,
        "ygap": 1,
    }
    return {
        "data": [trace],
        "layout": layout(
            title,
            height=300,
            hovermode="closest",
            yaxis={"autorange": "reversed", "automargin": True},
            xaxis={"dtick": 1},
        ),
    }


LOG_TICKS = (0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20)


def intervals(
    title: str,
    *,
    labels: Sequence[str],
    effects: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    clear: Sequence[bool],
    x_title: str,
) -> dict[str, Any]:
    """Effects as multipliers with their confidence intervals, on a log axis around 1x."""
    trace = {
        "type": "scatter",
        "mode": "markers",
        "x": list(effects),
        "y": list(labels),
        "error_x": {
            "type": "data",
            "symmetric": False,
            "array": [h - e for e, h in zip(effects, highs, strict=True)],
            "arrayminus": [e - lo for e, lo in zip(effects, lows, strict=True)],
        },
        "marker": {
            "size": 10,
            "color": [FALLBACK_COLOURS[0] if c else "#9aa4b2" for c in clear],
        },
    }
    return {
        "data": [trace],
        "layout": layout(
            title,
            height=max(240, 60 + 30 * len(labels)),
            hovermode="closest",
            showlegend=False,
            xaxis={
                "type": "log",
                "title": {"text": x_title},
                # Round multipliers only: Plotly's own log ticks read "6 7 8 9 0.1 2 3".
                "tickvals": LOG_TICKS,
                "ticktext": [f"{t:g}x" for t in LOG_TICKS],
            },
            yaxis={"automargin": True, "autorange": "reversed"},
            shapes=[
                {
                    "type": "line",
                    "x0": 1,
                    "x1": 1,
                    "yref": "paper",
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": "#555", "dash": "dot"},
                }
            ],
        ),
    }
