"""`shortops import …` and `shortops metrics …`: platform exports in, figures out."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from shortops.cli.common import (
    WorkspaceOption,
    console,
    database,
    err_console,
    fail,
    operator_actor,
    printable_table,
    resolve_workspace,
)
from shortops.metrics import flows, queries
from shortops.metrics.importers.types import ImportOptions, SourceFile

app = typer.Typer(help="Figures of the workspace's posts and accounts.", no_args_is_help=True)

# Larger files are refused before they are read: no platform exports anything near this.
MAX_IMPORT_BYTES = 512 * 1024 * 1024


def import_command(
    paths: list[Path] = typer.Argument(
        ..., metavar="FILE", help="Export files (CSV, XLSX or the platform's ZIP), of one export."
    ),
    platform: str | None = typer.Option(
        None, "--platform", metavar="P", help="youtube, tiktok, douyin … when the file is generic."
    ),
    account: str | None = typer.Option(
        None,
        "--account",
        metavar="HANDLE",
        help="The account the figures belong to; a new handle becomes an import-only account.",
    ),
    year: int | None = typer.Option(
        None, "--year", metavar="YYYY", help="Year of dates written without one (TikTok)."
    ),
    start: str | None = typer.Option(
        None, "--from", metavar="YYYY-MM-DD", help="First day a YouTube table covers."
    ),
    end: str | None = typer.Option(
        None, "--to", metavar="YYYY-MM-DD", help="Last day a YouTube table covers."
    ),
    as_json: bool = typer.Option(
        False, "--json", help='Print {"rows", "matched", "created", "skipped"} as JSON.'
    ),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Import a platform's export file: each row matched to its post (or a new external one).

    Importing the same file again changes nothing; a file that fails writes nothing.
    """
    files = [_read(path) for path in paths]
    options = ImportOptions(platform=platform, year=year, period=_period(start, end))
    with database() as session:
        actor = operator_actor(session, resolve_workspace(session, workspace))
        with err_console.status("Importing " + ", ".join(p.name for p in paths)):
            outcome = flows.import_export(
                session, actor=actor, files=files, options=options, account_handle=account
            )
        session.commit()
    summary = outcome.summary()
    if as_json:
        typer.echo(json.dumps(summary))
        return
    where = f"@{outcome.account.handle}" + (
        " (new, import only)" if outcome.account_created else ""
    )
    typer.echo(
        f"{outcome.parsed.name} → {where}: {summary['rows']} rows, {summary['matched']} matched, "
        f"{summary['created']} created, {summary['skipped']} skipped"
        + (" (already imported: nothing changed)" if outcome.repeat_of else "")
    )
    for skip in outcome.applied.skips[:20]:
        reason = skip.reason.format(**skip.params) if skip.params else skip.reason
        err_console.print(f"  skipped {skip.file} line {skip.line}: {reason}", highlight=False)


def _read(path: Path) -> SourceFile:
    if not path.is_file():
        raise fail(f"{path} is not a file.")
    size = path.stat().st_size
    if size > MAX_IMPORT_BYTES:
        raise fail(
            f"{path.name} is {size / 1e6:.0f} MB; exports are far smaller. Is it the right file?"
        )
    return SourceFile(name=path.name, data=path.read_bytes())


def _period(start: str | None, end: str | None) -> tuple[date, date] | None:
    if start is None and end is None:
        return None
    if start is None or end is None:
        raise fail("Give both --from and --to (the range chosen when exporting).")
    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        raise fail(f"--from and --to take dates as YYYY-MM-DD ({exc}).") from None
    if last < first:
        raise fail("--to comes before --from.")
    return first, last


@app.command("totals")
def totals_command(
    platform: str | None = typer.Option(None, "--platform", metavar="P", help="Only this one."),
    account: str | None = typer.Option(None, "--account", metavar="HANDLE", help="Only this one."),
    scope: str = typer.Option(
        "posts",
        "--scope",
        metavar="posts|account",
        help="posts: the sum of each post's latest figures; account: the accounts' own figures "
        "(an export's Total row), which also count posts not listed.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the totals as JSON."),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Total views, likes, comments, shares and watch time of the workspace's posts."""
    if scope not in ("posts", "account"):
        raise fail(f"--scope must be posts or account, not {scope}.")
    with database() as session:
        ws = resolve_workspace(session, workspace)
        payload = queries.totals(
            session, workspace_id=ws.id, scope=scope, platform=platform, handle=account
        )
    if payload is None:
        raise fail(f"No account matches {' '.join(filter(None, (platform, account)))}.")
    if as_json:
        typer.echo(json.dumps(payload))
        return
    table = printable_table("figure", "total")
    for name, value in payload.items():
        table.add_row(name, "—" if value is None else str(value))
    console.print(table)
