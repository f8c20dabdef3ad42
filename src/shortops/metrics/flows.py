"""Imports end to end: read the file, find the account, apply the figures, keep the report.

A preview runs the very same import inside a savepoint and rolls it back, so what the preview
says (rows matched, posts to be created, every skip and why) is exactly what the import does.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from shortops.errors import N_, InvalidInput
from shortops.kit.clock import utcnow
from shortops.kit.gc_pause import cycle_collector_paused
from shortops.metrics import apply, importers, service
from shortops.metrics.errors import AmbiguousExport, UnknownExportFormat
from shortops.metrics.figures import day_end, zone
from shortops.metrics.importers.types import (
    METRICS,
    ColumnMapping,
    ImportOptions,
    ParsedExport,
    SourceFile,
)
from shortops.models import Account, ImportMapping, ImportStatus, MetricImport
from shortops.workspaces.service import Actor, record

log = logging.getLogger("shortops.metrics")

# Per uploaded file: exports are small (a year of YouTube Chart data is a few MB).
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
# A report keeps this many skipped rows in full; the count is always exact.
REPORT_SKIPS = 500
PREVIEW_ROWS = 20


@dataclass
class ImportOutcome:
    """An import's result: its record (None for a preview) and the counts the CLI prints."""

    parsed: ParsedExport
    account: Account
    account_created: bool
    applied: apply.Applied
    record: MetricImport | None = None
    repeat_of: MetricImport | None = None  # the same file was imported before: nothing changed
    sample: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """The CLI's JSON contract: rows = matched + created + skipped."""
        a = self.applied
        return {"rows": a.rows, "matched": a.matched, "created": a.created, "skipped": a.skipped}


def files_sha256(files: Sequence[SourceFile]) -> str:
    digest = hashlib.sha256()
    for file in sorted(files, key=lambda f: f.name):
        digest.update(hashlib.sha256(file.data).digest())
    return digest.hexdigest()


@cycle_collector_paused()
def import_export(
    session: Session,
    *,
    actor: Actor,
    files: Sequence[SourceFile],
    options: ImportOptions = ImportOptions(),
    account_handle: str | None = None,
) -> ImportOutcome:
    """Import `files` as one export into the workspace; the caller commits (or rolls back)."""
    parsed = _read(session, actor, files, options)
    _require_period(parsed)
    platform = options.platform or parsed.platform
    account, created = service.account_for_import(
        session, actor=actor, platform=platform, handle=account_handle
    )
    sha = files_sha256(files)
    previous = _previous_import(session, actor.workspace.id, account.id, sha)
    captured_at = _captured_at(parsed, actor, previous)
    row = MetricImport(
        workspace_id=actor.workspace.id,
        account_id=account.id,
        kind=parsed.kind,
        platform=platform,
        filename=parsed.name[:500],
        files=parsed.files,
        sha256=sha,
        status=ImportStatus.done,
        period_start=parsed.period[0] if parsed.period else None,
        period_end=parsed.period[1] if parsed.period else None,
        captured_at=captured_at,
        created_by_id=actor.user.id,
    )
    session.add(row)
    session.flush()
    tz = zone(actor.workspace.timezone)
    applied = apply.apply_export(
        session, parsed=parsed, account=account, tz=tz, captured_at=captured_at, import_id=row.id
    )
    outcome = ImportOutcome(parsed, account, created, applied, record=row)
    if previous is not None and not created and _changed_nothing(applied):
        # The same file again: keep the first import as the one record of it.
        session.delete(row)
        session.flush()
        outcome.record, outcome.repeat_of = None, previous
        return outcome
    _fill_report(row, outcome)
    record(
        session,
        action="metrics.imported",
        actor=actor,
        target=("metric_import", row.id),
        data={"file": row.filename, "kind": row.kind, **outcome.summary()},
    )
    return outcome


