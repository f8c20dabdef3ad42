"""`shortops users …`: people and their roles."""

from __future__ import annotations

import typer

from shortops.cli.common import (
    WorkspaceOption,
    console,
    database,
    operator_actor,
    resolve_workspace,
)
from shortops.errors import N_, NotFound
from shortops.models import Role
from shortops.workspaces import service, web_sessions
from shortops.workspaces.schemas import MemberCreate

app = typer.Typer(help="Users and their roles in workspaces.", no_args_is_help=True)


@app.command("create")
def create(
    email: str = typer.Option(..., "--email", help="The user's email (used to sign in)."),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        help="Initial password (asked for when left out).",
    ),
    role: Role = typer.Option(Role.editor, "--role", help="Role in the workspace."),
    name: str = typer.Option("", "--name", help="Display name."),
    workspace: str | None = WorkspaceOption,
) -> None:
    """Create a user and give them a role in a workspace (an existing user is just added)."""
    with database() as session:
        ws = resolve_workspace(session, workspace)
        actor = operator_actor(session, ws)
        member = service.add_member(
            session,
            actor=actor,
            data=MemberCreate(email=email, name=name, role=role, password=password),
        )
        console.print(f"{member.email} is now {member.role.value} of {ws.slug}.")


@app.command("set-password")
def set_password(
    email: str = typer.Argument(..., help="The user's email."),
    password: str = typer.Option(
        ...,
        "--password",
        prompt=True,
        hide_input=True,
        confirmation_prompt=True,
        help="The new password (asked for twice when left out).",
    ),
) -> None:
    """Set a user's password (e.g. a forgotten one) and sign them out everywhere."""
    with database() as session:
        user = service.get_user_by_email(session, email.strip().lower())
        if user is None:
            raise NotFound(N_("No user has the email {email}."), email=email)
        ended = web_sessions.reset_password(session, user=user, new=password)
        console.print(f"Password of {user.email} set; sessions signed out: {ended}.")
