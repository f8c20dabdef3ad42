"""`shortops backup` and `shortops restore`: the whole home in one file, and back."""

from __future__ import annotations

from pathlib import Path

import typer

from shortops.cli.common import console, fail, reachable_database
from shortops.config import get_settings
from shortops.errors import ShortopsError


def backup_command(
    path: Path = typer.Argument(..., help="The backup file to write (a new .tar file)."),
    include_secrets: bool = typer.Option(
        False,
        "--include-secrets",
        help="Also store the secret key (needed to read saved platform sign-ins, webhook and "
        "SMTP secrets after a restore). Keep such a file as safe as the server.",
    ),
) -> None:
    """Back up the database (a consistent online snapshot), media, sandbox and fonts."""
    from shortops.kit.sizes import human_size
    from shortops.system import backup

    settings = get_settings()
    try:
        with reachable_database(settings):
            report = backup.make_backup(
                settings,
                path,
                include_secrets=include_secrets,
                progress=lambda step: console.print(f"  {step}", highlight=False, soft_wrap=True),
            )
    except ShortopsError as exc:
        raise fail(exc.render()) from exc
    secrets = "with the secret key" if report.secrets else "without secrets"
    console.print(
        f"Backup written to {report.path}: {report.database_backend} database at revision "
        f"{report.revision}, {report.files} files, {human_size(report.bytes)}, {secrets}.",
        highlight=False,
        soft_wrap=True,
    )


def restore_command(
    path: Path = typer.Argument(..., help="A backup file made by `shortops backup`."),
) -> None:
    """Restore a backup into this empty home (and its database), then migrate it."""
    from shortops.system import backup

    settings = get_settings()
    try:
        with reachable_database(settings):
            report = backup.restore_backup(
                settings,
                path,
                progress=lambda step: console.print(f"  {step}", highlight=False, soft_wrap=True),
            )
    except ShortopsError as exc:
        raise fail(exc.render()) from exc
    console.print(
        f"Restored {report.files} files; database at revision {report.revision_after} "
        f"(backed up at {report.revision_before}).",
        highlight=False,
        soft_wrap=True,
    )
    if not report.secrets and settings.secret_key is None:
        console.print(
            "The backup held no secret key: reconnect platform accounts and enter webhook and "
            "SMTP secrets again (Settings).",
            highlight=False,
            soft_wrap=True,
        )
