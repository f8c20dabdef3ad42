"""A fake platform server on loopback: real HTTP, the platform's contract, faults on demand.

Each platform's fake (tests/fakes/<platform>.py) subclasses `FakeServer`, registers its routes
with `@route(METHOD, PATH_PREFIX)` and says how its platform spells an error (`error_response`).
The base runs a threaded HTTP server on 127.0.0.1 (random port) and offers the controls the
contract suite uses:

- `fail_next(kind, endpoint=…, times=1)`: the next matching request(s) get a fault instead of
  an answer. Kinds: "401" (token not accepted), "403", "429" (with Retry-After), "500", "503",
  "drop" (the request is read, then the connection is closed without an answer: the client
  cannot know whether it happened), "slow" (answer after `slow_s`).
- `expire_tokens()`: every access token issued so far stops working (the platform's expiry).
- `advance(seconds)`: move the fake's clock (`now()`): token ages and expiry, and how far the
  metric counters have grown (`grown_counters`).
- `processing_polls`: how many status polls a fresh upload stays "processing".
- `requests`: everything received, for assertions (method, path, headers, body size).

Nothing here imports shortops: a fake knows only the platform's published contract.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}

    def bearer(self) -> str | None:
        value = self.headers.get("authorization", "")
        return value[7:] if value.lower().startswith("bearer ") else None


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(
            status,
            json.dumps(data).encode(),
            {"Content-Type": "application/json; charset=UTF-8", **(headers or {})},
        )


@dataclass
class Fault:
    kind: str
    endpoint: str | None
    times: int


Handler = Callable[[Any, Request], Response]


def route(method: str, prefix: str) -> Callable[[Handler], Handler]:
    """Mark a FakeServer method as the handler of METHOD requests whose path starts with prefix."""

    def mark(handler: Handler) -> Handler:
        handler.__dict__["route"] = (method.upper(), prefix)
        return handler

    return mark


class FakeServer:
    platform: ClassVar[str] = "fake"

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults: list[Fault] = []
        self.requests: list[Request] = []
        self.processing_polls = 0
        self.slow_s = 2.0
        self.retry_after_s = 1
        self.clock_offset_s = 0.0
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self.routes = self._collect_routes()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval, and every test closes a fake.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    # --- what a platform fake defines -------------------------------------------------------

    def error_response(self, kind: str, request: Request) -> Response:
        """The platform's own error envelope for a fault kind ("401", "429", "500" …)."""
        status = int(kind) if kind.isdigit() else 500
        headers = {"Retry-After": str(self.retry_after_s)} if status == 429 else {}
        return Response.json({"error": kind}, status, headers)

    # --- controls ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def now(self) -> float:
        """The fake's time (epoch seconds): the real time moved by `advance`."""
        return time.time() + self.clock_offset_s

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.clock_offset_s += seconds

    def fail_next(self, kind: str, *, endpoint: str | None = None, times: int = 1) -> None:
        with self.lock:
            self.faults.append(Fault(kind, endpoint, times))

    def expire_tokens(self) -> None:
        with self.lock:
            for token in self.access_tokens.values():
                token["expires_at"] = 0.0

    def count(self, method: str, prefix: str) -> int:
        with self.lock:
            return sum(1 for r in self.requests if r.method == method and r.path.startswith(prefix))

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- tokens (most platforms share the shape) ---------------------------------------------

    def issue_tokens(
        self, subject: str, *, access_ttl_s: int, refresh_ttl_s: int
    ) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        now = self.now()
        with self.lock:
            self.access_tokens[access] = {"subject": subject, "expires_at": now + access_ttl_s}
            self.refresh_tokens[refresh] = {"subject": subject, "expires_at": now + refresh_ttl_s}
        return {"access_token": access, "refresh_token": refresh, "subject": subject}

    def token_subject(self, request: Request) -> str | None:
        """The user an access token belongs to, None when missing, unknown or expired."""
        token = request.bearer()
        with self.lock:
            entry = self.access_tokens.get(token or "")
            if entry is None or entry["expires_at"] < self.now():
                return None
            return str(entry["subject"])

    def use_refresh_token(self, token: str, *, rotate: bool) -> str | None:
        """The subject of a valid refresh token; with `rotate` the token is spent."""
        with self.lock:
            entry = self.refresh_tokens.get(token)
            if entry is None or entry["expires_at"] < self.now():
                return None
            if rotate:
                del self.refresh_tokens[token]
            return str(entry["subject"])

    # --- plumbing ---------------------------------------------------------------------------

    def _collect_routes(self) -> list[tuple[str, str, Handler]]:
        found = []
        for name in dir(type(self)):
            handler = getattr(type(self), name)
            marked = getattr(handler, "route", None)
            if marked:
                found.append((marked[0], marked[1], handler))
        # Longest prefix first, so /v2/post/publish/status/ wins over /v2/post/.
        return sorted(found, key=lambda item: -len(item[1]))

    def _take_fault(self, request: Request) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.endpoint is None or request.path.startswith(fault.endpoint):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault
        return None

    def dispatch(self, request: Request) -> Response | None:
        """The answer to `request`; None means: close the connection without one."""
        with self.lock:
            self.requests.append(request)
        fault = self._take_fault(request)
        if fault is not None:
            if fault.kind == "drop":
                return None
            if fault.kind == "slow":
                time.sleep(self.slow_s)
            else:
                return self.error_response(fault.kind, request)
        for method, prefix, handler in self.routes:
            if request.method == method and request.path.startswith(prefix):
                return handler(self, request)
        return Response.json({"error": "not_found", "path": request.path}, 404)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes; with Nagle's algorithm the second
            # waits for the client's delayed ACK (~40 ms a request).
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                return

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query={k: v[0] for k, v in parse_qs(parts.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
                response = fake.dispatch(request)
                if response is None:
                    self.close_connection = True
                    self.connection.close()
                    return
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(response.body)))
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

        return Handler


def grown_counters(post_id: str, age_s: float) -> dict[str, int]:
    """A post's cumulative counters at `age_s` seconds old: they only grow, fast at first, and
    differ from post to post (seeded by the id). The same id and age give the same numbers."""
    seed = int(hashlib.sha256(post_id.encode()).hexdigest()[:8], 16)
    hours = max(0.0, age_s) / 3600
    views = int((200 + seed % 800) * hours**0.7) + seed % 7
    return {
        "views": views,
        "likes": views * (4 + seed % 6) // 100,
        "comments": views // 60,
        "shares": views // 90,
        "saves": views // 70,
        "reach": views * 4 // 5,
        "followers_gained": views // 300,
        "watch_ms": views * (3000 + seed % 4000),
    }
