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
