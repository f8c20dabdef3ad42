"""Backup and restore of a whole shortops home: the database, the media store, the sandbox and
fonts folders, and (only when asked) the secret key.

A backup is one tar file. The database part is the database's own consistent online snapshot:
SQLite's backup API (readers and writers may carry on), or `pg_dump --format=custom` for
PostgreSQL. Files are added as they are; media is content-addressed and already compressed.
The file is written under a temporary name and renamed at the end, so a failed backup leaves
nothing that looks like one. A restore goes into an empty home (no users yet) and checks every
file against the manifest before anything is moved into place.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import URL, make_url

from shortops import __version__
from shortops.config import SECRET_KEY_FILE, Settings
from shortops.db.migrate import current_revision, upgrade
from shortops.db.session import dispose_engines, get_engine, session_factory
from shortops.errors import N_, Conflict, InvalidInput
from shortops.kit.clock import utcnow
from shortops.models import User

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_MEMBER = "database/shortops.sqlite3"
PG_MEMBER = "database/shortops.pgdump"
# Folders of the home that hold the team's work (the queue and caches are rebuilt by themselves).
FOLDERS = ("sandbox", "fonts")

Progress = Callable[[str], None]


class BackupFailed(InvalidInput):
    code = "backup_failed"
    template = N_("The backup could not be made: {reason}")


class RestoreRefused(Conflict):
    code = "restore_refused"
    template = N_("{reason}")


@dataclass(frozen=True)
class BackupReport:
    path: Path
    database_backend: str
    revision: str | None
    files: int
    bytes: int
    secrets: bool


def make_backup(
    settings: Settings,
    target: Path,
    *,
    include_secrets: bool = False,
    progress: Progress = lambda _step: None,
) -> BackupReport:
    """Write a backup of this home to `target` (a new .tar file)."""
    if target.exists():
        raise BackupFailed(reason=f"{target} already exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    engine = get_engine(settings)
    revision = current_revision(engine)
    members: list[dict[str, object]] = []
    try:
        with (
            tempfile.TemporaryDirectory(dir=target.parent) as scratch,
            tarfile.open(partial, "w") as archive,
        ):
            progress("database")
            dump, member = _dump_database(settings, Path(scratch))
            archive.add(dump, arcname=member)
            members.append({"name": member, "size": dump.stat().st_size})
            for name, path in _home_files(settings):
                progress(name)
                archive.add(path, arcname=name)
                members.append({"name": name, "size": path.stat().st_size})
            if include_secrets:
                # The key in use, from the environment or the home's file alike.
                key = Path(scratch) / SECRET_KEY_FILE
                key.write_text(settings.resolved_secret_key(), encoding="utf-8")
                archive.add(key, arcname=SECRET_KEY_FILE)
                members.append({"name": SECRET_KEY_FILE, "size": key.stat().st_size})
            manifest = {
                "format": FORMAT,
                "shortops": __version__,
                "created_at": utcnow().isoformat(),
                "database_backend": settings.database_backend,
                "revision": revision,
                "secrets": include_secrets,
                "members": members,
            }
            _add_json(archive, MANIFEST, manifest, Path(scratch))
        partial.rename(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return BackupReport(
        path=target,
        database_backend=settings.database_backend,
        revision=revision,
        files=len(members),
        bytes=sum(int(str(m["size"])) for m in members),
        secrets=include_secrets,
    )


def _dump_database(settings: Settings, scratch: Path) -> tuple[Path, str]:
    url = make_url(settings.resolved_database_url)
    if settings.database_backend == "sqlite":
        copy = scratch / "shortops.sqlite3"
        source = sqlite3.connect(url.database or "")
        try:
            with sqlite3.connect(copy) as destination:
                source.backup(destination)  # a consistent snapshot while others keep writing
        finally:
            source.close()
        return copy, SQLITE_MEMBER
    dump = scratch / "shortops.pgdump"
    _run_pg(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(dump)],
            url)  # fmt: skip
    return dump, PG_MEMBER


def _home_files(settings: Settings) -> Iterator[tuple[str, Path]]:
    media = settings.resolved_media_dir
    for path in sorted(media.rglob("*")) if media.exists() else []:
        if path.is_file() and ".partial" not in path.name:
            yield f"media/{path.relative_to(media).as_posix()}", path
    for folder in FOLDERS:
        root = settings.home / folder
        for path in sorted(root.rglob("*")) if root.exists() else []:
            if path.is_file() and not path.name.startswith(".lock"):
                yield f"{folder}/{path.relative_to(root).as_posix()}", path


def _add_json(archive: tarfile.TarFile, name: str, data: object, scratch: Path) -> None:
    path = scratch / name
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    archive.add(path, arcname=name)


# --- restore -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreReport:
    revision_before: str | None
    revision_after: str | None
    files: int
    secrets: bool


def restore_backup(
    settings: Settings, source: Path, *, progress: Progress = lambda _step: None
) -> RestoreReport:
    """Restore the backup at `source` into this (empty) home and database."""
    if not source.is_file():
        raise RestoreRefused(reason=f"There is no backup file at {source}.")
    _refuse_unless_empty(settings)
    settings.ensure_home()
    with tempfile.TemporaryDirectory(dir=settings.home) as scratch_name:
        scratch = Path(scratch_name)
        manifest = _unpack(source, scratch)
        if manifest["database_backend"] != settings.database_backend:
            raise RestoreRefused(
                reason=f"This backup holds a {manifest['database_backend']} database and this "
                f"home uses {settings.database_backend}. Restore it with the same kind of "
                "database (SHORTOPS_DATABASE_URL)."
            )
        progress("database")
        _restore_database(settings, scratch)
        progress("files")
        files = _move_files(settings, scratch, manifest)
    dispose_engines()  # the database file was replaced under any open connection
    upgrade(get_engine(settings))  # a backup from an older version is brought up to date
    return RestoreReport(
        revision_before=str(manifest.get("revision") or "") or None,
        revision_after=current_revision(get_engine(settings)),
        files=files,
        secrets=bool(manifest.get("secrets")),
    )


def _refuse_unless_empty(settings: Settings) -> None:
    engine = get_engine(settings)
    if current_revision(engine) is None:
        return
    with session_factory(engine)() as session:
        users = session.scalar(select(func.count()).select_from(User)) or 0
    if users:
        raise RestoreRefused(
            reason="This home already has users: restore into an empty home (a new "
            "SHORTOPS_HOME, and a new database for PostgreSQL), then switch to it."
        )


def _unpack(source: Path, scratch: Path) -> dict[str, object]:
    try:
        with tarfile.open(source, "r") as archive:
            archive.extractall(scratch, filter="data")  # no paths outside, no devices or links
    except (tarfile.TarError, OSError) as exc:
        raise RestoreRefused(reason=f"{source} is not a readable shortops backup ({exc}).") from exc
    manifest_path = scratch / MANIFEST
    if not manifest_path.is_file():
        raise RestoreRefused(reason=f"{source} is not a shortops backup: it has no {MANIFEST}.")
    manifest: dict[str, object] = json.loads(manifest_path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise RestoreRefused(reason=f"{source} is a backup format this version cannot read.")
    members = manifest.get("members")
    assert isinstance(members, list)
    for member in members:
        path = scratch / str(member["name"])
        if not path.is_file() or path.stat().st_size != int(member["size"]):
            raise RestoreRefused(
                reason=f"{source} is damaged: {member['name']} is missing or cut short. Nothing "
                "was restored."
            )
    return manifest


def _restore_database(settings: Settings, scratch: Path) -> None:
    url = make_url(settings.resolved_database_url)
    dispose_engines()
    if settings.database_backend == "sqlite":
        database = Path(url.database or "")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(scratch / SQLITE_MEMBER, database)
        os.chmod(database, 0o600)
        return
    _run_pg(["pg_restore", "--no-owner", "--no-privileges", "--clean", "--if-exists",
             str(scratch / PG_MEMBER)], url)  # fmt: skip


def _move_files(settings: Settings, scratch: Path, manifest: dict[str, object]) -> int:
    moved = 0
    members = manifest.get("members")
    assert isinstance(members, list)
    for member in members:
        name = str(member["name"])
        if name.startswith("database/"):
            continue
        if name.startswith("media/"):
            target = settings.resolved_media_dir / name.removeprefix("media/")
        else:
            target = settings.home / name
        if name == SECRET_KEY_FILE and settings.secret_key is not None:
            continue  # the operator sets the key in the environment: theirs wins
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(scratch / name, target)
        if name == SECRET_KEY_FILE:
            target.chmod(0o600)
        moved += 1
    return moved


def _run_pg(command: list[str], url: URL) -> None:
    """Run pg_dump / pg_restore against the SQLAlchemy URL (its driver suffix dropped)."""
    libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupFailed(
            reason=f"{command[0]} is not installed; install PostgreSQL's client tools "
            "(apt-get install postgresql-client) and try again"
        )
    done = subprocess.run([tool, *command[1:], "--dbname", libpq], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupFailed(reason=f"{command[0]} said: {done.stderr.strip()[-500:]}")
