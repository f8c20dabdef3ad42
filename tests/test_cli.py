"""The command line contract: init, users, workspaces, tokens, db, version."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shortops import __version__
from shortops.cli.main import app
from shortops.config import Settings
from shortops.models import User, Workspace

runner = CliRunner()
PASSWORD = "Cli-password-42"


def _init(workspace: str = "Acme") -> object:
    return runner.invoke(
        app,
        ["init", "--email", "boss@example.com", "--password", PASSWORD, "--workspace", workspace],
    )


def test_init_sets_up_once_without_prompts(settings: Settings, session: Session) -> None:
    result = _init()
    assert result.exit_code == 0, result.output
    assert "slug acme" in result.output
    again = _init("Other")
    assert again.exit_code == 1
    assert "already set up" in again.output
    assert session.scalar(select(func.count()).select_from(Workspace)) == 1


def test_init_with_weak_password_fails_and_writes_nothing(
    settings: Settings, session: Session
) -> None:
    result = runner.invoke(
        app, ["init", "--email", "a@example.com", "--password", "123", "--workspace", "W"]
    )
    assert result.exit_code == 1 and "too weak" in result.output
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_workspace_commands_default_to_the_only_workspace(
    settings: Settings, session: Session, app_client: TestClient
) -> None:
    assert _init().exit_code == 0
    created = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "ed@example.com",
            "--password",
            PASSWORD,
            "--role",
            "analyst",
        ],
    )
    assert created.exit_code == 0 and "analyst of acme" in created.output
    token = runner.invoke(app, ["tokens", "create", "--user", "ed@example.com", "--scope", "read"])
    assert token.exit_code == 0, token.output
    secret = token.output.strip()
    ws_id = session.scalar(select(Workspace.id))
    response = app_client.get(
        f"/api/v1/workspaces/{ws_id}/members", headers={"Authorization": f"Bearer {secret}"}
    )
    assert response.status_code == 200 and response.json()["total"] == 2
    refused = runner.invoke(
        app, ["tokens", "create", "--user", "ed@example.com", "--scope", "admin"]
    )
    assert refused.exit_code == 1 and "admin" in refused.output


def test_several_workspaces_need_the_slug(settings: Settings) -> None:
    assert _init().exit_code == 0
    made = runner.invoke(
        app,
        [
            "workspaces",
            "create",
            "--name",
            "Second Brand",
            "--owner",
            "boss@example.com",
            "--timezone",
            "Asia/Shanghai",
            "--currency",
            "cny",
        ],
    )
    assert made.exit_code == 0 and "second-brand" in made.output
    ambiguous = runner.invoke(app, ["tokens", "create", "--user", "boss@example.com"])
    assert ambiguous.exit_code == 1
    assert "--workspace" in ambiguous.output and "second-brand" in ambiguous.output
    chosen = runner.invoke(
        app, ["tokens", "create", "--user", "boss@example.com", "--workspace", "second-brand"]
    )
    assert chosen.exit_code == 0
    unknown = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "x@example.com",
            "--password",
            PASSWORD,
            "--workspace",
            "nope",
        ],
    )
    assert unknown.exit_code == 1 and "nope" in unknown.output
    listed = runner.invoke(app, ["workspaces", "list"])
    assert "Second Brand" in listed.output and "Asia/Shanghai" in listed.output


def test_bad_timezone_in_workspaces_create(settings: Settings) -> None:
    assert _init().exit_code == 0
    result = runner.invoke(
        app,
        [
            "workspaces",
            "create",
            "--name",
            "X",
            "--owner",
            "boss@example.com",
            "--timezone",
            "Mars/Base",
        ],
    )
    assert result.exit_code == 1 and "unknown timezone" in result.output


def test_db_upgrade_reports_the_revision(settings: Settings) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0 and "revision" in result.output


@pytest.fixture
def app_client(app: object) -> TestClient:
    return TestClient(app)  # type: ignore[arg-type]


def test_python_dash_m_and_shortops_home(tmp_path: Path) -> None:
    env = {**os.environ, "SHORTOPS_HOME": str(tmp_path / "data")}
    env.pop("SHORTOPS_DATABASE_URL", None)
    version = subprocess.run(
        [sys.executable, "-m", "shortops", "version"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert version.stdout.strip() == __version__
    init = subprocess.run(
        [
            sys.executable,
            "-m",
            "shortops",
            "init",
            "--email",
            "h@example.com",
            "--password",
            PASSWORD,
            "--workspace",
            "Home",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert init.returncode == 0, init.stderr
    assert (tmp_path / "data" / "shortops.db").exists()
    assert (tmp_path / "data" / "secret_key").stat().st_mode & 0o777 == 0o600


def test_unreachable_database_and_bad_settings_are_plain_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shortops.config import get_settings

    monkeypatch.setenv("SHORTOPS_HOME", str(tmp_path))
    monkeypatch.setenv("SHORTOPS_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    result = runner.invoke(app, ["workspaces", "list"])
    assert result.exit_code == 1
    assert "Cannot reach the database postgresql+psycopg://nobody@127.0.0.1:1/none" in result.output
    monkeypatch.setenv("SHORTOPS_PORT", "not-a-port")
    get_settings.cache_clear()
    result = runner.invoke(app, ["workspaces", "list"])
    assert result.exit_code == 1 and "SHORTOPS_PORT" in result.output
    get_settings.cache_clear()


def test_the_top_level_help_lists_every_command_without_importing_them() -> None:
    """`shortops --help` is built from stand-ins (no group module imported) and reads exactly
    like the full command tree's help."""
    import subprocess as sp

    from shortops.cli.main import top_level_app

    full = runner.invoke(app, ["--help"], prog_name="shortops")
    quick = runner.invoke(top_level_app(), ["--help"], prog_name="shortops")
    assert quick.exit_code == 0 and quick.stdout == full.stdout
    probe = (
        "import sys; sys.argv = ['shortops', '--help']\n"
        "from shortops.cli.main import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('shortops.cli.posts', 'shortops.cli.media', 'fastapi') "
        "if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    out = sp.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "HEAVY []" in out.stdout, out.stdout
