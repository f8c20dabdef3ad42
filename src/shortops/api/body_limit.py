"""A size limit on every request body, enforced while it streams in, before anything parses it.

Without it a 300 MB JSON body is read and parsed before the token is even checked. Each kind of
route has its own limit: forms and JSON are small, export imports can be hundreds of megabytes,
video arrives in resumable chunks. A declared Content-Length over the limit is refused at once,
without reading a byte; a body that streams past it is cut off and answered the same way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shortops.errors import RequestTooLarge
from shortops.kit.sizes import human_size
from shortops.media.upload import MAX_CHUNK_SIZE

# Export files: a year of a big channel's data zipped; the CLI accepts the same.
MAX_IMPORT_BYTES = 512 * 1024 * 1024
_CHUNK_SLACK = 64 * 1024

_UPLOAD_CHUNK = re.compile(r"^(/api/v1/workspaces/\d+/uploads/[^/]+|/produce/uploads/[^/]+)$")
_IMPORT = re.compile(
    r"^(/api/v1/workspaces/\d+/metrics/imports|/measure/import"
    r"|/api/v1/workspaces/\d+/metrics/competitors/[^/]+/imports"
    r"|/measure/competitors/[^/]+/import)$"
)


def limit_for(method: str, path: str, *, default: int) -> int:
    """The largest body accepted for this route."""
    if method == "PUT" and _UPLOAD_CHUNK.match(path):
        return MAX_CHUNK_SIZE + _CHUNK_SLACK
    if method == "POST" and _IMPORT.match(path):
        return MAX_IMPORT_BYTES
    return default


class BodyLimit:
    """ASGI middleware; install inside the session middleware so error pages know the user."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default_limit: int,
        render: Callable[[Request, Exception], Any],
    ) -> None:
        self.app = app
        self.default_limit = default_limit
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = limit_for(scope["method"], scope["path"], default=self.default_limit)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, send, limit)
            return
        received = 0
        exceeded = False
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    # A ShortopsError, so the app handles it quietly; its answer is replaced.
                    raise RequestTooLarge(limit=human_size(limit))
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if exceeded:
                return  # whatever the app made of the cut-off body is replaced by the 413
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not response_started:
            await self._refuse(scope, send, limit)

    async def _refuse(self, scope: Scope, send: Send, limit: int) -> None:
        async def no_body() -> Message:
            return {"type": "http.disconnect"}

        request = Request(scope, no_body)
        response = self.render(request, RequestTooLarge(limit=human_size(limit)))
        response.headers["Connection"] = "close"
        await response(scope, no_body, send)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None
