"""`shortops import …` and `shortops metrics …`: platform exports in, figures out."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

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
from shortops.metrics import dashboard, flows, insights, queries
from shortops.metrics.importers.types import ImportOptions, SourceFile
from shortops.metrics.queries import Filters
from shortops.models import Workspace

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


# --- insights --------------------------------------------------------------------------------


def _insight_filters(
    session: Any, workspace: Workspace, platform: str | None, account: str | None, days: int
) -> Filters:
    if days < 1:
        raise fail("--days must be 1 or more.")
    base = dashboard.default_filters(workspace, days=days)
    account_id = None
    if account:
        found = queries.accounts_in(
            session, workspace_id=workspace.id, platform=platform, handle=account
        )
        if not found:
            raise fail(f"No account {account} in this workspace.")
        account_id = found[0].id
    return replace(base, platform=platform, account_id=account_id)


PlatformOption = typer.Option(None, "--platform", metavar="P", help="Only this platform.")
AccountOption = typer.Option(None, "--account", metavar="HANDLE", help="Only this account.")
DaysOption = typer.Option(
    insights.INSIGHT_RANGE, "--days", metavar="N", help="Posts published in the last N days."
)
JsonOption = typer.Option(False, "--json", help="Print the result as JSON.")


@app.command("best-time")
def best_time_command(
    platform: str | None = PlatformOption,
    account: str | None = AccountOption,
    by: str = typer.Option("account", "--by", metavar="account|platform", help="One grid per."),
    days: int = DaysOption,
    as_json: bool = JsonOption,
    workspace: str | None = WorkspaceOption,
) -> None:
    """When posts do best: views by weekday and hour posted, against each account's usual."""
    if by not in ("account", "platform"):
        raise fail(f"--by must be account or platform, not {by}.")
    with database() as session:
        ws = resolve_workspace(session, workspace)
        filters = _insight_filters(session, ws, platform, account, days)
        groups = insights.best_times(
            session,
            workspace_id=ws.id,
            filters=filters,
            by="platform" if by == "platform" else "account",
        )
    if as_json:
        typer.echo(json.dumps([g.model_dump(mode="json") for g in groups], ensure_ascii=False))
        return
    if not groups:
        console.print("No post at least 7 days old with figures in this range.")
    for group in groups:
        console.print(f"[bold]{group.label}[/bold] ({group.posts} posts with a publish time)")
        table = printable_table("slot", "views vs usual", "posts", "note")
        for slot in group.top:
            weekday = insights.weekday_names()[slot.weekday]
            table.add_row(
                f"{weekday} {slot.hour:02d}:00", f"{slot.lift:.2f}x", str(slot.posts), slot.message
            )
        if group.top:
            console.print(table)
        for message in group.messages:
            console.print(f"  {message}")


@app.command("drivers")
def drivers_command(
    platform: str | None = PlatformOption,
    account: str | None = AccountOption,
    days: int = DaysOption,
    as_json: bool = JsonOption,
    workspace: str | None = WorkspaceOption,
) -> None:
    """What goes with more views: each feature's multiplier of views and its 95% range."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        filters = _insight_filters(session, ws, platform, account, days)
        found = insights.drivers(session, workspace_id=ws.id, filters=filters)
    if as_json:
        typer.echo(json.dumps(found.model_dump(mode="json"), ensure_ascii=False))
        return
    for message in found.messages:
        console.print(message)
    if found.effects:
        table = printable_table("feature", "effect", "range", "posts", "clear")
        for e in found.effects:
            table.add_row(
                e.label, f"{e.multiplier:.2f}x", f"{e.low:.2f}–{e.high:.2f}x", str(e.posts),
                "yes" if e.clear else "no",
            )  # fmt: skip
        console.print(table)


@app.command("forecasts")
def forecasts_command(
    platform: str | None = PlatformOption,
    account: str | None = AccountOption,
    as_json: bool = JsonOption,
    workspace: str | None = WorkspaceOption,
) -> None:
    """Day-7 views expected of each post younger than 7 days, and who is taking off."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        filters = _insight_filters(session, ws, platform, account, insights.INSIGHT_RANGE)
        found = insights.forecasts(session, workspace_id=ws.id, filters=filters)
    if as_json:
        typer.echo(json.dumps([f.model_dump(mode="json") for f in found], ensure_ascii=False))
        return
    if not found:
        console.print("No post younger than 7 days with snapshots.")
        return
    table = printable_table("post", "account", "age (h)", "views", "day 7", "range", "verdict")
    for f in found:
        table.add_row(
            f.title, f.handle, f"{f.age_hours:.0f}", str(f.views_now), str(f.expected),
            f"{f.low}–{f.high}", f.verdict or "",
        )  # fmt: skip
    console.print(table)


@app.command("alerts")
def alerts_command(
    days: int = typer.Option(
        insights.ALERT_DAYS, "--days", metavar="N", help="Raised in the last N days."
    ),
    check: bool = typer.Option(
        False, "--check", help="Look for new alerts first (the worker does this hourly)."
    ),
    as_json: bool = JsonOption,
    workspace: str | None = WorkspaceOption,
) -> None:
    """Spikes, stalls and early verdicts on posts."""
    if days < 1:
        raise fail("--days must be 1 or more.")
    with database() as session:
        ws = resolve_workspace(session, workspace)
        if check:
            insights.raise_and_notify(session, workspace_id=ws.id)
            session.commit()
        found = insights.recent_alerts(session, workspace_id=ws.id, days=days)
    if as_json:
        typer.echo(json.dumps([a.model_dump(mode="json") for a in found], ensure_ascii=False))
        return
    if not found:
        console.print(f"No alert in the last {days} days.")
        return
    table = printable_table("day", "kind", "alert")
    for a in found:
        table.add_row(a.day.isoformat(), a.kind, a.message)
    console.print(table)
