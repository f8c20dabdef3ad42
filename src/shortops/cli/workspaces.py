"""`shortops workspaces …`."""

from __future__ import annotations

import typer

from shortops.cli.common import console, database, fail, printable_table
from shortops.workspaces import service
from shortops.workspaces.schemas import WorkspaceCreate

app = typer.Typer(help="Workspaces (one per brand or client).", no_args_is_help=True)


@app.command("create")
def create(
    name: str = typer.Option(..., "--name", help="Workspace name."),
    owner: str = typer.Option(..., "--owner", help="Email of an existing user who will own it."),
    timezone: str = typer.Option("UTC", "--timezone", help="IANA timezone, e.g. Asia/Shanghai."),
    currency: str = typer.Option("USD", "--currency", help="ISO 4217 code, e.g. CNY."),
) -> None:
    """Create a workspace owned by an existing user."""
    with database() as session:
        user = service.get_user_by_email(session, owner)
        if user is None:
            raise fail(f"No user with the email {owner}; create one with shortops users create.")
        try:
            data = WorkspaceCreate(name=name, timezone=timezone, currency=currency.upper())
        except ValueError as exc:
            raise fail(str(exc)) from exc
        workspace = service.create_workspace(session, owner=user, data=data)
        console.print(f"Workspace {workspace.name} created with slug {workspace.slug}.")


@app.command("list")
def list_command() -> None:
    """List every workspace with its slug."""
    with database() as session:
        table = printable_table("id", "slug", "name", "timezone", "currency")
        for ws in service.list_all_workspaces(session):
            table.add_row(str(ws.id), ws.slug, ws.name, ws.timezone, ws.currency)
        console.print(table)
