"""Idempotent bulk writes of Measure: rows for the figure tables, inserted or upserted by the
tables' natural keys in chunks, so the same file or poll applied twice changes nothing.

Bulk paths load what exists in one query per chunk and compare in memory (imports are hundreds
of thousands of rows); the largest go straight to the driver (see `insert_rows`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import JSON, insert, select, update
from sqlalchemy.orm import Session

from shortops.metrics.figures import (
    FIGURE_COLUMNS,
    SNAPSHOT_COLUMNS,
    split_figures,
)
from shortops.models import (
    MetricSnapshot,
)

# Large IN lists are sent in chunks below every database's parameter limit.
CHUNK = 5_000


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- idempotent writes ---------------------------------------------------------------------------


@dataclass
class WriteCount:
    """What a batch of writes did: rows added, rows whose figures changed, rows already there."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0

    def __iadd__(self, other: WriteCount) -> WriteCount:
        self.added += other.added
        self.changed += other.changed
        self.unchanged += other.unchanged
        return self


def upsert(
    session: Session,
    model: type[Any],
    *,
    keys: tuple[str, ...],
    rows: list[dict[str, Any]],
    compare: tuple[str, ...],
) -> WriteCount:
    """Insert `rows` new by `keys`, update those whose `compare` columns differ, keep the rest.

    The first key column selects what to load (chunks of ids); the rest filter in memory.
    """
    count = WriteCount()
    if not rows:
        return count
    first = keys[0]
    existing: dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]] = {}
    columns = [getattr(model, name) for name in (*keys, *compare)]
    ids = sorted({row[first] for row in rows})
    for part in chunks(ids):
        query = select(model.id, *columns).where(getattr(model, first).in_(part))
        for found in session.execute(query):
            existing[tuple(found[1 : 1 + len(keys)])] = (found[0], tuple(found[1 + len(keys) :]))
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    added: set[tuple[Any, ...]] = set()
    key_of, compared = _tuple_getter(keys), _tuple_getter(compare)
    for row in rows:
        key = key_of(row)
        hit = existing.get(key) if existing else None
        if hit is None:
            if key in added:  # the same key twice in one batch: the first row stands
                count.unchanged += 1
                continue
            new.append(row)
            added.add(key)
        elif hit[1] != compared(row):
            changed.append({"id": hit[0], **{name: row.get(name) for name in compare}})
        else:
            count.unchanged += 1
    insert_rows(session, model, new)
    for part in chunks(changed):
        session.execute(update(model), list(part))
    count.added, count.changed = len(new), len(changed)
    return count


