"""Entry point: `shortops COMMAND`. Each command group lives in its own module.

A command line run imports only the group it runs (`shortops media render` does not load the
web server, the platform connectors or the publishing engine): a one-off render starts in half
the time and with a fraction of the memory. `app` (the whole tree, for help, the generated docs
and tests) is built on first use.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable
from typing import Any

import typer

from shortops import __version__
from shortops.cli.common import console, database, fail
from shortops.config import get_settings
from shortops.errors import ShortopsError

# Command groups by name, and the module holding each group's `app`.
GROUPS: dict[str, str] = {
    "db": "shortops.cli.db",
    "users": "shortops.cli.users",
    "workspaces": "shortops.cli.workspaces",
    "tokens": "shortops.cli.tokens",
    "media": "shortops.cli.media",
    "posts": "shortops.cli.posts",
    "publish": "shortops.cli.publish",
    "accounts": "shortops.cli.accounts",
    "metrics": "shortops.cli.metrics",
    "competitors": "shortops.cli.competitors",
}
# Top-level commands that live in a group's module: name -> (module, function).
TOP_COMMANDS: dict[str, tuple[str, str]] = {
    "import": ("shortops.cli.metrics", "import_command"),
    "report": ("shortops.cli.reports", "report_command"),
    "backup": ("shortops.cli.backup", "backup_command"),
    "restore": ("shortops.cli.backup", "restore_command"),
}
# Top-level commands that live in shortops.cli.server (they import uvicorn and the web app).
SERVER_COMMANDS = ("serve", "worker")


def init(
    email: str = typer.Option(..., "--email", help="Owner's email (used to sign in)."),
    password: str = typer.Option(
        ..., "--password", help="Owner's password (10+ characters, not a common one)."
    ),
    workspace: str = typer.Option(..., "--workspace", help="Name of the first workspace."),
    name: str = typer.Option("", "--name", help="Owner's display name."),
    timezone: str = typer.Option(
        "", "--timezone", help="IANA time zone, e.g. Asia/Shanghai (default: this machine's)."
    ),
    currency: str = typer.Option("USD", "--currency", help="ISO 4217 code, e.g. CNY."),
) -> None:
    """Set up the owner account and the first workspace without prompts (once only)."""
    from shortops.kit.clock import local_timezone_name
    from shortops.workspaces import service

    with database() as session:
        get_settings().resolved_secret_key()  # created now, so the first run is complete
        user, created = service.set_up(
            session,
            email=email,
            password=password,
            workspace_name=workspace,
            name=name,
            timezone=timezone or local_timezone_name(),
            currency=currency,
        )
        console.print(
            f"Owner [bold]{user.email}[/] and workspace [bold]{created.name}[/] "
            f"(slug [cyan]{created.slug}[/]) are ready. Start with: shortops serve"
        )


def version() -> None:
    """Print the shortops version."""
    console.print(__version__)


def _root() -> typer.Typer:
    return typer.Typer(
        name="shortops",
        help="shortops: self-hosted short-video operations. "
        "SHORTOPS_HOME selects the data directory.",
        no_args_is_help=True,
        rich_markup_mode=None,
        pretty_exceptions_enable=False,
        add_completion=False,
    )


def build_app(only: str | None = None) -> typer.Typer:
    """The command tree; with `only`, just that group or command (plus init and version)."""
    app = _root()
    if only is None or only in SERVER_COMMANDS:
        from shortops.cli import server

        app.command("serve")(server.serve)
        app.command("worker")(server.worker)
    for name, module in GROUPS.items():
        if only is None or only == name:
            app.add_typer(importlib.import_module(module).app, name=name)
    for name, (module, function) in TOP_COMMANDS.items():
        if only is None or only == name:
            app.command(name)(getattr(importlib.import_module(module), function))
    app.command("init")(init)
    app.command("version")(version)
    return app


def requested(argv: list[str]) -> str | None:
    """The group or server command `argv` runs, when it names one; else None (build all)."""
    first = next((arg for arg in argv if not arg.startswith("-")), None)
    known = first in GROUPS or first in SERVER_COMMANDS or first in TOP_COMMANDS
    return first if known else None


def top_level_app() -> typer.Typer:
    """The tree as `shortops --help`, `version` and `init` need it: every group and command
    listed with its help, none of them imported (their modules load the web app, the engine
    and the connectors: a second of start-up). Same order and text as the full tree."""
    app = _root()
    for name in SERVER_COMMANDS:
        app.command(name)(_listed(name))
    for name in GROUPS:
        group = typer.Typer(help=GROUP_HELP[name])
        group.command(name, hidden=True)(_listed(name))  # a group is listed once it has one
        app.add_typer(group, name=name)
    for name in TOP_COMMANDS:
        app.command(name)(_listed(name))
    app.command("init")(init)
    app.command("version")(version)
    return app


def _listed(name: str) -> Callable[[], None]:
    """A stand-in that lists `name` with its own docstring; running it builds the real tree."""

    def listed() -> None:  # only reached through the real command's module
        build_app(name)([name])

    listed.__doc__ = COMMAND_HELP.get(name, "")
    return listed


# What `shortops --help` shows for each group and command; tests/test_cli.py keeps these equal
# to the modules' own help.
GROUP_HELP: dict[str, str] = {
    "db": "Database schema.",
    "users": "Users and their roles in workspaces.",
    "workspaces": "Workspaces (one per brand or client).",
    "tokens": "API tokens for the REST API.",
    "media": "The media library: import, list, render.",
    "posts": "Posts: schedule a video to several accounts, move, list and cancel publications.",
    "publish": "The publishing engine.",
    "accounts": "Platform accounts and their health.",
    "metrics": "Figures of the workspace's posts and accounts.",
    "competitors": "Competitors: public accounts to benchmark your own against.",
}
COMMAND_HELP: dict[str, str] = {
    "import": "Import a platform's export file: each row matched to its post (or a new external "
    "one).",
    "report": "Make the weekly or monthly report (HTML and PDF, kept under Measure → Reports).",
    "backup": "Back up the database (a consistent online snapshot), media, sandbox and fonts.",
    "restore": "Restore a backup into this empty home (and its database), then migrate it.",
    "serve": "Migrate the database and serve the web app and API (with an embedded worker).",
    "worker": "Migrate the database and run a standalone queue consumer until stopped.",
}


# Databases, media, renditions and reports hold a team's unreleased work and revenue: files the
# app creates are readable by this user only (0600 files, 0700 folders).
PRIVATE_UMASK = 0o077


def main() -> None:
    os.umask(PRIVATE_UMASK)
    try:
        only = requested(sys.argv[1:])
        (build_app(only) if only is not None else top_level_app())()
    except ShortopsError as exc:  # raised outside a database() block, e.g. settings
        raise SystemExit(fail(exc.render()).exit_code) from exc


def __getattr__(name: str) -> Any:
    if name == "app":
        return _full_app()
    raise AttributeError(name)


_FULL: list[typer.Typer] = []


def _full_app() -> typer.Typer:
    if not _FULL:
        _FULL.append(build_app())
    return _FULL[0]
