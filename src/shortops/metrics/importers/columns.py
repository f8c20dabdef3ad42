"""Columns of an export: which header holds which canonical figure, and how its cells read.

A format lists its headers (in every UI language seen) against canonical names; `Columns`
finds them in a table case- and space-insensitively, reads each row's figures, and keeps the
columns it does not know under their own header in `extra`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from typing import Any

from shortops.errors import N_
from shortops.metrics.importers import values
from shortops.metrics.importers.tables import Table
from shortops.metrics.importers.types import Number, Skipped

Parser = Callable[[Any], Any]


def hours_to_seconds(cell: Any) -> float | None:
    value = values.number(cell)
    return None if value is None else float(Decimal(str(value)) * 3600)


# How a canonical figure's cells read when a format does not say otherwise.
CANONICAL_PARSERS: dict[str, Parser] = {
    "watch_time_s": values.seconds,
    "avg_view_s": values.seconds,
    "avg_view_pct": values.rate,
    "completion_rate": values.rate,
    "completion_rate_5s": values.rate,
    "bounce_rate_2s": values.rate,
    "viewed_rate": values.rate,
    "impressions_ctr": values.rate,
    "cover_ctr": values.rate,
    "revenue": values.money,
}


def parser_for(name: str) -> Parser:
    return CANONICAL_PARSERS.get(name, values.count)


def key(header: str) -> str:
    return " ".join(str(header).replace("\ufeff", "").split()).casefold()


@dataclass(frozen=True, slots=True)
class Column:
    """A canonical name and how this format writes it (None: the canonical parser)."""

    name: str
    parse: Parser | None = None

    def read(self, cell: Any) -> Any:
        return (self.parse or parser_for(self.name))(cell)


@dataclass
class Columns:
    """A table's columns resolved against a format's aliases."""

    found: dict[str, Column]  # header as in the file -> column
    extra: list[str]  # headers the format does not know: kept in `extra`

    @classmethod
    def resolve(
        cls, headers: Iterable[str], aliases: Mapping[str, Column], ignore: Iterable[str] = ()
    ) -> Columns:
        by_key = {key(alias): column for alias, column in aliases.items()}
        skipped = {key(h) for h in ignore}
        found: dict[str, Column] = {}
        extra: list[str] = []
        taken: set[str] = set()
        for header in headers:
            column = by_key.get(key(header))
            if column is not None and column.name not in taken:
                found[header] = column
                taken.add(column.name)
            elif key(header) not in skipped and header:
                extra.append(header)
        return cls(found, extra)

    def header_of(self, name: str) -> str | None:
        return next((h for h, c in self.found.items() if c.name == name), None)

    def has(self, *names: str) -> bool:
        return all(self.header_of(n) is not None for n in names)


@dataclass(slots=True)
class RowValues:
    """One row read through `Columns`: canonical values, figures, extra cells."""

    fields: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Number] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


BAD_CELL = N_('column "{column}" holds "{value}", which is not a {kind}')


def read_rows(
    columns: Columns, table: Table, *, fields: Iterable[str], skipped: list[Skipped]
) -> Iterator[tuple[int, RowValues]]:
    """(line, values) of each row of `table`; names in `fields` are identity/time fields, every
    other known name is a figure. A row with a cell its column cannot read is left out, its
    first such cell (in column order) appended to `skipped` in line order.

    Cells are read a column at a time, each distinct cell once: exports repeat them (Chart data
    writes each video's title, publish time and duration on every day), and a million rows are
    read."""
    wanted = set(fields)
    known = [(h, c, *_read_column(c, table.cells(h))) for h, c in columns.found.items()]
    bad = _bad_rows(table, known)
    field_part = [(c.name, cells) for _, c, cells, _ in known if c.name in wanted]
    metric_part = [(c.name, cells) for _, c, cells, _ in known if c.name not in wanted]
    extra_part = [(h, _read_extra_column(table.cells(h))) for h in columns.extra]
    groups = [_row_tuples(part) for part in (field_part, metric_part, extra_part)]
    field_names, metric_names, extra_names = (
        tuple(name for name, _ in part) for part in (field_part, metric_part, extra_part)
    )
    for index, (line, field_cells, metric_cells, extra_cells) in enumerate(
        zip(table.lines, *groups, strict=False)
    ):
        if bad and index in bad:
            skipped.append(bad[index])
            continue
        metrics = {n: v for n, v in zip(metric_names, metric_cells, strict=False) if v is not None}
        extra = {}
        for name, value in zip(extra_names, extra_cells, strict=False):
            # A figure the format has no name for is still kept (under its header, as extra).
            if isinstance(value, str):
                extra[name] = value
            elif value is not None:
                metrics[name] = value
        fields_ = {n: v for n, v in zip(field_names, field_cells, strict=False) if v is not None}
        yield line, RowValues(fields_, metrics, extra)


def _row_tuples(part: list[tuple[str, list[Any]]]) -> Iterable[tuple[Any, ...]]:
    """Each row's values of `part`'s columns (empty tuples when it has none)."""
    return zip(*(cells for _, cells in part), strict=False) if part else repeat(())


class _Unread:
    """A cell its column could not read (stands in for its value)."""

    __slots__ = ("error",)

    def __init__(self, error: values.BadValue) -> None:
        self.error = error


def _read_column(column: Column, cells: Sequence[Any]) -> tuple[list[Any], bool]:
    """The column's values, and whether any cell did not read."""
    read: dict[Any, Any] = {}
    unread = False
    for cell in set(cells):
        try:
            read[cell] = column.read(cell)
        except values.BadValue as exc:
            read[cell] = _Unread(exc)
            unread = True
    return list(map(read.__getitem__, cells)), unread


def _bad_rows(table: Table, known: list[tuple[str, Column, list[Any], bool]]) -> dict[int, Skipped]:
    """Row index -> the skip of its first unreadable cell."""
    bad: dict[int, Skipped] = {}
    for header, _, cells, unread in reversed(known):  # the first column's reason wins
        if not unread:
            continue
        for index, value in enumerate(cells):
            if isinstance(value, _Unread):
                error = value.error
                bad[index] = Skipped(
                    line=table.lines[index],
                    reason=BAD_CELL,
                    params={"column": header, "value": error.text[:80], "kind": error.kind},
                    file=table.name,
                )
    return bad


def _read_extra_column(cells: Sequence[Any]) -> list[Any]:
    """A column the format does not know: a number where the cell reads as one, else its text
    (a str), None where empty."""
    read: dict[Any, Any] = {}
    for cell in set(cells):
        if values.is_empty(cell):
            read[cell] = None
            continue
        number = _number_or_none(cell)
        read[cell] = str(cell) if number is None else number
    return list(map(read.__getitem__, cells))


def _number_or_none(cell: Any) -> Number | None:
    try:
        if isinstance(cell, str) and cell.strip().endswith("%"):
            return values.rate(cell)
        return values.number(cell)
    except values.BadValue:  # text after all ("n%" that is no rate): kept as text
        return None
