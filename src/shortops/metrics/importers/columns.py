"""Columns of an export: which header holds which canonical figure, and how its cells read.

A format lists its headers (in every UI language seen) against canonical names; `Columns`
finds them in a table case- and space-insensitively, reads each row's figures, and keeps the
columns it does not know under their own header in `extra`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from shortops.errors import N_
from shortops.metrics.importers import values
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
    # Cells repeat (Chart data repeats each video's title, publish time and duration on every
    # day, and every video on each date): each distinct cell of a column is read once.
    memo: dict[str, dict[Any, Any]] = field(default_factory=dict)

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


@dataclass
class RowValues:
    """One row read through `Columns`: canonical values, figures, extra cells."""

    fields: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Number] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)


class BadCell(Exception):
    """A cell its column cannot hold; `skip` says which, for the report."""

    def __init__(self, skip: Skipped) -> None:
        super().__init__(skip.reason)
        self.skip = skip


MEMO_SIZE = 50_000
BAD_CELL = N_('column "{column}" holds "{value}", which is not a {kind}')


def read_row(
    columns: Columns, record: Mapping[str, Any], *, line: int, file: str, fields: Iterable[str]
) -> RowValues:
    """Read `record`; names in `fields` are identity/time fields, every other known name is a
    figure. Raises BadCell for the first cell that does not read."""
    field_names = set(fields)
    out = RowValues()
    for header, column in columns.found.items():
        cell = record.get(header, "")
        memo = columns.memo.setdefault(header, {})
        try:
            value = memo[cell] if cell in memo else column.read(cell)
        except values.BadValue as exc:
            raise BadCell(
                Skipped(
                    line=line,
                    reason=BAD_CELL,
                    params={"column": header, "value": exc.text[:80], "kind": exc.kind},
                    file=file,
                )
            ) from None
        if len(memo) < MEMO_SIZE:
            memo[cell] = value
        if value is None:
            continue
        if column.name in field_names:
            out.fields[column.name] = value
        else:
            out.metrics[column.name] = value
    for header in columns.extra:
        cell = record.get(header, "")
        if values.is_empty(cell):
            continue
        number = _number_or_none(cell)
        # A figure the format has no name for is still kept (under its header, as extra).
        if number is not None:
            out.metrics[header] = number
        else:
            out.extra[header] = str(cell)
    return out


def _number_or_none(cell: Any) -> Number | None:
    if isinstance(cell, str) and cell.strip().endswith("%"):
        return values.rate(cell)
    try:
        return values.number(cell)
    except values.BadValue:
        return None
