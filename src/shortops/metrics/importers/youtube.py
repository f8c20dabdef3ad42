"""YouTube Studio, Advanced mode → Export current view: `Table data.csv` (one row per video
and a first `Total` row), `Chart data.csv` (one row per day and video) and `Totals.csv` (one
row per day), in a ZIP or as loose files.

The metric columns are whatever the user had selected, so every column is optional. Table
figures cover the export's date range, which only Chart data and Totals state (or the user).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from shortops.errors import N_
from shortops.metrics.importers import values
from shortops.metrics.importers.columns import (
    Column,
    Columns,
    RowValues,
    hours_to_seconds,
    read_rows,
)
from shortops.metrics.importers.tables import Table
from shortops.metrics.importers.types import (
    AccountDayRow,
    ExportKind,
    ImportOptions,
    ParsedExport,
    PostDayRow,
    PostRow,
    Skipped,
)

KIND: ExportKind = "youtube_studio"
LABEL = "YouTube Studio (Table data, Chart data, Totals)"

IDENTITY: dict[str, Column] = {
    "Content": Column("remote_id", values.text),
    "Video title": Column("title", values.text),
    "Video publish time": Column("published", values.day_or_moment),
    "Duration": Column("duration_s", values.seconds),
    "Date": Column("day", values.day),
}
METRICS: dict[str, Column] = {
    "Views": Column("views"),
    "Engaged views": Column("engaged_views"),
    "Likes": Column("likes"),
    "Dislikes": Column("dislikes"),
    "Comments added": Column("comments"),
    "Shares": Column("shares"),
    "Watch time (hours)": Column("watch_time_s", hours_to_seconds),
    "Average view duration": Column("avg_view_s"),
    "Average percentage viewed (%)": Column("avg_view_pct", values.percent),
    # "Stayed to watch" is the newer name of Shorts' "Viewed (vs. swiped away)".
    "Stayed to watch (%)": Column("viewed_rate", values.percent),
    "Viewed (vs. swiped away) (%)": Column("viewed_rate", values.percent),
    "Impressions": Column("impressions"),
    "Impressions click-through rate (%)": Column("impressions_ctr", values.percent),
    "Unique viewers": Column("unique_viewers"),
    "New viewers": Column("new_viewers"),
    "Returning viewers": Column("returning_viewers"),
    "Regular viewers": Column("returning_viewers"),
    "Casual viewers": Column("casual_viewers"),
    "Subscribers gained": Column("followers_gained"),
    "Subscribers lost": Column("followers_lost"),
    "Subscribers": Column("followers_net"),
}
FIELDS = ("remote_id", "title", "published", "duration_s", "day")
_REVENUE = re.compile(r"^(?:Estimated |Your estimated )?revenue \(([A-Z]{3})\)$", re.IGNORECASE)
TOTAL = "Total"


def role(headers: list[str]) -> str | None:
    """Which file of the export this table is: table, chart or totals (None: not YouTube)."""
    names = {h.strip().casefold() for h in headers}
    has_metric = any(key.casefold() in names for key in METRICS) or any(
        _REVENUE.match(h.strip()) for h in headers
    )
    if "content" in names and "video title" in names and has_metric:
        return "chart" if "date" in names else "table"
    if headers and headers[0].strip().casefold() == "date" and len(headers) >= 2:
        # Totals: Date and metric columns only, all of them YouTube's.
        known = {k.casefold() for k in METRICS} | {"date"}
        if all(h.strip().casefold() in known or _REVENUE.match(h.strip()) for h in headers):
            return "totals"
    return None


def _aliases(headers: list[str]) -> tuple[dict[str, Column], str | None]:
    aliases = {**IDENTITY, **METRICS}
    currency = None
    for header in headers:
        match = _REVENUE.match(header.strip())
        if match:
            aliases[header] = Column("revenue", values.money)
            currency = match.group(1).upper()
    return aliases, currency


def read(tables: list[tuple[str, Table]], options: ImportOptions, name: str) -> ParsedExport:
    parsed = ParsedExport(kind=KIND, platform="youtube", name=name, cumulative=False)
    days: list[Any] = []
    for which, table in tables:
        parsed.files.append(table.name)
        parsed.columns[table.name] = list(table.headers)
        if which == "table":
            _read_table(parsed, table)
        elif which == "chart":
            days += _read_chart(parsed, table)
        else:
            days += _read_totals(parsed, table)
    parsed.rows_read = sum(len(t.rows) for _, t in tables)
    if days:
        parsed.period = (min(days), max(days))
        if options.period is not None and options.period != parsed.period:
            parsed.notes.append(
                Skipped(
                    line=0,
                    reason=N_(
                        "The files cover {start} to {end}; that range was used instead of "
                        "the one given."
                    ),
                    params={"start": str(parsed.period[0]), "end": str(parsed.period[1])},
                )
            )
    else:
        parsed.period = options.period
    return parsed


def _order(table: Table, header: str) -> values.DateOrder:
    # Excel re-saves Studio's ISO dates as 13-06-2025 (day first in most locales).
    return (
        values.guess_order(dict.fromkeys(table.cells(header)), default="dmy")
        if header in table.headers
        else "ymd"
    )


def _read_table(parsed: ParsedExport, table: Table) -> None:
    aliases, currency = _aliases(table.headers)
    columns = Columns.resolve(table.headers, aliases)
    for line, row in read_rows(columns, table, fields=FIELDS, skipped=parsed.skipped):
        remote_id = row.fields.get("remote_id")
        if remote_id == TOTAL and not row.fields.get("title"):
            parsed.account_total = row.metrics
            continue
        parsed.posts.append(
            PostRow(
                line=line,
                remote_id=_clean_id(remote_id),
                title=row.fields.get("title"),
                published=row.fields.get("published"),
                duration_s=row.fields.get("duration_s"),
                metrics=row.metrics,
                currency=currency if "revenue" in row.metrics else None,
                extra=row.extra,
                file=table.name,
            )
        )


def _clean_id(remote_id: str | None) -> str | None:
    """YouTube prefixes ids that start with "-" with a space (so Excel does not read a formula)."""
    return remote_id.strip() if remote_id else None


def _read_chart(parsed: ParsedExport, table: Table) -> list[Any]:
    days = []
    for line, day, row in _dated_rows(parsed, table, FIELDS):
        days.append(day)
        parsed.post_days.append(
            PostDayRow(
                line=line,
                day=day,
                remote_id=_clean_id(row.fields.get("remote_id")),
                title=row.fields.get("title"),
                published=row.fields.get("published"),
                duration_s=row.fields.get("duration_s"),
                metrics=row.metrics,
                file=table.name,
            )
        )
    return days


def _read_totals(parsed: ParsedExport, table: Table) -> list[Any]:
    _, currency = _aliases(table.headers)
    days = []
    for line, day, row in _dated_rows(parsed, table, ("day",)):
        days.append(day)
        parsed.account_days.append(
            AccountDayRow(
                line=line,
                day=day,
                metrics=row.metrics,
                currency=currency if "revenue" in row.metrics else None,
                file=table.name,
            )
        )
    return days


def _dated_rows(
    parsed: ParsedExport, table: Table, fields: tuple[str, ...]
) -> Iterator[tuple[int, Any, RowValues]]:
    """(line, day, values) of each row of a Chart data or Totals file; a row that does not
    read, or has no date, is skipped with its reason."""
    aliases, _ = _aliases(table.headers)
    aliases["Date"] = Column("day", _day_reader(table))
    columns = Columns.resolve(table.headers, aliases)
    for line, row in read_rows(columns, table, fields=fields, skipped=parsed.skipped):
        day = row.fields.get("day")
        if day is None:
            parsed.skipped.append(Skipped(line, N_("the row has no date"), file=table.name))
            continue
        yield line, day, row


def _day_reader(table: Table) -> Any:
    order = _order(table, "Date")

    def read_day(cell: Any) -> Any:
        return values.day(cell, order=order)

    return read_day
