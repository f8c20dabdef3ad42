"""TikTok: Login Kit v2 (OAuth with PKCE) and the Content Posting API (FILE_UPLOAD).

Publishing, in order (API_CONTRACTS.md §1.3):

1. `creator_info/query` (a read): the account's privacy options, longest allowed video and
   switched-off interactions, which override the request (a switched-off comment/duet/stitch
   is sent as disabled; a privacy level the account does not offer is refused before anything
   is created);
2. `video/init` (direct post) or `inbox/video/init` (draft to the creator's inbox): creates
   the publish; its `publish_id` is recorded at once;
3. `PUT upload_url` for each chunk, in order, with `Content-Range` (never repeated);
4. `status/fetch` (a read), until TikTok says where the post ended up.

Metric reads go through the Display API (§1.4): `video/list` (the account's videos, newest first,
20 a page, cursor + has_more), `video/query` (up to 20 ids; a deleted or private video is not in
the answer) and `user/info` (follower, following, like and video counts). Each endpoint allows
600 requests a minute in a sliding window; over it TikTok answers 429 `rate_limit_exceeded`.

See docs/platforms/tiktok.md for the decisions (privacy has no default, private posts and
inbox drafts have no post URL …).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

from pydantic import ValidationError

from shortops.kit.clock import utcnow
from shortops.providers import tokens as token_answer
from shortops.providers.base import (
    OnProgress,
    PostingRules,
    Provider,
    RecordTicket,
)
from shortops.providers.counters import batches, count, epoch, number
from shortops.providers.errors import ProviderError, ReauthRequired, Rejected, Transient
from shortops.providers.files import FILE_UNREADABLE, FileReadError, check_file, refuse_errors
from shortops.providers.http import Http, json_body
from shortops.providers.parsing import mapping
from shortops.providers.tiktok import envelope, status
from shortops.providers.tiktok.chunks import (
    DEFAULT_CHUNK_BYTES,
    TooLargeForChunks,
    chunk_plan,
    chunk_ranges,
)
from shortops.providers.tiktok.envelope import PLATFORM, SCOPE_CODES, classify, classify_chunk
from shortops.providers.tiktok.rules import (
    TikTokOptions,
    media_issues,
    option_issues,
    post_info,
    rules_from,
)
from shortops.providers.types import (
    AccountMetrics,
    AppCredentials,
    AuthStart,
    Capability,
    Issue,
    Limits,
    PostMetrics,
    PostPage,
    Profile,
    Progress,
    PublishRequest,
    PublishState,
    ReadBudget,
    RemotePost,
    Ticket,
    Tokens,
)

AUTH_BASE = "https://www.tiktok.com"
API_BASE = "https://open.tiktokapis.com"
UPLOAD_URL_TTL = timedelta(hours=1)  # TikTok: upload_url expires one hour after issue
READ_BLOCK = 1024 * 1024

PUBLISH_SCOPE = "video.publish"
UPLOAD_SCOPE = "video.upload"
PROFILE_SCOPE = "user.info.profile"
STATS_SCOPE = "user.info.stats"
LIST_SCOPE = "video.list"
# Display API: at most 20 videos a page and 20 ids a query (§1.4).
DISPLAY_MAX = 20
VIDEO_FIELDS = "id,title,video_description,create_time,share_url,duration," + (
    "view_count,like_count,comment_count,share_count"
)
STATS_FIELDS = "open_id,follower_count,following_count,likes_count,video_count"


class TikTokProvider(Provider):
    slug = "tiktok"
    name = PLATFORM
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.publish, Capability.post_metrics, Capability.account_metrics}
    )
    metrics_batch: ClassVar[int] = DISPLAY_MAX
    # Per endpoint, counted per access token in the fake (per token or per app: unconfirmed).
    read_budget: ClassVar[ReadBudget] = ReadBudget(
        requests_per_minute=600,
        per_endpoint=True,
        costs={"fetch_post_metrics": 1, "list_posts": 1, "fetch_account_metrics": 1},
    )
    limits = Limits(
        min_duration_s=3,  # unconfirmed in TikTok's docs; commonly cited
        max_duration_s=600,  # longest video the API takes; creator_info may say less
        max_bytes=4_000_000_000,  # "4 GB", read strictly
        aspect_ratios=(9 / 16,),
        min_width=360,
        caption_max=2200,
        count_units="utf16",
        containers=("mp4", "mov", "webm"),
        profile_slug="tiktok",
    )
    options_model = TikTokOptions
    # The app must be approved for every one of them (§1.1); the user may grant fewer, and a
    # read without its scope names it (ReauthRequired).
    default_scopes = ("user.info.basic", PUBLISH_SCOPE, UPLOAD_SCOPE, STATS_SCOPE, LIST_SCOPE)

    def __init__(
        self,
        app: AppCredentials | None = None,
        *,
        http: Http | None = None,
        clock: Callable[[], datetime] = utcnow,
        chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    ) -> None:
        super().__init__(app, http=http, clock=clock)
        # Preferred chunk size for files that need several (see chunks.chunk_plan).
        self.chunk_bytes = chunk_bytes

    # --- auth -------------------------------------------------------------------------------

    def authorization_url(self, state: str, *, scopes: tuple[str, ...] | None = None) -> AuthStart:
        app = self.require_app()
        verifier = secrets.token_urlsafe(48)  # 64 characters of [A-Za-z0-9_-]
        params = {
            "client_key": app.client_id,
            "scope": ",".join(scopes or self.default_scopes),
            "response_type": "code",
            "redirect_uri": app.redirect_uri,
            "state": state,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        }
        url = f"{self.endpoint('auth', AUTH_BASE)}/v2/auth/authorize/?{urlencode(params)}"
        return AuthStart(url=url, state=state, code_verifier=verifier)

    def exchange_code(self, code: str, *, code_verifier: str | None = None) -> Tokens:
        app = self.require_app()
        form = {
            "client_key": app.client_id,
            "client_secret": app.client_secret,
            "code": code,
            "grant_type": "authorization_code",
            "redirect_uri": app.redirect_uri,
        }
        if code_verifier:
            form["code_verifier"] = code_verifier
        return self._token_call(form, previous=None)

    def refresh(self, tokens: Tokens) -> Tokens:
        app = self.require_app()
        if not tokens.refresh_token:
            raise ReauthRequired(platform=PLATFORM, detail="no refresh token")
        form = {
            "client_key": app.client_id,
            "client_secret": app.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
        }
        return self._token_call(form, previous=tokens)

    def revoke(self, tokens: Tokens) -> None:
        """Best effort: TikTok's revoke endpoint (path unconfirmed); failures are ignored."""
        app = self.require_app()
        form = {
            "client_key": app.client_id,
            "client_secret": app.client_secret,
            "token": tokens.access_token,
        }
        try:
            self.http.mutate("POST", self._api("/v2/oauth/revoke/"), data=form, classify=classify)
        except ProviderError:
            return

    def get_profile(self, tokens: Tokens) -> Profile:
        fields = ["open_id", "union_id", "avatar_url", "display_name"]
        # `username` needs user.info.profile, which the default scopes do not ask for; asking
        # for it without the grant fails the whole call (scope_not_authorized).
        if PROFILE_SCOPE in tokens.scopes:
            fields.append("username")
        needs = "user.info.basic" + (f", {PROFILE_SCOPE}" if "username" in fields else "")
        response = self.http.read(
            "GET",
            self._api("/v2/user/info/"),
            params={"fields": ",".join(fields)},
            headers=_bearer(tokens),
            classify=partial(classify, scope=needs),
        )
        user = mapping(mapping(json_body(response).get("data")).get("user"))
        open_id = str(user.get("open_id") or tokens.remote_id or "")
        if not open_id:
            raise Transient(platform=PLATFORM, detail="user/info answered without open_id")
        username = str(user.get("username") or "")
        if not username and _granted(tokens, PUBLISH_SCOPE):
            username = str(self._creator_info(tokens, optional=True).get("creator_username") or "")
        display_name = str(user.get("display_name") or "")
        return Profile(
            remote_id=open_id,
            handle=username or display_name or open_id,
            display_name=display_name,
            avatar_url=str(user.get("avatar_url") or "") or None,
            extra={"union_id": str(user.get("union_id") or ""), "username": username},
        )

    # --- publish ----------------------------------------------------------------------------

    def posting_rules(self, tokens: Tokens) -> PostingRules | None:
        """creator_info's rules; None for accounts without video.publish (inbox drafts only),
        whose posts are checked when a direct post asks for the scope."""
        if not _granted(tokens, PUBLISH_SCOPE):
            return None
        try:
            creator = self._creator_info(tokens)
        except Rejected as refused:
            # creator_info answers spam_risk_* / reached_active_user_cap when the account cannot
            # post now: that is a rule, not a failure.
            return PostingRules(can_post=False, detail=refused.render())
        except ReauthRequired as missing:
            if missing.platform_code in SCOPE_CODES:
                return None
            raise
        return rules_from(creator)

    def validate(self, request: PublishRequest, rules: PostingRules | None = None) -> list[Issue]:
        try:
            options: TikTokOptions | None = TikTokOptions.model_validate(request.options)
        except ValidationError:
            options = None  # reported by the base class
        if options is not None and options.mode == "inbox":
            # creator_info's rules govern direct posts; a draft is finished in the app, where
            # the creator may trim it to their own limit.
            rules = None
        issues = super().validate(request, rules)
        issues += media_issues(request, self.limits)
        if options is not None:
            issues += option_issues(request, options, rules)
        return issues

    def start_publish(
        self,
        tokens: Tokens,
        request: PublishRequest,
        *,
        record: RecordTicket,
        on_progress: OnProgress | None = None,
    ) -> Ticket:
        refuse_errors(self.validate(request), platform=PLATFORM)
        options = TikTokOptions.model_validate(request.options)
        media = request.media
        check_file(media.path, media.size_bytes, platform=PLATFORM)
        creator: dict[str, Any] = {}
        if options.mode == "direct":
            creator = self._creator_info(tokens)
            refuse_errors(self.validate(request, rules_from(creator)), platform=PLATFORM)
        elif _granted(tokens, PUBLISH_SCOPE):
            # Only for the username in the profile URL: a draft is finished in the app, where
            # the creator's own limits apply (TikTok lets them trim it there).
            creator = self._creator_info(tokens, optional=True)
        try:
            chunk_size, count = chunk_plan(media.size_bytes, self.chunk_bytes)
        except TooLargeForChunks as exc:
            raise Rejected(platform=PLATFORM, detail=str(exc)) from None
        body: dict[str, Any] = {
            "source_info": {
                "source": "FILE_UPLOAD",
                "video_size": media.size_bytes,
                "chunk_size": chunk_size,
                "total_chunk_count": count,
            }
        }
        if options.mode == "direct":
            body["post_info"] = post_info(request, options, creator)
            path, scope = "/v2/post/publish/video/init/", PUBLISH_SCOPE
        else:
            path, scope = "/v2/post/publish/inbox/video/init/", UPLOAD_SCOPE
        issued = self.clock()
        response = self.http.mutate(
            "POST",
            self._api(path),
            json=body,
            headers=_bearer(tokens, json=True),
            classify=partial(classify, scope=scope),
        )
        data = mapping(json_body(response).get("data"))
        publish_id, upload_url = str(data.get("publish_id") or ""), data.get("upload_url")
        if not publish_id or not isinstance(upload_url, str) or not upload_url:
            # Without an upload URL nothing can be sent, so nothing can go live.
            raise Transient(platform=PLATFORM, detail="init answered without publish_id/upload_url")
        expires_at = issued + UPLOAD_URL_TTL
        ticket = Ticket(
            reference=publish_id,
            data={
                "mode": options.mode,
                "privacy_level": options.privacy_level if options.mode == "direct" else None,
                "username": str(creator.get("creator_username") or ""),
                "video_size": media.size_bytes,
                "chunk_size": chunk_size,
                "total_chunk_count": count,
                "duration_s": media.duration_s,
                "max_duration_s": creator.get("max_video_post_duration_sec"),
                "initiated_at": issued.isoformat(),
                "upload_url_expires_at": expires_at.isoformat(),
            },
        )
        record(ticket)
        self._send_chunks(upload_url, media.path, media.content_type, ticket, on_progress, record)
        return ticket

    def check_publish(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        response = self.http.read(
            "POST",
            self._api("/v2/post/publish/status/fetch/"),
            json={"publish_id": ticket.reference},
            headers=_bearer(tokens, json=True),
            classify=partial(classify, scope=f"{PUBLISH_SCOPE} or {UPLOAD_SCOPE}"),
        )
        data = mapping(json_body(response).get("data"))
        return status.interpret(data, ticket, self.clock())

    # --- reads: metrics ----------------------------------------------------------------------

    def list_posts(self, tokens: Tokens, *, cursor: str | None = None) -> PostPage:
        """`video/list`: newest first; TikTok's cursor is a millisecond timestamp (§1.4)."""
        body: dict[str, Any] = {"max_count": DISPLAY_MAX}
        if cursor:
            body["cursor"] = count(cursor)
            if body["cursor"] is None:
                raise Rejected(platform=PLATFORM, detail=f"not a video/list cursor: {cursor!r}")
        data = self._display(tokens, "/v2/video/list/", body)
        now = self.clock()
        posts = tuple(_remote_post(video, now) for video in _videos(data))
        more = data.get("has_more") is True and count(data.get("cursor")) is not None
        return PostPage(posts=posts, cursor=str(data["cursor"]) if more else None)

    def fetch_post_metrics(self, tokens: Tokens, remote_ids: Sequence[str]) -> list[PostMetrics]:
        found: list[PostMetrics] = []
        for batch in batches(remote_ids, self.metrics_batch):
            data = self._display(tokens, "/v2/video/query/", {"filters": {"video_ids": batch}})
            now = self.clock()
            found += [_post_metrics(video, now) for video in _videos(data) if video["id"] in batch]
        return found

    def fetch_account_metrics(self, tokens: Tokens) -> AccountMetrics:
        """`user/info` with the user.info.stats fields (TikTok counts no total views)."""
        response = self.http.read(
            "GET",
            self._api("/v2/user/info/"),
            params={"fields": STATS_FIELDS},
            headers=_bearer(tokens),
            classify=partial(classify, scope=STATS_SCOPE),
        )
        user = mapping(mapping(json_body(response).get("data")).get("user"))
        return AccountMetrics(
            captured_at=self.clock(),
            followers=count(user.get("follower_count")),
            following=count(user.get("following_count")),
            total_likes=count(user.get("likes_count")),
            posts_count=count(user.get("video_count")),
        )

    def _display(self, tokens: Tokens, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """A Display API video call (scope video.list, POST: a read all the same); its `data`."""
        response = self.http.read(
            "POST",
            self._api(path),
            params={"fields": VIDEO_FIELDS},
            json=body,
            headers=_bearer(tokens, json=True),
            classify=partial(classify, scope=LIST_SCOPE),
        )
        return mapping(json_body(response).get("data"))

    # --- internals --------------------------------------------------------------------------

    def _api(self, path: str) -> str:
        return self.endpoint("api", API_BASE) + path

    def _token_call(self, form: dict[str, str], *, previous: Tokens | None) -> Tokens:
        response = self.http.mutate(
            "POST",
            self._api("/v2/oauth/token/"),
            data=form,
            headers={"Cache-Control": "no-cache"},
            classify=classify,
        )
        body = json_body(response)
        access = token_answer.access_token(body, platform=PLATFORM)
        now = self.clock()
        return Tokens(
            access_token=access,
            refresh_token=token_answer.refresh_token(body.get("refresh_token"), previous),
            expires_at=token_answer.expires_after(now, body.get("expires_in")),
            refresh_expires_at=token_answer.expires_after(now, body.get("refresh_expires_in"))
            or (previous.refresh_expires_at if previous else None),
            scopes=token_answer.scope_list(body.get("scope"))
            or (previous.scopes if previous else ()),
            remote_id=token_answer.remote_id(body.get("open_id"), previous),
        )

    def _creator_info(self, tokens: Tokens, *, optional: bool = False) -> dict[str, Any]:
        """creator_info/query's `data`. `optional`: a refusal (missing scope, posting cap …)
        gives {} instead of an error; expired tokens and outages still raise."""
        try:
            response = self.http.read(
                "POST",
                self._api("/v2/post/publish/creator_info/query/"),
                headers=_bearer(tokens, json=True),
                classify=partial(classify, scope=PUBLISH_SCOPE),
            )
        except (Rejected, ReauthRequired):
            if optional:
                return {}
            raise
        return mapping(json_body(response).get("data"))

    def _send_chunks(
        self,
        upload_url: str,
        path: Path,
        content_type: str,
        ticket: Ticket,
        on_progress: OnProgress | None,
        record: RecordTicket,
    ) -> None:
        size = int(ticket.data["video_size"])
        ranges = chunk_ranges(size, ticket.data["chunk_size"], ticket.data["total_chunk_count"])
        expires_at = datetime.fromisoformat(ticket.data["upload_url_expires_at"])
        if on_progress:
            on_progress(Progress(sent=0, total=size))
        for index, (first, last) in enumerate(ranges):
            final = index == len(ranges) - 1
            if self.clock() >= expires_at:
                raise Rejected(
                    envelope.UPLOAD_LINK_GONE,
                    platform=PLATFORM,
                    platform_code="upload_url_expired",
                    detail="upload_url expired",
                    sent=first,
                    total=size,
                )
            length = last - first + 1
            try:
                self.http.mutate(
                    "PUT",
                    upload_url,
                    content=_read_range(path, first, length),
                    headers={
                        "Content-Type": content_type,
                        "Content-Length": str(length),
                        "Content-Range": f"bytes {first}-{last}/{size}",
                    },
                    classify=partial(classify_chunk, final=final, sent=first, total=size),
                )
            except FileReadError as exc:
                raise Transient(FILE_UNREADABLE, platform=PLATFORM, detail=str(exc)) from None
            except ProviderError as exc:
                # Chunks are never resent, so after a failed chunk the upload can only complete
                # if TikTok took the final one despite the error: the ticket says so, and the
                # status check gives its verdict at once instead of when the link expires.
                broken = {"sent": first, "final": final, "detail": exc.detail or exc.code}
                data = {**ticket.data, "transfer_broken": broken}
                record(ticket.model_copy(update={"data": data}))
                raise
            if on_progress:
                on_progress(Progress(sent=last + 1, total=size))


# --- helpers ------------------------------------------------------------------------------------


def pkce_challenge(verifier: str) -> str:
    """TikTok's S256 code challenge: the SHA-256 of the verifier, **hex**-encoded.

    TikTok's Login Kit docs ask for hex, not RFC 7636's base64url (so does TikTok's own
    Android SDK); a base64url challenge fails with "Code verifier or code challenge is invalid".
    """
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()


def _read_range(path: Path, first: int, length: int) -> Iterator[bytes]:
    try:
        with open(path, "rb") as file:
            file.seek(first)
            remaining = length
            while remaining:
                block = file.read(min(READ_BLOCK, remaining))
                if not block:
                    raise FileReadError(f"{path} ended at byte {first + length - remaining}")
                remaining -= len(block)
                yield block
    except OSError as exc:
        raise FileReadError(str(exc)) from None


def _videos(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The video objects of a Display API answer that name their id."""
    found = data.get("videos")
    items = found if isinstance(found, list) else []
    return [
        {**video, "id": str(video["id"])}
        for video in items
        if isinstance(video, dict) and video.get("id")
    ]


def _post_metrics(video: dict[str, Any], now: datetime) -> PostMetrics:
    """A video object's counters (view_count int64, the others int32; §1.4)."""
    return PostMetrics(
        remote_id=video["id"],
        captured_at=now,
        views=count(video.get("view_count")),
        likes=count(video.get("like_count")),
        comments=count(video.get("comment_count")),
        shares=count(video.get("share_count")),
    )


def _remote_post(video: dict[str, Any], now: datetime) -> RemotePost:
    return RemotePost(
        remote_id=video["id"],
        url=str(video.get("share_url") or "") or None,
        title=str(video.get("title") or video.get("video_description") or ""),
        published_at=epoch(video.get("create_time")),
        duration_s=number(video.get("duration")),
        metrics=_post_metrics(video, now),
    )


def _bearer(tokens: Tokens, *, json: bool = False) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {tokens.access_token}"}
    if json:
        headers["Content-Type"] = "application/json; charset=UTF-8"
    return headers


def _granted(tokens: Tokens, scope: str) -> bool:
    """Whether the token carries `scope` (tokens that list no scopes are taken as default)."""
    return scope in tokens.scopes or not tokens.scopes
