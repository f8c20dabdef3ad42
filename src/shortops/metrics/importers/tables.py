"""The bytes of an upload as tables: CSV (any common encoding and delimiter), XLSX sheets,
and the CSV/XLSX members of a ZIP as the platform handed it out.

Nothing here knows a platform: each `Table` is a header row and its data rows, each with the
line (CSV) or row (XLSX) number the user sees in a spreadsheet program.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from itertools import zip_longest
from pathlib import PurePosixPath
from typing import Any

from shortops.errors import N_
from shortops.metrics.errors import TruncatedExport, UnreadableExport
from shortops.metrics.importers.types import SourceFile

# A ZIP whose members unpack past this is refused before it is read (a "zip bomb").
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
TABLE_SUFFIXES = (".csv", ".xlsx", ".tsv", ".txt")
_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls


@dataclass
class Table:
    """One table: `name` is the file (or "file › sheet"), rows keep their spreadsheet numbers."""

    name: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    sheet: str | None = None
    _by_column: list[tuple[Any, ...]] | None = field(default=None, repr=False, compare=False)

    def records(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """(line, {header: cell}) for every data row; missing trailing cells are empty."""
        width = len(self.headers)
        for line, row in zip(self.lines, self.rows, strict=True):
            cells = list(row[:width]) + [""] * (width - len(row))
            yield line, dict(zip(self.headers, cells, strict=True))

    def cells(self, header: str) -> Sequence[Any]:
        """Every data row's cell under `header` ("" where a row is short); of two columns of
        one name, the last, as `records` reads them."""
        index = len(self.headers) - 1 - self.headers[::-1].index(header)
        if self._by_column is None:
            # All columns at once, in C: a million rows are read a column at a time.
            self._by_column = list(zip_longest(*self.rows, fillvalue=""))
        if index < len(self._by_column):
            return self._by_column[index]
        return ("",) * len(self.rows)

    def column(self, header: str) -> list[Any]:
        index = self.headers.index(header)
        return [row[index] if index < len(row) else "" for row in self.rows]


def open_tables(file: SourceFile) -> list[Table]:
    """Every table in the upload: a ZIP's CSV/XLSX members, each XLSX sheet with a header row,
    or the CSV itself."""
    data = file.data
    if not data.strip():
        raise UnreadableExport(name=file.name, detail=N_("the file is empty"))
    if data.startswith(_OLE_MAGIC):
        raise UnreadableExport(
            name=file.name, detail=N_("an old Excel .xls file; save it as .xlsx or CSV")
        )
    if data.startswith(_ZIP_MAGIC):
        archive = _open_zip(file)
        if "xl/workbook.xml" in archive.namelist():
            return xlsx_tables(file.name, data)
        return _zip_tables(file.name, archive)
    return [csv_table(file.name, data)]


def _open_zip(file: SourceFile) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(file.data))
        broken = archive.testzip()
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise UnreadableExport(name=file.name, detail=str(exc)) from None
    if broken is not None:
        raise UnreadableExport(name=file.name, detail=f"{broken} is damaged")
    if sum(info.file_size for info in archive.infolist()) > MAX_UNPACKED_BYTES:
        raise UnreadableExport(name=file.name, detail=N_("it unpacks to more than 1 GB"))
    return archive


def _zip_tables(name: str, archive: zipfile.ZipFile) -> list[Table]:
    tables: list[Table] = []
    for info in archive.infolist():
        member = PurePosixPath(info.filename)
        if info.is_dir() or "__MACOSX" in member.parts or member.name.startswith("."):
            continue
        if member.suffix.lower() not in TABLE_SUFFIXES:
            continue
        tables += open_tables(SourceFile(name=member.name, data=archive.read(info)))
    if not tables:
        raise UnreadableExport(name=name, detail=N_("the ZIP holds no CSV or XLSX file"))
    return tables


# --- CSV ----------------------------------------------------------------------------------------


def decode(name: str, data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM (Excel's "Unicode text"), else GB18030,
    the superset of GBK that Chinese back offices write."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise UnreadableExport(name=name, detail=N_("it is a binary file, not a table"))
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise UnreadableExport(name=name, detail=N_("its text encoding is unknown")) from None


def csv_table(name: str, data: bytes) -> Table:
    text = decode(name, data)
    if "\x00" in text:
        raise UnreadableExport(name=name, detail=N_("it is a binary file, not a table"))
    rows, lines = _csv_rows(name, text)
    if not rows:
        raise UnreadableExport(name=name, detail=N_("the file has no rows"))
    headers = [h.strip() for h in rows[0]]
    table = Table(name=name, headers=headers, rows=rows[1:], lines=lines[1:])
    _refuse_cut_last_row(table, text)
    return table


def _csv_rows(name: str, text: str) -> tuple[list[list[str]], list[int]]:
    """The rows with a non-blank cell, and the line each ends on."""
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text), strict=True)
    try:
        rows = list(reader)
    except csv.Error:
        raise TruncatedExport(name=name, line=reader.line_num) from None
    # Unless a quoted cell spans lines, row i is line i + 1.
    spans = reader.line_num != len(rows)
    lines = _end_lines(text) if spans else list(range(1, len(rows) + 1))
    kept = [i for i, row in enumerate(rows) if "".join(row).strip()]
    if len(kept) == len(rows):
        return rows, lines
    return [rows[i] for i in kept], [lines[i] for i in kept]


def _end_lines(text: str) -> list[int]:
    """The line each CSV row ends on, when quoted cells span lines."""
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text), strict=True)
    return [reader.line_num for _ in reader]


def _dialect(text: str) -> type[csv.Dialect]:
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    delimiter = max(counts, key=lambda d: counts[d])

    class Export(csv.excel):
        pass

    Export.delimiter = delimiter if counts[delimiter] else ","
    return Export


def _refuse_cut_last_row(table: Table, text: str) -> None:
    """A download cut short ends without a newline in a row with fewer cells than the header.
    (A complete export may lack the final newline: TikTok's does.)"""
    if not table.rows or text.endswith(("\n", "\r")):
        return
    if len(table.rows[-1]) < len(table.headers):
        raise TruncatedExport(name=table.name, line=table.lines[-1])


# --- XLSX ---------------------------------------------------------------------------------------


def xlsx_tables(name: str, data: bytes) -> list[Table]:
    """Every sheet with a header row; cells keep their types (numbers, datetimes, text)."""
    from openpyxl import load_workbook  # only imports read spreadsheets

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise UnreadableExport(name=name, detail=f"{type(exc).__name__}: {exc}") from None
    tables: list[Table] = []
    try:
        for sheet in workbook.worksheets:
            table = _sheet_table(name, sheet)
            if table is not None:
                tables.append(table)
    finally:
        workbook.close()
    if not tables:
        raise UnreadableExport(name=name, detail=N_("no sheet of the workbook has rows"))
    return tables


def _sheet_table(name: str, sheet: Any) -> Table | None:
    rows: list[list[Any]] = []
    lines: list[int] = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        cells = [_cell(v) for v in values]
        while cells and cells[-1] == "":
            cells.pop()
        if cells and any(c != "" for c in cells):
            rows.append(cells)
            lines.append(number)
    if not rows:
        return None
    headers = [str(h).strip() for h in rows[0]]
    label = f"{name} › {sheet.title}"
    return Table(name=label, headers=headers, rows=rows[1:], lines=lines[1:], sheet=sheet.title)


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, datetime | date | time | int | float):
        return value
    return str(value)
