"""`shortops report weekly|monthly`: make the workspace's report of the last complete period."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer

from shortops.cli.common import WorkspaceOption, database, err_console, fail, resolve_workspace
from shortops.config import get_settings


def report_command(
    kind: str = typer.Argument(..., metavar="weekly|monthly", help="Which report."),
    pdf: Path | None = typer.Option(None, "--pdf", metavar="PATH", help="Also write the PDF here."),
    html: Path | None = typer.Option(None, "--html", metavar="PATH", help="Write the HTML here."),
    start: str | None = typer.Option(
        None,
        "--period-of",
        metavar="YYYY-MM-DD",
        help="The period containing this day (default: the last complete week or month).",
    ),
    language: str = typer.Option("en", "--language", metavar="en|zh_Hans", help="Its language."),
    as_json: bool = typer.Option(False, "--json", help="Print the report's summary as JSON."),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Make the weekly or monthly report (HTML and PDF, kept under Measure → Reports)."""
    from shortops.metrics import dashboard
    from shortops.models import ReportKind
    from shortops.reports import flows, service

    if kind not in ("weekly", "monthly"):
        raise fail(f"A report is weekly or monthly, not {kind}.")
    if language not in ("en", "zh_Hans"):
        raise fail("--language is en or zh_Hans.")
    chosen = ReportKind(kind)
    settings = get_settings()
    with database() as session:
        ws = resolve_workspace(session, workspace)
        if start:
            try:
                first, last = service.period_containing(chosen, date.fromisoformat(start))
            except ValueError:
                raise fail("--period-of takes a day as YYYY-MM-DD.") from None
        else:
            first, last = service.last_period(chosen, dashboard.default_filters(ws, days=1).end)
        with err_console.status(f"Making the {kind} report {first} – {last}"):
            report, _data = flows.make_report(
                session,
                settings=settings,
                workspace=ws,
                kind=chosen,
                start=first,
                end=last,
                language=language,
            )
        session.commit()
        if pdf is not None:
            pdf.write_bytes(flows.report_bytes(settings, report, "pdf"))
        if html is not None:
            html.write_bytes(flows.report_bytes(settings, report, "html"))
        summary = {
            "id": report.id,
            "kind": kind,
            "period_start": first.isoformat(),
            "period_end": last.isoformat(),
            **report.summary,
        }
    if as_json:
        typer.echo(json.dumps(summary, default=str))
        return
    typer.echo(
        f"{kind} report {first} – {last}: views {summary.get('views')}, "
        f"report #{report.id}" + (f", PDF at {pdf}" if pdf else "")
    )
