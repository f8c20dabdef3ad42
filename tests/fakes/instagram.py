"""A fake Instagram (Business Login for Instagram + Graph API content publishing) on loopback,
after API_CONTRACTS.md §3.5.

What it emulates:

- `GET /oauth/authorize` (www.instagram.com): the user approves at once: 302 to
  `redirect_uri?code=…&state=…` (Instagram appends `#_`, which browsers keep out of the query);
- `POST /oauth/access_token` (api.instagram.com, form): the code (single use) for a short-lived
  token (1 h): `{"data": [{"access_token", "user_id", "permissions"}]}` (or the older flat shape,
  `flat_token_answer`); refusals in the flat `{"error_type", "code", "error_message"}` body;
- `GET /access_token?grant_type=ig_exchange_token` → long-lived token (60 days);
  `GET /refresh_access_token?grant_type=ig_refresh_token` → a new 60-day token, only for an
  unexpired long-lived token at least 24 h old (younger: code 100, the fake's wording);
- Graph envelope `{"error": {message, type, code, error_subcode, fbtrace_id}}` everywhere;
  expired token → 190/463, unknown token → 190; throttling (fault "429") → code 4 with
  `X-Business-Use-Case-Usage` naming `estimated_time_to_regain_access` (minutes);
- `GET /{v}/me`: user_id, username, name, account_type (`BUSINESS`, `MEDIA_CREATOR`,
  `PERSONAL`), profile_picture_url; only the asked fields;
- `POST /{v}/{ig-user-id}/media` (REELS only): caption ≤ 2200, ≤ 30 `#`, ≤ 20 `@`
  (100/2207040), thumb_offset ≥ 0 (1/2207057), collaborators ≤ 3; the fake **really downloads
  `video_url`** (an unreachable URL or a non-200 answer makes the container ERROR 2207052, bytes
  that are not MP4/MOV make it ERROR 2207026); answers `{"id": <container id>}`;
- container state machine on `GET /{v}/{container-id}?fields=status_code,status`: IN_PROGRESS for
  `processing_polls` polls, then FINISHED or ERROR (subcode in `status`); EXPIRED 24 h after
  creation unless published; PUBLISHED after media_publish;
- `POST /{v}/{ig-user-id}/media_publish?creation_id=`: before FINISHED → 9007/2207027; over the
  rolling-24 h quota (`quota_total`, 50) → 9/2207042; a PUBLISHED container again → refused (and
  counted in `republish_attempts`); `drop_publish_answer` publishes, then hangs up;
- `GET /{v}/{ig-user-id}/content_publishing_limit` (rolling 24 h usage), `GET /{v}/{ig-user-id}/
  media` (newest first) and `GET /{v}/{media-id}` (permalink, timestamp, media_product_type).

Ids: users 1784…, containers 1795…, media 1805…, so faults can target containers by prefix.
Not emulated: resumable (rupload) uploads, insights, comments, the 400 containers/24 h cap.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from tests.fakes.base import FakeServer, Request, Response, route

VERSION = re.compile(r"^v\d+\.\d+$")
HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9._]+)")
DAY_S = 86_400
SHORT_TTL_S = 3_600
LONG_TTL_S = 60 * DAY_S
ALL_PERMISSIONS = (
    "instagram_business_basic",
    "instagram_business_content_publish",
    "instagram_business_manage_comments",
    "instagram_business_manage_insights",
)
PUBLISH_PERMISSION = "instagram_business_content_publish"
# A handler's way to say "act, then hang up without an answer" (see dispatch).
HANG_UP = "X-Fake-Hang-Up"


@dataclass
class Container:
    id: str
    user_id: str
    video_url: str
    caption: str
    share_to_feed: bool
    thumb_offset: int | None
    collaborators: list[str]
    created_at: float
    processing_left: int
    error_subcode: int | None = None
    fetched_bytes: int = 0
    fetched_sha256: str = ""
    status_code: str = "IN_PROGRESS"
    status: str = ""
    media_id: str | None = None


@dataclass
class Media:
    id: str
    user_id: str
    caption: str
    container_id: str
    published_at: float
    permalink: str
    product_type: str = "REELS"


class FakeInstagram(FakeServer):
    platform = "instagram"

    def __init__(
        self,
        *,
        app_id: str = "990602627938098",
        app_secret: str = "fake-instagram-secret",
        redirect_uris: tuple[str, ...] = (),
    ) -> None:
        super().__init__()
        self.app_id = app_id
        self.app_secret = app_secret
        self.redirect_uris = set(redirect_uris)  # empty: any
        self.user: dict[str, Any] = {
            "id": "26900000000000001",  # app-scoped id
            "user_id": "17841400000000001",  # the professional account id (IG_ID)
            "username": "hooklab",
            "name": "Hook Lab",
            "account_type": "BUSINESS",
            "profile_picture_url": "https://scontent.example/avatar.jpg",
        }
        self.user_grants: set[str] | None = None  # None: the user grants all that is asked
        self.flat_token_answer = False
        self.quota_total = 50
        self.quota_endpoint = True  # False: content_publishing_limit is refused (code 100)
        self.rate_limit_minutes = 1
        self.fetch_timeout_s = 5.0
        self.drop_publish_answer = False
        # State.
        self.codes: dict[str, dict[str, Any]] = {}
        self.authorizations: list[dict[str, str]] = []
        self.containers: dict[str, Container] = {}
        self.media: dict[str, Media] = {}
        self.republish_attempts = 0
        self._serial = 0

    # --- controls ---------------------------------------------------------------------------

    def container_count(self) -> int:
        with self.lock:
            return len(self.containers)

    def live_media_ids(self) -> list[str]:
        with self.lock:
            return list(self.media)

    def only_container(self) -> Container:
        with self.lock:
            assert len(self.containers) == 1, list(self.containers)
            return next(iter(self.containers.values()))

    def publish_calls(self) -> int:
        """media_publish requests received (whatever came of them)."""
        with self.lock:
            return sum(
                1 for r in self.requests if r.method == "POST" and r.path.endswith("/media_publish")
            )

    def record_publishes(self, count: int) -> None:
        """Pretend `count` posts were published through the API in the last hours."""
        with self.lock:
            for _ in range(count):
                media_id = self._id("1805")
                self.media[media_id] = Media(
                    id=media_id,
                    user_id=self.user["user_id"],
                    caption="earlier post",
                    container_id="",
                    published_at=self.now() - 3600,
                    permalink=f"https://www.instagram.com/reel/{media_id}/",
                )

    def dispatch(self, request: Request) -> Response | None:
        response = super().dispatch(request)
        if response is not None and response.headers.get(HANG_UP):
            return None  # close the connection without an answer
        return response

    # --- envelopes --------------------------------------------------------------------------

    def _id(self, prefix: str) -> str:
        with self.lock:
            self._serial += 1
            return f"{prefix}{self._serial:013d}"

    def graph_error(
        self,
        code: int,
        message: str,
        *,
        subcode: int | None = None,
        status: int = 400,
        kind: str = "OAuthException",
        transient: bool = False,
        headers: dict[str, str] | None = None,
    ) -> Response:
        error: dict[str, Any] = {
            "message": message,
            "type": kind,
            "code": code,
            "fbtrace_id": f"A{secrets.token_hex(8)}",
        }
        if subcode is not None:
            error["error_subcode"] = subcode
        if transient:
            error["is_transient"] = True
        return Response.json({"error": error}, status, headers)

    def flat_error(self, message: str, status: int = 400) -> Response:
        return Response.json(
            {"error_type": "OAuthException", "code": status, "error_message": message}, status
        )

    def error_response(self, kind: str, request: Request) -> Response:
        status = int(kind) if kind.isdigit() else 500
        if status == 401:
            return self.graph_error(190, "Error validating access token", subcode=463)
        if status == 403:
            return self.graph_error(10, "Application does not have permission for this action")
        if status == 429:
            usage = {
                self.user["user_id"]: [
                    {
                        "type": "instagram",
                        "call_count": 100,
                        "total_cputime": 20,
                        "total_time": 30,
                        "estimated_time_to_regain_access": self.rate_limit_minutes,
                    }
                ]
            }
            return self.graph_error(
                4,
                "Application request limit reached",
                kind="IGApiException",
                transient=True,
                headers={"X-Business-Use-Case-Usage": json.dumps(usage)},
            )
        return self.graph_error(
            2,
            "Service temporarily unavailable",
            status=status,
            kind="OAuthException",
            transient=True,
        )

    # --- tokens -----------------------------------------------------------------------------

    def _issue(self, kind: str, ttl_s: int, permissions: tuple[str, ...]) -> str:
        token = ("IGQV" if kind == "long" else "IGAA") + secrets.token_urlsafe(24)
        with self.lock:
            self.access_tokens[token] = {
                "subject": self.user["user_id"],
                "kind": kind,
                "issued_at": self.now(),
                "expires_at": self.now() + ttl_s,
                "permissions": permissions,
            }
        return token

    @staticmethod
    def _token_of(request: Request) -> str:
        value = request.headers.get("authorization", "")
        if value.lower().startswith(("bearer ", "oauth ")):
            return value.split(" ", 1)[1].strip()
        return request.query.get("access_token") or request.form().get("access_token", "")

    def _caller(self, request: Request) -> dict[str, Any] | Response:
        token = self._token_of(request)
        with self.lock:
            entry = self.access_tokens.get(token)
            if entry is None:
                return self.graph_error(
                    190, "Invalid OAuth access token - Cannot parse access token"
                )
            if entry["expires_at"] < self.now():
                return self.graph_error(
                    190, "Error validating access token: Session has expired", subcode=463
                )
            return entry

    # --- OAuth ------------------------------------------------------------------------------

    @route("GET", "/oauth/authorize")
    def authorize(self, request: Request) -> Response:
        q = request.query
        self.authorizations.append(dict(q))
        redirect_uri = q.get("redirect_uri", "")
        if q.get("client_id") != self.app_id:
            return Response.json({"error": "invalid client_id"}, 400)
        if not redirect_uri or (self.redirect_uris and redirect_uri not in self.redirect_uris):
            return Response.json({"error": "redirect_uri does not match"}, 400)
        if q.get("response_type") != "code":
            return Response.json({"error": "response_type"}, 400)
        state = q.get("state", "")
        asked = [s for s in q.get("scope", "").split(",") if s]
        if not asked or any(s not in ALL_PERMISSIONS for s in asked):
            return self._redirect(
                redirect_uri, error="invalid_scope", error_reason="invalid_scope", state=state
            )
        granted = [s for s in asked if self.user_grants is None or s in self.user_grants]
        code = secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = {"redirect_uri": redirect_uri, "permissions": tuple(granted)}
        return self._redirect(redirect_uri, code=code, state=state)

    @staticmethod
    def _redirect(uri: str, **params: str) -> Response:
        joiner = "&" if "?" in uri else "?"
        return Response(302, b"", {"Location": uri + joiner + urlencode(params) + "#_"})

    @route("POST", "/oauth/access_token")
    def exchange(self, request: Request) -> Response:
        form = request.form()
        if form.get("client_id") != self.app_id or form.get("client_secret") != self.app_secret:
            return self.flat_error("Invalid platform app")
        if form.get("grant_type") != "authorization_code":
            return self.flat_error("Invalid grant_type")
        with self.lock:
            entry = self.codes.pop(form.get("code", ""), None)
        if entry is None:
            return self.flat_error("Matching code was not found or was already used")
        if form.get("redirect_uri") != entry["redirect_uri"]:
            return self.flat_error("Error validating verification code")
        token = self._issue("short", SHORT_TTL_S, entry["permissions"])
        answer = {
            "access_token": token,
            "user_id": int(self.user["user_id"]),
            "permissions": ",".join(entry["permissions"]),
        }
        return Response.json(answer if self.flat_token_answer else {"data": [answer]})

    @route("GET", "/access_token")
    def long_lived(self, request: Request) -> Response:
        q = request.query
        if q.get("grant_type") != "ig_exchange_token":
            return self.graph_error(100, "Invalid grant_type", kind="IGApiException")
        if q.get("client_secret") != self.app_secret:
            return self.graph_error(101, "Error validating client secret")
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        token = self._issue("long", LONG_TTL_S, caller["permissions"])
        return Response.json(
            {"access_token": token, "token_type": "bearer", "expires_in": LONG_TTL_S}
        )

    @route("GET", "/refresh_access_token")
    def refresh(self, request: Request) -> Response:
        if request.query.get("grant_type") != "ig_refresh_token":
            return self.graph_error(100, "Invalid grant_type", kind="IGApiException")
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        if caller["kind"] != "long":
            return self.graph_error(190, "Only long-lived tokens can be refreshed")
        if self.now() - caller["issued_at"] < DAY_S:
            return self.graph_error(
                100,
                "The access token can only be refreshed once it is at least 24 hours old",
                kind="IGApiException",
            )
        token = self._issue("long", LONG_TTL_S, caller["permissions"])
        return Response.json(
            {"access_token": token, "token_type": "bearer", "expires_in": LONG_TTL_S}
        )

    # --- Graph ------------------------------------------------------------------------------

    def _path(self, request: Request) -> tuple[str, str] | Response:
        parts = [p for p in request.path.split("/") if p]
        if not parts or not VERSION.match(parts[0]) or len(parts) not in (2, 3):
            return self.graph_error(
                100, f"Unknown path components: {request.path}", kind="IGApiException"
            )
        return parts[1], parts[2] if len(parts) == 3 else ""

    @route("GET", "/v")
    def graph_get(self, request: Request) -> Response:
        where = self._path(request)
        if isinstance(where, Response):
            return where
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        node, edge = where
        fields = [f for f in request.query.get("fields", "").split(",") if f]
        with self.lock:
            if node in ("me", self.user["user_id"]) and not edge:
                return self._fields(self.user, fields, default=("id",))
            if node == self.user["user_id"] and edge == "content_publishing_limit":
                return self._publishing_limit()
            if node == self.user["user_id"] and edge == "media":
                return self._media_list(request, fields)
            if node in self.containers and not edge:
                return self._container_status(self.containers[node])
            if node in self.media and not edge:
                return self._fields(self._media_fields(self.media[node]), fields, default=("id",))
        return self.graph_error(
            100,
            f"Unsupported get request. Object with ID '{node}' does not exist",
            subcode=33,
            kind="IGApiException",
        )

    @route("POST", "/v")
    def graph_post(self, request: Request) -> Response:
        where = self._path(request)
        if isinstance(where, Response):
            return where
        caller = self._caller(request)
        if isinstance(caller, Response):
            return caller
        node, edge = where
        if node not in ("me", self.user["user_id"]) or edge not in ("media", "media_publish"):
            return self.graph_error(100, "Unsupported post request", kind="IGApiException")
        if PUBLISH_PERMISSION not in caller["permissions"] or (
            self.user["account_type"] == "PERSONAL"
        ):
            return self.graph_error(10, "Application does not have permission for this action")
        params = {**request.form(), **request.query}
        if edge == "media":
            return self._create_container(params)
        return self._media_publish(params)

    def _fields(
        self, record: dict[str, Any], fields: list[str], *, default: tuple[str, ...]
    ) -> Response:
        unknown = [f for f in fields if f not in record]
        if unknown:
            return self.graph_error(
                100, f"Tried accessing nonexisting field ({unknown[0]})", kind="IGApiException"
            )
        return Response.json({name: record[name] for name in (fields or list(default))})

    def _publishing_limit(self) -> Response:
        if not self.quota_endpoint:
            return self.graph_error(100, "Unsupported get request", kind="IGApiException")
        return Response.json(
            {
                "data": [
                    {
                        "quota_usage": self._published_last_day(),
                        "config": {"quota_total": self.quota_total, "quota_duration": DAY_S},
                    }
                ]
            }
        )

    def _published_last_day(self) -> int:
        return sum(1 for m in self.media.values() if self.now() - m.published_at < DAY_S)

    def _media_fields(self, media: Media) -> dict[str, Any]:
        return {
            "id": media.id,
            "caption": media.caption,
            "permalink": media.permalink,
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(media.published_at)),
            "media_type": "VIDEO",
            "media_product_type": media.product_type,
        }

    def _media_list(self, request: Request, fields: list[str]) -> Response:
        limit = int(request.query.get("limit") or 25)
        newest = sorted(self.media.values(), key=lambda m: -m.published_at)[:limit]
        rows = [self._media_fields(m) for m in newest]
        return Response.json(
            {"data": [{k: row[k] for k in (fields or ["id"]) if k in row} for row in rows]}
        )

    # --- publishing -------------------------------------------------------------------------

    def _create_container(self, params: dict[str, str]) -> Response:
        if params.get("media_type") != "REELS":
            return self.graph_error(
                100, "media_type must be REELS for videos", kind="IGApiException"
            )
        video_url = params.get("video_url", "")
        if not video_url:
            return self.graph_error(100, "video_url is required", kind="IGApiException")
        caption = params.get("caption", "")
        if len(caption) > 2200:
            return self.graph_error(
                100, "The caption is longer than 2200 characters", kind="IGApiException"
            )
        if len(HASHTAG.findall(caption)) > 30 or len(MENTION.findall(caption)) > 20:
            return self.graph_error(
                100, "Too many hashtags or mentions", subcode=2207040, kind="IGApiException"
            )
        thumb = params.get("thumb_offset")
        if thumb is not None and (not thumb.isdigit()):
            return self.graph_error(
                1, "thumb_offset must be a non-negative integer", subcode=2207057
            )
        collaborators: list[str] = []
        if params.get("collaborators"):
            try:
                collaborators = json.loads(params["collaborators"])
            except ValueError:
                collaborators = []
            if not isinstance(collaborators, list) or len(collaborators) > 3:
                return self.graph_error(100, "At most 3 collaborators", kind="IGApiException")
        container = Container(
            id=self._id("1795"),
            user_id=self.user["user_id"],
            video_url=video_url,
            caption=caption,
            share_to_feed=params.get("share_to_feed", "true") != "false",
            thumb_offset=int(thumb) if thumb is not None else None,
            collaborators=[str(c) for c in collaborators],
            created_at=self.now(),
            processing_left=self.processing_polls,
        )
        self._download(container)
        with self.lock:
            self.containers[container.id] = container
        return Response.json({"id": container.id})

    def _download(self, container: Container) -> None:
        """What Meta's fetcher does with `video_url`: download it and look at the bytes."""
        digest = hashlib.sha256()
        try:
            with urllib.request.urlopen(
                container.video_url, timeout=self.fetch_timeout_s
            ) as answer:
                if answer.status != 200:
                    container.error_subcode = 2207052
                    return
                head = b""
                while block := answer.read(1024 * 1024):
                    if len(head) < 12:
                        head += block[:12]
                    digest.update(block)
                    container.fetched_bytes += len(block)
        except (urllib.error.URLError, OSError, ValueError):
            container.error_subcode = 2207052
            return
        container.fetched_sha256 = digest.hexdigest()
        if head[4:8] != b"ftyp":
            container.error_subcode = 2207026

    def _container_status(self, c: Container) -> Response:
        if c.status_code in ("IN_PROGRESS", "FINISHED") and self.now() - c.created_at > DAY_S:
            c.status_code, c.status = "EXPIRED", "Expired: not published within 24 hours"
        if c.status_code == "IN_PROGRESS":
            if c.processing_left > 0:
                c.processing_left -= 1
            elif c.error_subcode is not None:
                c.status_code = "ERROR"
                c.status = f"Error: Media upload has failed with error code {c.error_subcode}"
            else:
                c.status_code, c.status = "FINISHED", "Finished: Media has been uploaded"
        return Response.json({"status_code": c.status_code, "status": c.status, "id": c.id})

    def _media_publish(self, params: dict[str, str]) -> Response:
        with self.lock:
            c = self.containers.get(params.get("creation_id", ""))
            if c is None:
                return self.graph_error(
                    100, "Unsupported post request (creation_id)", kind="IGApiException"
                )
            if c.status_code == "PUBLISHED":
                self.republish_attempts += 1
                return self.graph_error(
                    100, "The container has already been published", kind="IGApiException"
                )
            if c.status_code == "EXPIRED":
                return self.graph_error(-2, "The container has expired", subcode=2207020)
            if c.status_code != "FINISHED":
                return self.graph_error(
                    9007, "Media ID is not available", subcode=2207027, kind="IGApiException"
                )
            if self._published_last_day() >= self.quota_total:
                return self.graph_error(
                    9,
                    "The maximum number of posts published via the API in 24 hours was reached",
                    subcode=2207042,
                    kind="IGApiException",
                )
            media_id = self._id("1805")
            self.media[media_id] = Media(
                id=media_id,
                user_id=c.user_id,
                caption=c.caption,
                container_id=c.id,
                published_at=self.now(),
                permalink=f"https://www.instagram.com/reel/C{secrets.token_urlsafe(8)}/",
            )
            c.status_code, c.status, c.media_id = "PUBLISHED", "Published", media_id
            if self.drop_publish_answer:
                self.drop_publish_answer = False
                return Response(200, b"", {HANG_UP: "1"})  # it happened; the answer is lost
        return Response.json({"id": media_id})


class FileServer:
    """shortops' side of the pull: serves files at signed paths, like MediaFile.public_url."""

    def __init__(self) -> None:
        self.files: dict[str, Path] = {}
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                server.hits.append(path)
                found = server.files.get(path)
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Content-Length", str(found.stat().st_size))
                self.end_headers()
                with found.open("rb") as file:
                    while block := file.read(1024 * 1024):
                        self.wfile.write(block)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def publish(self, path: Path) -> str:
        """A signed-looking URL serving `path`."""
        signed = f"/media/{secrets.token_urlsafe(8)}/{path.name}"
        self.files[signed] = path
        return f"{self.url}{signed}?{urlencode({'expires': '9999999999', 'sig': 'x'})}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(url.split("?", 1)[1] if "?" in url else "").items()}
