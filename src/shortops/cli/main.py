"""Entry point: `shortops COMMAND`. Each command group lives in its own module."""

from __future__ import annotations

import typer

from shortops import __version__
from shortops.cli import accounts, db, media, posts, publish, server, tokens, users, workspaces
from shortops.cli.common import console, database, fail
from shortops.config import get_settings
from shortops.errors import ShortopsError
from shortops.workspaces import service

app = typer.Typer(
    name="shortops",
    help="shortops: self-hosted short-video operations. SHORTOPS_HOME selects the data directory.",
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("serve")(server.serve)
app.command("worker")(server.worker)
app.add_typer(db.app, name="db")
app.add_typer(users.app, name="users")
app.add_typer(workspaces.app, name="workspaces")
app.add_typer(tokens.app, name="tokens")
app.add_typer(media.app, name="media")
app.add_typer(posts.app, name="posts")
app.add_typer(publish.app, name="publish")
app.add_typer(accounts.app, name="accounts")


@app.command("init")
def init(
    email: str = typer.Option(..., "--email", help="Owner's email (used to sign in)."),
    password: str = typer.Option(
        ..., "--password", help="Owner's password (10+ characters, not a common one)."
    ),
    workspace: str = typer.Option(..., "--workspace", help="Name of the first workspace."),
    name: str = typer.Option("", "--name", help="Owner's display name."),
) -> None:
    """Set up the owner account and the first workspace without prompts (once only)."""
    with database() as session:
        get_settings().resolved_secret_key()  # created now, so the first run is complete
        user, created = service.set_up(
            session, email=email, password=password, workspace_name=workspace, name=name
        )
        console.print(
            f"Owner [bold]{user.email}[/] and workspace [bold]{created.name}[/] "
            f"(slug [cyan]{created.slug}[/]) are ready. Start with: shortops serve"
        )


@app.command("version")
def version() -> None:
    """Print the shortops version."""
    console.print(__version__)


def main() -> None:
    try:
        app()
    except ShortopsError as exc:  # raised outside a database() block, e.g. settings
        raise SystemExit(fail(exc.render()).exit_code) from exc
