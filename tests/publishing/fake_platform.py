"""A loopback platform for the publishing engine: its fake server and its provider.

Used by the engine tests, the worker-kill fault test and benchmarks/publish_dispatch.py. Worker
processes find the provider the way they find any plug-in, through the `shortops.providers`
entry-point group: `write_plugin(directory)` writes a tiny distribution record declaring it, and a
process with that directory (and the repository root) on PYTHONPATH loads it by slug "loopback".

The platform's API (a minimal upload-then-process contract, in the style of the real ones):

    POST /oauth/token          grant_type=refresh_token → new tokens (the refresh token rotates)
    POST /v1/uploads           {"idempotency_key", "size", "title", "caption"} →
                               {"upload_id", "upload_url"}: the reference, before any byte
    PUT  /v1/uploads/{id}      the video; once every byte arrived the platform processes it
    GET  /v1/uploads/{id}      {"status": "processing" | "published" | "failed", …}

Server-side counts: `inits` (upload sessions opened per idempotency key: more than one is a
duplicate upload) and `first_init_at` (when the first one arrived, for lag figures).
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any, Literal

import httpx
from pydantic import BaseModel, ConfigDict

from shortops.providers.base import OnProgress, Provider, RecordTicket
from shortops.providers.errors import (
    AuthExpired,
    ProviderError,
    RateLimited,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.http import json_body, retry_after_seconds
from shortops.providers.types import (
    Capability,
    Failed,
    Limits,
    Pending,
    Progress,
    Published,
    PublishRequest,
    PublishState,
    Ticket,
    Tokens,
)
from tests.fakes.base import FakeServer, Request, Response, route

SLUG = "loopback"
NAME = "Loopback"
ENTRY_POINT = "tests.publishing.fake_platform:LoopbackProvider"
ACCESS_TTL_S = 3600
REFRESH_TTL_S = 30 * 24 * 3600


class LoopbackFake(FakeServer):
    platform = SLUG

    def __init__(self) -> None:
        super().__init__()
        self.inits: dict[str, int] = {}
        self.first_init_at: dict[str, float] = {}
        self.uploads: dict[str, dict[str, Any]] = {}
        # Knobs: seconds the PUT waits after reading the body before it answers; answer the
        # PUT by closing the connection after the bytes were stored; seconds between polls.
        self.upload_delay_s = 0.0
        self.drop_after_storing = False
        self.poll_after_s = 1.0
        self.receiving = threading.Semaphore(0)  # released once per PUT whose body arrived

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        handler = super()._handler_class()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm
        # and the client's delayed ACK hold every answer back ~40 ms (the benchmark would
        # measure that instead of shortops).
        handler.disable_nagle_algorithm = True
        return handler

    # --- controls ---------------------------------------------------------------------------

    def connect(self, handle: str) -> Tokens:
        issued = self.issue_tokens(handle, access_ttl_s=ACCESS_TTL_S, refresh_ttl_s=REFRESH_TTL_S)
        return Tokens(
            access_token=issued["access_token"],
            refresh_token=issued["refresh_token"],
            expires_at=None,
        )

    def duplicates(self) -> dict[str, int]:
        with self.lock:
            return {key: n for key, n in self.inits.items() if n > 1}

    def error_response(self, kind: str, request: Request) -> Response:
        status = int(kind) if kind.isdigit() else 500
        headers = {"Retry-After": str(self.retry_after_s)} if status == 429 else {}
        body = {"error": {"code": f"http_{status}", "message": f"fault {kind}"}}
        return Response.json(body, status, headers)

    # --- routes -----------------------------------------------------------------------------

    @route("POST", "/oauth/token")
    def token(self, request: Request) -> Response:
        form = request.form()
        subject = self.use_refresh_token(form.get("refresh_token", ""), rotate=True)
        if subject is None:
            return Response.json({"error": {"code": "invalid_grant", "message": "bad token"}}, 400)
        issued = self.issue_tokens(subject, access_ttl_s=ACCESS_TTL_S, refresh_ttl_s=REFRESH_TTL_S)
        return Response.json({**issued, "expires_in": ACCESS_TTL_S})

    @route("POST", "/v1/uploads")
    def init_upload(self, request: Request) -> Response:
        subject = self.token_subject(request)
        if subject is None:
            return Response.json({"error": {"code": "token_expired", "message": "expired"}}, 401)
        data = request.json()
        key = str(data.get("idempotency_key") or "")
        with self.lock:
            self.inits[key] = self.inits.get(key, 0) + 1
            self.first_init_at.setdefault(key, time.time())
            upload_id = f"up{len(self.uploads) + 1:07d}"
            self.uploads[upload_id] = {
                "key": key,
                "subject": subject,
                "size": int(data.get("size") or 0),
                "received": 0,
                "polls": 0,
            }
        return Response.json({"upload_id": upload_id, "upload_url": f"/v1/uploads/{upload_id}"})

    @route("PUT", "/v1/uploads/")
    def receive(self, request: Request) -> Response | None:
        if self.token_subject(request) is None:
            return Response.json({"error": {"code": "token_expired", "message": "expired"}}, 401)
        upload_id = request.path.rsplit("/", 1)[-1]
        size = int(request.headers.get("content-length") or 0)
        with self.lock:
            upload = self.uploads.get(upload_id)
            if upload is None:
                return Response.json({"error": {"code": "no_such_upload"}}, 404)
            upload["received"] = max(upload["received"], size)
        self.receiving.release()
        if self.upload_delay_s:
            time.sleep(self.upload_delay_s)
        if self.drop_after_storing:
            return None
        return Response.json({"received": size})

    @route("GET", "/v1/uploads/")
    def status(self, request: Request) -> Response:
        if self.token_subject(request) is None:
            return Response.json({"error": {"code": "token_expired", "message": "expired"}}, 401)
        upload_id = request.path.rsplit("/", 1)[-1]
        with self.lock:
            upload = self.uploads.get(upload_id)
            if upload is None:
                return Response.json({"error": {"code": "no_such_upload"}}, 404)
            if upload["size"] == 0 or upload["received"] < upload["size"]:
                return Response.json({"status": "failed", "reason": "upload_incomplete"})
            upload["polls"] += 1
            if upload["polls"] <= self.processing_polls:
                return Response.json({"status": "processing", "poll_after_s": self.poll_after_s})
            post_id = f"9{upload_id[2:]}"
        return Response.json(
            {
                "status": "published",
                "post_id": post_id,
                "url": f"https://loopback.example/@{upload['subject']}/video/{post_id}",
                "visibility": "public",
            }
        )


# --- the provider ---------------------------------------------------------------------------------


class LoopbackOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")

    privacy: Literal["public", "private"] = "public"


def classify(response: httpx.Response) -> ProviderError | None:
    """The loopback platform's envelope → the closed error set."""
    status = response.status_code
    if status < 400:
        return None
    error = json_body(response).get("error")
    error = error if isinstance(error, dict) else {}
    code, message = str(error.get("code") or status), str(error.get("message") or "")
    if status == 401:
        return AuthExpired(platform=NAME, platform_code=code, detail=message)
    if status == 403:
        return ReauthRequired(platform=NAME, platform_code=code, detail=message or code)
    if status == 429:
        return RateLimited(
            platform=NAME, platform_code=code, retry_after_s=retry_after_seconds(response)
        )
    if status >= 500:
        return Transient(platform=NAME, platform_code=code, detail=f"HTTP {status}")
    if code == "invalid_grant":
        return ReauthRequired(platform=NAME, platform_code=code, detail=message)
    return Rejected(platform=NAME, platform_code=code, detail=message or code)