def _tuple_getter(names: tuple[str, ...]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A row's values of `names` as a tuple (itemgetter: a million rows' keys are built)."""
    if len(names) == 1:
        return lambda row: (row[names[0]],)
    return itemgetter(*names)


def add_snapshots(session: Session, rows: list[dict[str, Any]]) -> WriteCount:
    """Append snapshots; one already recorded for (publication, captured_at, source) stays."""
    count = WriteCount()
    if not rows:
        return count
    seen: set[tuple[int, datetime, str]] = set()
    ids = sorted({row["publication_id"] for row in rows})
    for part in chunks(ids):
        query = select(
            MetricSnapshot.publication_id, MetricSnapshot.captured_at, MetricSnapshot.source
        ).where(MetricSnapshot.publication_id.in_(part))
        seen.update((pid, at, str(src)) for pid, at, src in session.execute(query))
    new = []
    for row in rows:
        key = (row["publication_id"], row["captured_at"], str(row["source"]))
        if key in seen:
            count.unchanged += 1
            continue
        seen.add(key)
        new.append(row)
    insert_rows(session, MetricSnapshot, new)
    count.added = len(new)
    return count


def insert_rows(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """INSERT many rows: imports write a million, so the ORM's per-row bookkeeping, and even
    Core's per-row parameter building, would cost more than the database does.

    Rows that all give the same columns (as imports' figure rows do) go straight to the
    driver (`executemany`; on PostgreSQL `COPY`), built a column at a time, each column's
    bind processor (JSON, enums, dates) run once per distinct value; anything else goes
    through Core.
    """
    if not rows:
        return
    connection = session.connection()
    statement = _direct_insert(connection, model, rows)
    if statement is None:
        for part in chunks(rows):
            connection.execute(insert(model.__table__), list(part))
        return
    sql, parameters, columns = statement
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if connection.dialect.name == "postgresql":
            # COPY: PostgreSQL's own bulk path, several times faster than row INSERTs.
            names = ", ".join(columns)
            with cursor.copy(f"COPY {model.__table__.name} ({names}) FROM STDIN") as copy:
                for part in chunks(rows, DIRECT_CHUNK):
                    for values in parameters(part):
                        copy.write_row(values)
            return
        for part in chunks(rows, DIRECT_CHUNK):
            cursor.executemany(sql, parameters(part))
    finally:
        cursor.close()


# Rows per executemany call of the direct path.
DIRECT_CHUNK = 20_000

Parameters = Callable[[Sequence[dict[str, Any]]], list[Any]]


def _direct_insert(
    connection: Any, model: type[Any], rows: list[dict[str, Any]]
) -> tuple[str, Parameters, list[str]] | None:
    """The driver-level INSERT and what turns rows into its parameters, or None when Core
    must do it (rows of differing columns, or a column the rows leave to a Python default)."""
    first = rows[0].keys()
    if any(map(first.__ne__, map(dict.keys, rows))):
        return None
    names = _said_columns(model, rows)
    compiled = insert(model.__table__).compile(dialect=connection.dialect, column_keys=names)
    order = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    if sorted(order) != sorted(names):
        return None
    processors: Mapping[str, Any] = compiled._bind_processors
    if any(not callable(p) for p in processors.values()):
        return None  # a tuple-valued bind (expanding IN): not an INSERT's
    copying = connection.dialect.name == "postgresql"
    json_columns = {c.name for c in model.__table__.c if isinstance(c.type, JSON)}
    # Only a few columns need converting (JSON, enums, dates); the rest pass as they are.
    # COPY takes JSON as text: written here once per distinct value rather than by the
    # driver's JSON adapter on each of a million rows.
    converters = {
        name: json.dumps if copying and name in json_columns else processors.get(name)
        for name in order
    }

    def parameters(part: Sequence[dict[str, Any]]) -> list[Any]:
        columns = [_converted(converters[n], list(map(itemgetter(n), part))) for n in order]
        tuples = list(zip(*columns, strict=True))
        if compiled.positional or copying:
            return tuples
        return [dict(zip(order, values, strict=True)) for values in tuples]

    return str(compiled), parameters, order


def _said_columns(model: type[Any], rows: list[dict[str, Any]]) -> list[str]:
    """The columns of `rows` to send: a nullable column without a default that every row
    leaves None is left out (it is NULL either way), which halves SQLite's work on an import's
    day rows (a file gives a few of the twenty figure columns)."""
    table, first = model.__table__, rows[0]
    unsure = [
        name
        for name, value in first.items()
        if value is None
        and table.c[name].nullable
        and table.c[name].default is None
        and table.c[name].server_default is None
    ]
    left_out = set(unsure) - _said_somewhere(unsure, rows)
    return [name for name in first if name not in left_out]


def _said_somewhere(names: list[str], rows: list[dict[str, Any]]) -> set[str]:
    """Which of `names` some row gives a value (not None)."""
    if not names:
        return set()
    values_of = _tuple_getter(tuple(names))
    try:
        distinct = set(map(values_of, rows))  # C-level: a million rows, mostly all None
    except TypeError:  # an unhashable value (a JSON list): the slow way
        return {n for n in names if any(row[n] is not None for row in rows)}
    return {n for values in distinct for n, v in zip(names, values, strict=True) if v is not None}


def _converted(processor: Callable[[Any], Any] | None, values: list[Any]) -> list[Any]:
    """`values` through `processor`, run once per distinct value (days and origins repeat a
    million times); an empty dict (most rows' `extra`) is converted once."""
    if processor is None:
        return values
    try:
        done = {value: processor(value) for value in set(values)}
    except TypeError:  # unhashable: JSON
        empty: list[Any] = []
        out = []
        for value in values:
            if value == {}:
                if not empty:
                    empty.append(processor(value))
                out.append(empty[0])
            else:
                out.append(processor(value))
        return out
    return list(map(done.__getitem__, values))


_EMPTY_FIGURES: dict[str, Any] = {
    **dict.fromkeys(FIGURE_COLUMNS),
    "revenue": None,
    "currency": None,
    "extra": {},
}


def figure_row(
    metrics: Mapping[str, Any], currency: str | None = None, **keys: Any
) -> dict[str, Any]:
    """A full row for a period/day table: every figure column present (None where not said)."""
    return _with_figures({**_EMPTY_FIGURES, **keys}, metrics, currency)


def figure_rows(**constant: Any) -> Callable[..., dict[str, Any]]:
    """`figure_row` with the keys every row shares given once (an import's million day rows
    share their workspace, account, origin and import)."""
    base = {**_EMPTY_FIGURES, **constant}

    def make(metrics: Mapping[str, Any], currency: str | None = None, **keys: Any) -> Any:
        return _with_figures({**base, **keys}, metrics, currency)

    return make


def _with_figures(
    row: dict[str, Any], metrics: Mapping[str, Any], currency: str | None
) -> dict[str, Any]:
    values, extra = split_figures(metrics, FIGURE_COLUMNS)
    row.update(values)
    row["extra"] = extra
    if row["revenue"] is not None:
        row["currency"] = currency
    return row


def snapshot_row(metrics: Mapping[str, Any], **keys: Any) -> dict[str, Any]:
    values, extra = split_figures(metrics, SNAPSHOT_COLUMNS, money=False)
    return {**dict.fromkeys(SNAPSHOT_COLUMNS), **keys, **values, "extra": extra}
