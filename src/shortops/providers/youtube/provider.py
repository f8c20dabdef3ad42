"""YouTube (Data API v3): Google sign-in with offline access, videos.insert over the resumable
upload protocol, processing status from videos.list. Contract notes: shared/platforms
API_CONTRACTS.md section 2; user guide: docs/platforms/youtube.md.

Publishing, step by step (see `providers/base.py` for the two-phase contract):

1. POST the video resource (title, description, privacy …) to the upload endpoint with
   `uploadType=resumable`; YouTube answers with a session URL in `Location`. That URL is recorded
   at once: it is the reference to reconcile with if anything breaks later.
2. PUT the file to the session URL, in chunks that are multiples of 256 KiB (one PUT for a file
   smaller than a chunk), each with `Content-Range`. YouTube answers 308 with `Range: bytes=0-N`
   while it waits for more, and 200/201 with the video resource when it has everything.
3. When a chunk breaks off (dropped connection, 5xx, 429), the session is asked what it holds
   (`PUT` with `Content-Range: bytes */TOTAL`, a read that changes nothing) and the upload goes on
   from the next byte it names, a bounded number of times. A session that says the upload is
   complete hands back the video resource, so a lost final answer costs nothing.
4. The video id is recorded; `check_publish` reads videos.list until processing has finished.

Metric reads (API_CONTRACTS.md 2.3, 2.4, 2.6), with their Data API quota cost:

- `fetch_post_metrics`: videos.list (`part=statistics,contentDetails,snippet`, up to 50 ids,
  1 unit) plus one YouTube Analytics `reports.query` for the same videos (lifetime watch time,
  average view duration, shares, subscribers gained; Analytics has its own quota, unconfirmed).
  A refused or failing report leaves those figures None and never loses the Data API counters;
- `list_posts`: the channel's uploads playlist (channels.list `contentDetails`, first page only)
  read with playlistItems.list, 50 a page, then videos.list for the counters: 3 units for the
  first page, 2 for the next. (search.list would cost 100 units, or one of 100 calls a day in
  the newer quota model; playlistItems.list is not in the contract's cost table: 1 unit like
  every list method, unconfirmed);
- `fetch_account_metrics`: channels.list `statistics` (1 unit).

The daily quota (10,000 units a Google Cloud project, reset at midnight Pacific time) is the
budget that matters; running out is `RateLimited` until that midnight.

No video exists until the last byte arrived, so a failure is `OutcomeUnknown` only when the last
chunk may have landed and the session cannot be asked; otherwise nothing was published and the
error is `Transient`. (A dropped *initiation* stays `OutcomeUnknown`, the rule of `Http.mutate`.)
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import re
import secrets
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import urlencode, urljoin

import httpx
from pydantic import BaseModel

from shortops.errors import N_
from shortops.kit.clock import utcnow
from shortops.providers.base import OnProgress, PostingRules, Provider, RecordTicket
from shortops.providers.counters import batches, count
from shortops.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.http import MAX_INLINE_WAIT_S, Classify, Http, json_body
from shortops.providers.types import (
    AccountMetrics,
    AppCredentials,
    AuthStart,
    Capability,
    Failed,
    Issue,
    Limits,
    Pending,
    PostMetrics,
    PostPage,
    Profile,
    Progress,
    Published,
    PublishRequest,
    PublishState,
    ReadBudget,
    Ticket,
    Tokens,
)
from shortops.providers.youtube import google, metrics, reasons
from shortops.providers.youtube.rules import (
    TITLE_MAX_CHARS,
    YouTubeOptions,
    description_of,
    is_short,
    media_issues,
    parse_options,
    schedule_issues,
    tags_of,
    text_issues,
)

AUTH_BASE = "https://accounts.google.com"
TOKEN_BASE = "https://oauth2.googleapis.com"
API_BASE = "https://www.googleapis.com"
UPLOAD_BASE = "https://www.googleapis.com"
AUTHORIZE_PATH = "/o/oauth2/v2/auth"
TOKEN_PATH = "/token"
REVOKE_PATH = "/revoke"
CHANNELS_PATH = "/youtube/v3/channels"
VIDEOS_PATH = "/youtube/v3/videos"
# The upload path googleapiclient builds for videos.insert: rootUrl + "upload/" + servicePath +
# path (the discovery document's `mediaUpload.protocols.simple.path`), with uploadType=resumable.
UPLOAD_PATH = "/upload/youtube/v3/videos"
PLAYLIST_ITEMS_PATH = "/youtube/v3/playlistItems"
ANALYTICS_BASE = "https://youtubeanalytics.googleapis.com"
REPORTS_PATH = "/v2/reports"
METRIC_PARTS = "statistics,contentDetails,snippet"
# videos.list and playlistItems.list take at most 50 ids / items a call (2.4; discovery doc).
MAX_IDS = 50
UPLOAD_PARTS = "snippet,status"
STATUS_PARTS = "status,processingDetails,snippet"

SCOPE_UPLOAD = "https://www.googleapis.com/auth/youtube.upload"
SCOPE_READONLY = "https://www.googleapis.com/auth/youtube.readonly"
# reports.query accepts youtube.readonly too (the youtubeAnalytics discovery document), so the
# default scopes need not ask for this one; it is what the refusal names.
SCOPE_ANALYTICS = "https://www.googleapis.com/auth/yt-analytics.readonly"
# Any of these lets the token upload videos.
UPLOAD_SCOPES = frozenset(
    {
        SCOPE_UPLOAD,
        "https://www.googleapis.com/auth/youtube",
        "https://www.googleapis.com/auth/youtube.force-ssl",
    }
)

CHUNK_UNIT = 256 * 1024
DEFAULT_CHUNK_BYTES = 64 * CHUNK_UNIT  # 16 MiB in memory at a time
DEFAULT_MAX_RESUMES = 5
# How long a video YouTube named in the upload answer may be missing from videos.list before
# check_publish calls it gone (videos.list may lag behind the upload; unconfirmed).
NOT_LISTED_GRACE = timedelta(minutes=10)
PROCESSING_POLL_S = 15.0
_RANGE = re.compile(r"bytes=(\d+)-(\d+)")
NO_CHANNEL = N_(
    "This Google account has no YouTube channel yet. Create one on youtube.com, then connect "
    "the account again."
)


class YouTubeProvider(Provider):
    """Publish Shorts (and regular videos) to a YouTube channel."""

    slug: ClassVar[str] = "youtube"
    name: ClassVar[str] = "YouTube"
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {
            Capability.publish,
            Capability.native_schedule,
            Capability.post_metrics,
            Capability.account_metrics,
        }
    )
    metrics_batch: ClassVar[int] = MAX_IDS
    # Data API units (2.3): the two revisions of Google's quota page agree on list calls (1
    # unit) and disagree on uploads; see `read_budget_now`.
    read_budget: ClassVar[ReadBudget] = ReadBudget(
        units_per_day=10_000,
        resets_at_midnight_in="America/Los_Angeles",
        costs={
            "fetch_post_metrics": 1,
            "list_posts": 3,
            "fetch_account_metrics": 1,
            "start_publish": 1600,
        },
    )
    # The Shorts rule (≤ 180 s, height ≥ width) depends on the `short` option, so it is checked in
    # `validate`; these are the limits of any upload (12 h: verified channels; 256 GiB: discovery).
    limits: ClassVar[Limits] = Limits(
        min_duration_s=1,
        max_duration_s=12 * 3600,
        max_bytes=256 * 1024**3,
        title_max=TITLE_MAX_CHARS,
        # 5000 *bytes* (checked in `validate`); as characters it is an upper bound for counters.
        caption_max=5000,
        title_required=True,
        containers=("mp4", "mov", "webm"),
        profile_slug="youtube_shorts",
    )
    options_model: ClassVar[type[BaseModel]] = YouTubeOptions
    default_scopes: ClassVar[tuple[str, ...]] = (SCOPE_UPLOAD, SCOPE_READONLY)

    def __init__(
        self,
        app: AppCredentials | None = None,
        *,
        http: Http | None = None,
        clock: Callable[[], datetime] = utcnow,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
        max_resumes: int = DEFAULT_MAX_RESUMES,
    ) -> None:
        super().__init__(app, http=http, clock=clock)
        if chunk_bytes <= 0 or chunk_bytes % CHUNK_UNIT:
            raise ValueError(f"chunk_bytes must be a positive multiple of {CHUNK_UNIT} bytes")
        self.chunk_bytes = chunk_bytes
        self.max_resumes = max(0, max_resumes)

    # --- auth -------------------------------------------------------------------------------

    def authorization_url(self, state: str, *, scopes: tuple[str, ...] | None = None) -> AuthStart:
        app = self.require_app()
        verifier = secrets.token_urlsafe(64)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        params = {
            "client_id": app.client_id,
            "redirect_uri": app.redirect_uri,
            "response_type": "code",
            "scope": " ".join(scopes or self.default_scopes),
            # offline + consent: Google hands out a refresh token (and again on a reconnect).
            "access_type": "offline",
            "prompt": "consent",
            "include_granted_scopes": "true",
            "state": state,
            "code_challenge": challenge.rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        url = f"{self.endpoint('auth', AUTH_BASE)}{AUTHORIZE_PATH}?{urlencode(params)}"
        return AuthStart(url=url, state=state, code_verifier=verifier)

    def exchange_code(self, code: str, *, code_verifier: str | None = None) -> Tokens:
        app = self.require_app()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "redirect_uri": app.redirect_uri,
        }
        if code_verifier:
            form["code_verifier"] = code_verifier
        # An authorization code works once: sent once.
        response = self.http.mutate(
            "POST", self._token_url(), classify=self._classify_token, data=form
        )
        tokens = self._tokens(json_body(response), previous=None)
        if not tokens.refresh_token:
            raise ReauthRequired(
                N_("Google signed the account in without a refresh token, so the connection would "
                   "stop working within the hour. Remove the app's access in the Google Account "
                   "(Security → third-party connections), then connect again."),
                platform=self.name,
                platform_code="no_refresh_token",
            )  # fmt: skip
        if tokens.scopes and not UPLOAD_SCOPES.intersection(tokens.scopes):
            raise ReauthRequired(
                N_("The sign-in did not allow uploading videos. Connect the account again and "
                   "leave “Manage your YouTube videos” ticked on Google's consent screen."),
                platform=self.name,
                platform_code="missing_scope",
            )  # fmt: skip
        return tokens

    def refresh(self, tokens: Tokens) -> Tokens:
        if not tokens.refresh_token:
            raise ReauthRequired(platform=self.name, detail="no refresh token stored")
        app = self.require_app()
        form = {
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        }
        # Google does not rotate refresh tokens, so repeating a refresh is harmless: a read.
        response = self.http.read(
            "POST", self._token_url(), classify=self._classify_token, data=form
        )
        return self._tokens(json_body(response), previous=tokens)

    def revoke(self, tokens: Tokens) -> None:
        token = tokens.refresh_token or tokens.access_token
        url = f"{self.endpoint('token', TOKEN_BASE)}{REVOKE_PATH}"
        # Best effort: the user can also remove the app in their Google account.
        with contextlib.suppress(ProviderError):
            self.http.mutate("POST", url, classify=self._classify_token, data={"token": token})

    def get_profile(self, tokens: Tokens) -> Profile:
        response = self.http.read(
            "GET",
            f"{self.endpoint('api', API_BASE)}{CHANNELS_PATH}",
            classify=self._classify,
            params={"part": "snippet", "mine": "true"},
            headers=_auth(tokens),
        )
        items = json_body(response).get("items") or []
        channel = items[0] if isinstance(items, list) and items else None
        if not isinstance(channel, dict) or not channel.get("id"):
            raise Rejected(NO_CHANNEL, platform=self.name, platform_code="noChannel")
        snippet = channel.get("snippet") or {}
        thumbnails = snippet.get("thumbnails") or {}
        avatar = next(
            (
                thumbnails[size]["url"]
                for size in ("medium", "default", "high")
                if isinstance(thumbnails.get(size), dict) and thumbnails[size].get("url")
            ),
            None,
        )
        channel_id = str(channel["id"])
        custom_url = str(snippet.get("customUrl") or "")
        return Profile(
            remote_id=channel_id,
            handle=custom_url or channel_id,
            display_name=str(snippet.get("title") or ""),
            avatar_url=avatar,
            extra={"channel_url": f"https://www.youtube.com/channel/{channel_id}"},
        )

    # --- publish ----------------------------------------------------------------------------

    def validate(self, request: PublishRequest, rules: PostingRules | None = None) -> list[Issue]:
        # The base counts the description in characters; YouTube counts bytes (below).
        issues = [
            issue
            for issue in super().validate(request, rules)
            if not (issue.field == "caption" and issue.code == "too_long")
        ]
        issues += text_issues(request)
        options = parse_options(request.options)
        if options is not None:  # invalid options were reported by the base already
            flagged = any(i.field == "media" and i.code == "too_long" for i in issues)
            issues += media_issues(request, options, duration_flagged=flagged)
            issues += schedule_issues(request, options)
        return issues

    def start_publish(
        self,
        tokens: Tokens,
        request: PublishRequest,
        *,
        record: RecordTicket,
        on_progress: OnProgress | None = None,
    ) -> Ticket:
        options = parse_options(request.options)
        if options is None:
            raise Rejected(platform=self.name, detail="invalid YouTube options")
        conflicts = schedule_issues(request, options)
        if conflicts:
            raise Rejected(conflicts[0].message, platform=self.name, **conflicts[0].params)
        media = request.media
        try:
            total = media.path.stat().st_size
        except OSError as exc:
            raise Rejected(
                N_("The file to upload is missing ({detail})."), platform=self.name, detail=str(exc)
            ) from None
        if total == 0:
            raise Rejected(N_("The file to upload is empty."), platform=self.name)
        now = self.clock()
        publish_at = request.publish_at
        if publish_at is not None and publish_at <= now:
            publish_at = None  # its time has passed while waiting: publish now
        status: dict[str, Any] = {
            "privacyStatus": options.privacy,
            "selfDeclaredMadeForKids": options.made_for_kids,
            "containsSyntheticMedia": options.ai_generated,
        }
        if publish_at is not None:
            status["privacyStatus"] = "private"  # YouTube makes it public at publishAt
            status["publishAt"] = _rfc3339(publish_at)
        snippet: dict[str, Any] = {
            "title": request.title.strip(),
            "description": description_of(request),
            "categoryId": options.category_id,
        }
        tags = tags_of(request)
        if tags:
            snippet["tags"] = tags
        response = self.http.mutate(
            "POST",
            f"{self.endpoint('upload', UPLOAD_BASE)}{UPLOAD_PATH}",
            classify=self._classify,
            params={
                "uploadType": "resumable",
                "part": UPLOAD_PARTS,
                "notifySubscribers": "true" if options.notify_subscribers else "false",
            },
            content=json.dumps({"snippet": snippet, "status": status}).encode(),
            headers={
                **_auth(tokens),
                "Content-Type": "application/json; charset=UTF-8",
                "X-Upload-Content-Length": str(total),
                "X-Upload-Content-Type": media.content_type,
            },
        )
        location = response.headers.get("location")
        if not location:
            raise Transient(
                N_("{platform} did not open an upload session ({detail}); nothing was uploaded."),
                platform=self.name,
                detail=f"HTTP {response.status_code} without Location",
            )
        session_url = urljoin(str(response.url), location)
        ticket = Ticket(
            reference=session_url,
            data={
                "session_url": session_url,
                "total": total,
                "content_type": media.content_type,
                "short": is_short(media.width, media.height, media.duration_s),
                "privacy": options.privacy,
                "publish_at": status.get("publishAt"),
                "started_at": now.isoformat(),
            },
        )
        record(ticket)

        def moved(url: str) -> None:
            nonlocal ticket
            ticket = Ticket(reference=ticket.reference, data={**ticket.data, "session_url": url})
            record(ticket)

        video = self._upload(tokens, request, ticket, moved=moved, on_progress=on_progress)
        video_id = video.get("id")
        if not isinstance(video_id, str) or not video_id:
            raise OutcomeUnknown(
                platform=self.name, detail="the upload finished without naming the video"
            )
        ticket = Ticket(
            reference=ticket.reference,
            data={**ticket.data, "video_id": video_id, "uploaded_at": self.clock().isoformat()},
        )
        record(ticket)
        return ticket

    def check_publish(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        data = ticket.data
        video_id = data.get("video_id")
        if not video_id:
            found = self._video_from_session(tokens, ticket)
            if not isinstance(found, str):
                return found
            video_id = found
        try:
            response = self.http.read(
                "GET",
                f"{self.endpoint('api', API_BASE)}{VIDEOS_PATH}",
                classify=self._classify,
                params={"part": STATUS_PARTS, "id": video_id},
                headers=_auth(tokens),
            )
        except Rejected as exc:
            if exc.platform_code not in google.QUOTA_REASONS:
                raise
            # The video exists; only reading its status has to wait for the quota to reset.
            return Pending(
                detail=N_("YouTube's daily API quota is used up, so the video's status can be "
                          "read again after midnight Pacific time."),
                poll_after_s=google.seconds_until_quota_reset(self.clock()),
            )  # fmt: skip
        items = json_body(response).get("items") or []
        video = items[0] if items and isinstance(items[0], dict) else None
        if video is None:
            return self._not_listed(str(video_id), data)
        return self._state(str(video_id), video, data)

    def live_url(self, remote_id: str) -> str | None:
        return f"https://www.youtube.com/watch?v={remote_id}"

    # --- reads: metrics ----------------------------------------------------------------------

    def read_budget_now(self) -> ReadBudget:
        """The documented budget with the app registration's overrides: `quota_units_per_day`
        (a project Google granted more) and `quota_insert_units` (what videos.insert takes from
        the same pool: 1600 in the older cost table, 0 where the newer one gives uploads their
        own bucket of 100 calls a day; API_CONTRACTS.md 2.3 has both)."""
        budget = self.read_budget
        extra = self.app.extra if self.app is not None else {}
        units = count(extra.get("quota_units_per_day"))
        insert = count(extra.get("quota_insert_units"))
        costs = dict(budget.costs)
        if insert is not None:
            costs["start_publish"] = insert
        return budget.model_copy(
            update={"units_per_day": units or budget.units_per_day, "costs": costs}
        )

    def fetch_post_metrics(self, tokens: Tokens, remote_ids: Sequence[str]) -> list[PostMetrics]:
        found: list[PostMetrics] = []
        for batch in batches(remote_ids, self.metrics_batch):
            videos = self._videos(tokens, batch)
            figures, error = self._analytics(tokens, videos)
            now = self.clock()
            found += [
                metrics.post_metrics(video, now, figures.get(str(video["id"])), error)
                for video in videos
            ]
        return found

    def list_posts(self, tokens: Tokens, *, cursor: str | None = None) -> PostPage:
        """The uploads playlist, newest first, 50 a page, with each video's Data API counters
        (not the Analytics figures: `fetch_post_metrics` has those)."""
        playlist, _, page_token = (cursor or "").partition(":")
        if not playlist:
            playlist = metrics.uploads_playlist(self._my_channel(tokens, "contentDetails"))
            if not playlist:
                return PostPage()
        params = {"part": "contentDetails", "playlistId": playlist, "maxResults": str(MAX_IDS)}
        if page_token:
            params["pageToken"] = page_token
        response = self.http.read(
            "GET",
            f"{self.endpoint('api', API_BASE)}{PLAYLIST_ITEMS_PATH}",
            classify=self._classify_read(SCOPE_READONLY),
            params=params,
            headers=_auth(tokens),
        )
        body = json_body(response)
        ids = [_playlist_video_id(item) for item in body.get("items") or []]
        videos = {str(v["id"]): v for v in self._videos(tokens, [i for i in ids if i])}
        now = self.clock()
        posts = tuple(
            metrics.remote_post(
                videos[video_id],
                f"https://www.youtube.com/watch?v={video_id}",
                metrics.post_metrics(videos[video_id], now, None),
            )
            for video_id in ids
            if video_id in videos  # deleted or private entries of the playlist are left out
        )
        next_token = body.get("nextPageToken")
        return PostPage(posts=posts, cursor=f"{playlist}:{next_token}" if next_token else None)

    def fetch_account_metrics(self, tokens: Tokens) -> AccountMetrics:
        return metrics.account_metrics(self._my_channel(tokens, "statistics"), self.clock())

    def _videos(self, tokens: Tokens, ids: list[str]) -> list[dict[str, Any]]:
        """videos.list for up to 50 ids; a deleted or private video is not in the answer."""
        if not ids:
            return []
        response = self.http.read(
            "GET",
            f"{self.endpoint('api', API_BASE)}{VIDEOS_PATH}",
            classify=self._classify_read(SCOPE_READONLY),
            params={"part": METRIC_PARTS, "id": ",".join(ids)},
            headers=_auth(tokens),
        )
        items = json_body(response).get("items") or []
        return [item for item in items if isinstance(item, dict) and item.get("id")]

    def _analytics(
        self, tokens: Tokens, videos: list[dict[str, Any]]
    ) -> tuple[dict[str, dict[str, Any]], str]:
        """Lifetime Analytics figures per video, and why there are none when the report failed.

        Anything but an expired token is swallowed: the Data API counters are worth keeping
        when Analytics refuses (403 without the scope, 400 for a metric it does not know) or
        is out of its own quota.
        """
        if not videos:
            return {}, ""
        ids = [str(video["id"]) for video in videos]
        today = metrics.pacific_date(self.clock())
        params = {
            "ids": "channel==MINE",
            "startDate": min(metrics.lifetime_start(videos), today).isoformat(),
            "endDate": today.isoformat(),
            "metrics": ",".join(metrics.ANALYTICS_METRICS),
            "dimensions": "video",
            "filters": "video==" + ",".join(ids),
            "maxResults": str(len(ids)),
            # The `video` dimension is reportedly only served sorted (unconfirmed).
            "sort": "-estimatedMinutesWatched",
        }
        try:
            response = self.http.read(
                "GET",
                f"{self.endpoint('analytics', ANALYTICS_BASE)}{REPORTS_PATH}",
                classify=self._classify_read(SCOPE_ANALYTICS),
                params=params,
                headers=_auth(tokens),
            )
        except AuthExpired:
            raise
        except ProviderError as exc:
            return {}, exc.platform_code or exc.code
        return metrics.analytics_rows(json_body(response)), ""

    def _my_channel(self, tokens: Tokens, part: str) -> dict[str, Any]:
        response = self.http.read(
            "GET",
            f"{self.endpoint('api', API_BASE)}{CHANNELS_PATH}",
            classify=self._classify_read(SCOPE_READONLY),
            params={"part": part, "mine": "true"},
            headers=_auth(tokens),
        )
        items = json_body(response).get("items") or []
        channel = items[0] if isinstance(items, list) and items else None
        if not isinstance(channel, dict) or not channel.get("id"):
            raise Rejected(NO_CHANNEL, platform=self.name, platform_code="noChannel")
        return channel

    def _classify_read(self, scope: str) -> Classify:
        def classify(response: httpx.Response) -> ProviderError | None:
            return google.classify_read(response, self.clock(), scope=scope)

        return classify

    # --- upload -----------------------------------------------------------------------------

    def _upload(
        self,
        tokens: Tokens,
        request: PublishRequest,
        ticket: Ticket,
        *,
        moved: Callable[[str], None],
        on_progress: OnProgress | None,
    ) -> dict[str, Any]:
        """Send the file to the session; the video resource once YouTube has all of it."""
        session_url = str(ticket.data["session_url"])
        total = int(ticket.data["total"])
        content_type = request.media.content_type
        offset = 0
        failures = 0
        with request.media.path.open("rb") as file:
            while True:
                file.seek(offset)
                chunk = file.read(min(self.chunk_bytes, total - offset))
                end = offset + len(chunk) - 1
                last = end + 1 >= total
                broke = False
                try:
                    response = self.http.mutate(
                        "PUT",
                        session_url,
                        classify=self._classify_session,
                        content=chunk,
                        headers={
                            **_auth(tokens),
                            "Content-Type": content_type,
                            "Content-Range": f"bytes {offset}-{end}/{total}",
                        },
                    )
                except (Transient, OutcomeUnknown, RateLimited, Rejected) as exc:
                    if isinstance(exc, Rejected) and exc.platform_code != google.SESSION_GONE:
                        raise
                    if isinstance(exc, Rejected):
                        raise self._session_expired(offset, total) from None
                    broke = True
                    failures += 1
                    response = self._recover(
                        tokens, session_url, offset, total, last, failures, exc
                    )
                if response.status_code in (200, 201):
                    if on_progress is not None:
                        on_progress(Progress(sent=total, total=total))
                    return json_body(response)
                if response.status_code != 308:
                    raise OutcomeUnknown(
                        platform=self.name,
                        detail=f"unexpected HTTP {response.status_code} from the upload session",
                    )
                new_location = response.headers.get("location")
                if new_location and urljoin(session_url, new_location) != session_url:
                    session_url = urljoin(session_url, new_location)
                    moved(session_url)
                received = _received(response)
                if received <= offset and not broke:
                    failures += 1  # a 308 that took nothing: count it, so this cannot loop
                if failures > self.max_resumes:
                    raise Transient(
                        N_("The upload to {platform} kept breaking off and stopped at {sent} of "
                           "{total} bytes; nothing was published. Starting again is safe."),
                        platform=self.name,
                        detail=f"{received}/{total}",
                        sent=received,
                        total=total,
                    )  # fmt: skip
                offset = min(received, total)
                if on_progress is not None:
                    on_progress(Progress(sent=offset, total=total))

    def _recover(
        self,
        tokens: Tokens,
        session_url: str,
        offset: int,
        total: int,
        last: bool,
        failures: int,
        error: ProviderError,
    ) -> httpx.Response:
        """After a broken chunk: wait, then ask the session what it holds (308 or 200/201)."""
        if isinstance(error, RateLimited):
            wait = min(error.retry_after_s, MAX_INLINE_WAIT_S)
        else:
            wait = min(30.0, 0.5 * 2 ** (failures - 1))
        if failures <= self.max_resumes:
            self.http.sleep(wait)
        try:
            return self._query_session(tokens, session_url, total)
        except ProviderError as exc:
            if isinstance(exc, Rejected) and exc.platform_code == google.SESSION_GONE and not last:
                raise self._session_expired(offset, total) from None
            if last:
                # The last bytes may have landed, making the video: only a later query can tell.
                raise OutcomeUnknown(
                    N_("The connection to {platform} broke while the end of the video was being "
                       "sent, and the upload session did not answer afterwards ({detail}). The "
                       "video may exist; it is checked before anything is sent again."),
                    platform=self.name,
                    platform_code=exc.platform_code,
                    detail=error.detail or exc.detail,
                ) from None  # fmt: skip
            raise Transient(
                N_("The upload to {platform} broke off at {sent} of {total} bytes and could not "
                   "be resumed ({detail}); nothing was published. Starting again is safe."),
                platform=self.name,
                platform_code=exc.platform_code,
                detail=exc.detail or error.detail,
                sent=offset,
                total=total,
            ) from None  # fmt: skip

    def _query_session(self, tokens: Tokens, session_url: str, total: int) -> httpx.Response:
        """What the session holds: 308 (+ Range) while incomplete, 200/201 + video when done."""
        return self.http.read(
            "PUT",
            session_url,
            classify=self._classify_session,
            content=b"",
            headers={**_auth(tokens), "Content-Range": f"bytes */{total}"},
        )

    def _session_expired(self, offset: int, total: int) -> Transient:
        return Transient(
            N_("The {platform} upload session expired at {sent} of {total} bytes; nothing was "
               "published. Starting again is safe."),
            platform=self.name,
            platform_code=google.SESSION_GONE,
            detail=f"{offset}/{total}",
            sent=offset,
            total=total,
        )  # fmt: skip

    # --- status -----------------------------------------------------------------------------

    def _video_from_session(self, tokens: Tokens, ticket: Ticket) -> str | Failed:
        """The video id from the upload session, or why there is none (start_publish broke)."""
        data = ticket.data
        session_url = str(data.get("session_url") or ticket.reference)
        total = int(data.get("total") or 0)
        try:
            response = self._query_session(tokens, session_url, total)
        except Rejected as exc:
            if exc.platform_code != google.SESSION_GONE:
                raise
            return Failed(
                reason=N_("YouTube no longer knows this upload session, so whether the video "
                          "was created cannot be told from here. Look for it in YouTube Studio "
                          "before publishing again."),
                platform_code=google.SESSION_GONE,
            )  # fmt: skip
        if response.status_code == 308:
            received = _received(response)
            return Failed(
                reason=N_("The upload stopped at {sent} of {total} bytes and will not finish by "
                          "itself; nothing was published."),
                params={"sent": received, "total": total},
                permanent=False,
                platform_code="uploadIncomplete",
            )  # fmt: skip
        video_id = json_body(response).get("id")
        if not isinstance(video_id, str) or not video_id:
            return Failed(
                reason=N_("YouTube finished the upload without naming the video. Look for it in "
                          "YouTube Studio before publishing again."),
                platform_code="noVideoId",
            )  # fmt: skip
        return video_id

    def _not_listed(self, video_id: str, data: dict[str, Any]) -> PublishState:
        since = _parse_time(data.get("uploaded_at") or data.get("started_at"))
        if since is not None and self.clock() - since < NOT_LISTED_GRACE:
            return Pending(
                detail=N_("YouTube has not listed the video yet."), poll_after_s=PROCESSING_POLL_S
            )
        return Failed(
            reason=N_("YouTube no longer lists the video {video_id}: it was deleted or removed."),
            params={"video_id": video_id},
            platform_code="videoNotFound",
        )

    def _state(self, video_id: str, video: dict[str, Any], data: dict[str, Any]) -> PublishState:
        status = video.get("status") or {}
        processing = video.get("processingDetails") or {}
        upload_status = str(status.get("uploadStatus") or "")
        if upload_status == "processed":
            privacy = str(status.get("privacyStatus") or data.get("privacy") or "public")
            detail = ""
            if privacy == "private" and status.get("publishAt"):
                detail = N_(
                    "YouTube holds the video as private and makes it public at the scheduled time."
                )
            elif privacy == "private" and data.get("privacy") != "private":
                detail = N_(
                    "YouTube kept the video private although it was uploaded as public or "
                    "unlisted. Google can lock uploads from API projects it has not audited to "
                    "private; see the YouTube platform guide."
                )
            short = bool(data.get("short"))
            url = (
                f"https://www.youtube.com/shorts/{video_id}"
                if short
                else f"https://www.youtube.com/watch?v={video_id}"
            )
            return Published(remote_id=video_id, url=url, visibility=privacy, detail=detail)
        if upload_status == "failed":
            code = str(status.get("failureReason") or "")
            return Failed(
                reason=reasons.FAILURE_REASONS.get(code, reasons.UNKNOWN_FAILURE),
                params={"code": code or "failed"},
                permanent=code != "uploadAborted",
                platform_code=code,
            )
        if upload_status == "rejected":
            code = str(status.get("rejectionReason") or "")
            return Failed(
                reason=reasons.REJECTION_REASONS.get(code, reasons.UNKNOWN_REJECTION),
                params={"code": code or "rejected"},
                platform_code=code,
            )
        if upload_status == "deleted":
            return Failed(reason=reasons.DELETED, platform_code="deleted")
        if processing.get("processingStatus") in ("failed", "terminated"):
            code = str(processing.get("processingFailureReason") or processing["processingStatus"])
            return Failed(
                reason=reasons.PROCESSING_FAILURES.get(code, reasons.UNKNOWN_FAILURE),
                params={"code": code},
                platform_code=code,
            )
        return Pending(
            detail=N_("YouTube is processing the video."),
            progress=_processing_progress(processing),
            poll_after_s=PROCESSING_POLL_S,
        )

    # --- plumbing ---------------------------------------------------------------------------

    def _token_url(self) -> str:
        return f"{self.endpoint('token', TOKEN_BASE)}{TOKEN_PATH}"

    def _classify(self, response: httpx.Response) -> ProviderError | None:
        return google.classify_api(response, self.clock())

    def _classify_session(self, response: httpx.Response) -> ProviderError | None:
        return google.classify_session(response, self.clock())

    def _classify_token(self, response: httpx.Response) -> ProviderError | None:
        return google.classify_token(response, self.clock())

    def _tokens(self, answer: dict[str, Any], previous: Tokens | None) -> Tokens:
        access = answer.get("access_token")
        if not isinstance(access, str) or not access:
            raise Transient(platform=self.name, detail="the token answer has no access_token")
        now = self.clock()
        expires_in = _number(answer.get("expires_in"))
        refresh_expires_in = _number(answer.get("refresh_token_expires_in"))
        scope = answer.get("scope")
        return Tokens(
            access_token=access,
            # Google does not rotate refresh tokens: a refresh answer has none, keep ours.
            refresh_token=str(answer.get("refresh_token") or "")
            or (previous.refresh_token if previous else None),
            expires_at=now + timedelta(seconds=expires_in) if expires_in is not None else None,
            refresh_expires_at=(
                now + timedelta(seconds=refresh_expires_in)
                if refresh_expires_in is not None
                else (previous.refresh_expires_at if previous else None)
            ),
            scopes=tuple(scope.split())
            if isinstance(scope, str) and scope
            else (previous.scopes if previous else ()),
            remote_id=previous.remote_id if previous else None,
            extra=dict(previous.extra) if previous else {},
        )


def _auth(tokens: Tokens) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.access_token}"}


def _playlist_video_id(item: Any) -> str:
    """The video a playlistItem points at (`contentDetails.videoId`, else the snippet's)."""
    if not isinstance(item, dict):
        return ""
    details = item.get("contentDetails") or {}
    resource = (item.get("snippet") or {}).get("resourceId") or {}
    return str(details.get("videoId") or resource.get("videoId") or "")


def _received(response: httpx.Response) -> int:
    """How many bytes a session holds, from a 308's `Range: bytes=0-N` (none: nothing yet)."""
    match = _RANGE.search(response.headers.get("range", ""))
    return int(match.group(2)) + 1 if match else 0


def _rfc3339(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _processing_progress(processing: dict[str, Any]) -> float | None:
    progress = processing.get("processingProgress") or {}
    done, parts = _number(progress.get("partsProcessed")), _number(progress.get("partsTotal"))
    if done is None or not parts:
        return None
    return max(0.0, min(1.0, done / parts))
