"""A fake YouTube (Google OAuth + Data API v3) on loopback, after API_CONTRACTS.md section 2.9.

What it emulates:

- Google OAuth: `GET /o/oauth2/v2/auth` approves at once and redirects to `redirect_uri` with a
  code and the state (remembering the PKCE challenge); `POST /token` for `authorization_code`
  (client secret, redirect URI and PKCE verifier checked; a refresh token only with
  `access_type=offline`) and `refresh_token` (a new access token, the refresh token is NOT
  rotated and not repeated in the answer); `invalid_grant` for unknown or revoked tokens;
  `POST /revoke`.
- `GET /youtube/v3/channels?part=snippet&mine=true`.
- videos.insert over the resumable protocol: `POST /upload/youtube/v3/videos?uploadType=resumable`
  checks the metadata like YouTube (part, title ≤ 100 characters without < >, description ≤ 5000
  UTF-8 bytes, tags ≤ 500 characters, publishAt only with private, the MIME type) and answers 200
  with a session URL in `Location`; `PUT <session>` with `Content-Range: bytes S-E/TOTAL` stores
  bytes and answers 308 with `Range: bytes=0-N` (no Range while empty), the last chunk 200 with
  the video resource; `Content-Range: bytes */TOTAL` asks what the session holds.
- `GET /youtube/v3/videos?part=…&id=…`: the video's status moves from uploaded/processing to
  processed after `processing_polls` polls, or to failed/rejected (`outcomes`).
- Google error bodies for faults (`fail_next` kinds "401", "403", "429", "500", "503" and the
  reasons "quotaExceeded", "rateLimitExceeded", "uploadLimitExceeded").
- A quota ledger per Pacific day: 10 000 units, videos.insert 1600 (the older cost table); set
  `insert_calls_per_day` for the newer model (a separate bucket of 100 insert calls).
- Upload faults: `fail_chunk(kind, nth=…, keep=…)` breaks a data PUT after storing `keep` bytes
  of it ("drop" closes the connection, "500"/"503" answer an error); a `fail_next("drop")` that
  hits a data PUT keeps the bytes it received, like a connection that broke on the way back;
  `fail_session_queries(kind, times)` breaks the `bytes */N` queries; `expire_session(url)`.
- `unverified_project = True` keeps every upload private (audit lock).
- Metric reads (2.4, 2.6): `videos.list` with `statistics` (**strings**, growing with the video's
  age on the fake's clock; `likeCount` left out when `hidden_likes`), `contentDetails.duration`
  (ISO 8601) and at most 50 ids (400 beyond); `channels.list` with `statistics` and
  `contentDetails.relatedPlaylists.uploads`; `playlistItems.list` of the uploads playlist,
  newest first, `maxResults` ≤ 50 (default 5) and opaque page tokens (400 `invalidPageToken`);
  each charged on the quota ledger (playlistItems.list: 1 unit, unconfirmed).
- YouTube Analytics `GET /v2/reports`: `ids`, `startDate`/`endDate` (YYYY-MM-DD), known
  `metrics` and the dimensions `video` / `creatorContentType` only (400 `badRequest` for
  anything else), `filters=video==a,b`;
  `columnHeaders` + `rows`; a video younger than `analytics_lag_s` has no row yet; needs
  youtube.readonly or yt-analytics.readonly (403 `insufficientPermissions`); not charged to the
  Data API quota (separate, unconfirmed).
- Public reads with an API key (`key=`, no bearer token): `channels.list` by `forHandle` (with or
  without @, case-insensitive) or `id`, `playlistItems.list` and `videos.list` of the channel's
  public videos; a key not in `api_keys` answers 400 `keyInvalid` like Google.
- `seed_videos(n)` puts n processed videos on the channel (one an hour back, newest first) and
  `delete_video(id)` takes one away: it leaves every answer.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit
from zoneinfo import ZoneInfo

from tests.fakes.base import FakeServer, Request, Response, grown_counters, route

AUTH_PATH = "/o/oauth2/v2/auth"
TOKEN_PATH = "/token"
REVOKE_PATH = "/revoke"
CHANNELS_PATH = "/youtube/v3/channels"
VIDEOS_PATH = "/youtube/v3/videos"
UPLOAD_PATH = "/upload/youtube/v3/videos"
PLAYLIST_ITEMS_PATH = "/youtube/v3/playlistItems"
REPORTS_PATH = "/v2/reports"
READ_SCOPES = {
    "https://www.googleapis.com/auth/youtube",
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/youtube.force-ssl",
}
# reports.query's scopes (youtubeAnalytics discovery document).
ANALYTICS_SCOPES = {
    "https://www.googleapis.com/auth/youtube",
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/youtubepartner",
    "https://www.googleapis.com/auth/yt-analytics.readonly",
    "https://www.googleapis.com/auth/yt-analytics-monetary.readonly",
}
ANALYTICS_METRICS = {
    "views": "INTEGER",
    "engagedViews": "INTEGER",
    "estimatedMinutesWatched": "INTEGER",
    "averageViewDuration": "INTEGER",
    "averageViewPercentage": "FLOAT",
    "likes": "INTEGER",
    "dislikes": "INTEGER",
    "comments": "INTEGER",
    "shares": "INTEGER",
    "subscribersGained": "INTEGER",
    "subscribersLost": "INTEGER",
}
# The fake serves these two; any other dimension (`day` …) is answered 400 like an unknown one.
ANALYTICS_DIMENSIONS = {"video", "creatorContentType"}
MAX_IDS = 50

ACCESS_TTL_S = 3600
REFRESH_TTL_S = 200 * 86400
UPLOAD_PARTS = {"snippet", "status", "recordingDetails", "localizations"}
LIST_PARTS = {
    "snippet",
    "status",
    "processingDetails",
    "contentDetails",
    "statistics",
    "fileDetails",
    "player",
    "id",
}
CHANNEL_PARTS = {"snippet", "statistics", "contentDetails", "brandingSettings", "status", "id"}
DEFAULT_COSTS = {
    "videos.insert": 1600,
    "videos.list": 1,
    "channels.list": 1,
    "playlistItems.list": 1,
}
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
_QUERY = re.compile(r"bytes \*/(\d+|\*)")
STATUS_TEXT = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def google_error(
    status: int,
    reason: str,
    message: str,
    *,
    domain: str = "youtube.api",
    headers: dict[str, str] | None = None,
) -> Response:
    """Google's API error envelope (API_CONTRACTS.md 2.8)."""
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": domain, "reason": reason}],
            "status": STATUS_TEXT.get(status, "UNKNOWN"),
        }
    }
    return Response.json(body, status, headers)


