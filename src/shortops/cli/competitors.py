"""`shortops competitors …`: public accounts to measure against, their readings and posts."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer
from pydantic import ValidationError

from shortops.cli.common import (
    WorkspaceOption,
    console,
    database,
    fail,
    operator_actor,
    printable_table,
    resolve_workspace,
)
from shortops.config import get_settings
from shortops.errors import ShortopsError
from shortops.metrics import competitor_files, competitor_polling, competitors
from shortops.metrics.analysis.loaders import workspace_zone
from shortops.metrics.importers.types import SourceFile
from shortops.metrics.schemas import CompetitorIn, CompetitorRead, CompetitorSnapshotIn

app = typer.Typer(
    help="Competitors: public accounts to benchmark your own against.", no_args_is_help=True
)

JsonOption = typer.Option(False, "--json", help="Print the result as JSON.")


@app.command("add")
def add_command(
    platform: str = typer.Option(..., "--platform", metavar="P", help="e.g. youtube, douyin."),
    handle: str = typer.Option(..., "--handle", metavar="HANDLE", help="Their public handle."),
    name: str = typer.Option("", "--name", help="A display name."),
    url: str | None = typer.Option(None, "--url", help="Their profile's link."),
    as_json: bool = JsonOption,
    workspace: str | None = WorkspaceOption,
) -> None:
    """Track a public account."""
    try:
        data = CompetitorIn(platform=platform, handle=handle, display_name=name, url=url)
    except ValidationError as exc:
        raise fail(f"Not a valid competitor: {exc.errors()[0]['msg']}") from None
    with database() as session:
        ws = resolve_workspace(session, workspace)
        actor = operator_actor(session, ws)
        competitor = competitors.add_competitor(session, actor=actor, data=data)
        session.commit()
        shown = CompetitorRead.model_validate(competitor)
    if as_json:
        typer.echo(json.dumps({"id": shown.id}))
        return
    console.print(f"Tracking @{shown.handle} on {shown.platform} (id {shown.id}).")


@app.command("list")
def list_command(as_json: bool = JsonOption, workspace: str | None = WorkspaceOption) -> None:
    """The tracked accounts."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        found = [
            CompetitorRead.model_validate(c)
            for c in competitors.list_competitors(session, workspace_id=ws.id)
        ]
    if as_json:
        typer.echo(json.dumps([c.model_dump(mode="json") for c in found], ensure_ascii=False))
        return
    table = printable_table("id", "platform", "handle", "name")
    for c in found:
        table.add_row(str(c.id), c.platform, f"@{c.handle}", c.display_name)
    console.print(table)


@app.command("reading")
def reading_command(
    handle: str = typer.Argument(..., help="The competitor's handle."),
    followers: int | None = typer.Option(None, "--followers", min=0),
    views: int | None = typer.Option(None, "--views", min=0, help="Their total views."),
    posts: int | None = typer.Option(None, "--posts", min=0, help="Their post count."),
    at: datetime | None = typer.Option(
        None, "--at", help="When it was read, in the workspace's time zone (default: now)."
    ),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Store what their profile shows (at least one figure)."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        competitor = competitors.find_competitor(session, workspace_id=ws.id, handle=handle)
        moment = at.replace(tzinfo=workspace_zone(session, ws.id)) if at else None
        data = CompetitorSnapshotIn(
            captured_at=moment, followers=followers, total_views=views, posts_count=posts
        )
        competitors.add_snapshot(session, competitor=competitor, data=data)
        session.commit()
    console.print(f"Reading of @{competitor.handle} saved.")


@app.command("import")
def import_command(
    handle: str = typer.Argument(..., help="The competitor's handle."),
    path: Path = typer.Argument(..., exists=True, dir_okay=False, help="A CSV or XLSX file."),
    as_json: bool = JsonOption,
    workspace: str | None = WorkspaceOption,
) -> None:
    """Import their readings (date + followers/views/posts) or their posts (title or link …)."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        competitor = competitors.find_competitor(session, workspace_id=ws.id, handle=handle)
        found = competitor_files.import_file(
            session,
            competitor=competitor,
            file=SourceFile(path.name, path.read_bytes()),
            tz=workspace_zone(session, ws.id),
        )
        session.commit()
    payload = {"kind": found.kind, "rows": found.rows, "created": found.created,
               "updated": found.updated}  # fmt: skip
    if as_json:
        typer.echo(json.dumps(payload))
        return
    console.print(f"{found.rows} {found.kind} read: {found.created} new, {found.updated} updated.")


@app.command("benchmark")
def benchmark_command(
    days: int = typer.Option(competitors.BENCHMARK_DAYS, "--days", min=1, max=366),
    as_json: bool = JsonOption,
    workspace: str | None = WorkspaceOption,
) -> None:
    """Own accounts and competitors side by side over the last N days."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        rows = competitors.benchmark(session, workspace_id=ws.id, days=days)
    if as_json:
        typer.echo(json.dumps([r.model_dump(mode="json") for r in rows], ensure_ascii=False))
        return
    table = printable_table("", "account", "platform", "followers", "change", "posts/week",
                            "median views")  # fmt: skip
    for r in rows:
        table.add_row(
            "*" if r.kind == "competitor" else "", r.label, r.platform,
            _shown(r.followers), _shown(r.followers_change), f"{r.posts_per_week:.1f}",
            _shown(r.median_views),
        )  # fmt: skip
    console.print(table)
    console.print("* competitor")


def _shown(value: float | None) -> str:
    return "—" if value is None else f"{value:,.0f}"


@app.command("remove")
def remove_command(
    handle: str = typer.Argument(..., help="The competitor's handle."),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Stop tracking it (its readings and posts are deleted)."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        actor = operator_actor(session, ws)
        competitor = competitors.find_competitor(session, workspace_id=ws.id, handle=handle)
        competitors.remove_competitor(session, actor=actor, competitor=competitor)
        session.commit()
    console.print(f"Stopped tracking @{handle.lstrip('@')}.")


@app.command("refresh")
def refresh_command(
    handle: str | None = typer.Argument(None, help="One competitor (default: every YouTube one)."),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Read YouTube competitors' channels and latest videos from the public Data API."""
    settings = get_settings()
    failed = 0
    with database() as session:
        ws = resolve_workspace(session, workspace)
        chosen = (
            [competitors.find_competitor(session, workspace_id=ws.id, handle=handle)]
            if handle
            else [
                c
                for c in competitors.list_competitors(session, workspace_id=ws.id)
                if c.platform in competitor_polling.API_PLATFORMS
            ]
        )
        for competitor in chosen:
            try:
                found = competitor_polling.refresh(session, settings, competitor)
                console.print(
                    f"@{competitor.handle}: {_shown(found.followers)} subscribers, "
                    f"{found.videos_read} recent videos read."
                )
            except ShortopsError as exc:
                failed += 1
                console.print(f"@{competitor.handle}: {exc}")
            session.commit()
    if failed:
        raise typer.Exit(1)
