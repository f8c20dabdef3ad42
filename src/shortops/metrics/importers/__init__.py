"""Readers of the platforms' own export files, one module per format (see `types`).

`read_export` opens every uploaded file (CSV, XLSX, or the ZIP as downloaded), recognises the
format of each table from its headers, and hands the tables to their format's reader. Tables
inside a ZIP or extra sheets of a workbook that no format knows are noted and left out; a file
given on its own that no format knows is refused with its headers and the formats known, so
the user can map its columns instead.
"""

from __future__ import annotations

from collections.abc import Sequence

from shortops.errors import N_
from shortops.kit.gc_pause import cycle_collector_paused
from shortops.metrics.errors import AmbiguousExport, UnknownExportFormat
from shortops.metrics.importers import generic, postlists, tiktok, youtube
from shortops.metrics.importers.tables import Table, open_tables
from shortops.metrics.importers.types import (
    ColumnMapping,
    ImportOptions,
    ParsedExport,
    Skipped,
    SourceFile,
)

__all__ = ["known_formats", "read_export", "sniff_table", "suggest_mapping"]


def known_formats() -> list[str]:
    return [youtube.LABEL, tiktok.LABEL, *(p.label for p in postlists.POST_LISTS)]


def sniff_table(file: SourceFile) -> Table:
    """The first table of the file: its headers and rows, for the column-mapping screen."""
    return open_tables(file)[0]


def suggest_mapping(headers: list[str], platform: str) -> ColumnMapping:
    return generic.suggest_mapping(headers, platform)


def _detect(headers: list[str]) -> tuple[str, str] | None:
    """(format, role) of a table from its headers; None when no format knows it."""
    for reader, kind in ((youtube.role, youtube.KIND), (tiktok.role, tiktok.KIND)):
        which = reader(headers)
        if which is not None:
            return kind, which
    for post_list in postlists.POST_LISTS:
        if post_list.matches(headers):
            return post_list.kind, "posts"
    return None


@cycle_collector_paused()
def read_export(
    files: Sequence[SourceFile], options: ImportOptions = ImportOptions()
) -> ParsedExport:
    if not files:
        raise AmbiguousExport(name="", detail=N_("no file was given"))
    name = files[0].name if len(files) == 1 else ", ".join(f.name for f in files)
    opened = [(file, open_tables(file)) for file in files]
    if options.mapping is not None:
        return _read_mapped(opened, options.mapping, name)
    found: dict[str, list[tuple[str, Table]]] = {}
    notes: list[Skipped] = []
    for file, tables in opened:
        known = [(t, _detect(t.headers)) for t in tables]
        if all(detected is None for _, detected in known):
            raise UnknownExportFormat(
                name=file.name,
                headers=", ".join(tables[0].headers)[:400],
                known="; ".join(known_formats()),
            )
        for table, detected in known:
            if detected is None:
                notes.append(
                    Skipped(
                        0,
                        N_("{file} is not part of a known export and was left out."),
                        {"file": table.name},
                        table.name,
                    )
                )
                continue
            found.setdefault(detected[0], []).append((detected[1], table))
    if len(found) > 1:
        raise AmbiguousExport(
            name=name,
            detail=N_(
                "the files come from different exports. Import each platform's export on its own."
            ),
        )
    kind, roles = next(iter(found.items()))
    parsed = _read_kind(kind, roles, options, name, [f.name for f in files])
    parsed.notes = notes + parsed.notes
    if options.platform:
        parsed.platform = options.platform
    return parsed


def _read_kind(
    kind: str,
    tables: list[tuple[str, Table]],
    options: ImportOptions,
    name: str,
    file_names: list[str],
) -> ParsedExport:
    if kind == youtube.KIND:
        _one_of_each(tables, name)
        return youtube.read(tables, options, name)
    if kind == tiktok.KIND:
        return tiktok.read(tables, options, name, file_names)
    post_list = next(p for p in postlists.POST_LISTS if p.kind == kind)
    return postlists.read(post_list, [t for _, t in tables], name)


def _one_of_each(tables: list[tuple[str, Table]], name: str) -> None:
    roles = [which for which, _ in tables]
    if len(set(roles)) != len(roles):
        raise AmbiguousExport(
            name=name,
            detail=N_(
                "two files of the same kind (two Table data, say): a YouTube Studio export is "
                "one Table data, one Chart data and one Totals. Import each export on its own."
            ),
        )


def _read_mapped(
    opened: list[tuple[SourceFile, list[Table]]], mapping: ColumnMapping, name: str
) -> ParsedExport:
    if len(opened) != 1:
        raise AmbiguousExport(
            name=name, detail=N_("a column mapping reads one file at a time; give one file.")
        )
    tables = opened[0][1]
    table: Table | None
    if mapping.sheet is None:
        # The sheet whose headers the mapping names (a workbook may lead with a summary sheet).
        table = next((t for t in tables if set(mapping.columns) <= set(t.headers)), tables[0])
    else:
        table = next((t for t in tables if t.sheet == mapping.sheet), None)
    if table is None:
        raise AmbiguousExport(
            name=name,
            detail=N_("the workbook has no sheet called {sheet}").format(sheet=mapping.sheet),
        )
    return generic.read(table, mapping, name)
