"""A real `shortops serve` in a subprocess, as a user would start it after installing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

STARTUP_TIMEOUT_S = 60.0
CHROMIUM = Path(os.environ.get("SHORTOPS_E2E_CHROMIUM", "/usr/bin/chromium"))
# Without the background-networking flags Chromium keeps trying to reach Google and hangs on a
# machine that has only loopback.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


class ServerStartError(RuntimeError):
    """The server exited or never answered; the message ends with its log."""


@dataclass(frozen=True)
class LiveServer:
    base_url: str
    home: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def url(self, path: str) -> str:
        return self.base_url + path

    def log_tail(self, lines: int = 60) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_env(home: Path) -> dict[str, str]:
    """This process's environment minus every SHORTOPS_ setting, plus a fresh home.

    Dropping them leaves SHORTOPS_SECRET_KEY unset (the server generates one, as on a first
    install) and keeps CI's test database and queue URLs away from the server.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHORTOPS_")}
    env["SHORTOPS_HOME"] = str(home)
    env["PYTHONUNBUFFERED"] = "1"
    # The platforms' fakes listen on 127.0.0.1.
    env["SHORTOPS_ALLOW_PRIVATE_TARGETS"] = "true"
    return env


def start_server(home: Path) -> LiveServer:
    port = free_port()
    log_path = home.parent / "server.log"
    # A file, not a pipe: nobody reads the pipe while tests run, and a full one blocks the server.
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "shortops", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=server_env(home),
            # Away from the repo, so a developer's .env there cannot change the settings.
            cwd=home.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return LiveServer(f"http://127.0.0.1:{port}", home, process, log_path)


def wait_until_healthy(server: LiveServer, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout_s
    last_error = "no answer yet"
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerStartError(
                f"shortops serve exited with {server.process.returncode}:\n{server.log_tail()}"
            )
        try:
            response = httpx.get(server.url("/api/v1/health"), timeout=2)
            if response.status_code == 200:
                return
            last_error = f"HTTP {response.status_code}"
        except httpx.TransportError as exc:
            last_error = repr(exc)
        time.sleep(0.25)
    raise ServerStartError(
        f"shortops serve did not answer /api/v1/health within {timeout_s:.0f} s ({last_error}):\n"
        f"{server.log_tail()}"
    )


def start_healthy_server(home: Path, attempts: int = 3) -> LiveServer:
    """A server that answers /api/v1/health; a new port is tried if another process took ours
    between free_port() and the server binding it."""
    attempt = 1
    while True:
        server = start_server(home)
        try:
            wait_until_healthy(server)
            return server
        except ServerStartError as exc:
            stop_server(server)
            if attempt >= attempts or "address already in use" not in str(exc).lower():
                raise
        attempt += 1


def stop_server(server: LiveServer, grace_s: float = 10.0) -> int:
    """Ask the server to stop (SIGTERM), kill it after `grace_s`; returns its exit code."""
    if server.process.poll() is None:
        server.process.terminate()
    try:
        return server.process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        server.process.kill()
        return server.process.wait(timeout=10)


def start_server_at(home: Path, port: int, *commands: list[str]) -> LiveServer:
    """A server on `port`, the address its links name (the platforms' fakes send the browser
    back there), after `shortops COMMAND…` for each of `commands` in the same home; raises
    ServerStartError (the server stopped) when it never answers."""
    env = server_env(home)
    env.update(SHORTOPS_HOST="127.0.0.1", SHORTOPS_PORT=str(port))
    for command in commands:
        subprocess.run(
            [sys.executable, "-m", "shortops", *command],
            env=env, cwd=home.parent, check=True, capture_output=True,
        )  # fmt: skip
    log_path = home.parent / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "shortops", "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=home.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    live = LiveServer(f"http://127.0.0.1:{port}", home, process, log_path)
    try:
        wait_until_healthy(live)
    except ServerStartError:
        stop_server(live)
        raise
    return live


def sign_in(page: Any, server: LiveServer, email: str, password: str) -> None:
    """Through the real login form; waits for the page after it (Home)."""
    page.goto(server.url("/login"))
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_url("**/home")


def server_with_owner(folder: Path, email: str, password: str) -> LiveServer:
    """A fresh home in `folder` set up by `shortops init` (owner `email`, workspace "Studio"),
    served; skips without Debian's Chromium or the playwright package."""
    import pytest

    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium to run browser tests")
    pytest.importorskip("playwright")
    home = folder / "home"
    home.mkdir()
    subprocess.run(
        [sys.executable, "-m", "shortops", "init", "--email", email, "--password", password,
         "--workspace", "Studio"],
        env=server_env(home), cwd=home.parent, check=True, capture_output=True,
    )  # fmt: skip
    return start_healthy_server(home)
