"""How `shortops serve` behaves as a process: what systemd, Docker and Ctrl+C rely on."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from tests.e2e.live import start_healthy_server, stop_server


@pytest.mark.e2e
def test_sigterm_stops_the_server_cleanly(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    server = start_healthy_server(home)
    try:
        server.process.terminate()
        # uvicorn finishes its shutdown, then re-raises the signal: exit by SIGTERM is clean.
        assert server.process.wait(timeout=10) in (0, -signal.SIGTERM), server.log_tail()
        log = server.log_tail()
        assert "All workers have stopped" in log and "Application shutdown complete" in log
    finally:
        stop_server(server, grace_s=0)


@pytest.mark.e2e
def test_port_option_flows_into_every_generated_link(tmp_path: Path) -> None:
    """F13: `serve --port N` left the OAuth redirect URI and other links on port 8000."""
    import re
    import subprocess
    import sys

    import httpx

    from tests.e2e.live import server_env

    home = tmp_path / "home"
    home.mkdir()
    subprocess.run(
        [sys.executable, "-m", "shortops", "init", "--email", "port@example.com",
         "--password", "amber-lantern-42", "--workspace", "Port"],
        env=server_env(home), cwd=tmp_path, check=True, capture_output=True,
    )  # fmt: skip
    server = start_healthy_server(home)  # `serve --port <free port>`, no SHORTOPS_PORT
    port = server.base_url.rsplit(":", 1)[1]
    assert port != "8000"
    try:
        with httpx.Client(base_url=server.base_url) as browser:
            page = browser.get("/login").text
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
            assert csrf is not None
            browser.post(
                "/login",
                data={"email": "port@example.com", "password": "amber-lantern-42",
                      "csrf_token": csrf.group(1)},
            )  # fmt: skip
            platforms = browser.get("/settings/platforms").text
        uris = re.findall(r"http://[\w.]+:(\d+)/accounts/callback/\w+", platforms)
        assert uris and set(uris) == {port}, uris
    finally:
        stop_server(server)


@pytest.mark.e2e
def test_the_home_and_every_file_in_it_are_private(tmp_path: Path) -> None:
    """F12: the home was 0755 and the databases 0644 (world-readable)."""
    import stat
    import subprocess
    import sys

    from tests.e2e.live import server_env

    home = tmp_path / "home"
    subprocess.run(
        [sys.executable, "-m", "shortops", "init", "--email", "mode@example.com",
         "--password", "amber-lantern-42", "--workspace", "Modes"],
        env=server_env(home), cwd=tmp_path, check=True, capture_output=True,
    )  # fmt: skip
    server = start_healthy_server(home)  # opens the database in WAL mode, starts the worker
    try:
        paths = [home, *home.rglob("*")]
        names = {p.name for p in paths}
        assert {"shortops.db", "secret_key"} <= names, names
        assert any(name.endswith("-wal") for name in names), names
        loose = {
            str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.stat().st_mode))
            for p in paths
            if stat.S_IMODE(p.stat().st_mode) & 0o077
        }
        assert not loose, loose
    finally:
        stop_server(server)
    # An existing home that was opened up is narrowed again.
    home.chmod(0o755)
    subprocess.run(
        [sys.executable, "-m", "shortops", "workspaces", "list"],
        env=server_env(home), cwd=tmp_path, check=True, capture_output=True,
    )  # fmt: skip
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
