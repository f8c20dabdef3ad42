"""A fake Douyin Open Platform (OAuth + video publishing + video data) on loopback, after
API_CONTRACTS.md §4.6.

What it emulates:

- `GET /platform/oauth/connect/`: the user approves at once: 302 to `redirect_uri?code=…&state=…`.
  Scopes the **app** does not have (`app_capabilities`) are left out of the grant — the fake's
  assumption of what Douyin does (unconfirmed; it may refuse instead);
- form-encoded `/oauth/access_token/` (code single use; 15-day access token, 30-day refresh
  token), `/oauth/refresh_token/` (extend-not-replace: a still-valid access token gets a new
  expiry, an expired one is replaced; the refresh token and its expiry stay),
  `/oauth/renew_refresh_token/` (needs the `renew_refresh_token` scope; a new 30-day refresh
  token, the old one dies; at most 5, then 10020), `/oauth/userinfo/`;
- the classic envelope everywhere, HTTP 200 even on failure: `{"data": {"error_code",
  "description", …}, "extra": {"logid", "now", "error_code", "description", "sub_error_code",
  "sub_description"}}`; faults: "401" → 2190008, "403" → 2100007, "429" → 28003018 (HTTP 200),
  "500"/"503" → that HTTP status with 2100004 (busy);
- `access-token` header + `open_id` query on video calls (expired → 2190008, other user's open_id
  → 28001015, scope missing from the token → 28001012, ability missing from the app →
  2100007);
- `upload_video` (multipart field `video`, > 128 MB refused with 2100005), part upload
  (`init_video_part_upload` → `upload_video_part?upload_id&part_number` in order from 1 →
  `complete_video_part_upload`: parts ≥ 5 MiB except the last, ≤ 4 GB), byte accounting by
  SHA-256;
- `create_video` (JSON; a `video_id` works once, then 2100005) → `item_id` (encrypted-looking
  "@…" ids unless `numeric_item_ids`); the item is in review (`is_reviewed` false,
  `video_status` 4) for `processing_polls` video_data reads, then public (5) with a `share_url`
  (unless `share_urls` is off); `drop_create_answer` creates, then hangs up;
- `video_data` (POST, `item_ids`) and `video_list` (GET, cursor paging; items carry `video_id`
  unless `list_video_ids` is off, as in one SDK's model); each read of an item is one review
  poll.

Not emulated: images, comments, POI / micro-app fields, the newer `err_no` envelope.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from tests.fakes.base import FakeServer, Request, Response, route

DAY_S = 86_400
MiB = 1024 * 1024
DIRECT_MAX = 128_000_000
MIN_PART = 5 * MiB
MAX_TOTAL = 4_000_000_000
MAX_RENEWALS = 5
ALL_SCOPES = (
    "user_info",
    "video.create.bind",
    "video.data.bind",
    "video.list.bind",
    "renew_refresh_token",
)
VIDEO = "/api/douyin/v1/video/"
# A handler's way to say "act, then hang up without an answer" (see dispatch).
HANG_UP = "X-Fake-Hang-Up"


@dataclass
class PartUpload:
    upload_id: str
    open_id: str
    sizes: list[int] = field(default_factory=list)
    sha256: Any = field(default_factory=hashlib.sha256)


@dataclass
class Video:
    video_id: str
    open_id: str
    size: int
    sha256: str
    parts: int
    used: bool = False


@dataclass
class Item:
    item_id: str
    video_id: str
    open_id: str
    text: str
    cover_tsp: float | None
    created_at: float
    review_left: int
    share_url: str
    body: dict[str, Any]
    reviewed: bool = False


class FakeDouyin(FakeServer):
    platform = "douyin"

    def __init__(
        self,
        *,
        client_key: str = "awfakeclientkey0001",
        client_secret: str = "fake-douyin-secret",
        redirect_uris: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.client_key = client_key
        self.client_secret = client_secret
        self.redirect_uris = set(redirect_uris)
        self.app_capabilities = set(ALL_SCOPES)  # what the app registration may ask for
        self.user_grants: set[str] | None = None  # None: the user grants what the app may have
        self.user: dict[str, Any] = {
            "open_id": "_000QadFMhmU1jNCI3JdPnyVDL6XavC70dFy",
            "union_id": "10040e47-b6fe-4a6c-9f5d-16cd9e2d4f2b",
            "nickname": "钩子实验室",
            "avatar": "https://p3.douyinpic.example/avatar.jpeg",
            "e_account_role": "EAccountM",
        }
        self.access_ttl_s = 15 * DAY_S
        self.refresh_ttl_s = 30 * DAY_S
        self.share_urls = True
        self.list_video_ids = True
        self.numeric_item_ids = False
        self.drop_create_answer = False
        # State.
        self.codes: dict[str, dict[str, Any]] = {}
        self.authorizations: list[dict[str, str]] = []
        self.scopes_of: dict[str, tuple[str, ...]] = {}  # access or refresh token → scopes
        self.renewals: dict[str, int] = {}  # refresh token → renewals so far (carried over)
        self.uploads_in_progress: dict[str, PartUpload] = {}
        self.videos: dict[str, Video] = {}
        self.items: dict[str, Item] = {}
        self._serial = 0

    # --- controls ---------------------------------------------------------------------------

    def video_count(self) -> int:
        with self.lock:
            return len(self.videos)

    def live_item_ids(self) -> list[str]:
        with self.lock:
            return list(self.items)

    def only_video(self) -> Video:
        with self.lock:
            assert len(self.videos) == 1, list(self.videos)
            return next(iter(self.videos.values()))

    def calls(self, name: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == f"{VIDEO}{name}/"]

    def dispatch(self, request: Request) -> Response | None:
        response = super().dispatch(request)
        if response is not None and response.headers.get(HANG_UP):
            return None
        return response

    # --- envelopes --------------------------------------------------------------------------

    def _next(self) -> int:
        with self.lock:
            self._serial += 1
            return self._serial

    def _extra(self, code: int, description: str) -> dict[str, Any]:
        return {
            "logid": f"2025010112000{self._next():06d}ABCDEF",
            "now": int(self.now() * 1000),
            "error_code": code,
            "description": description,
            "sub_error_code": 0,
            "sub_description": "",
        }

    def ok(self, data: dict[str, Any]) -> Response:
        return Response.json(
            {
                "data": {**data, "error_code": 0, "description": ""},
                "extra": self._extra(0, ""),
                "message": "success",
            }
        )

    def fail(self, code: int, description: str, status: int = 200) -> Response:
        return Response.json(
            {
                "data": {"error_code": code, "description": description},
                "extra": self._extra(code, description),
                "message": "error",
            },
            status,
        )

    def error_response(self, kind: str, request: Request) -> Response:
        status = int(kind) if kind.isdigit() else 500
        if status == 401:
            return self.fail(2190008, "access_token过期,请刷新或重新授权")
        if status == 403:
            return self.fail(2100007, "无权限操作")
        if status == 429:
            return self.fail(28003018, "请求频率过高")
        return self.fail(2100004, "系统繁忙，此时请开发者稍候再试", status)

    # --- tokens -----------------------------------------------------------------------------

    def _issue(self, open_id: str, scopes: tuple[str, ...]) -> dict[str, str]:
        issued = self.issue_tokens(
            open_id, access_ttl_s=self.access_ttl_s, refresh_ttl_s=self.refresh_ttl_s
        )
        with self.lock:
            for key in ("access_token", "refresh_token"):
                self.scopes_of[issued[key]] = scopes
            self.access_tokens[issued["access_token"]]["expires_at"] = self.now() + (
                self.access_ttl_s
            )
            self.refresh_tokens[issued["refresh_token"]]["expires_at"] = self.now() + (
                self.refresh_ttl_s
            )
        return issued

    def _token_answer(self, access: str, refresh: str) -> Response:
        with self.lock:
            a, r = self.access_tokens[access], self.refresh_tokens[refresh]
            return self.ok(
                {
                    "access_token": access,
                    "expires_in": int(a["expires_at"] - self.now()),
                    "open_id": a["subject"],
                    "refresh_token": refresh,
                    "refresh_expires_in": int(r["expires_at"] - self.now()),
                    "scope": ",".join(self.scopes_of.get(access, ())),
                }
            )

    def _caller(self, request: Request, scope: str | None = None) -> tuple[str, str] | Response:
        """(open_id, access token) of a user-token call, or Douyin's refusal."""
        token = request.headers.get("access-token") or request.form().get("access_token", "")
        with self.lock:
            entry = self.access_tokens.get(token)
            if entry is None or entry["expires_at"] < self.now():
                return self.fail(2190008, "access_token过期,请刷新或重新授权")
            open_id = request.query.get("open_id") or request.form().get("open_id", "")
            if open_id != entry["subject"]:
                return self.fail(28001015, "access_token与open_id不匹配")
            if scope is not None:
                if scope not in self.app_capabilities:
                    return self.fail(2100007, f"应用未获得{scope}能力 (no permission)")
                if scope not in self.scopes_of.get(token, ()):
                    return self.fail(28001012, f"用户未授权{scope} (scope not authorised)")
            return entry["subject"], token

    # --- OAuth ------------------------------------------------------------------------------

    @route("GET", "/platform/oauth/connect/")
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
        asked = [s for s in q.get("scope", "").split(",") if s]
        granted = [
            s
            for s in asked
            if s in self.app_capabilities and (self.user_grants is None or s in self.user_grants)
        ]
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = {"scopes": tuple(granted), "redirect_uri": redirect_uri}
        params = {"code": code, "state": q.get("state", ""), "scopes": ",".join(granted)}
        return Response(302, b"", {"Location": f"{redirect_uri}?{urlencode(params)}"})

    @route("POST", "/oauth/access_token/")
    def access_token(self, request: Request) -> Response:
        form = request.form()
        if form.get("client_key") != self.client_key or (
            form.get("client_secret") != self.client_secret
        ):
            return self.fail(10013, "client_key或client_secret错误")
        if form.get("grant_type") != "authorization_code":
            return self.fail(10005, "grant_type 缺失或错误")
        with self.lock:
            entry = self.codes.pop(form.get("code", ""), None)
        if entry is None:
            return self.fail(10007, "授权码已失效 (code expired or used)")
        issued = self._issue(self.user["open_id"], entry["scopes"])
        return self._token_answer(issued["access_token"], issued["refresh_token"])

    @route("POST", "/oauth/refresh_token/")
    def refresh_token(self, request: Request) -> Response:
        form = request.form()
        if form.get("client_key") != self.client_key:
            return self.fail(10013, "client_key错误")
        if form.get("grant_type") != "refresh_token":
            return self.fail(10005, "grant_type 缺失或错误")
        refresh = form.get("refresh_token", "")
        with self.lock:
            entry = self.refresh_tokens.get(refresh)
            if entry is None or entry["expires_at"] < self.now():
                return self.fail(10010, "refresh_token过期,请重新授权")
            scopes = self.scopes_of.get(refresh, ())
            live = [
                token
                for token, a in self.access_tokens.items()
                if a.get("refresh") == refresh and a["expires_at"] >= self.now()
            ]
            if live:  # still valid: extended, not replaced
                access = live[0]
                self.access_tokens[access]["expires_at"] = self.now() + self.access_ttl_s
            else:
                access = secrets.token_urlsafe(24)
                self.access_tokens[access] = {
                    "subject": entry["subject"],
                    "expires_at": self.now() + self.access_ttl_s,
                    "refresh": refresh,
                }
                self.scopes_of[access] = scopes
        return self._token_answer(access, refresh)

    @route("POST", "/oauth/renew_refresh_token/")
    def renew_refresh_token(self, request: Request) -> Response:
        form = request.form()
        if form.get("client_key") != self.client_key:
            return self.fail(10013, "client_key错误")
        old = form.get("refresh_token", "")
        with self.lock:
            entry = self.refresh_tokens.get(old)
            if entry is None or entry["expires_at"] < self.now():
                return self.fail(10010, "refresh_token过期,请重新授权")
            scopes = self.scopes_of.get(old, ())
            if "renew_refresh_token" not in scopes:
                return self.fail(10004, "无权限 (renew_refresh_token not granted)")
            used = self.renewals.get(old, 0)
            if used >= MAX_RENEWALS:
                return self.fail(10020, "刷新次数超过上限,请重新授权")
            new = secrets.token_urlsafe(24)
            self.refresh_tokens[new] = {
                "subject": entry["subject"],
                "expires_at": self.now() + self.refresh_ttl_s,
            }
            del self.refresh_tokens[old]
            self.scopes_of[new] = scopes
            self.renewals[new] = used + 1
            for access in self.access_tokens.values():
                if access.get("refresh") == old:
                    access["refresh"] = new
        return self.ok({"refresh_token": new, "expires_in": self.refresh_ttl_s})

    def issue_tokens(
        self, subject: str, *, access_ttl_s: int, refresh_ttl_s: int
    ) -> dict[str, Any]:
        issued = super().issue_tokens(
            subject, access_ttl_s=access_ttl_s, refresh_ttl_s=refresh_ttl_s
        )
        with self.lock:
            self.access_tokens[issued["access_token"]]["refresh"] = issued["refresh_token"]
        return issued

    @route("POST", "/oauth/userinfo/")
    def userinfo(self, request: Request) -> Response:
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        return self.ok(dict(self.user))

    # --- upload -----------------------------------------------------------------------------

    @route("POST", f"{VIDEO}upload_video/")
    def upload_video(self, request: Request) -> Response:
        caller = self._caller(request, "video.create.bind")
        if isinstance(caller, Response):
            return caller
        content = multipart_field(request, "video")
        if content is None:
            return self.fail(2100005, "参数不合法: multipart field video is required")
        if len(content) > DIRECT_MAX:
            return self.fail(2100005, "视频文件过大，请使用分片上传 (over 128 MB)")
        video = self._new_video(caller[0], len(content), hashlib.sha256(content).hexdigest(), 1)
        return self.ok({"video": {"video_id": video.video_id, "width": 1080, "height": 1920}})

    @route("POST", f"{VIDEO}init_video_part_upload/")
    def init_part_upload(self, request: Request) -> Response:
        caller = self._caller(request, "video.create.bind")
        if isinstance(caller, Response):
            return caller
        upload = PartUpload(upload_id=f"@{secrets.token_urlsafe(18)}==", open_id=caller[0])
        with self.lock:
            self.uploads_in_progress[upload.upload_id] = upload
        return self.ok({"upload_id": upload.upload_id})

    @route("POST", f"{VIDEO}upload_video_part/")
    def upload_part(self, request: Request) -> Response:
        caller = self._caller(request, "video.create.bind")
        if isinstance(caller, Response):
            return caller
        with self.lock:
            upload = self.uploads_in_progress.get(request.query.get("upload_id", ""))
            if upload is None or upload.open_id != caller[0]:
                return self.fail(2100005, "参数不合法: unknown upload_id")
            number = request.query.get("part_number", "")
            expected = len(upload.sizes) + 1
            if number != str(expected):
                return self.fail(2100005, f"参数不合法: part_number {number}, expected {expected}")
            content = multipart_field(request, "video")
            if not content:
                return self.fail(2100005, "参数不合法: multipart field video is required")
            if sum(upload.sizes) + len(content) > MAX_TOTAL:
                return self.fail(2100005, "视频文件超过4GB")
            upload.sizes.append(len(content))
            upload.sha256.update(content)
        return self.ok({})

    @route("POST", f"{VIDEO}complete_video_part_upload/")
    def complete_part_upload(self, request: Request) -> Response:
        caller = self._caller(request, "video.create.bind")
        if isinstance(caller, Response):
            return caller
        with self.lock:
            upload = self.uploads_in_progress.get(request.query.get("upload_id", ""))
            if upload is None or upload.open_id != caller[0] or not upload.sizes:
                return self.fail(2100005, "参数不合法: unknown or empty upload_id")
            if any(size < MIN_PART for size in upload.sizes[:-1]):
                return self.fail(2100005, "参数不合法: every part but the last needs ≥ 5 MB")
            del self.uploads_in_progress[upload.upload_id]
        video = self._new_video(
            caller[0], sum(upload.sizes), upload.sha256.hexdigest(), len(upload.sizes)
        )
        return self.ok({"video": {"video_id": video.video_id, "width": 1080, "height": 1920}})

    def _new_video(self, open_id: str, size: int, sha256: str, parts: int) -> Video:
        video = Video(
            video_id=f"v0200f{secrets.token_hex(10)}",
            open_id=open_id,
            size=size,
            sha256=sha256,
            parts=parts,
        )
        with self.lock:
            self.videos[video.video_id] = video
        return video

    # --- publishing and data ----------------------------------------------------------------

    @route("POST", f"{VIDEO}create_video/")
    def create_video(self, request: Request) -> Response:
        caller = self._caller(request, "video.create.bind")
        if isinstance(caller, Response):
            return caller
        body = request.json()
        with self.lock:
            video = self.videos.get(str(body.get("video_id") or ""))
            if video is None or video.open_id != caller[0] or video.used:
                return self.fail(2100005, "参数不合法: video_id 无效或已被使用")
            cover = body.get("cover_tsp")
            if cover is not None and (not isinstance(cover, int | float) or cover < 0):
                return self.fail(2100005, "参数不合法: cover_tsp")
            video.used = True
            serial = self._next()
            item_id = (
                str(7_300_000_000_000_000_000 + serial)
                if self.numeric_item_ids
                else f"@9VwKzuuES8gm{secrets.token_urlsafe(20)}"
            )
            share = (
                f"https://www.iesdouyin.com/share/video/{7_300_000_000_000_000_000 + serial}/"
                if self.share_urls
                else ""
            )
            self.items[item_id] = Item(
                item_id=item_id,
                video_id=video.video_id,
                open_id=caller[0],
                text=str(body.get("text") or ""),
                cover_tsp=float(cover) if cover is not None else None,
                created_at=self.now(),
                review_left=self.processing_polls,
                share_url=share,
                body=dict(body),
            )
            if self.drop_create_answer:
                self.drop_create_answer = False
                return Response(200, b"", {HANG_UP: "1"})
        return self.ok({"item_id": item_id, "video_id": video.video_id})

    @staticmethod
    def _poll(item: Item) -> Item:
        """One status read of the item: review ends after `processing_polls` reads."""
        if not item.reviewed:
            if item.review_left > 0:
                item.review_left -= 1
            else:
                item.reviewed = True
        return item

    def _describe(self, item: Item) -> dict[str, Any]:
        described: dict[str, Any] = {
            "item_id": item.item_id,
            "title": item.text,
            "cover": "https://p3.douyinpic.example/cover.jpeg",
            "create_time": int(item.created_at),
            "is_top": False,
            "is_reviewed": item.reviewed,
            "video_status": 5 if item.reviewed else 4,
            "share_url": item.share_url,
            "media_type": 4,
            "statistics": {
                "play_count": 0,
                "digg_count": 0,
                "comment_count": 0,
                "share_count": 0,
                "download_count": 0,
                "forward_count": 0,
            },
        }
        if self.list_video_ids:
            described["video_id"] = item.video_id
        return described

    @route("POST", f"{VIDEO}video_data/")
    def video_data(self, request: Request) -> Response:
        caller = self._caller(request, "video.data.bind")
        if isinstance(caller, Response):
            return caller
        ids = request.json().get("item_ids")
        if not isinstance(ids, list) or not ids:
            return self.fail(2100005, "参数不合法: item_ids")
        found = []
        with self.lock:
            for item_id in ids:
                item = self.items.get(str(item_id))
                if item is None or item.open_id != caller[0]:
                    continue
                found.append(self._describe(self._poll(item)))
        return self.ok({"list": found})

    @route("GET", f"{VIDEO}video_list/")
    def video_list(self, request: Request) -> Response:
        caller = self._caller(request, "video.list.bind")
        if isinstance(caller, Response):
            return caller
        cursor = int(request.query.get("cursor") or 0)
        count = int(request.query.get("count") or 10)
        with self.lock:
            mine = sorted(
                (i for i in self.items.values() if i.open_id == caller[0]),
                key=lambda i: -i.created_at,
            )
            page = [self._describe(self._poll(i)) for i in mine[cursor : cursor + count]]
        more = cursor + count < len(mine)
        return self.ok({"list": page, "cursor": cursor + count, "has_more": more})


def multipart_field(request: Request, name: str) -> bytes | None:
    """The content of form field `name` in a multipart/form-data body."""
    content_type = request.headers.get("content-type", "")
    if "boundary=" not in content_type:
        return None
    boundary = content_type.split("boundary=", 1)[1].split(";")[0].strip().strip('"').encode()
    for part in request.body.split(b"--" + boundary):
        head, _, content = part.partition(b"\r\n\r\n")
        if f'name="{name}"'.encode() in head:
            return content[:-2] if content.endswith(b"\r\n") else content
    return None
