"""A fake Kuaishou open platform (快手开放平台) on loopback, after API_CONTRACTS.md §5.1.

What it emulates (field-level details are community-reported, see the contract notes):

- `GET /oauth2/authorize`: the user approves at once: 302 to `redirect_uri?code=…&state=…`;
- `GET /oauth2/access_token` and `GET /oauth2/refresh_token` (app id and secret in the query):
  refresh tokens rotate (the old one stops working) and the new one **inherits** the old one's
  expiry; answers `{"result": 1, "access_token", "expires_in", "refresh_token",
  "refresh_token_expires_in", "open_id", "scopes": […]}`;
- the `result` envelope on every answer: 1 is success, anything else an error code with
  `error_msg` (HTTP 200 by default, `error_http_status`; injected faults use their status);
- `access_token` + `app_id` query checks on every `/openapi/` call (100200108 expired or
  unknown token, 100200101 wrong app, 100200106 missing scope — that last one unconfirmed);
- `GET /openapi/user_info`: name, sex, fan, follow, head, bigHead, city (no open id);
- `POST /openapi/photo/start_upload`: an upload token and this server's `host:port` as the
  endpoint;
- the three upload modes on the endpoint: whole file `POST /api/upload` (binary body) or
  `POST /api/upload/multipart` (form field `file`); fragments `POST /api/upload/fragment`
  (`fragment_id` from 0), `GET /api/upload/resume` (what arrived: shape unconfirmed) and
  `POST /api/upload/complete` (`fragment_count` must match what arrived, byte accounting exact);
- `POST /openapi/photo/publish` (multipart): needs a completed upload, the `cover` image file
  and the caption; an upload token posts once; answers `video_info` with `pending: true`;
- `GET /openapi/photo/info`: `pending` for `processing_polls` polls, then the post is live;
- `GET /openapi/photo/list`: the account's posts, newest first.
"""

from __future__ import annotations

import hashlib
import secrets
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.fakes.base import FakeServer, Request, Response, route

ALL_SCOPES = ("user_info", "user_video_publish", "user_video_info")
# The error codes this fake answers with (the community copy of Kuaishou's code table).
PARAM_INVALID = 100200100
CLIENT_INVALID = 100200101
REQUEST_REJECTED = 100200102
CODE_INVALID = 100200105
SCOPE_INVALID = 100200106  # unconfirmed that Kuaishou answers a missing scope this way
ACCESS_TOKEN_EXPIRED = 100200108
REFRESH_TOKEN_EXPIRED = 100200113
REQUEST_LIMIT = 100100402
SERVER_ERROR = 100200500
VIDEO_NOT_FOUND = 100120001
VIDEO_NOT_UPLOADED = 100120002