def preview_export(
    session: Session,
    *,
    actor: Actor,
    files: Sequence[SourceFile],
    options: ImportOptions = ImportOptions(),
    account_handle: str | None = None,
) -> ImportOutcome:
    """What `import_export` would do, with nothing written (the import runs and is undone)."""
    savepoint = session.begin_nested()
    try:
        outcome = import_export(
            session, actor=actor, files=files, options=options, account_handle=account_handle
        )
    finally:
        savepoint.rollback()
    outcome.sample = sample_rows(outcome.parsed)
    outcome.record = None  # rolled back with the rest
    return outcome


def _require_period(parsed: ParsedExport) -> None:
    if parsed.posts and not parsed.cumulative and parsed.period is None:
        raise AmbiguousExport(
            name=parsed.name,
            detail=N_(
                "the file does not say which dates its figures cover. Give the date range "
                "chosen when exporting (From and To), or export Chart data or Totals with it."
            ),
        )


def _previous_import(
    session: Session, workspace_id: int, account_id: int, sha: str
) -> MetricImport | None:
    return session.scalar(
        select(MetricImport)
        .where(
            MetricImport.workspace_id == workspace_id,
            MetricImport.account_id == account_id,
            MetricImport.sha256 == sha,
            MetricImport.status == ImportStatus.done,
        )
        .order_by(MetricImport.id)
    )


def _captured_at(parsed: ParsedExport, actor: Actor, previous: MetricImport | None) -> datetime:
    """When a cumulative file's figures were true: the export's own date, else the time the
    same file was first imported, else now (so the same file always lands on one moment)."""
    now = utcnow()
    if parsed.as_of is not None:
        return min(day_end(parsed.as_of, zone(actor.workspace.timezone)), now)
    if previous is not None and previous.captured_at is not None:
        return previous.captured_at
    return now


def _changed_nothing(applied: apply.Applied) -> bool:
    return applied.created == 0 and applied.writes.added == 0 and applied.writes.changed == 0


def _fill_report(row: MetricImport, outcome: ImportOutcome) -> None:
    applied, parsed = outcome.applied, outcome.parsed
    row.rows, row.matched, row.created = applied.rows, applied.matched, applied.created
    row.skipped, row.updated = applied.skipped, applied.writes.changed
    row.report = {
        "skips": [skip.as_json() for skip in applied.skips[:REPORT_SKIPS]],
        "notes": [
            {"file": n.file, "line": n.line, "reason": n.reason, "params": dict(n.params)}
            for n in parsed.notes
        ],
        "written": {
            "added": applied.writes.added,
            "changed": applied.writes.changed,
            "unchanged": applied.writes.unchanged,
        },
        "content": {
            "posts": len(parsed.posts),
            "post_days": len(parsed.post_days),
            "account_days": len(parsed.account_days),
            "account_total": parsed.account_total is not None,
            "activity": len(parsed.activity),
        },
        "cumulative": parsed.cumulative,
        "account_created": outcome.account_created,
    }


def sample_rows(parsed: ParsedExport) -> list[dict[str, Any]]:
    """The first rows of each kind, for the preview table."""
    rows: list[dict[str, Any]] = []
    for post in parsed.posts[:PREVIEW_ROWS]:
        rows.append(
            {
                "kind": "post",
                "label": post.title or post.remote_id or post.url or "",
                "day": _day_text(post.published),
                "metrics": _in_usual_order(post.metrics),
            }
        )
    for day in parsed.account_days[:PREVIEW_ROWS]:
        rows.append({"kind": "account_day", "label": "", "day": day.day.isoformat(),
                     "metrics": _in_usual_order(day.metrics)})  # fmt: skip
    return rows


def _in_usual_order(metrics: Mapping[str, Any]) -> dict[str, Any]:
    """Views first, then the rest as METRICS lists them (a file's own column order varies)."""
    known = {name: metrics[name] for name in METRICS if name in metrics}
    return known | {name: value for name, value in metrics.items() if name not in known}


