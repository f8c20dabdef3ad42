"""`shortops db …`: schema migrations."""

from __future__ import annotations

import typer

from shortops.cli.common import console, fail
from shortops.config import get_settings
from shortops.db.migrate import current_revision, head_revision, upgrade
from shortops.db.session import get_engine
from shortops.errors import ShortopsError

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade_command() -> None:
    """Apply every pending migration (serve and worker also do this on start)."""
    settings = get_settings()
    try:
        engine = get_engine(settings)
        before = current_revision(engine)
        upgrade(engine)
    except ShortopsError as exc:
        raise fail(exc.render()) from exc
    after = current_revision(engine)
    state = "already current" if before == after else f"upgraded from {before or 'empty'}"
    console.print(f"Database {settings.database_backend}: revision {after} ({state}).")


@app.command("current")
def current_command() -> None:
    """Show the database's schema revision and the newest one this version knows."""
    engine = get_engine(get_settings())
    console.print(f"current: {current_revision(engine)}  head: {head_revision()}")
