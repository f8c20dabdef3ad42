"""`shortops backup` → `shortops restore` into an empty home (issue "Security and robustness"):
the same workspaces, posts, publications, assets and renditions, every media file byte for byte,
on SQLite and PostgreSQL; bad backups and non-empty homes are refused without changing a thing."""

from __future__ import annotations

import hashlib
import tarfile
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from shortops.accounts.credentials import APP_SECRET_PURPOSE, unseal
from shortops.config import Settings, get_settings
from shortops.db.migrate import upgrade
from shortops.db.session import dispose_engines, get_engine, make_engine, session_factory
from shortops.models import MediaAsset, PlatformApp, Post, Publication, Rendition, User, Workspace
from shortops.system import backup
from tests.publishing.conftest import World


def _snapshot(session: Session, settings: Settings) -> dict[str, Any]:
    """What a user would compare: rows people see, and each media file's SHA-256."""
    media = settings.resolved_media_dir
    return {
        "users": sorted(session.scalars(select(User.email))),
        "workspaces": sorted(session.scalars(select(Workspace.name))),
        "posts": sorted(session.scalars(select(Post.title))),
        "publications": sorted(
            (p.account_id, p.status.value) for p in session.scalars(select(Publication))
        ),
        "assets": sorted(session.scalars(select(MediaAsset.sha256))),
        "renditions": sorted(str(r.id) for r in session.scalars(select(Rendition))),
        "files": {
            p.relative_to(media).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(media.rglob("*"))
            if p.is_file()
        },
    }


def _empty_home(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for a new, empty home; on PostgreSQL an emptied database."""
    home = tmp_path / "restored-home"
    monkeypatch.setenv("SHORTOPS_HOME", str(home))
    monkeypatch.delenv("SHORTOPS_MEDIA_DIR", raising=False)
    if settings.database_backend == "sqlite":
        monkeypatch.setenv("SHORTOPS_DATABASE_URL", f"sqlite:///{home / 'shortops.db'}")
    else:
        dispose_engines()
        engine = make_engine(settings.resolved_database_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        # Migrated but without a user, as after `shortops serve` on a new database.
        upgrade(engine)
        engine.dispose()
    get_settings.cache_clear()
    return get_settings()


def test_backup_then_restore_into_an_empty_home(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.schedule(title="Backed up")
    before = _snapshot(world.session, world.settings)
    assert before["files"] and before["posts"] == ["Backed up"]
    made = backup.make_backup(world.settings, tmp_path / "b.tar", include_secrets=True)
    assert made.files == len(before["files"]) + 2  # + the database + the secret key
    without = backup.make_backup(world.settings, tmp_path / "plain.tar")
    with tarfile.open(without.path) as archive:
        names = archive.getnames()
    assert "secret_key" not in names and "manifest.json" in names
    world.session.close()

    fresh = _empty_home(tmp_path, world.settings, monkeypatch)
    steps: list[str] = []
    report = backup.restore_backup(fresh, made.path, progress=steps.append)
    assert steps == ["database", "files"]
    assert report.revision_after == report.revision_before
    with session_factory(get_engine(fresh))() as restored:
        assert _snapshot(restored, fresh) == before
        app = restored.scalars(select(PlatformApp)).first()
        assert app is not None and unseal(app.client_secret, APP_SECRET_PURPOSE) == "client-secret"
    # A second restore on top of it is refused: the home is no longer empty.
    with pytest.raises(backup.RestoreRefused, match="already has users"):
        backup.restore_backup(fresh, made.path)


def test_a_damaged_backup_restores_nothing(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = backup.make_backup(world.settings, tmp_path / "b.tar")
    cut = tmp_path / "cut.tar"
    cut.write_bytes(made.path.read_bytes()[: made.path.stat().st_size // 2])
    not_tar = tmp_path / "notes.tar"
    not_tar.write_text("hello")
    world.session.close()
    fresh = _empty_home(tmp_path, world.settings, monkeypatch)
    for bad, message in ((cut, "damaged|not a readable"), (not_tar, "not a readable"),
                         (tmp_path / "nope.tar", "no backup file")):  # fmt: skip
        with pytest.raises(backup.RestoreRefused, match=message):
            backup.restore_backup(fresh, bad)
    media = fresh.resolved_media_dir
    assert not media.exists() or not any(media.rglob("*"))
    # An existing file is never overwritten by a backup, and a failed one leaves no file.
    with pytest.raises(backup.BackupFailed, match="already exists"):
        backup.make_backup(world.settings, made.path)
    assert not list(tmp_path.glob("*.partial"))


def test_the_cli_backs_up_and_refuses_to_restore_over_a_team(world: World, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from shortops.cli.main import app as cli

    runner = CliRunner()
    target = tmp_path / "nightly.tar"
    made = runner.invoke(cli, ["backup", str(target), "--include-secrets"])
    assert made.exit_code == 0, made.output
    assert f"Backup written to {target}" in made.output and "with the secret key" in made.output
    again = runner.invoke(cli, ["backup", str(target)])
    assert again.exit_code == 1 and "already exists" in again.output
    over = runner.invoke(cli, ["restore", str(target)])
    assert over.exit_code == 1 and "restore into an empty home" in over.output
