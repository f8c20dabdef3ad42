"""`shortops tokens …`: API tokens."""

from __future__ import annotations

import typer

from shortops.cli.common import WorkspaceOption, console, database, fail, resolve_workspace
from shortops.workspaces import service
from shortops.workspaces.permissions import Scope
from shortops.workspaces.schemas import TokenCreate
from shortops.workspaces.service import Actor

app = typer.Typer(help="API tokens for the REST API.", no_args_is_help=True)


@app.command("create")
def create(
    user: str = typer.Option(..., "--user", help="Email of the member the token acts as."),
    name: str = typer.Option("cli", "--name", help="A name to recognise the token by."),
    scope: list[Scope] = typer.Option(
        [Scope.read],
        "--scope",
        metavar="SCOPE",
        help="read, write or admin; repeat for several.",
    ),
    expires_in_days: int | None = typer.Option(None, "--expires-in-days", help="Lifetime."),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Create an API token and print it once (it is stored only as a hash)."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        member = service.get_user_by_email(session, user)
        membership = (
            service.get_membership(session, user_id=member.id, workspace_id=ws.id)
            if member
            else None
        )
        if member is None or membership is None:
            raise fail(f"{user} is not a member of {ws.slug}.")
        actor = Actor(user=member, workspace=ws, role=membership.role, ip="cli")
        data = TokenCreate(name=name, scopes=scope, expires_in_days=expires_in_days)
        _token, secret = service.create_token(session, actor=actor, data=data)
        console.print(secret, soft_wrap=True, highlight=False)
