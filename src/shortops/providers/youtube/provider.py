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
import secrets
from typing import Any
from urllib.parse import urlencode, urljoin

from shortops.errors import N_
from shortops.providers.base import OnProgress, PostingRules, RecordTicket
from shortops.providers.errors import (
    OutcomeUnknown,
    ProviderError,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.http import json_body
from shortops.providers.parsing import timestamp
from shortops.providers.types import (
    AuthStart,
    Failed,
    Issue,
    Pending,
    Profile,
    Published,
    PublishRequest,
    PublishState,
    Ticket,
    Tokens,
)
from shortops.providers.youtube import envelope
from shortops.providers.youtube.base import (
    API_BASE,
    AUTH_BASE,
    AUTHORIZE_PATH,
    CHANNELS_PATH,
    NO_CHANNEL,
    NOT_LISTED_GRACE,
    PROCESSING_POLL_S,
    REVOKE_PATH,
    STATUS_PARTS,
    TOKEN_BASE,
    UPLOAD_BASE,
    UPLOAD_PARTS,
    UPLOAD_PATH,
    UPLOAD_SCOPES,
    VIDEOS_PATH,
    _auth,
    _processing_progress,
    _rfc3339,
)
from shortops.providers.youtube.reads import YouTubeReads
from shortops.providers.youtube.rules import (
    description_of,
    is_short,
    media_issues,
    parse_options,
    schedule_issues,
    tags_of,
    text_issues,
)
from shortops.providers.youtube.status import (
    DELETED,
    FAILURE_REASONS,
    PROCESSING_FAILURES,
    REJECTION_REASONS,
    UNKNOWN_FAILURE,
    UNKNOWN_REJECTION,
)
from shortops.providers.youtube.upload import YouTubeUploads


class YouTubeProvider(YouTubeUploads, YouTubeReads):
    """Publish Shorts (and regular videos) to a YouTube channel."""

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
            if exc.platform_code not in envelope.QUOTA_REASONS:
                raise
            # The video exists; only reading its status has to wait for the quota to reset.
            return Pending(
                detail=N_("YouTube's daily API quota is used up, so the video's status can be "
                          "read again after midnight Pacific time."),
                poll_after_s=envelope.seconds_until_quota_reset(self.clock()),
            )  # fmt: skip
        items = json_body(response).get("items") or []
        video = items[0] if items and isinstance(items[0], dict) else None
        if video is None:
            return self._not_listed(str(video_id), data)
        return self._state(str(video_id), video, data)

    def live_url(self, remote_id: str) -> str | None:
        return f"https://www.youtube.com/watch?v={remote_id}"

    def _not_listed(self, video_id: str, data: dict[str, Any]) -> PublishState:
        since = timestamp(data.get("uploaded_at") or data.get("started_at"))
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
                reason=FAILURE_REASONS.get(code, UNKNOWN_FAILURE),
                params={"code": code or "failed"},
                permanent=code != "uploadAborted",
                platform_code=code,
            )
        if upload_status == "rejected":
            code = str(status.get("rejectionReason") or "")
            return Failed(
                reason=REJECTION_REASONS.get(code, UNKNOWN_REJECTION),
                params={"code": code or "rejected"},
                platform_code=code,
            )
        if upload_status == "deleted":
            return Failed(reason=DELETED, platform_code="deleted")
        if processing.get("processingStatus") in ("failed", "terminated"):
            code = str(processing.get("processingFailureReason") or processing["processingStatus"])
            return Failed(
                reason=PROCESSING_FAILURES.get(code, UNKNOWN_FAILURE),
                params={"code": code},
                platform_code=code,
            )
        return Pending(
            detail=N_("YouTube is processing the video."),
            progress=_processing_progress(processing),
            poll_after_s=PROCESSING_POLL_S,
        )