def oauth_error(status: int, error: str, description: str) -> Response:
    return Response.json({"error": error, "error_description": description}, status)


@dataclass
class Session:
    upload_id: str
    subject: str
    metadata: dict[str, Any]
    total: int
    content_type: str
    received: bytearray = field(default_factory=bytearray)
    video_id: str | None = None
    expired: bool = False


@dataclass
class ChunkFault:
    kind: str  # "drop" | "500" | "503"
    nth: int  # 1 = the next data PUT
    keep: int | None  # bytes of the chunk stored before the fault; None = all received


@dataclass
class Video:
    id: str
    subject: str
    data: bytes
    snippet: dict[str, Any]
    status: dict[str, Any]
    processing_polls: int
    outcome: tuple[str, str] | None  # ("failed", "codec"), ("rejected", "duplicate") …
    created_at: float = 0.0  # on the fake's clock
    duration_s: int = 2
    polls: int = 0
    hidden_likes: bool = False
    deleted: bool = False

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class FakeYouTube(FakeServer):
    platform = "youtube"
    # Handed back by handlers to close the connection without an answer (a broken chunk).
    DROP = Response(status=0)

    def __init__(
        self,
        *,
        client_id: str = "yt-client-id.apps.googleusercontent.com",
        client_secret: str = "yt-client-secret",
        redirect_uri: str = "https://shortops.test/accounts/callback/youtube",
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.user = "google-user-1"
        self.channel = {
            "id": "UCfakeChannel0000000001",
            "title": "Hook Lab",
            "customUrl": "@hooklab",
        }
        # What the user grants on the consent screen (None: everything asked for).
        self.granted_scopes: tuple[str, ...] | None = None
        self.codes: dict[str, dict[str, Any]] = {}
        self.token_answers: list[dict[str, Any]] = []
        self.sessions: dict[str, Session] = {}
        self.videos: dict[str, Video] = {}
        self.chunk_faults: list[ChunkFault] = []
        self.session_query_faults: list[str] = []
        self.drop_keeps_bytes = True
        # The outcome of processing for the next uploads, in order (default: processed).
        self.outcomes: list[tuple[str, str]] = []
        self.unverified_project = False
        self.quota_per_day = 10_000
        self.costs = dict(DEFAULT_COSTS)
        self.insert_calls_per_day: int | None = None
        self.quota_used = 0
        self.insert_calls = 0
        self.quota_day = pacific_day()
        self.data_puts = 0
        self.session_queries = 0
        self.analytics_lag_s = 0.0
        # API keys accepted for public reads (`key=`).
        self.api_keys: set[str] = set()
        super().__init__()

    # --- controls ---------------------------------------------------------------------------

    def fail_chunk(self, kind: str = "drop", *, nth: int = 1, keep: int | None = None) -> None:
        """Break the nth data PUT from now after storing `keep` bytes of it (None: all)."""
        with self.lock:
            self.chunk_faults.append(ChunkFault(kind, self.data_puts + nth, keep))

    def fail_session_queries(self, kind: str = "503", *, times: int = 1) -> None:
        """The next `times` status queries (`bytes */N`) get fault `kind` ("503", "drop" …)."""
        with self.lock:
            self.session_query_faults.extend([kind] * times)

    def expire_session(self, session_url: str) -> None:
        upload_id = parse_qs(urlsplit(session_url).query).get("upload_id", [""])[0]
        with self.lock:
            self.sessions[upload_id].expired = True

    def uploads(self) -> int:
        """Upload sessions opened (videos.insert calls YouTube accepted)."""
        with self.lock:
            return len(self.sessions)

    def live_posts(self) -> list[str]:
        with self.lock:
            return [
                v.id
                for v in self.videos.values()
                if v.status["uploadStatus"] == "processed" and not v.deleted
            ]

    def seed_videos(self, count: int, *, duration_s: int = 30) -> list[str]:
        """`count` processed public videos on the channel, an hour apart; ids newest first."""
        with self.lock:
            made = []
            for age in range(count, 0, -1):
                created = self.now() - age * 3600
                video_id = f"s{len(self.videos) + 1:010d}"
                self.videos[video_id] = Video(
                    id=video_id,
                    subject=self.user,
                    data=b"",
                    snippet={
                        "title": f"Seeded video {video_id}",
                        "description": "",
                        "channelId": self.channel["id"],
                        "publishedAt": _rfc3339(created),
                    },
                    status={"privacyStatus": "public", "uploadStatus": "processed"},
                    processing_polls=0,
                    outcome=None,
                    created_at=created,
                    duration_s=duration_s,
                )
                made.append(video_id)
        return made[::-1]

    def delete_video(self, video_id: str) -> None:
        with self.lock:
            self.videos[video_id].deleted = True

    # --- errors -----------------------------------------------------------------------------

    def error_response(self, kind: str, request: Request) -> Response:
        if request.path == TOKEN_PATH:
            status = int(kind) if kind.isdigit() else 400
            return oauth_error(status, "internal_failure" if status >= 500 else kind, kind)
        if kind == "401":
            return self._auth_error()
        if kind == "403":
            return google_error(403, "forbidden", "Forbidden", domain="global")
        if kind == "insufficientPermissions":
            return self._scope_error()
        if kind in ("429", "rateLimitExceeded"):
            status = 429 if kind == "429" else 403
            return google_error(
                status,
                "rateLimitExceeded",
                "The request cannot be completed because you have exceeded your quota.",
                headers={"Retry-After": str(self.retry_after_s)},
            )
        if kind == "quotaExceeded":
            return self._quota_error()
        if kind == "uploadLimitExceeded":
            return google_error(
                400, "uploadLimitExceeded", "The user has exceeded the number of videos they may "
                "upload.", domain="youtube.video"
            )  # fmt: skip
        if kind == "503":
            return google_error(503, "backendError", "The service is currently unavailable.")
        return google_error(500, "backendError", "Backend Error")

    def _quota_error(self) -> Response:
        return google_error(
            403,
            "quotaExceeded",
            "The request cannot be completed because you have exceeded your "
            '<a href="/youtube/v3/getting-started#quota">quota</a>.',
            domain="youtube.quota",
        )

    def _scope_error(self) -> Response:
        return google_error(
            403,
            "insufficientPermissions",
            "Request had insufficient authentication scopes.",
            domain="global",
        )

    def _bad_request(self, reason: str, message: str) -> Response:
        return google_error(400, reason, message, domain="youtube.video")

    # --- dispatch: faults that hit a data PUT keep its bytes ----------------------------------

    def dispatch(self, request: Request) -> Response | None:
        if self._is_data_put(request):
            with self.lock:
                fault = next(
                    (
                        f
                        for f in self.faults
                        if f.endpoint is None or request.path.startswith(f.endpoint)
                    ),
                    None,
                )
                if fault is not None and fault.kind == "drop" and self.drop_keeps_bytes:
                    self._take_fault(request)
                    self.requests.append(request)
                    self.chunk_faults.append(ChunkFault("drop", self.data_puts + 1, None))
                    stored = self._upload_put(request)
                    return None if stored is self.DROP else stored
        answer = super().dispatch(request)
        return None if answer is self.DROP else answer

    def _is_data_put(self, request: Request) -> bool:
        return (
            request.method == "PUT"
            and request.path == UPLOAD_PATH
            and not _QUERY.fullmatch(request.headers.get("content-range", ""))
        )

    # --- OAuth ------------------------------------------------------------------------------

    @route("GET", AUTH_PATH)
    def authorize(self, request: Request) -> Response:
        q = request.query
        if q.get("client_id") != self.client_id:
            return Response(400, b"Error 401: invalid_client")
        if q.get("redirect_uri") != self.redirect_uri:
            return Response(400, b"Error 400: redirect_uri_mismatch")
        if q.get("response_type") != "code" or not q.get("scope"):
            return Response(400, b"Error 400: invalid_request")
        if q.get("code_challenge") and q.get("code_challenge_method") != "S256":
            return Response(400, b"Error 400: invalid_request (code_challenge_method)")
        asked = tuple(q["scope"].split())
        granted = asked if self.granted_scopes is None else self.granted_scopes
        code = "4/" + secrets.token_urlsafe(16)
        with self.lock:
            self.codes[code] = {
                "subject": self.user,
                "redirect_uri": q["redirect_uri"],
                "challenge": q.get("code_challenge"),
                "offline": q.get("access_type") == "offline",
                "scopes": granted,
            }
        back = {"code": code, "scope": " ".join(granted)}
        if "state" in q:
            back["state"] = q["state"]
        return Response(302, b"", {"Location": f"{q['redirect_uri']}?{urlencode(back)}"})

    @route("POST", TOKEN_PATH)
    def token(self, request: Request) -> Response:
        form = request.form()
        if form.get("client_id") != self.client_id or form.get("client_secret") != (
            self.client_secret
        ):
            return oauth_error(401, "invalid_client", "The OAuth client was not found.")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            return self._exchange(form)
        if grant == "refresh_token":
            return self._refresh(form)
        return oauth_error(400, "unsupported_grant_type", f"Invalid grant_type: {grant}")

    def _exchange(self, form: dict[str, str]) -> Response:
        with self.lock:
            entry = self.codes.pop(form.get("code", ""), None)
        if entry is None:
            return oauth_error(400, "invalid_grant", "Malformed auth code.")
        if form.get("redirect_uri") != entry["redirect_uri"]:
            return oauth_error(400, "redirect_uri_mismatch", "Bad Request")
        if entry["challenge"]:
            verifier = form.get("code_verifier", "")
            digest = hashlib.sha256(verifier.encode()).digest()
            if base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != entry["challenge"]:
                return oauth_error(400, "invalid_grant", "Invalid code verifier.")
        issued = self.issue_tokens(
            entry["subject"], access_ttl_s=ACCESS_TTL_S, refresh_ttl_s=REFRESH_TTL_S
        )
        with self.lock:
            for kind in ("access_token", "refresh_token"):
                tokens = self.access_tokens if kind == "access_token" else self.refresh_tokens
                tokens[issued[kind]]["scopes"] = tuple(entry["scopes"])
        answer: dict[str, Any] = {
            "access_token": issued["access_token"],
            "expires_in": ACCESS_TTL_S - 1,
            "scope": " ".join(entry["scopes"]),
            "token_type": "Bearer",
        }
        if entry["offline"]:
            answer["refresh_token"] = issued["refresh_token"]
        else:
            with self.lock:
                self.refresh_tokens.pop(issued["refresh_token"], None)
        with self.lock:
            self.token_answers.append(answer)
        return Response.json(answer)

    def _refresh(self, form: dict[str, str]) -> Response:
        subject = self.use_refresh_token(form.get("refresh_token", ""), rotate=False)
        if subject is None:
            return oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        access = secrets.token_urlsafe(24)
        with self.lock:
            scopes = self.refresh_tokens[form["refresh_token"]].get("scopes", ())
            self.access_tokens[access] = {
                "subject": subject,
                "expires_at": self.now() + ACCESS_TTL_S,
                "scopes": scopes,
            }
        answer = {
            "access_token": access,
            "expires_in": ACCESS_TTL_S - 1,
            "scope": " ".join(scopes),
            "token_type": "Bearer",
        }
        with self.lock:
            self.token_answers.append(answer)
        return Response.json(answer)

    @route("POST", REVOKE_PATH)
    def revoke(self, request: Request) -> Response:
        token = request.form().get("token") or request.query.get("token", "")
        with self.lock:
            found = self.refresh_tokens.pop(token, None) or self.access_tokens.pop(token, None)
            if found is not None:  # revoking either kills the whole grant
                subject = found["subject"]
                for tokens in (self.access_tokens, self.refresh_tokens):
                    for key in [k for k, v in tokens.items() if v["subject"] == subject]:
                        del tokens[key]
        if found is None:
            return oauth_error(400, "invalid_token", "Token expired or revoked")
        return Response.json({})

    # --- Data API ---------------------------------------------------------------------------

    def _charge(self, method: str) -> Response | None:
        """Book the call on the project's quota; the error to answer when it is used up."""
        today = pacific_day()
        with self.lock:
            if today != self.quota_day:
                self.quota_day, self.quota_used, self.insert_calls = today, 0, 0
            if method == "videos.insert" and self.insert_calls_per_day is not None:
                if self.insert_calls >= self.insert_calls_per_day:
                    return self._quota_error()
                self.insert_calls += 1
                return None
            cost = self.costs.get(method, 1)
            if self.quota_used + cost > self.quota_per_day:
                self.quota_used = min(self.quota_per_day, self.quota_used + 1)
                return self._quota_error()
            self.quota_used += cost
        return None

    def _auth_error(self) -> Response:
        return google_error(
            401, "authError", "Request had invalid authentication credentials.", domain="global"
        )

    def _public(self, request: Request) -> str | Response | None:
        """With `key=` and no token: the channel's owner (public data), or Google's refusal of
        the key; None when the request has no key."""
        key = request.query.get("key")
        if key is None or request.bearer():
            return None
        if key not in self.api_keys:
            return google_error(
                400, "keyInvalid", "API key not valid. Please pass a valid API key.",
                domain="usageLimits",
            )  # fmt: skip
        return self.user

    def _reader(self, request: Request, scopes: set[str]) -> str | Response:
        """The caller of a read, or Google's refusal (expired token, missing scope)."""
        public = self._public(request)
        if public is not None:
            return public
        subject = self.token_subject(request)
        if subject is None:
            return self._auth_error()
        with self.lock:
            granted = set(self.access_tokens[request.bearer() or ""].get("scopes", ()))
        if not granted & scopes:
            return self._scope_error()
        return subject

    @route("GET", CHANNELS_PATH)
    def channels(self, request: Request) -> Response:
        public = self._public(request)
        if isinstance(public, Response):
            return public
        subject = public or self.token_subject(request)
        if subject is None:
            return self._auth_error()
        parts = set(request.query.get("part", "").split(","))
        if not request.query.get("part") or not parts <= CHANNEL_PARTS:
            return google_error(400, "missingRequiredParameter", "No filter selected.")
        charged = self._charge("channels.list")
        if charged is not None:
            return charged
        handle = request.query.get("forHandle", "").lstrip("@").casefold()
        wanted = (
            request.query.get("mine") == "true"
            or handle == self.channel["customUrl"].lstrip("@").casefold()
            or request.query.get("id") == self.channel["id"]
        )
        if not wanted:
            return Response.json({"kind": "youtube#channelListResponse", "items": []})
        channel: dict[str, Any] = {"kind": "youtube#channel", "id": self.channel["id"]}
        if "snippet" in parts:
            channel["snippet"] = {
                "title": self.channel["title"],
                "customUrl": self.channel["customUrl"],
                "thumbnails": {"default": {"url": "https://yt3.ggpht.test/avatar=s88"}},
            }
        if "contentDetails" in parts:
            channel["contentDetails"] = {"relatedPlaylists": {"uploads": self.uploads_playlist}}
        if "statistics" in parts:
            channel["statistics"] = self._channel_statistics(subject)
        return Response.json({"kind": "youtube#channelListResponse", "items": [channel]})

    @property
    def uploads_playlist(self) -> str:
        return "UU" + self.channel["id"][2:]

    def _channel_statistics(self, subject: str) -> dict[str, Any]:
        with self.lock:
            mine = [self._counters(v) for v in self._listed(subject)]
        return {
            "viewCount": str(sum(c["views"] for c in mine)),
            "subscriberCount": str(1000 + sum(c["followers_gained"] for c in mine)),
            "hiddenSubscriberCount": False,
            "videoCount": str(len(mine)),
        }

    def _listed(self, subject: str) -> list[Video]:
        """The channel's videos that are still there, newest first."""
        mine = [v for v in self.videos.values() if v.subject == subject and not v.deleted]
        return sorted(mine, key=lambda v: (-v.created_at, v.id))

    def _counters(self, video: Video) -> dict[str, int]:
        return grown_counters(video.id, self.now() - video.created_at)

    @route("GET", PLAYLIST_ITEMS_PATH)
    def playlist_items(self, request: Request) -> Response:
        subject = self._reader(request, READ_SCOPES)
        if isinstance(subject, Response):
            return subject
        q = request.query
        parts = set(q.get("part", "").split(","))
        if not q.get("part") or not parts <= {"snippet", "contentDetails", "id", "status"}:
            return google_error(400, "unexpectedPart", f"Unexpected part: {q.get('part')}")
        size = int(q.get("maxResults") or 5)
        if not 0 <= size <= MAX_IDS:
            return google_error(400, "invalidValue", "maxResults must be 0..50.")
        charged = self._charge("playlistItems.list")
        if charged is not None:
            return charged
        if q.get("playlistId") != self.uploads_playlist:
            return google_error(
                404,
                "playlistNotFound",
                "The playlist cannot be found.",
                domain="youtube.playlistItem",
            )
        offset = _offset(q.get("pageToken", ""))
        if offset is None:
            return google_error(400, "invalidPageToken", "The page token is invalid.")
        with self.lock:
            listed = self._listed(subject)
            page = listed[offset : offset + size]
            items = [self._playlist_item(v, offset + i, parts) for i, v in enumerate(page)]
        answer: dict[str, Any] = {
            "kind": "youtube#playlistItemListResponse",
            "items": items,
            "pageInfo": {"totalResults": len(listed), "resultsPerPage": size},
        }
        if offset + size < len(listed):
            answer["nextPageToken"] = _page_token(offset + size)
        return Response.json(answer)

    def _playlist_item(self, video: Video, position: int, parts: set[str]) -> dict[str, Any]:
        item: dict[str, Any] = {"kind": "youtube#playlistItem", "id": f"UExp{video.id}"}
        if "snippet" in parts:
            item["snippet"] = {
                "publishedAt": video.snippet.get("publishedAt"),
                "channelId": self.channel["id"],
                "title": video.snippet.get("title"),
                "playlistId": self.uploads_playlist,
                "position": position,
                "resourceId": {"kind": "youtube#video", "videoId": video.id},
            }
        if "contentDetails" in parts:
            item["contentDetails"] = {
                "videoId": video.id,
                "videoPublishedAt": video.snippet.get("publishedAt"),
            }
        return item

    @route("POST", UPLOAD_PATH)
    def insert(self, request: Request) -> Response:
        subject = self.token_subject(request)
        if subject is None:
            return self._auth_error()
        q = request.query
        if q.get("uploadType") != "resumable":
            return google_error(400, "badRequest", "This fake speaks the resumable protocol only.")
        charged = self._charge("videos.insert")
        if charged is not None:
            return charged
        parts = set(q.get("part", "").split(","))
        if not q.get("part") or not parts <= UPLOAD_PARTS:
            return google_error(400, "unexpectedPart", f"Unexpected part: {q.get('part')}")
        content_type = request.headers.get("x-upload-content-type", "")
        if not (content_type.startswith("video/") or content_type == "application/octet-stream"):
            return self._bad_request("invalidContentType", "Media type is not supported.")
        try:
            total = int(request.headers.get("x-upload-content-length", ""))
        except ValueError:
            return self._bad_request("badContent", "X-Upload-Content-Length is required.")
        metadata = request.json()
        problem = self._check_metadata(metadata, parts)
        if problem is not None:
            return problem
        upload_id = "ADPycd" + secrets.token_urlsafe(12)
        with self.lock:
            self.sessions[upload_id] = Session(upload_id, subject, metadata, total, content_type)
        session_query = urlencode(
            {"uploadType": "resumable", "part": q["part"], "upload_id": upload_id}
        )
        location = f"{self.url}{UPLOAD_PATH}?{session_query}"
        return Response(200, b"", {"Location": location, "X-GUploader-UploadID": upload_id})

    def _check_metadata(self, metadata: dict[str, Any], parts: set[str]) -> Response | None:
        snippet = metadata.get("snippet") or {}
        status = metadata.get("status") or {}
        if "snippet" not in parts or not isinstance(snippet, dict):
            return self._bad_request("invalidTitle", "The request must specify a video title.")
        title = snippet.get("title")
        if not isinstance(title, str) or not title.strip():
            return self._bad_request(
                "invalidTitle", "The request metadata specifies an empty title."
            )
        if len(title) > 100 or "<" in title or ">" in title:
            return self._bad_request(
                "invalidTitle", "The request metadata specifies an invalid title."
            )
        description = snippet.get("description", "")
        if len(description.encode()) > 5000 or "<" in description or ">" in description:
            return self._bad_request(
                "invalidDescription", "The request metadata specifies an invalid description."
            )
        tags = snippet.get("tags") or []
        counted = sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1)
        if counted > 500:
            return self._bad_request("invalidTags", "The request metadata specifies invalid tags.")
        if not str(snippet.get("categoryId", "22")).isdigit():
            return self._bad_request("invalidCategoryId", "The category does not exist.")
        privacy = status.get("privacyStatus", "public")
        if privacy not in ("public", "unlisted", "private"):
            return self._bad_request("invalidVideoMetadata", "Invalid privacy status.")
        if "publishAt" in status:
            if privacy != "private":
                return self._bad_request(
                    "invalidPublishAt", "publishAt can only be set for a private video."
                )
            try:
                when = datetime.fromisoformat(str(status["publishAt"]).replace("Z", "+00:00"))
            except ValueError:
                return self._bad_request("invalidPublishAt", "Invalid publishAt.")
            if when <= datetime.now(UTC):
                return self._bad_request("invalidPublishAt", "publishAt is in the past.")
        return None

    # --- the resumable session --------------------------------------------------------------

    @route("PUT", UPLOAD_PATH)
    def upload_put(self, request: Request) -> Response:
        return self._upload_put(request)

    def _upload_put(self, request: Request) -> Response:
        with self.lock:
            session = self.sessions.get(request.query.get("upload_id", ""))
            if session is None or session.expired:
                return google_error(404, "notFound", "The upload session was not found.")
            content_range = request.headers.get("content-range", "")
            if _QUERY.fullmatch(content_range):
                self.session_queries += 1
                if self.session_query_faults:
                    kind = self.session_query_faults.pop(0)
                    return self.DROP if kind == "drop" else self.error_response(kind, request)
                return self._session_state(session)
            self.data_puts += 1
            fault = next((f for f in self.chunk_faults if f.nth == self.data_puts), None)
            if fault is not None:
                self.chunk_faults.remove(fault)
            match = _RANGE.fullmatch(content_range)
            if content_range and match is None:
                return self._bad_request("badContent", f"Bad Content-Range: {content_range}")
            start = int(match.group(1)) if match else 0
            end = int(match.group(2)) if match else len(request.body) - 1
            if end - start + 1 != len(request.body):
                return self._bad_request("badContent", "Content-Range does not match the body.")
            if start > len(session.received):
                return self._bad_request("badContent", "The chunk leaves a gap.")
            body = request.body
            if fault is not None and fault.keep is not None:
                body = body[: fault.keep]
            if session.video_id is None:
                del session.received[start:]
                session.received += body
                if len(session.received) > session.total:
                    return self._bad_request("badContent", "More bytes than announced.")
                if len(session.received) == session.total:
                    self._create_video(session)
            if fault is not None:
                return (
                    self.DROP if fault.kind == "drop" else self.error_response(fault.kind, request)
                )
            return self._session_state(session)

    def _session_state(self, session: Session) -> Response:
        if session.video_id is not None:
            return Response.json(
                self._resource(self.videos[session.video_id], {"snippet", "status"})
            )
        if not session.received:
            return Response(308, b"")
        return Response(308, b"", {"Range": f"bytes=0-{len(session.received) - 1}"})

    def _create_video(self, session: Session) -> None:
        video_id = f"v{len(self.videos) + 1:010d}"
        snippet = dict(session.metadata.get("snippet") or {})
        snippet.setdefault("description", "")
        snippet.setdefault("categoryId", "22")
        snippet.update(
            {
                "channelId": self.channel["id"],
                "channelTitle": self.channel["title"],
                "publishedAt": _rfc3339(self.now()),
            }
        )
        status = dict(session.metadata.get("status") or {})
        status.setdefault("privacyStatus", "public")
        if self.unverified_project:
            status["privacyStatus"] = "private"
        status["uploadStatus"] = "uploaded"
        outcome = self.outcomes.pop(0) if self.outcomes else None
        self.videos[video_id] = Video(
            id=video_id,
            subject=session.subject,
            data=bytes(session.received),
            snippet=snippet,
            status=status,
            processing_polls=self.processing_polls,
            outcome=outcome,
            created_at=self.now(),
        )
        session.video_id = video_id

    @route("GET", VIDEOS_PATH)
    def videos_list(self, request: Request) -> Response:
        public = self._public(request)
        if isinstance(public, Response):
            return public
        subject = public or self.token_subject(request)
        if subject is None:
            return self._auth_error()
        parts = set(request.query.get("part", "").split(","))
        if not request.query.get("part") or not parts <= LIST_PARTS:
            return google_error(
                400, "unexpectedPart", f"Unexpected part: {request.query.get('part')}"
            )
        ids = [i for i in request.query.get("id", "").split(",") if i]
        if len(ids) > MAX_IDS:
            # The reason YouTube gives for more than 50 ids is unconfirmed.
            return google_error(400, "badRequest", "At most 50 video ids per request.")
        charged = self._charge("videos.list")
        if charged is not None:
            return charged
        items = []
        with self.lock:
            for video_id in ids:
                video = self.videos.get(video_id)
                if video is None or video.subject != subject or video.deleted:
                    continue
                if parts & {"status", "processingDetails"}:
                    self._advance(video)  # a status poll (metric reads do not move it)
                items.append(self._resource(video, parts))
        return Response.json({"kind": "youtube#videoListResponse", "items": items})

    def _advance(self, video: Video) -> None:
        """One status poll: processing for `processing_polls` polls, then the outcome."""
        if video.status["uploadStatus"] != "uploaded":
            return
        video.polls += 1
        if video.polls <= video.processing_polls:
            return
        if video.outcome is None:
            video.status["uploadStatus"] = "processed"
        elif video.outcome[0] == "failed":
            video.status.update(uploadStatus="failed", failureReason=video.outcome[1])
        elif video.outcome[0] == "rejected":
            video.status.update(uploadStatus="rejected", rejectionReason=video.outcome[1])
        elif video.outcome[0] == "processing":
            video.status["processingFailure"] = video.outcome[1]

    def _resource(self, video: Video, parts: set[str]) -> dict[str, Any]:
        resource: dict[str, Any] = {"kind": "youtube#video", "id": video.id}
        if "snippet" in parts:
            resource["snippet"] = dict(video.snippet)
        if "status" in parts:
            resource["status"] = {k: v for k, v in video.status.items() if k != "processingFailure"}
        if "statistics" in parts:
            resource["statistics"] = self._statistics(video)
        if "contentDetails" in parts:
            resource["contentDetails"] = {"duration": f"PT{video.duration_s}S"}
        if "processingDetails" in parts:
            upload_status = video.status["uploadStatus"]
            if "processingFailure" in video.status:
                details: dict[str, Any] = {
                    "processingStatus": "failed",
                    "processingFailureReason": video.status["processingFailure"],
                }
            elif upload_status == "uploaded":
                done = min(video.polls, video.processing_polls)
                details = {
                    "processingStatus": "processing",
                    "processingProgress": {
                        "partsTotal": str(video.processing_polls + 1),
                        "partsProcessed": str(done),
                    },
                }
            else:
                succeeded = upload_status == "processed"
                details = {"processingStatus": "succeeded" if succeeded else "failed"}
            resource["processingDetails"] = details
        return resource

    def _statistics(self, video: Video) -> dict[str, str]:
        """Counters as YouTube spells them: strings (2.4)."""
        counted = self._counters(video)
        stats = {
            "viewCount": str(counted["views"]),
            "likeCount": str(counted["likes"]),
            "favoriteCount": "0",
            "commentCount": str(counted["comments"]),
        }
        if video.hidden_likes:
            del stats["likeCount"]
        return stats

    # --- YouTube Analytics --------------------------------------------------------------------

    @route("GET", REPORTS_PATH)
    def reports(self, request: Request) -> Response:
        subject = self._reader(request, ANALYTICS_SCOPES)
        if isinstance(subject, Response):
            return subject
        q = request.query
        if q.get("ids") not in ("channel==MINE", f"channel=={self.channel['id']}"):
            return google_error(400, "badRequest", "Invalid ids.")
        try:
            start, end = date.fromisoformat(q["startDate"]), date.fromisoformat(q["endDate"])
        except (KeyError, ValueError):
            return google_error(400, "badRequest", "startDate and endDate are required.")
        if start > end:
            return google_error(400, "badRequest", "startDate is after endDate.")
        metrics = [m for m in q.get("metrics", "").split(",") if m]
        dimensions = [d for d in q.get("dimensions", "").split(",") if d]
        unknown = [m for m in metrics if m not in ANALYTICS_METRICS] + [
            d for d in dimensions if d not in ANALYTICS_DIMENSIONS
        ]
        if not metrics or unknown:
            return google_error(
                400,
                "badRequest",
                f"Unknown identifier ({unknown[0] if unknown else 'metrics'}) given in field "
                "parameters.",
            )
        with self.lock:
            videos = self._report_videos(subject, q.get("filters", ""))
            rows = self._report_rows(videos, metrics, dimensions)
        headers = [
            {"name": d, "columnType": "DIMENSION", "dataType": "STRING"} for d in dimensions
        ] + [{"name": m, "columnType": "METRIC", "dataType": ANALYTICS_METRICS[m]} for m in metrics]
        return Response.json(
            {"kind": "youtubeAnalytics#resultTable", "columnHeaders": headers, "rows": rows}
        )

    def _report_videos(self, subject: str, filters: str) -> list[Video]:
        """The channel's videos the report covers: those named by `video==a,b`, else all;
        a video younger than `analytics_lag_s` has no data yet."""
        named = filters.removeprefix("video==").split(",") if filters.startswith("video==") else []
        ready = [
            v for v in self._listed(subject) if self.now() - v.created_at >= self.analytics_lag_s
        ]
        return [v for v in ready if v.id in named] if named else ready

    def _report_rows(
        self, videos: list[Video], metrics: list[str], dimensions: list[str]
    ) -> list[list[Any]]:
        figures = [(v, self._analytics(v)) for v in videos]
        if "video" not in dimensions:
            totals = {m: sum(f[m] for _, f in figures) for m in metrics}
            return [[totals[m] for m in metrics]] if figures else []
        rows = []
        for video, found in figures:
            kind = "SHORTS" if video.duration_s <= 180 else "VIDEO_ON_DEMAND"
            labels = {"video": video.id, "creatorContentType": kind}
            rows.append([labels[d] for d in dimensions] + [found[m] for m in metrics])
        return rows

    def _analytics(self, video: Video) -> dict[str, Any]:
        counted = self._counters(video)
        views = counted["views"]
        average_s = counted["watch_ms"] // max(1, views) // 1000
        return {
            "views": views,
            "engagedViews": views * 9 // 10,
            "estimatedMinutesWatched": counted["watch_ms"] // 60_000,
            "averageViewDuration": average_s,
            "averageViewPercentage": round(100 * min(1.0, average_s / video.duration_s), 1),
            "likes": counted["likes"],
            "dislikes": 0,
            "comments": counted["comments"],
            "shares": counted["shares"],
            "subscribersGained": counted["followers_gained"],
            "subscribersLost": 0,
        }


def _page_token(offset: int) -> str:
    return "CA" + base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def _offset(token: str) -> int | None:
    """The offset a page token stands for (0 without one); None for a token not ours."""
    if not token:
        return 0
    try:
        raw = base64.urlsafe_b64decode(token.removeprefix("CA") + "==").decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return int(raw) if token.startswith("CA") and raw.isdigit() else None


def _rfc3339(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def pacific_day() -> str:
    """The quota day: YouTube resets the quota at midnight Pacific time."""
    return datetime.now(ZoneInfo("America/Los_Angeles")).date().isoformat()
