"""A fake Bilibili open platform (哔哩哔哩开放平台) on loopback, after API_CONTRACTS.md §5.2.

What it emulates (the code numbers are community-reported, see the contract notes):

- `GET /pc/account-pc/auth/oauth?client_id=&gourl=&state=`: the user approves at once: 302 to
  `gourl?code=…&state=…` (Bilibili takes `gourl`, not `redirect_uri`, and no scope);
- `POST /x/account-oauth2/v1/token` and `…/refresh_token` (form, not signed): refresh tokens
  work once and each refresh hands out a new pair; `expires_in` is an absolute epoch time by
  default (as recorded in a community fixture; `expires_in_absolute`);
- the envelope `{"code", "message", "ttl", "data", "request_id"}`, HTTP 200 on errors; injected
  faults use their HTTP status;
- the version 2.0 signature on every `/arcopen/` and upload call: the six `x-bili-*` headers,
  HMAC-SHA256 with the app secret in `Authorization`, content MD5 of JSON bodies (of nothing for
  uploads), timestamp within 10 minutes, each nonce once, `access-token` (127001 when expired
  or unknown);
- `GET /arcopen/fn/user/account/info`: name, face, openid;
- `POST /arcopen/fn/archive/video/init` (JSON `name`, `utype`) → `upload_token`;
- `POST /video/v2/part/upload?upload_token=&part_number=` (from 1; the upload host is this same
  server): parts of exactly `part_bytes` (8 MiB) except the last, at most 512;
- `POST /arcopen/fn/archive/video/complete?upload_token=`: the parts must be 1..n, no gaps;
- `POST /arcopen/fn/archive/cover/upload` (multipart `file`): JPEG/PNG, at most 5 MB → `url`;
- `POST /arcopen/fn/archive/add-by-utoken?upload_token=` (JSON): title < 80, desc < 250, tag list
  < 200, tid among the known categories, copyright 1|2 with source for 2, the cover a URL this
  fake handed out; a daily cap of 5 submissions for accounts that are not formal members;
  → `resource_id` (a BV id);
- `GET /arcopen/fn/archive/view?resource_id=`: `addit_info.state` -1 (待审) for
  `processing_polls` polls, then 0 (开放浏览) or -2 (打回) with `reject_reason`;
- `GET /arcopen/fn/archive/viewlist?pn=&ps=&status=`: the account's archives, newest first.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.fakes.base import FakeServer, Request, Response, route
from tests.fakes.kuaishou import parse_multipart

SIGNED = (
    "x-bili-accesskeyid",
    "x-bili-content-md5",
    "x-bili-signature-method",
    "x-bili-signature-nonce",
    "x-bili-signature-version",
    "x-bili-timestamp",
)
PART_BYTES = 8 * 1024 * 1024
MAX_PARTS = 512
COVER_MAX = 5 * 1024 * 1024
DAY_S = 24 * 3600
# Codes this fake answers with (community-reported; the official table is not public).
MALFORMED = 4000
BAD_SIGNATURE = 4002
TIMESTAMP_EXPIRED = 4003
NONCE_REUSED = 4004  # unconfirmed: that Bilibili refuses a replayed nonce, and with this code
TOKEN_REFUSED = 122000  # an unknown, spent or expired code or refresh token
ACCESS_TOKEN_EXPIRED = 127001
SCOPE_NOT_GRANTED = 127011
RATE_LIMITED = 127009
DAILY_CAP = 200009
NOTHING_HERE = -404
SERVER_ERROR = -500
STATE_DESC = {0: "开放浏览", -1: "待审", -2: "打回"}
# A few categories (分区) of archive/type/list: 日常, 科技 (知识), 动画, 生活 …
KNOWN_TIDS = frozenset({21, 17, 36, 122, 124, 138, 160, 201, 207, 208, 209})


@dataclass
class Upload:
    upload_token: str
    open_id: str
    name: str
    issued_at: float
    parts: dict[int, bytes] = field(default_factory=dict)
    complete: bool = False
    size: int = 0
    sha256: str = ""
    resource_id: str | None = None


@dataclass
class Archive:
    resource_id: str
    open_id: str
    fields: dict[str, Any]
    size: int
    sha256: str
    ctime: int
    review_left: int
    reject_reason: str | None
    state: int = -1

    def view(self) -> dict[str, Any]:
        return {
            "resource_id": self.resource_id,
            "title": self.fields["title"],
            "cover": self.fields["cover"],
            "tid": self.fields["tid"],
            "no_reprint": self.fields.get("no_reprint", 0),
            "desc": self.fields.get("desc", ""),
            "tag": self.fields.get("tag", ""),
            "copyright": self.fields.get("copyright", 1),
            "video_info": {
                "cid": abs(hash(self.resource_id)) % 10**9,
                "filename": f"n{self.resource_id.lower()}",
                "duration": 4,
                "share_url": f"https://www.bilibili.com/video/{self.resource_id}",
            },
            "addit_info": {
                "state": self.state,
                "state_desc": STATE_DESC.get(self.state, str(self.state)),
                "reject_reason": self.reject_reason if self.state == -2 else "",
            },
            "ctime": self.ctime,
            "ptime": self.ctime if self.state == 0 else 0,
        }


def bv_id() -> str:
    alphabet = "fZodR9XQDSUm21yCkr6zBqiveYah8bt4xsWpHnJE7jL5VG3guMTKNPAwcF"
    return "BV1" + "".join(secrets.choice(alphabet) for _ in range(9))


class FakeBilibili(FakeServer):
    platform = "bilibili"

    def __init__(
        self,
        *,
        client_id: str = "bili-fake-client",
        app_secret: str = "bili-fake-secret",
        redirect_uris: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.server.handle_error = self._handle_error  # type: ignore[method-assign]
        self.client_id = client_id
        self.app_secret = app_secret
        self.redirect_uris = set(redirect_uris)  # empty: any
        self.app_scopes = ["USER_INFO", "ARC_BASE"]  # approved for the app in the console
        # unconfirmed lifetimes: 30 days for access tokens, 180 for refresh tokens.
        self.access_ttl_s = 30 * 86_400
        self.refresh_ttl_s = 180 * 86_400
        self.expires_in_absolute = True
        self.max_skew_s = 600
        self.user = {
            "openid": "bili-open-1",
            "name": "HookLab 钩子实验室",
            "face": "https://i0.hdslb.com/bfs/face/hooklab.jpg",
        }
        self.formal_member = False
        self.daily_cap = 5  # for accounts that are not formal members
        self.reject_reason: str | None = None  # the next archives are refused in review
        self.codes: dict[str, str] = {}
        self.token_scopes: dict[str, tuple[str, ...]] = {}
        self.uploads_by_token: dict[str, Upload] = {}
        self.covers: dict[str, bytes] = {}
        self.archives: dict[str, Archive] = {}
        self.signature_failures: list[str] = []
        self.nonces: set[str] = set()

    # --- controls and views -----------------------------------------------------------------

    def _handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request (the tests make some) is not a server error."""
        if isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            return
        type(self.server).handle_error(self.server, request, client_address)

    def uploads(self) -> int:
        """Upload sessions Bilibili handed out (video/init calls it accepted)."""
        with self.lock:
            return len(self.uploads_by_token)

    def live_archives(self) -> list[str]:
        with self.lock:
            return [a.resource_id for a in self.archives.values() if a.state == 0]

    def only_archive(self) -> Archive:
        with self.lock:
            assert len(self.archives) == 1, list(self.archives)
            return next(iter(self.archives.values()))

    def part_requests(self) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == "/video/v2/part/upload"]

    # --- envelopes --------------------------------------------------------------------------

    @staticmethod
    def ok(data: dict[str, Any] | None = None) -> Response:
        body: dict[str, Any] = {"code": 0, "message": "0", "ttl": 1}
        if data is not None:
            body["data"] = data
        body["request_id"] = secrets.token_hex(8)
        return Response.json(body)

    @staticmethod
    def error(code: int, message: str, status: int = 200) -> Response:
        body = {"code": code, "message": message, "ttl": 1, "request_id": secrets.token_hex(8)}
        return Response.json(body, status)

    def error_response(self, kind: str, request: Request) -> Response:
        status = int(kind) if kind.isdigit() else 500
        code = {401: ACCESS_TOKEN_EXPIRED, 403: SCOPE_NOT_GRANTED, 429: RATE_LIMITED}.get(
            status, SERVER_ERROR if status >= 500 else MALFORMED
        )
        response = self.error(code, f"fault {kind}", status)
        if status == 429:
            response.headers["Retry-After"] = str(self.retry_after_s)
        return response

    # --- signature and token ----------------------------------------------------------------

    def _caller(self, request: Request, scope: str) -> str | Response:
        """The open id of a correctly signed call with a live token, or the error answer."""
        headers = request.headers
        missing = [name for name in SIGNED if not headers.get(name)]
        if missing:
            return self._signature_error(f"missing {missing}")
        if headers["x-bili-accesskeyid"] != self.client_id:
            return self._signature_error("unknown accesskeyid")
        if (headers["x-bili-signature-method"], headers["x-bili-signature-version"]) != (
            "HMAC-SHA256",
            "2.0",
        ):
            return self._signature_error("signature method/version")
        try:
            skew = abs(time.time() - int(headers["x-bili-timestamp"]))
        except ValueError:
            return self._signature_error("timestamp")
        if skew > self.max_skew_s:
            return self.error(TIMESTAMP_EXPIRED, "timestamp expired")
        json_body = headers.get("content-type", "").startswith("application/json")
        expected_md5 = hashlib.md5(request.body if json_body else b"").hexdigest()
        if headers["x-bili-content-md5"] != expected_md5:
            return self._signature_error("content md5")
        canonical = "\n".join(f"{name}:{headers[name]}" for name in sorted(SIGNED))
        wanted = hmac.new(self.app_secret.encode(), canonical.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("authorization", ""), wanted):
            return self._signature_error("signature")
        with self.lock:
            replayed = headers["x-bili-signature-nonce"] in self.nonces
            self.nonces.add(headers["x-bili-signature-nonce"])
        if replayed:
            return self.error(NONCE_REUSED, "signature nonce already used")
        token = headers.get("access-token", "")
        with self.lock:
            entry = self.access_tokens.get(token)
            if entry is None or entry["expires_at"] < time.time():
                return self.error(ACCESS_TOKEN_EXPIRED, "access_token expired or invalid")
            if scope not in self.token_scopes.get(token, ()):
                return self.error(SCOPE_NOT_GRANTED, f"scope {scope} not granted")
            return str(entry["subject"])

    def _signature_error(self, why: str) -> Response:
        with self.lock:
            self.signature_failures.append(why)
        return self.error(BAD_SIGNATURE, f"signature invalid: {why}")

    def _upload(self, request: Request, open_id: str) -> Upload | Response:
        with self.lock:
            upload = self.uploads_by_token.get(request.query.get("upload_token", ""))
        if upload is None or upload.open_id != open_id:
            return self.error(MALFORMED, "upload_token invalid")
        return upload

    # --- OAuth ------------------------------------------------------------------------------

    @route("GET", "/pc/account-pc/auth/oauth")
    def authorize(self, request: Request) -> Response:
        q = request.query
        gourl = q.get("gourl", "")
        if q.get("client_id") != self.client_id:
            return self.error(MALFORMED, "client_id", 400)
        if not gourl or (self.redirect_uris and gourl not in self.redirect_uris):
            return self.error(MALFORMED, "gourl", 400)
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = str(self.user["openid"])
        query = urlencode({"code": code, "state": q.get("state", "")})
        return Response(302, b"", {"Location": f"{gourl}?{query}"})

    def _check_client(self, form: dict[str, str], grant: str) -> Response | None:
        if form.get("client_id") != self.client_id or form.get("client_secret") != (
            self.app_secret
        ):
            return self.error(BAD_SIGNATURE, "client_id or client_secret invalid")
        if form.get("grant_type") != grant:
            return self.error(MALFORMED, "grant_type")
        return None

    @route("POST", "/x/account-oauth2/v1/token")
    def token(self, request: Request) -> Response:
        form = request.form()
        refused = self._check_client(form, "authorization_code")
        if refused is not None:
            return refused
        with self.lock:
            subject = self.codes.pop(form.get("code", ""), None)
        if subject is None:
            return self.error(TOKEN_REFUSED, "code invalid or used")
        return self._grant(subject, tuple(self.app_scopes))

    @route("POST", "/x/account-oauth2/v1/refresh_token")
    def refresh(self, request: Request) -> Response:
        form = request.form()
        refused = self._check_client(form, "refresh_token")
        if refused is not None:
            return refused
        old = form.get("refresh_token", "")
        subject = self.use_refresh_token(old, rotate=True)
        with self.lock:
            scopes = self.token_scopes.pop(old, ())
        if subject is None:
            return self.error(TOKEN_REFUSED, "refresh_token invalid, used or expired")
        return self._grant(subject, scopes)

    def _grant(self, subject: str, scopes: tuple[str, ...]) -> Response:
        issued = self.issue_tokens(
            subject, access_ttl_s=self.access_ttl_s, refresh_ttl_s=self.refresh_ttl_s
        )
        with self.lock:
            self.token_scopes[issued["access_token"]] = scopes
            self.token_scopes[issued["refresh_token"]] = scopes
        expires = (
            int(time.time()) + self.access_ttl_s if self.expires_in_absolute else self.access_ttl_s
        )
        return self.ok(
            {
                "access_token": issued["access_token"],
                "refresh_token": issued["refresh_token"],
                "expires_in": expires,
                "scopes": list(scopes),
            }
        )

    # --- account ----------------------------------------------------------------------------

    @route("GET", "/arcopen/fn/user/account/info")
    def account_info(self, request: Request) -> Response:
        caller = self._caller(request, "USER_INFO")
        if isinstance(caller, Response):
            return caller
        return self.ok(dict(self.user))

    # --- upload -----------------------------------------------------------------------------

    @route("POST", "/arcopen/fn/archive/video/init")
    def video_init(self, request: Request) -> Response:
        caller = self._caller(request, "ARC_BASE")
        if isinstance(caller, Response):
            return caller
        body = request.json()
        name = str(body.get("name") or "")
        if "." not in name or "/" in name or body.get("utype", "0") not in ("0", "1"):
            return self.error(MALFORMED, "name or utype invalid")
        token = secrets.token_hex(16)
        with self.lock:
            self.uploads_by_token[token] = Upload(token, caller, name, time.time())
        return self.ok({"upload_token": token})

    @route("POST", "/video/v2/part/upload")
    def part_upload(self, request: Request) -> Response:
        caller = self._caller(request, "ARC_BASE")
        if isinstance(caller, Response):
            return caller
        upload = self._upload(request, caller)
        if isinstance(upload, Response):
            return upload
        raw = request.query.get("part_number", "")
        if not raw.isdigit() or not 1 <= int(raw) <= MAX_PARTS:
            return self.error(MALFORMED, f"part_number 1..{MAX_PARTS}")
        if not request.body or len(request.body) > PART_BYTES:
            return self.error(MALFORMED, f"a part is 1..{PART_BYTES} bytes")
        with self.lock:
            if upload.complete:
                return self.error(MALFORMED, "upload already merged")
            upload.parts[int(raw)] = request.body
        return self.ok({"etag": hashlib.md5(request.body).hexdigest()})

    @route("POST", "/arcopen/fn/archive/video/complete")
    def video_complete(self, request: Request) -> Response:
        caller = self._caller(request, "ARC_BASE")
        if isinstance(caller, Response):
            return caller
        upload = self._upload(request, caller)
        if isinstance(upload, Response):
            return upload
        with self.lock:
            numbers = sorted(upload.parts)
            if not numbers or numbers != list(range(1, len(numbers) + 1)):
                return self.error(MALFORMED, f"parts {numbers} have gaps")
            sizes = [len(upload.parts[n]) for n in numbers]
            if any(size != PART_BYTES for size in sizes[:-1]):
                return self.error(MALFORMED, "every part but the last is 8 MiB")
            data = b"".join(upload.parts[n] for n in numbers)
            upload.complete, upload.size = True, len(data)
            upload.sha256 = hashlib.sha256(data).hexdigest()
        return self.ok()

    @route("POST", "/arcopen/fn/archive/cover/upload")
    def cover_upload(self, request: Request) -> Response:
        caller = self._caller(request, "ARC_BASE")
        if isinstance(caller, Response):
            return caller
        part = parse_multipart(request).get("file")
        if part is None or not part[1]:
            return self.error(MALFORMED, "file required")
        image = part[1]
        if not (image.startswith(b"\xff\xd8") or image.startswith(b"\x89PNG")):
            return self.error(MALFORMED, "cover must be JPEG or PNG")
        if len(image) > COVER_MAX:
            return self.error(MALFORMED, "cover over 5 MB")
        url = f"https://archive.biliimg.com/bfs/archive/{hashlib.sha1(image).hexdigest()}.jpg"
        with self.lock:
            self.covers[url] = image
        return self.ok({"url": url})

    # --- submit and read --------------------------------------------------------------------

    @route("POST", "/arcopen/fn/archive/add-by-utoken")
    def add_by_utoken(self, request: Request) -> Response:
        caller = self._caller(request, "ARC_BASE")
        if isinstance(caller, Response):
            return caller
        upload = self._upload(request, caller)
        if isinstance(upload, Response):
            return upload
        body = request.json()
        problem = self._check_archive(body)
        if problem:
            return self.error(MALFORMED, problem)
        now = time.time()
        with self.lock:
            if not upload.complete:
                return self.error(MALFORMED, "video not merged")
            if upload.resource_id is not None:
                return self.error(MALFORMED, "upload_token already submitted")
            today = [
                a for a in self.archives.values() if a.open_id == caller and now - a.ctime < DAY_S
            ]
            if not self.formal_member and len(today) >= self.daily_cap:
                return self.error(DAILY_CAP, "非正式会员单日投稿数量已达上限")
            archive = Archive(
                resource_id=bv_id(),
                open_id=caller,
                fields=dict(body),
                size=upload.size,
                sha256=upload.sha256,
                ctime=int(now),
                review_left=self.processing_polls,
                reject_reason=self.reject_reason,
            )
            upload.resource_id = archive.resource_id
            self.archives[archive.resource_id] = archive
        return self.ok({"resource_id": archive.resource_id})

    def _check_archive(self, body: dict[str, Any]) -> str:
        title, desc, tag = body.get("title"), body.get("desc", ""), body.get("tag", "")
        if not isinstance(title, str) or not title.strip() or len(title) >= 80:
            return "title: 1..79 characters"
        if not isinstance(desc, str) or len(desc) >= 250:
            return "desc: under 250 characters"
        if not isinstance(tag, str) or len(tag) >= 200:
            return "tag: under 200 characters"
        if body.get("tid") not in KNOWN_TIDS:
            return "tid: unknown category"
        if body.get("copyright") not in (1, 2):
            return "copyright: 1 or 2"
        if body.get("copyright") == 2 and not str(body.get("source") or "").strip():
            return "source: required for reprints"
        if body.get("cover") not in self.covers:
            return "cover: upload it with cover/upload first"
        if body.get("no_reprint", 0) not in (0, 1):
            return "no_reprint: 0 or 1"
        return ""

    @route("GET", "/arcopen/fn/archive/viewlist")
    def viewlist(self, request: Request) -> Response:
        caller = self._caller(request, "ARC_BASE")
        if isinstance(caller, Response):
            return caller
        size = min(50, max(1, int(request.query.get("ps", "20") or 20)))
        with self.lock:
            mine = sorted(
                (a for a in self.archives.values() if a.open_id == caller), key=lambda a: -a.ctime
            )
            listed = [a.view() for a in mine[:size]]
        return self.ok({"list": listed, "page": {"pn": 1, "ps": size, "total": len(mine)}})

    @route("GET", "/arcopen/fn/archive/view")
    def view(self, request: Request) -> Response:
        caller = self._caller(request, "ARC_BASE")
        if isinstance(caller, Response):
            return caller
        with self.lock:
            archive = self.archives.get(request.query.get("resource_id", ""))
            if archive is None or archive.open_id != caller:
                return self.error(NOTHING_HERE, "啥都木有")
            if archive.state == -1:
                if archive.review_left > 0:
                    archive.review_left -= 1
                else:
                    archive.state = -2 if archive.reject_reason else 0
            return self.ok(archive.view())
