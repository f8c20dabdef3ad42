"""The sandbox platform's state: JSON files under `home/sandbox`, shared by every process.

    sandbox/state.json          simulated users and the tokens issued to them
    sandbox/posts/<id>.json     one simulated post each (what was "uploaded" and where it stands)
    sandbox/.lock               held while any of the above is read-modify-written

The web app and the worker are separate processes on the same machine (the sandbox lives in the
data directory), so a file lock is enough to keep their writes apart. Every write goes to a
temporary file first and is renamed into place: a reader never sees half a file.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:  # POSIX; elsewhere one process at a time is all the lock can promise
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

from shortops.config import get_settings

POST_ID = re.compile(r"^sbx[0-9a-f]{16}$")

_thread_lock = threading.RLock()


class SandboxStore:
    """Read and write the simulated platform's users, tokens and posts."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def default(cls) -> SandboxStore:
        return cls(get_settings().home / "sandbox")

    # --- plumbing ---------------------------------------------------------------------------

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the sandbox's lock (other threads and processes wait)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with _thread_lock, (self.root / ".lock").open("a+") as handle:
            if fcntl is not None:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _read(self, path: Path, default: dict[str, Any]) -> dict[str, Any]:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return default
        return data if isinstance(data, dict) else default

    def _write(self, path: Path, data: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, path)

    def _state_path(self) -> Path:
        return self.root / "state.json"

    def _post_path(self, post_id: str) -> Path:
        if not POST_ID.match(post_id):
            raise KeyError(post_id)
        return self.root / "posts" / f"{post_id}.json"

    def state(self) -> dict[str, Any]:
        data = self._read(self._state_path(), {})
        data.setdefault("users", {})
        data.setdefault("access_tokens", {})
        data.setdefault("refresh_tokens", {})
        return data

    def save_state(self, data: dict[str, Any]) -> None:
        self._write(self._state_path(), data)

    # --- posts ------------------------------------------------------------------------------

    def get_post(self, post_id: str) -> dict[str, Any] | None:
        try:
            path = self._post_path(post_id)
        except KeyError:
            return None
        data = self._read(path, {})
        return data or None

    def save_post(self, post: dict[str, Any]) -> None:
        self._write(self._post_path(str(post["id"])), post)

    def posts(self) -> list[dict[str, Any]]:
        """Every simulated post, oldest first."""
        folder = self.root / "posts"
        if not folder.is_dir():
            return []
        found = [self._read(path, {}) for path in sorted(folder.glob("sbx*.json"))]
        return sorted((p for p in found if p), key=lambda p: (str(p.get("created_at")), p["id"]))
