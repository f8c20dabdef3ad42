"""A fake TikTok (Login Kit v2 + Content Posting API) on loopback, after API_CONTRACTS.md §1.6.

What it emulates:

- `GET /v2/auth/authorize/`: the user approves at once: 302 to `redirect_uri?code=…&scopes=…
  &state=…`; the PKCE challenge is kept and checked at the token exchange (TikTok's flavour:
  `hex(sha256(code_verifier))`, not base64url);
- `POST /v2/oauth/token/` (form): authorization_code and refresh_token grants, refresh tokens
  rotate (the old one → `invalid_grant`), errors in TikTok's *flat* OAuth body with
  `oauth_error_status` (200 by default: community reports say TikTok answers 200);
- `POST /v2/oauth/revoke/`: the access token stops working;
- bearer check on every v2 call (401 `access_token_invalid`; 401 `scope_not_authorized` when
  the token lacks the call's scope), v2 envelope `{"data", "error": {code, message, log_id}}`;
- `GET /v2/user/info/?fields=…`: only the asked fields, each needing its scope;
- `POST /v2/post/publish/creator_info/query/`: configurable privacy options, longest video,
  switched-off interactions;
- `POST /v2/post/publish/video/init/` and `…/inbox/video/init/`: FILE_UPLOAD chunk maths checked
  (400 `invalid_param`), privacy checked against the options (400
  `privacy_level_option_mismatch`), policy switches (unaudited: SELF_ONLY only, 5 users a day;
  daily post cap; 5 pending inbox drafts), 6 inits a minute per token (429);
- `PUT /upload/?upload_id=…&upload_token=…`: sequential `Content-Range` (416 otherwise),
  `Content-Length` and MIME checked, 206 per chunk and 201 at the end, 404 after the link's TTL;
- `POST /v2/post/publish/status/fetch/`: PROCESSING_UPLOAD while bytes are missing and for
  `processing_polls` polls after, then FAILED (`fail_reason`), SEND_TO_USER_INBOX (inbox) or
  PUBLISH_COMPLETE; `publicaly_available_post_id` (sic) only for public posts, after
  `moderation_polls` more polls.

Chunk limits are read strictly ("5 MB" = 5 MiB, "64 MB" = 64 000 000 bytes, "128 MB" =
128 000 000 bytes), so a plan the fake accepts holds under either reading of TikTok's "MB".
"""

from __future__ import annotations

import hashlib
import re
import secrets
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.fakes.base import FakeServer, Request, Response, route

MIN_CHUNK = 5 * 1024 * 1024
MAX_CHUNK = 64_000_000
MAX_FINAL_CHUNK = 128_000_000
MAX_CHUNKS = 1000
UPLOAD_TYPES = ("video/mp4", "video/quicktime", "video/webm")
PRIVACY_LEVELS = ["PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"]
ALL_SCOPES = (
    "user.info.basic",
    "user.info.profile",
    "user.info.stats",
    "video.list",
    "video.upload",
    "video.publish",
)
FIELD_SCOPES = {
    **dict.fromkeys(
        ("open_id", "union_id", "avatar_url", "avatar_url_100", "avatar_large_url", "display_name"),
        "user.info.basic",
    ),
    **dict.fromkeys(
        ("bio_description", "profile_deep_link", "is_verified", "username"), "user.info.profile"
    ),
    **dict.fromkeys(
        ("follower_count", "following_count", "likes_count", "video_count"), "user.info.stats"
    ),
}
DAY_S = 24 * 3600
RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")


def plan_problems(size: int, chunk_size: int, count: int) -> list[str]:
    """Every documented chunk rule a declared FILE_UPLOAD plan breaks (empty: acceptable)."""
    if size <= 0 or chunk_size <= 0 or count <= 0:
        return ["video_size, chunk_size and total_chunk_count must be positive"]
    problems: list[str] = []
    if not 1 <= count <= MAX_CHUNKS:
        problems.append(f"total_chunk_count must be 1..{MAX_CHUNKS}")
    if size < MIN_CHUNK:
        if chunk_size != size or count != 1:
            problems.append("a video under 5 MB is sent whole: chunk_size = video_size")
        return problems
    if count != size // chunk_size:
        problems.append("total_chunk_count must be floor(video_size / chunk_size)")
    if chunk_size < MIN_CHUNK:
        problems.append("chunk_size must be at least 5 MB")
    if chunk_size > MAX_CHUNK:
        problems.append("chunk_size must be at most 64 MB")
    if size > MAX_CHUNK and count < 2:
        problems.append("a video over 64 MB must be sent in several chunks")
    if size - (count - 1) * chunk_size > MAX_FINAL_CHUNK:
        problems.append("the last chunk must be at most 128 MB")
    return problems