class LoopbackProvider(Provider):
    slug = SLUG
    name = NAME
    capabilities = frozenset({Capability.publish})
    limits = Limits(max_duration_s=600, caption_max=150, title_max=100, hashtags_max=5)
    options_model = LoopbackOptions

    def _api(self, path: str) -> str:
        return self.endpoint("api", "http://127.0.0.1:9") + path

    def refresh(self, tokens: Tokens) -> Tokens:
        response = self.http.mutate(
            "POST",
            self._api("/oauth/token"),
            data={"grant_type": "refresh_token", "refresh_token": tokens.refresh_token or ""},
            classify=classify,
        )
        data = json_body(response)
        return Tokens(
            access_token=str(data["access_token"]), refresh_token=str(data["refresh_token"])
        )

    def start_publish(
        self,
        tokens: Tokens,
        request: PublishRequest,
        *,
        record: RecordTicket,
        on_progress: OnProgress | None = None,
    ) -> Ticket:
        headers = {"Authorization": f"Bearer {tokens.access_token}"}
        content = Path(request.media.path).read_bytes()
        response = self.http.mutate(
            "POST",
            self._api("/v1/uploads"),
            json={
                "idempotency_key": request.idempotency_key,
                "size": len(content),
                "title": request.title,
                "caption": request.text_with_hashtags(),
            },
            headers=headers,
            classify=classify,
        )
        data = json_body(response)
        ticket = Ticket(reference=str(data["upload_id"]), data={"size": len(content)})
        record(ticket)
        if on_progress is not None:
            on_progress(Progress(sent=0, total=len(content)))
        self.http.mutate(
            "PUT",
            self.endpoint("api", "http://127.0.0.1:9") + str(data["upload_url"]),
            content=content,
            headers={**headers, "Content-Type": request.media.content_type},
            classify=classify,
        )
        if on_progress is not None:
            on_progress(Progress(sent=len(content), total=len(content)))
        return ticket

    def check_publish(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        response = self.http.read(
            "GET",
            self._api(f"/v1/uploads/{ticket.reference}"),
            headers={"Authorization": f"Bearer {tokens.access_token}"},
            classify=classify,
        )
        data = json_body(response)
        status = data.get("status")
        if status == "published":
            return Published(
                remote_id=str(data.get("post_id") or ""),
                url=str(data.get("url") or ""),
                visibility=str(data.get("visibility") or "public"),
            )
        if status == "failed":
            return Failed(
                reason="{platform} never received the whole video, so it was not posted.",
                platform_code=str(data.get("reason") or ""),
                permanent=True,
            )
        return Pending(poll_after_s=float(data.get("poll_after_s") or 1.0))


class RenderedLoopbackProvider(LoopbackProvider):
    """The same platform, wanting a TikTok-profile rendition (tests of waiting for renders)."""

    slug = "loopback_rendered"
    name = "Loopback (rendered)"
    limits = Limits(max_duration_s=600, caption_max=150, profile_slug="tiktok")


def write_plugin(directory: Path) -> Path:
    """Declare LoopbackProvider as an installed plug-in for processes with `directory` on their
    PYTHONPATH (next to the repository root, which holds the module)."""
    info = directory / "shortops_loopback_fake-0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: shortops-loopback-fake\nVersion: 0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[shortops.providers]\n{SLUG} = {ENTRY_POINT}\n", encoding="utf-8"
    )
    return directory