def _day_text(value: date | datetime | None) -> str:
    return (
        value.isoformat(sep=" ")
        if isinstance(value, datetime)
        else (value.isoformat() if value else "")
    )


# --- formats and saved column mappings ----------------------------------------------------------


def known_formats() -> list[str]:
    return importers.known_formats()


def _read(
    session: Session, actor: Actor, files: Sequence[SourceFile], options: ImportOptions
) -> ParsedExport:
    """Read the export; a file no importer knows is read with the workspace's saved mapping
    for its headers, when there is one."""
    try:
        return importers.read_export(files, options)
    except UnknownExportFormat:
        saved = (
            _saved_mapping(session, actor.workspace.id, files) if options.mapping is None else None
        )
        if saved is None:
            raise
        return importers.read_export(
            files, replace(options, mapping=saved, platform=saved.platform)
        )


def headers_signature(headers: Sequence[str]) -> str:
    joined = "\x1f".join(sorted(h.strip().casefold() for h in headers))
    return hashlib.sha256(joined.encode()).hexdigest()


def _saved_mapping(
    session: Session, workspace_id: int, files: Sequence[SourceFile]
) -> ColumnMapping | None:
    if len(files) != 1:
        return None
    sample = importers.sniff_table(files[0])
    row = session.scalar(
        select(ImportMapping).where(
            ImportMapping.workspace_id == workspace_id,
            ImportMapping.signature == headers_signature(sample.headers),
        )
    )
    if row is None:
        return None
    saved = row.mapping
    return ColumnMapping(
        platform=row.platform,
        columns=dict(saved.get("columns", {})),
        cumulative=bool(saved.get("cumulative", True)),
        date_order=saved.get("date_order", "ymd"),
        currency=saved.get("currency"),
        sheet=saved.get("sheet"),
    )


def save_mapping(
    session: Session, *, actor: Actor, file: SourceFile, mapping: ColumnMapping, name: str
) -> ImportMapping:
    """Keep `mapping` for files with these headers: the next such file imports without asking."""
    headers = importers.sniff_table(file).headers
    signature = headers_signature(headers)
    row = session.scalar(
        select(ImportMapping).where(
            ImportMapping.workspace_id == actor.workspace.id,
            ImportMapping.signature == signature,
        )
    )
    if row is None:
        row = ImportMapping(workspace_id=actor.workspace.id, signature=signature)
        session.add(row)
    row.name = name[:120]
    row.platform = mapping.platform
    row.headers = list(headers)
    row.mapping = {
        "columns": dict(mapping.columns),
        "cumulative": mapping.cumulative,
        "date_order": mapping.date_order,
        "currency": mapping.currency,
        "sheet": mapping.sheet,
    }
    session.flush()
    record(
        session,
        action="metrics.mapping_saved",
        actor=actor,
        target=("import_mapping", row.id),
        data={"name": row.name, "platform": row.platform},
    )
    return row


@dataclass
class MappingScreen:
    """What the column-mapping screen shows: the file's headers, a guess for each, rows."""

    headers: list[str]
    guess: dict[str, str]
    sample: list[list[str]]


def mapping_screen(file: SourceFile, platform: str | None) -> MappingScreen:
    sample = importers.sniff_table(file)
    guess = importers.suggest_mapping(list(sample.headers), platform or "")
    return MappingScreen(
        headers=list(sample.headers),
        guess=dict(guess.columns),
        sample=[list(r) for r in sample.rows[:PREVIEW_ROWS]],
    )


async def source_from_upload(upload: UploadFile) -> SourceFile:
    """An uploaded file's bytes, refused past MAX_UPLOAD_BYTES before reading it all."""
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            N_("{name} is larger than {limit} MB: exports are far smaller. Is it the right file?"),
            name=upload.filename or "",
            limit=MAX_UPLOAD_BYTES // (1024 * 1024),
        )
    return SourceFile(name=upload.filename or "upload", data=data)