def pkce_hex(verifier: str) -> str:
    return hashlib.sha256(verifier.encode()).hexdigest()


@dataclass
class Publish:
    publish_id: str
    open_id: str
    mode: str  # "direct" | "inbox"
    post_info: dict[str, Any]
    video_size: int
    chunk_size: int
    chunk_count: int
    upload_id: str
    upload_token: str
    issued_at: float
    ttl_s: float
    processing_left: int
    moderation_left: int
    fail_reason: str | None
    received: int = 0
    chunks_received: int = 0
    content_types: list[str] = field(default_factory=list)
    sha256: Any = field(default_factory=hashlib.sha256)
    complete: bool = False
    status: str = "PROCESSING_UPLOAD"
    post_id: str | None = None
    live: bool = False

    @property
    def privacy(self) -> str:
        return str(self.post_info.get("privacy_level") or "")

    def expected_range(self) -> tuple[int, int]:
        first = self.chunks_received * self.chunk_size
        last = (
            self.video_size - 1
            if self.chunks_received == self.chunk_count - 1
            else first + self.chunk_size - 1
        )
        return first, last


class FakeTikTok(FakeServer):
    platform = "tiktok"

    def __init__(
        self,
        *,
        client_key: str = "fake-client-key",
        client_secret: str = "fake-client-secret",
        redirect_uris: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.server.handle_error = self._handle_error  # type: ignore[method-assign]
        # The app registration.
        self.client_key = client_key
        self.client_secret = client_secret
        self.redirect_uris = set(redirect_uris)  # empty: any
        self.approved_scopes = set(ALL_SCOPES)  # scopes the app may ask for
        self.user_grants: set[str] | None = None  # None: the user grants all that is asked
        # Tokens.
        self.access_ttl_s = 86_400
        self.refresh_ttl_s = 31_536_000
        self.oauth_error_status = 200
        # The one creator signing in.
        self.user: dict[str, Any] = {
            "open_id": "open-id-1",
            "union_id": "union-id-1",
            "avatar_url": "https://p16.example/avatar.jpg",
            "display_name": "Hook Lab",
            "username": "hooklab",
        }
        # creator_info/query.
        self.privacy_options = list(PRIVACY_LEVELS)
        self.max_duration_s = 600
        self.comment_disabled = False
        self.duet_disabled = False
        self.stitch_disabled = False
        # Policy switches.
        self.unaudited = False
        self.unaudited_user_cap = 5
        self.daily_post_cap: int | None = None
        self.pending_share_cap = 5
        self.forbidden_code = "spam_risk_too_many_posts"  # what fail_next("403") answers
        # Publishing.
        self.upload_url_ttl_s = 3600.0
        self.moderation_polls = 0
        self.fail_reason: str | None = None  # the next publishes end FAILED with this
        self.ids_for_private_posts = False
        # Chunk index → HTTP status answered once for that chunk (after reading it).
        self.chunk_faults: dict[int, int] = {}
        self.rate_limits = {"init": 6, "status": 30, "creator_info": 20, "user_info": 600}
        # State.
        self.codes: dict[str, dict[str, Any]] = {}
        self.authorizations: list[dict[str, str]] = []
        self.token_scopes: dict[str, tuple[str, ...]] = {}
        self.publishes: dict[str, Publish] = {}
        self.revoked: list[str] = []
        self._hits: dict[tuple[str, str], list[float]] = {}
        self._serial = 0

    # --- controls ---------------------------------------------------------------------------

    def set_unaudited(self) -> None:
        """An app whose audit is pending: creators are offered SELF_ONLY and nothing else."""
        with self.lock:
            self.unaudited = True
            self.privacy_options = ["SELF_ONLY"]

    def _handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request (the tests make some) is not a server error."""
        if isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            return
        type(self.server).handle_error(self.server, request, client_address)

    def close(self) -> None:
        """Stop at once: serve_forever only notices a shutdown between 0.5 s polls, so a
        connection wakes it (saves half a second per test)."""
        closing = threading.Thread(target=super().close)
        closing.start()
        host, port = self.server.server_address[:2]
        while closing.is_alive():
            try:
                socket.create_connection((str(host), int(port)), timeout=0.2).close()
            except OSError:
                break
            closing.join(0.01)
        closing.join()

    def inits(self) -> int:
        """Publishes created (init calls TikTok accepted)."""
        with self.lock:
            return len(self.publishes)

    def live_post_ids(self) -> list[str]:
        with self.lock:
            return [p.post_id for p in self.publishes.values() if p.live and p.post_id]

    def only_publish(self) -> Publish:
        with self.lock:
            assert len(self.publishes) == 1, list(self.publishes)
            return next(iter(self.publishes.values()))

    def content_ranges(self) -> list[str]:
        with self.lock:
            return [
                r.headers.get("content-range", "")
                for r in self.requests
                if r.method == "PUT" and r.path.startswith("/upload/")
            ]

    # --- envelopes --------------------------------------------------------------------------

    def _next(self) -> int:
        with self.lock:
            self._serial += 1
            return self._serial

    def log_id(self) -> str:
        return f"2025010112000{self._next():06d}ABCDEF"

    def ok(self, data: dict[str, Any]) -> Response:
        return Response.json({"data": data, "error": self._error("ok", "")})

    def api_error(
        self, status: int, code: str, message: str = "", headers: dict[str, str] | None = None
    ) -> Response:
        return Response.json({"data": {}, "error": self._error(code, message)}, status, headers)

    def oauth_error(self, code: str, description: str, status: int | None = None) -> Response:
        body = {"error": code, "error_description": description, "log_id": self.log_id()}
        return Response.json(body, status or self.oauth_error_status)

    def _error(self, code: str, message: str) -> dict[str, str]:
        return {"code": code, "message": message, "log_id": self.log_id()}

    def error_response(self, kind: str, request: Request) -> Response:
        status = int(kind) if kind.isdigit() else 500
        headers = {"Retry-After": str(self.retry_after_s)} if status == 429 else {}
        if request.path.startswith("/v2/oauth/"):
            code = {429: "rate_limit_exceeded", 401: "invalid_client"}.get(status, "server_error")
            response = self.oauth_error(code, f"fault {kind}", status)
            response.headers.update(headers)
            return response
        code = {
            401: "access_token_invalid",
            403: self.forbidden_code,
            429: "rate_limit_exceeded",
        }.get(status, "internal_error" if status >= 500 else "invalid_params")
        return self.api_error(status, code, f"fault {kind}", headers)

    # --- checks -----------------------------------------------------------------------------

    def _authorized(self, request: Request, *scopes: str) -> tuple[str, str] | Response:
        """(open_id, token) of the caller, or the error answer. Any one of `scopes` will do."""
        subject = self.token_subject(request)
        token = request.bearer() or ""
        if subject is None:
            return self.api_error(
                401, "access_token_invalid", "The access token is invalid or not found."
            )
        granted = self.token_scopes.get(token, ())
        if scopes and not any(scope in granted for scope in scopes):
            return self.api_error(
                401,
                "scope_not_authorized",
                f"The user did not authorize the scope required for this call: {scopes[0]}.",
            )
        return subject, token

    def _limited(self, token: str, bucket: str) -> Response | None:
        limit = self.rate_limits.get(bucket)
        now = time.time()
        with self.lock:
            hits = [t for t in self._hits.get((token, bucket), []) if now - t < 60]
            if limit is not None and len(hits) >= limit:
                self._hits[(token, bucket)] = hits
                return self.api_error(
                    429, "rate_limit_exceeded", "The API rate limit was exceeded."
                )
            hits.append(now)
            self._hits[(token, bucket)] = hits
        return None

    # --- OAuth ------------------------------------------------------------------------------

    @route("GET", "/v2/auth/authorize/")
    def authorize(self, request: Request) -> Response:
        q = request.query
        self.authorizations.append(dict(q))
        redirect_uri = q.get("redirect_uri", "")
        if q.get("client_key") != self.client_key:
            return Response.json({"error": "client_key"}, 400)
        if not redirect_uri or (self.redirect_uris and redirect_uri not in self.redirect_uris):
            return Response.json({"error": "redirect_uri"}, 400)
        if q.get("response_type") != "code":
            return Response.json({"error": "response_type"}, 400)
        challenge, method = q.get("code_challenge", ""), q.get("code_challenge_method", "")
        if challenge and method != "S256":
            return Response.json({"error": "code_challenge_method"}, 400)
        state = q.get("state", "")
        asked = [s for s in q.get("scope", "").split(",") if s]
        if not asked or any(s not in self.approved_scopes for s in asked):
            return self._redirect(redirect_uri, error="invalid_scope", state=state)
        granted = [s for s in asked if self.user_grants is None or s in self.user_grants]
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = {
                "challenge": challenge,
                "redirect_uri": redirect_uri,
                "scopes": tuple(granted),
                "open_id": self.user["open_id"],
            }
        return self._redirect(redirect_uri, code=code, scopes=",".join(granted), state=state)

    @staticmethod
    def _redirect(uri: str, **params: str) -> Response:
        joiner = "&" if "?" in uri else "?"
        return Response(302, b"", {"Location": uri + joiner + urlencode(params)})

    @route("POST", "/v2/oauth/token/")
    def token(self, request: Request) -> Response:
        form = request.form()
        if form.get("client_key") != self.client_key or (
            form.get("client_secret") != self.client_secret
        ):
            return self.oauth_error("invalid_client", "Client key or secret is incorrect.")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            with self.lock:
                entry = self.codes.pop(form.get("code", ""), None)
            if entry is None:
                return self.oauth_error("invalid_grant", "Authorization code is expired.")
            if form.get("redirect_uri") != entry["redirect_uri"]:
                return self.oauth_error("invalid_request", "Redirect URI does not match.")
            if entry["challenge"] and pkce_hex(form.get("code_verifier", "")) != entry["challenge"]:
                return self.oauth_error(
                    "invalid_request", "Code verifier or code challenge is invalid."
                )
            subject, scopes = str(entry["open_id"]), tuple(entry["scopes"])
        elif grant == "refresh_token":
            old = form.get("refresh_token", "")
            found = self.use_refresh_token(old, rotate=True)
            if found is None:
                return self.oauth_error("invalid_grant", "Refresh token is invalid or expired.")
            with self.lock:
                subject, scopes = found, self.token_scopes.pop(old, ())
        else:
            return self.oauth_error("unsupported_grant_type", f"grant_type {grant!r}")
        issued = self.issue_tokens(
            subject, access_ttl_s=self.access_ttl_s, refresh_ttl_s=self.refresh_ttl_s
        )
        with self.lock:
            self.token_scopes[issued["access_token"]] = scopes
            self.token_scopes[issued["refresh_token"]] = scopes
        return Response.json(
            {
                "access_token": issued["access_token"],
                "expires_in": self.access_ttl_s,
                "open_id": subject,
                "refresh_expires_in": self.refresh_ttl_s,
                "refresh_token": issued["refresh_token"],
                "scope": ",".join(scopes),
                "token_type": "Bearer",
            }
        )

    @route("POST", "/v2/oauth/revoke/")
    def revoke(self, request: Request) -> Response:
        form = request.form()
        if form.get("client_key") != self.client_key:
            return self.oauth_error("invalid_client", "Client key or secret is incorrect.")
        token = form.get("token", "")
        with self.lock:
            self.access_tokens.pop(token, None)
            self.revoked.append(token)
        return Response.json({})

    # --- Display: user info -----------------------------------------------------------------

    @route("GET", "/v2/user/info/")
    def user_info(self, request: Request) -> Response:
        caller = self._authorized(request, "user.info.basic")
        if isinstance(caller, Response):
            return caller
        limited = self._limited(caller[1], "user_info")
        if limited is not None:
            return limited
        fields = [f for f in request.query.get("fields", "").split(",") if f]
        unknown = [f for f in fields if f not in FIELD_SCOPES]
        if not fields or unknown:
            return self.api_error(400, "invalid_params", f"Unknown fields: {unknown}")
        granted = self.token_scopes.get(caller[1], ())
        for name in fields:
            if FIELD_SCOPES[name] not in granted:
                return self.api_error(
                    401, "scope_not_authorized", f"The field {name} needs {FIELD_SCOPES[name]}."
                )
        return self.ok({"user": {name: self.user.get(name) for name in fields}})

    # --- Content Posting --------------------------------------------------------------------

    @route("POST", "/v2/post/publish/creator_info/query/")
    def creator_info(self, request: Request) -> Response:
        caller = self._authorized(request, "video.publish")
        if isinstance(caller, Response):
            return caller
        limited = self._limited(caller[1], "creator_info")
        if limited is not None:
            return limited
        if self._daily_cap_reached(caller[0]):
            return self.api_error(403, "spam_risk_too_many_posts", "Daily post cap reached.")
        return self.ok(
            {
                "creator_avatar_url": self.user["avatar_url"],
                "creator_username": self.user["username"],
                "creator_nickname": self.user["display_name"],
                "privacy_level_options": list(self.privacy_options),
                "comment_disabled": self.comment_disabled,
                "duet_disabled": self.duet_disabled,
                "stitch_disabled": self.stitch_disabled,
                "max_video_post_duration_sec": self.max_duration_s,
            }
        )

    @route("POST", "/v2/post/publish/video/init/")
    def init_direct(self, request: Request) -> Response:
        return self._init(request, mode="direct")

    @route("POST", "/v2/post/publish/inbox/video/init/")
    def init_inbox(self, request: Request) -> Response:
        return self._init(request, mode="inbox")

    def _init(self, request: Request, *, mode: str) -> Response:
        scope = "video.publish" if mode == "direct" else "video.upload"
        caller = self._authorized(request, scope)
        if isinstance(caller, Response):
            return caller
        open_id, token = caller
        limited = self._limited(token, "init")
        if limited is not None:
            return limited
        body = request.json()
        source = body.get("source_info")
        if not isinstance(source, dict):
            return self.api_error(400, "invalid_param", "source_info is required.")
        if source.get("source") == "PULL_FROM_URL":
            return self.api_error(403, "url_ownership_unverified", "Unverified URL prefix.")
        if source.get("source") != "FILE_UPLOAD":
            return self.api_error(400, "invalid_param", "source must be FILE_UPLOAD.")
        numbers = [source.get(k) for k in ("video_size", "chunk_size", "total_chunk_count")]
        ints = [n for n in numbers if isinstance(n, int) and not isinstance(n, bool)]
        if len(ints) != 3:
            return self.api_error(400, "invalid_param", "video_size/chunk_size/count: integers.")
        size, chunk, count = ints
        problems = plan_problems(size, chunk, count)
        if problems:
            return self.api_error(400, "invalid_param", "; ".join(problems))
        post_info: dict[str, Any] = {}
        if mode == "direct":
            refused = self._check_post_info(body.get("post_info"))
            if isinstance(refused, Response):
                return refused
            post_info = refused
        refused_policy = self._check_policy(open_id, mode)
        if refused_policy is not None:
            return refused_policy
        serial = self._next()
        publish = Publish(
            publish_id=f"v_pub_file~v2-1.{7_300_000_000_000_000_000 + serial}",
            open_id=open_id,
            mode=mode,
            post_info=post_info,
            video_size=size,
            chunk_size=chunk,
            chunk_count=count,
            upload_id=f"up{serial}",
            upload_token=secrets.token_urlsafe(12),
            issued_at=time.time(),
            ttl_s=self.upload_url_ttl_s,
            processing_left=self.processing_polls,
            moderation_left=self.moderation_polls,
            fail_reason=self.fail_reason,
        )
        with self.lock:
            self.publishes[publish.publish_id] = publish
        query = urlencode({"upload_id": publish.upload_id, "upload_token": publish.upload_token})
        return self.ok(
            {"publish_id": publish.publish_id, "upload_url": f"{self.url}/upload/?{query}"}
        )

    def _check_post_info(self, post_info: Any) -> dict[str, Any] | Response:
        if not isinstance(post_info, dict):
            return self.api_error(400, "invalid_param", "post_info is required.")
        privacy = post_info.get("privacy_level")
        if privacy not in PRIVACY_LEVELS:
            return self.api_error(400, "invalid_param", "privacy_level is required.")
        if self.unaudited and privacy != "SELF_ONLY":
            return self.api_error(
                403,
                "unaudited_client_can_only_post_to_private_accounts",
                "Unaudited clients can only post to private accounts.",
            )
        if privacy not in self.privacy_options:
            return self.api_error(
                400, "privacy_level_option_mismatch", "privacy_level is not an option."
            )
        title = post_info.get("title", "")
        if not isinstance(title, str) or len(title.encode("utf-16-le")) // 2 > 2200:
            return self.api_error(400, "invalid_param", "title: at most 2200 UTF-16 units.")
        for name in ("disable_comment", "disable_duet", "disable_stitch"):
            value = post_info.get(name, False)
            if not isinstance(value, bool):
                return self.api_error(400, "invalid_param", f"{name} must be a boolean.")
        return dict(post_info)

    def _check_policy(self, open_id: str, mode: str) -> Response | None:
        now = time.time()
        with self.lock:
            recent = [p for p in self.publishes.values() if now - p.issued_at < DAY_S]
        if self.unaudited:
            posters = {p.open_id for p in recent}
            if open_id not in posters and len(posters) >= self.unaudited_user_cap:
                return self.api_error(403, "reached_active_user_cap", "Daily user cap reached.")
        if mode == "inbox":
            pending = [
                p
                for p in recent
                if p.open_id == open_id and p.mode == "inbox" and p.status != "PUBLISH_COMPLETE"
            ]
            if len(pending) >= self.pending_share_cap:
                return self.api_error(
                    403, "spam_risk_too_many_pending_share", "Too many pending shares."
                )
        elif self._daily_cap_reached(open_id):
            return self.api_error(403, "spam_risk_too_many_posts", "Daily post cap reached.")
        return None

    def _daily_cap_reached(self, open_id: str) -> bool:
        if self.daily_post_cap is None:
            return False
        now = time.time()
        with self.lock:
            posts = [
                p
                for p in self.publishes.values()
                if p.open_id == open_id and p.mode == "direct" and now - p.issued_at < DAY_S
            ]
        return len(posts) >= self.daily_post_cap

    @route("PUT", "/upload/")
    def upload(self, request: Request) -> Response:
        upload_id = request.query.get("upload_id", "")
        with self.lock:
            found = [p for p in self.publishes.values() if p.upload_id == upload_id]
        publish = found[0] if found else None
        if publish is None or request.query.get("upload_token") != publish.upload_token:
            return self.api_error(404, "invalid_params", "Unknown upload.")
        if time.time() - publish.issued_at >= publish.ttl_s:
            return self.api_error(404, "invalid_params", "The upload URL has expired.")
        content_type = request.headers.get("content-type", "")
        if content_type not in UPLOAD_TYPES:
            return self.api_error(400, "invalid_file_upload", f"MIME type {content_type!r}.")
        match = RANGE.match(request.headers.get("content-range", ""))
        with self.lock:
            if publish.complete or match is None:
                return self.api_error(416, "invalid_params", "Bad or missing Content-Range.")
            first, last, total = (int(g) for g in match.groups())
            if (first, last) != publish.expected_range() or total != publish.video_size:
                return self.api_error(
                    416,
                    "invalid_params",
                    f"Expected bytes {publish.expected_range()}/{publish.video_size}.",
                )
            fault = self.chunk_faults.pop(publish.chunks_received, None)
            if fault is not None:
                return self.api_error(fault, "internal_error", "chunk fault")
            declared = int(request.headers.get("content-length") or -1)
            if declared != len(request.body) or declared != last - first + 1:
                return self.api_error(400, "invalid_file_upload", "Content-Length mismatch.")
            publish.received += len(request.body)
            publish.chunks_received += 1
            publish.content_types.append(content_type)
            publish.sha256.update(request.body)
            if publish.chunks_received < publish.chunk_count:
                return Response(206, b"")
            publish.complete = True
        return Response(201, b"")

    @route("POST", "/v2/post/publish/status/fetch/")
    def status_fetch(self, request: Request) -> Response:
        caller = self._authorized(request, "video.publish", "video.upload")
        if isinstance(caller, Response):
            return caller
        limited = self._limited(caller[1], "status")
        if limited is not None:
            return limited
        publish_id = request.json().get("publish_id")
        with self.lock:
            publish = self.publishes.get(str(publish_id))
            if publish is None or publish.open_id != caller[0]:
                return self.api_error(400, "invalid_params", "Unknown publish_id.")
            data = self._advance(publish)
        return self.ok(data)

    def _advance(self, p: Publish) -> dict[str, Any]:
        """One status poll: move the publish along its state machine and describe it."""
        data: dict[str, Any] = {"uploaded_bytes": p.received}
        if not p.complete:
            data["status"] = "PROCESSING_UPLOAD"
            return data
        if p.status == "PROCESSING_UPLOAD":
            if p.processing_left > 0:
                p.processing_left -= 1
                data["status"] = "PROCESSING_UPLOAD"
                return data
            if p.fail_reason:
                p.status = "FAILED"
            elif p.mode == "inbox":
                p.status = "SEND_TO_USER_INBOX"
            else:
                p.status = "PUBLISH_COMPLETE"
                p.post_id = str(7_400_000_000_000_000_000 + self._next())
                p.live = True
        data["status"] = p.status
        if p.status == "FAILED":
            data["fail_reason"] = p.fail_reason
        if p.status == "PUBLISH_COMPLETE":
            shows_id = p.privacy == "PUBLIC_TO_EVERYONE" or self.ids_for_private_posts
            if p.moderation_left > 0:
                p.moderation_left -= 1
            elif shows_id:
                data["publicaly_available_post_id"] = [int(p.post_id or 0)]
        return data