def parse_multipart(request: Request) -> dict[str, tuple[str | None, bytes]]:
    """A multipart/form-data body as {field: (filename, bytes)} (stdlib only, for the fakes)."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return {}
    boundary = ""
    for param in content_type.split(";")[1:]:
        key, _, value = param.strip().partition("=")
        if key.lower() == "boundary":
            boundary = value.strip('"')
    if not boundary:
        return {}
    fields: dict[str, tuple[str | None, bytes]] = {}
    delimiter = b"--" + boundary.encode()
    for chunk in request.body.split(delimiter)[1:]:
        if chunk.startswith(b"--"):
            break
        head, _, content = chunk.removeprefix(b"\r\n").partition(b"\r\n\r\n")
        content = content.removesuffix(b"\r\n")
        name, filename = None, None
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                for part in line.split(";")[1:]:
                    key, _, value = part.strip().partition("=")
                    if key == "name":
                        name = value.strip('"')
                    elif key == "filename":
                        filename = value.strip('"')
        if name is not None:
            fields[name] = (filename, content)
    return fields


@dataclass
class Session:
    """One start_upload: the bytes that arrived for its upload token."""

    upload_token: str
    open_id: str
    issued_at: float
    whole: bytes | None = None
    fragments: dict[int, bytes] = field(default_factory=dict)
    complete: bool = False
    size: int = 0
    sha256: str = ""
    photo_id: str | None = None

    def received(self) -> int:
        return len(self.whole or b"") + sum(len(f) for f in self.fragments.values())


@dataclass
class Photo:
    photo_id: str
    open_id: str
    caption: str
    cover: bytes
    cover_type: str
    size: int
    sha256: str
    create_time_ms: int
    processing_left: int
    pending: bool = True

    @property
    def live(self) -> bool:
        return not self.pending

    def info(self) -> dict[str, Any]:
        return {
            "photo_id": self.photo_id,
            "caption": self.caption,
            "cover": f"https://p2.a.yximgs.com/upic/{self.photo_id}.jpg",
            "play_url": f"https://txmov2.a.yximgs.com/upic/{self.photo_id}.mp4",
            "create_time": self.create_time_ms,
            "like_count": 0,
            "comment_count": 0,
            "view_count": 0,
            "pending": self.pending,
        }


class FakeKuaishou(FakeServer):
    platform = "kuaishou"

    def __init__(
        self,
        *,
        app_id: str = "ks-fake-app",
        app_secret: str = "ks-fake-secret",
        redirect_uris: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.server.handle_error = self._handle_error  # type: ignore[method-assign]
        self.app_id = app_id
        self.app_secret = app_secret
        self.redirect_uris = set(redirect_uris)  # empty: any
        self.user_grants: set[str] | None = None  # None: the user grants all that is asked
        # Lifetimes "are not fixed, read them from the answer" (examples: 3600 s, 648 000 s).
        self.access_ttl_s = 3600
        self.refresh_ttl_s = 648_000
        self.error_http_status = 200  # unconfirmed: the HTTP status of a `result` error
        self.forbidden_code = REQUEST_LIMIT  # what fail_next("403") answers
        self.user: dict[str, Any] = {
            "open_id": "ks-open-id-1",
            "name": "钩子实验室 Hook Lab",
            "sex": "F",
            "fan": 1200,
            "follow": 30,
            "head": "https://p1.a.yximgs.com/head.jpg",
            "bigHead": "https://p1.a.yximgs.com/bighead.jpg",
            "city": "上海",
        }
        self.codes: dict[str, dict[str, Any]] = {}
        self.authorizations: list[dict[str, str]] = []
        self.token_scopes: dict[str, tuple[str, ...]] = {}
        self.sessions: dict[str, Session] = {}
        self.photos: dict[str, Photo] = {}

    # --- controls and views -----------------------------------------------------------------

    def _handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request (the tests make some) is not a server error."""
        if isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            return
        type(self.server).handle_error(self.server, request, client_address)

    @property
    def endpoint_host(self) -> str:
        """What start_upload names as the upload endpoint: host:port, no scheme (as Kuaishou)."""
        host, port = self.server.server_address[:2]
        return f"{host!s}:{port}"

    def uploads(self) -> int:
        """Upload sessions Kuaishou handed out (start_upload calls it accepted)."""
        with self.lock:
            return len(self.sessions)

    def live_photo_ids(self) -> list[str]:
        with self.lock:
            return [p.photo_id for p in self.photos.values() if p.live]

    def only_photo(self) -> Photo:
        with self.lock:
            assert len(self.photos) == 1, list(self.photos)
            return next(iter(self.photos.values()))

    # --- envelopes --------------------------------------------------------------------------

    @staticmethod
    def ok(**fields: Any) -> Response:
        return Response.json({"result": 1, **fields})

    def error(self, code: int, message: str, status: int | None = None) -> Response:
        body = {"result": code, "error_msg": message}
        return Response.json(body, status or self.error_http_status)

    def error_response(self, kind: str, request: Request) -> Response:
        status = int(kind) if kind.isdigit() else 500
        code = {
            401: ACCESS_TOKEN_EXPIRED,
            403: self.forbidden_code,
            429: REQUEST_LIMIT,
        }.get(status, SERVER_ERROR if status >= 500 else PARAM_INVALID)
        headers = {"Retry-After": str(self.retry_after_s)} if status == 429 else {}
        return Response.json({"result": code, "error_msg": f"fault {kind}"}, status, headers)

    # --- checks -----------------------------------------------------------------------------

    def _caller(self, request: Request, scope: str) -> str | Response:
        """The open id behind the query's access_token, or the error answer."""
        if request.query.get("app_id") != self.app_id:
            return self.error(CLIENT_INVALID, "无效的client")
        token = request.query.get("access_token", "")
        with self.lock:
            entry = self.access_tokens.get(token)
            if entry is None or entry["expires_at"] < time.time():
                return self.error(ACCESS_TOKEN_EXPIRED, "access_token过期")
            if scope not in self.token_scopes.get(token, ()):
                return self.error(SCOPE_INVALID, f"scope {scope} 未授权")
            return str(entry["subject"])

    def _session(self, request: Request) -> Session | Response:
        with self.lock:
            session = self.sessions.get(request.query.get("upload_token", ""))
        if session is None:
            return self.error(PARAM_INVALID, "upload_token 无效")
        return session

    # --- OAuth ------------------------------------------------------------------------------

    @route("GET", "/oauth2/authorize")
    def authorize(self, request: Request) -> Response:
        q = request.query
        self.authorizations.append(dict(q))
        redirect_uri = q.get("redirect_uri", "")
        if q.get("app_id") != self.app_id:
            return self.error(CLIENT_INVALID, "app_id", 400)
        if not redirect_uri or (self.redirect_uris and redirect_uri not in self.redirect_uris):
            return self.error(CLIENT_INVALID, "redirect_uri", 400)
        if q.get("response_type") != "code":
            return self.error(100200103, "response_type", 400)
        asked = [s for s in q.get("scope", "").split(",") if s]
        if not asked or any(s not in ALL_SCOPES for s in asked):
            return self.error(SCOPE_INVALID, "scope", 400)
        granted = [s for s in asked if self.user_grants is None or s in self.user_grants]
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = {"scopes": tuple(granted), "open_id": self.user["open_id"]}
        query = urlencode({"code": code, "state": q.get("state", "")})
        return Response(302, b"", {"Location": f"{redirect_uri}?{query}"})

    def _check_app(self, request: Request) -> Response | None:
        q = request.query
        if q.get("app_id") != self.app_id or q.get("app_secret") != self.app_secret:
            return self.error(CLIENT_INVALID, "无效的client，无效的 app 或 developer")
        return None

    @route("GET", "/oauth2/access_token")
    def access_token(self, request: Request) -> Response:
        refused = self._check_app(request)
        if refused is not None:
            return refused
        if request.query.get("grant_type") != "authorization_code":
            return self.error(100200104, "请求的 grantType 不支持")
        with self.lock:
            entry = self.codes.pop(request.query.get("code", ""), None)
        if entry is None:
            return self.error(CODE_INVALID, "请求的 code 错误")
        return self._grant(str(entry["open_id"]), tuple(entry["scopes"]), self.refresh_ttl_s)

    @route("GET", "/oauth2/refresh_token")
    def refresh_token(self, request: Request) -> Response:
        refused = self._check_app(request)
        if refused is not None:
            return refused
        if request.query.get("grant_type") != "refresh_token":
            return self.error(100200104, "请求的 grantType 不支持")
        old = request.query.get("refresh_token", "")
        with self.lock:
            entry = self.refresh_tokens.get(old)
            remaining = int(entry["expires_at"] - time.time()) if entry else 0
            subject = self.use_refresh_token(old, rotate=True)
            scopes = self.token_scopes.pop(old, ())
        if subject is None or remaining <= 0:
            return self.error(REFRESH_TOKEN_EXPIRED, "refresh_token过期")
        # The new refresh token inherits the old one's expiry.
        return self._grant(subject, scopes, remaining)

    def _grant(self, subject: str, scopes: tuple[str, ...], refresh_ttl_s: int) -> Response:
        issued = self.issue_tokens(
            subject, access_ttl_s=self.access_ttl_s, refresh_ttl_s=refresh_ttl_s
        )
        with self.lock:
            self.token_scopes[issued["access_token"]] = scopes
            self.token_scopes[issued["refresh_token"]] = scopes
        return self.ok(
            access_token=issued["access_token"],
            expires_in=self.access_ttl_s,
            refresh_token=issued["refresh_token"],
            refresh_token_expires_in=refresh_ttl_s,
            open_id=subject,
            scopes=list(scopes),
        )

    # --- user -------------------------------------------------------------------------------

    @route("GET", "/openapi/user_info")
    def user_info(self, request: Request) -> Response:
        caller = self._caller(request, "user_info")
        if isinstance(caller, Response):
            return caller
        info = {k: v for k, v in self.user.items() if k != "open_id"}
        return self.ok(user_info=info)

    # --- upload -----------------------------------------------------------------------------

    @route("POST", "/openapi/photo/start_upload")
    def start_upload(self, request: Request) -> Response:
        caller = self._caller(request, "user_video_publish")
        if isinstance(caller, Response):
            return caller
        token = secrets.token_urlsafe(18)
        with self.lock:
            self.sessions[token] = Session(token, caller, time.time())
        return self.ok(upload_token=token, endpoint=self.endpoint_host)

    @route("POST", "/api/upload/multipart")
    def upload_multipart(self, request: Request) -> Response:
        fields = parse_multipart(request)
        if "file" not in fields:
            return self.error(PARAM_INVALID, "缺少 file")
        return self._whole(request, fields["file"][1])

    @route("POST", "/api/upload/fragment")
    def upload_fragment(self, request: Request) -> Response:
        session = self._session(request)
        if isinstance(session, Response):
            return session
        raw = request.query.get("fragment_id", "")
        if not raw.isdigit():
            return self.error(PARAM_INVALID, "fragment_id")
        if not request.body:
            return self.error(PARAM_INVALID, "empty fragment")
        with self.lock:
            if session.complete or session.whole is not None:
                return self.error(PARAM_INVALID, "upload already complete")
            session.fragments[int(raw)] = request.body
        return self.ok()

    @route("GET", "/api/upload/resume")
    def upload_resume(self, request: Request) -> Response:
        # unconfirmed: the answer's shape (clients use it to find the next fragment to send).
        session = self._session(request)
        if isinstance(session, Response):
            return session
        with self.lock:
            ids = sorted(session.fragments)
        following = next((i for i in range(len(ids) + 1) if i not in session.fragments), 0)
        return self.ok(existed=bool(ids), fragment_index=following, fragment_list=ids)

    @route("POST", "/api/upload/complete")
    def upload_complete(self, request: Request) -> Response:
        session = self._session(request)
        if isinstance(session, Response):
            return session
        raw = request.query.get("fragment_count", "")
        if not raw.isdigit():
            return self.error(PARAM_INVALID, "fragment_count")
        count = int(raw)
        with self.lock:
            if session.complete:
                return self.error(PARAM_INVALID, "upload already complete")
            if count == 0 or set(session.fragments) != set(range(count)):
                return self.error(
                    VIDEO_NOT_UPLOADED, f"fragments {sorted(session.fragments)} for {count}"
                )
            data = b"".join(session.fragments[i] for i in range(count))
            session.complete, session.size = True, len(data)
            session.sha256 = hashlib.sha256(data).hexdigest()
        return self.ok()

    @route("POST", "/api/upload")
    def upload_whole(self, request: Request) -> Response:
        return self._whole(request, request.body)

    def _whole(self, request: Request, data: bytes) -> Response:
        session = self._session(request)
        if isinstance(session, Response):
            return session
        if not data:
            return self.error(PARAM_INVALID, "empty upload")
        with self.lock:
            if session.complete or session.fragments:
                return self.error(PARAM_INVALID, "upload already started")
            session.whole, session.complete, session.size = data, True, len(data)
            session.sha256 = hashlib.sha256(data).hexdigest()
        return self.ok()

    # --- publish and read -------------------------------------------------------------------

    @route("POST", "/openapi/photo/publish")
    def publish(self, request: Request) -> Response:
        caller = self._caller(request, "user_video_publish")
        if isinstance(caller, Response):
            return caller
        session = self._session(request)
        if isinstance(session, Response):
            return session
        fields = parse_multipart(request)
        cover = fields.get("cover")
        if cover is None or not cover[1]:
            return self.error(PARAM_INVALID, "cover 必填")
        caption = fields.get("caption", (None, b""))[1].decode("utf-8", "replace")
        with self.lock:
            if session.open_id != caller:
                return self.error(PARAM_INVALID, "upload_token 无效")
            if not session.complete:
                return self.error(VIDEO_NOT_UPLOADED, "视频未上传成功")
            if session.photo_id is not None:
                return self.error(PARAM_INVALID, "upload_token 已使用")
            photo = Photo(
                photo_id="3x" + secrets.token_hex(7),
                open_id=caller,
                caption=caption,
                cover=cover[1],
                cover_type=cover[0] or "",
                size=session.size,
                sha256=session.sha256,
                create_time_ms=int(time.time() * 1000),
                processing_left=self.processing_polls,
            )
            session.photo_id = photo.photo_id
            self.photos[photo.photo_id] = photo
            info = photo.info()
        return self.ok(video_info=info)

    @route("GET", "/openapi/photo/info")
    def photo_info(self, request: Request) -> Response:
        caller = self._caller(request, "user_video_info")
        if isinstance(caller, Response):
            return caller
        with self.lock:
            photo = self.photos.get(request.query.get("photo_id", ""))
            if photo is None or photo.open_id != caller:
                return self.error(VIDEO_NOT_FOUND, "视频不存在")
            if photo.pending:
                if photo.processing_left > 0:
                    photo.processing_left -= 1
                else:
                    photo.pending = False
            info = photo.info()
        return self.ok(video_info=info)

    @route("GET", "/openapi/photo/list")
    def photo_list(self, request: Request) -> Response:
        caller = self._caller(request, "user_video_info")
        if isinstance(caller, Response):
            return caller
        count = min(200, max(1, int(request.query.get("count", "20") or 20)))
        with self.lock:
            mine = [p for p in self.photos.values() if p.open_id == caller]
            mine.sort(key=lambda p: -p.create_time_ms)
            listed = [p.info() for p in mine[:count]]
        return self.ok(video_list=listed)
