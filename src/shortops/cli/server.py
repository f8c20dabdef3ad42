"""`shortops serve` and `shortops worker`."""

from __future__ import annotations

import logging
import os

import typer

from shortops.cli.common import console, fail, reachable_database
from shortops.config import Settings, get_settings
from shortops.db.migrate import upgrade
from shortops.db.session import get_engine
from shortops.errors import ShortopsError


def _prepare(settings: Settings) -> None:
    """Configure logging and migrate; an unreachable database is a plain error, not a trace."""
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    try:
        with reachable_database(settings):
            upgrade(get_engine(settings))
    except ShortopsError as exc:
        raise fail(exc.render()) from exc


def serve(
    host: str | None = typer.Option(None, "--host", help="Listen address (SHORTOPS_HOST)."),
    port: int | None = typer.Option(None, "--port", help="Port (SHORTOPS_PORT)."),
    worker: bool | None = typer.Option(
        None,
        "--worker/--no-worker",
        help="Run the embedded queue consumer (default: on for the SQLite queue).",
    ),
) -> None:
    """Migrate the database and serve the web app and API (with an embedded worker)."""
    import uvicorn

    from shortops.app import create_app

    # The options are settings: every link the app makes (OAuth redirect URI, sandbox and media
    # links, notifications) must name the address it really listens on.
    if host:
        os.environ["SHORTOPS_HOST"] = host
    if port:
        os.environ["SHORTOPS_PORT"] = str(port)
    get_settings.cache_clear()
    settings = get_settings()
    _prepare(settings)
    embedded = settings.run_embedded_worker if worker is None else worker
    app = create_app(settings, embedded_worker=embedded)
    bind_host, bind_port = settings.host, settings.port
    console.print(
        f"shortops on http://{bind_host}:{bind_port}  (database {settings.database_backend}, "
        f"queue {settings.queue_backend}, embedded worker {'on' if embedded else 'off'})"
    )
    uvicorn.run(app, host=bind_host, port=bind_port, log_level=settings.log_level)


def worker() -> None:
    """Migrate the database and run a standalone queue consumer until stopped."""
    from shortops.worker.consumer import run_consumer

    settings = get_settings()
    _prepare(settings)
    console.print(f"shortops worker on queue {settings.queue_backend}")
    run_consumer(settings)
