"""What every command shares: settings, a database session, workspace choice, error output.

The database layer is imported when a command first opens the database, not with this module:
`shortops media render` starts FFmpeg before it needs the database (shortops.media.headstart).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from shortops.config import Settings, get_settings
from shortops.errors import N_, ConfigurationError, NotFound, ShortopsError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from shortops.models import Workspace
    from shortops.workspaces.service import Actor

console = Console()
err_console = Console(stderr=True, soft_wrap=True)

WorkspaceOption = typer.Option(
    None,
    "--workspace",
    "-w",
    help="Workspace slug; may be left out when there is only one workspace.",
    metavar="SLUG",
)


def fail(message: str, code: int = 1) -> typer.Exit:
    err_console.print(f"[bold red]Error:[/] {message}")
    return typer.Exit(code)


@contextmanager
def database() -> Iterator[Session]:
    """A migrated database session committed at the end; shortops errors become exit code 1."""
    from shortops.db.migrate import upgrade
    from shortops.db.session import get_engine, session_scope

    try:
        settings = get_settings()
        with reachable_database(settings):
            upgrade(get_engine(settings))
            with session_scope(settings) as session:
                yield session
    except ShortopsError as exc:
        raise fail(exc.render()) from exc


@contextmanager
def reachable_database(settings: Settings) -> Iterator[None]:
    """Turn a database that cannot be reached (or lacks its driver) into a plain message."""
    from sqlalchemy.exc import OperationalError

    try:
        yield
    except OperationalError as exc:
        raise ConfigurationError(
            N_("Cannot reach the database {url}: {detail}"),
            url=_safe_url(settings),
            detail=str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc),
        ) from exc
    except ModuleNotFoundError as exc:
        raise ConfigurationError(
            N_("The database driver {module} is missing: install shortops[postgres]."),
            module=exc.name or "",
        ) from exc


def _safe_url(settings: Settings) -> str:
    from sqlalchemy import make_url

    return make_url(settings.resolved_database_url).render_as_string(hide_password=True)


def resolve_workspace(session: Session, slug: str | None) -> Workspace:
    """The workspace named by `--workspace`, or the only one there is."""
    from shortops.workspaces import service

    if slug:
        return service.get_workspace_by_slug_or_raise(session, slug=slug)
    workspaces = service.list_all_workspaces(session)
    if not workspaces:
        raise NotFound(N_("There is no workspace yet: run shortops init first."))
    if len(workspaces) > 1:
        raise NotFound(
            N_("There are several workspaces; pass --workspace with one of: {slugs}."),
            slugs=", ".join(w.slug for w in workspaces),
        )
    return workspaces[0]


def operator_actor(session: Session, workspace: Workspace) -> Actor:
    """Someone at the machine's console acts with owner rights, recorded as the first owner."""
    from sqlalchemy import select

    from shortops.models import Membership, Role, User
    from shortops.workspaces.service import Actor

    owner = session.scalar(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.workspace_id == workspace.id, Membership.role == Role.owner)
        .order_by(Membership.id)
    )
    if owner is None:
        raise NotFound(N_("Workspace {slug} has no owner."), slug=workspace.slug)
    return Actor(user=owner, workspace=workspace, role=Role.owner, ip="cli")


def printable(text: str) -> str:
    """`text` with control characters shown as escapes (`\\x1b`), so a stored name cannot
    repaint the terminal that lists it."""
    return "".join(
        f"\\x{ord(ch):02x}" if unicodedata.category(ch) == "Cc" and ord(ch) < 0x100 else ch
        for ch in text
    )


def printable_table(*columns: str) -> Table:
    """A Rich table whose cells are shown with `printable` (values may come from users)."""
    return _PrintableTable(*columns)


class _PrintableTable(Table):
    def add_row(self, *renderables: Any, **options: Any) -> None:
        cells = [printable(cell) if isinstance(cell, str) else cell for cell in renderables]
        super().add_row(*cells, **options)
