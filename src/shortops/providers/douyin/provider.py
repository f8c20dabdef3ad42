"""Douyin 抖音: Douyin Open Platform OAuth and server-side publishing (`video.create.bind`).
Contract notes: shared/platforms API_CONTRACTS.md section 4; user guide: docs/platforms/douyin.md.

**Server-side publishing on Douyin is for enterprise apps only**: Douyin grants the "publish on
behalf of the user" ability (`video.create.bind`) to formal website apps of enterprises,
government bodies and public institutions managing their own or contracted accounts. Any other
app is refused — before anything is uploaded when the sign-in lacks the scope, or when Douyin
answers "no permission" — with `Rejected(platform_code=ENTERPRISE_ONLY_CODE,
suggested_provider="manual")`, so the engine / UI can offer the manual publish kit instead.

Sign-in: `platform/oauth/connect` → code → `/oauth/access_token/` (access token 15 days, refresh
token 30 days, `open_id` names the user). `/oauth/refresh_token/` gives a new access token and
keeps the refresh token (and its expiry); when the refresh token has less than
`RENEW_WHEN_LEFT` left, `/oauth/renew_refresh_token/` exchanges it for a new 30-day one (at
most 5 times; then the user signs in again). User-token calls carry the token in an
`access-token` header and `open_id` in the query.

Publishing, in order:

1. upload the file: `upload_video` in one request (≤ 50 MB by default, 128 MB at most), or
   `init_video_part_upload` → `upload_video_part` × n (20 MiB parts) →
   `complete_video_part_upload`; Douyin answers with a `video_id`. Nothing is visible yet, so
   a failure here (even a dropped answer) is `Transient`: an unused upload publishes nothing.
2. the `video_id` is **recorded**, then `create_video` — the one irreversible call — with
   `text` (the caption, topics `#话题` inline) and `cover_tsp`; it answers with the `item_id`,
   recorded too. A create_video that breaks off is `OutcomeUnknown` (Douyin may have created
   the post): `check_publish` looks for the video_id in the account's video list and otherwise
   hands the publication to a person; create_video is never repeated.
3. `check_publish` reads `video_data` for the item: in review ⇒ Pending; reviewed ⇒ Published
   with its `share_url` (see status.py).

Metric reads (§4.3): `video_list` (cursor + has_more, LIST_COUNT a page) and `video_data` (by
`item_ids`; a deleted item is not in the answer), each item with its `statistics`. The contract
documents no endpoint with the account's follower count, so `fetch_account_metrics` only counts
the videos (and sums their plays and likes) by paging through `video_list`. Douyin publishes no
rate figure: over its limit it answers 28003018, and a used-up daily quota (2190001 / 28003017)
is a wait until it resets (§4.5).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

from shortops.errors import N_
from shortops.kit.clock import utcnow
from shortops.providers.base import OnProgress, PostingRules, Provider, RecordTicket
from shortops.providers.counters import batches
from shortops.providers.douyin import metrics, status
from shortops.providers.douyin.envelope import (
    PLATFORM,
    classify,
    enterprise_only,
    is_permission_refusal,
)
from shortops.providers.douyin.parts import (
    DEFAULT_PART_BYTES,
    DIRECT_PREFERRED_MAX_BYTES,
    TooLarge,
    part_ranges,
    use_parts,
)
from shortops.providers.douyin.rules import (
    DouyinOptions,
    douyin_issues,
    parse_options,
    text_of,
)
from shortops.providers.errors import (
    OutcomeUnknown,
    ProviderError,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.files import FILE_UNREADABLE, check_file, refuse_errors
from shortops.providers.http import Http, json_body
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

log = logging.getLogger("shortops.providers.douyin")

AUTH_BASE = "https://open.douyin.com"
API_BASE = "https://open.douyin.com"

SCOPE_USER = "user_info"
SCOPE_CREATE = "video.create.bind"
SCOPE_DATA = "video.data.bind"
SCOPE_LIST = "video.list.bind"
SCOPE_RENEW = "renew_refresh_token"

VIDEO_API = "/api/douyin/v1/video"
# Renew the refresh token when it has less than this left: access tokens last 15 days, so the
# refresh at day ~15 renews a 30-day refresh token before the next refresh needs it.
RENEW_WHEN_LEFT = timedelta(days=20)
# How long a created item may be missing from video_data, and an unconfirmed create_video from
# the video list, before a person is asked to look (the lists may lag; unconfirmed).
NOT_LISTED_GRACE = timedelta(minutes=30)
RECONCILE_GRACE = timedelta(minutes=10)
LIST_PAGES, LIST_COUNT = 3, 20
# Items per video_data call: the contract names no maximum (unconfirmed; 20 like the list).
DATA_BATCH = 20
# fetch_account_metrics pages through at most this many video_list pages (1000 videos).
ACCOUNT_PAGES = 50

TOO_LARGE = N_("The video is {size} bytes; Douyin takes at most 4 GB.")
UPLOAD_BROKE = N_(
    "The upload to {platform} broke off ({detail}). Nothing was published (an uploaded video "
    "only appears once shortops creates the post); starting again is safe."
)
CREATE_UNCONFIRMED = N_(
    "{platform} did not confirm whether it created the post ({detail}). shortops looks for it "
    "in the account's videos before doing anything else."
)
NOT_LISTED = N_("Douyin has not listed the video yet.")
CHECKING = N_("Checking whether Douyin created the post.")
GONE = N_(
    "Douyin created the post {item_id}, but it is not among the account's videos any more: it "
    "was deleted or removed. Check in the Douyin app."
)
NOT_FOUND = N_(
    "Douyin never confirmed creating the post, and the uploaded video {video_id} does not "
    "appear among the account's videos. Check in the Douyin app before publishing again."
)


class DouyinProvider(Provider):
    """Publish videos to Douyin through the Open Platform (enterprise apps only)."""

    slug: ClassVar[str] = "douyin"
    name: ClassVar[str] = PLATFORM
    # account_metrics: the video count and totals only; no follower count (see the docstring).
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.publish, Capability.post_metrics, Capability.account_metrics}
    )
    metrics_batch: ClassVar[int] = DATA_BATCH
    # Per-scope quotas exist but have no published figure (§4.5). An account read costs one
    # video_list call per LIST_COUNT videos (this is the cost of one page).
    read_budget: ClassVar[ReadBudget] = ReadBudget(
        costs={"fetch_post_metrics": 1, "list_posts": 1, "fetch_account_metrics": 1}
    )
    limits: ClassVar[Limits] = Limits(
        min_duration_s=3,  # unconfirmed; the render profile's minimum
        max_duration_s=15 * 60,
        max_bytes=4_000_000_000,  # "4 GB", read strictly
        aspect_ratios=(9 / 16,),  # "vertical recommended": other shapes are a warning
        containers=("mp4", "mov", "webm"),
        profile_slug="douyin",
    )
    options_model = DouyinOptions
    default_scopes: ClassVar[tuple[str, ...]] = (
        SCOPE_USER,
        SCOPE_CREATE,
        SCOPE_DATA,
        SCOPE_LIST,
        SCOPE_RENEW,
    )

    def __init__(
        self,
        app: AppCredentials | None = None,
        *,
        http: Http | None = None,
        clock: Callable[[], datetime] = utcnow,
        direct_max_bytes: int = DIRECT_PREFERRED_MAX_BYTES,
        part_bytes: int = DEFAULT_PART_BYTES,
    ) -> None:
        super().__init__(app, http=http, clock=clock)
        self.direct_max_bytes = direct_max_bytes
        self.part_bytes = part_bytes

    # --- auth -------------------------------------------------------------------------------

    def authorization_url(self, state: str, *, scopes: tuple[str, ...] | None = None) -> AuthStart:
        app = self.require_app()
        # An app registration may narrow the scopes (AppCredentials.extra["scopes"], a comma
        # list), for enterprise apps Douyin granted only some of the default ones.
        configured = tuple(s.strip() for s in app.extra.get("scopes", "").split(",") if s.strip())
        params = {
            "client_key": app.client_id,
            "response_type": "code",
            "scope": ",".join(scopes or configured or self.default_scopes),
            "redirect_uri": app.redirect_uri,
            "state": state,
        }
        url = f"{self.endpoint('auth', AUTH_BASE)}/platform/oauth/connect/?{urlencode(params)}"
        return AuthStart(url=url, state=state)

    def exchange_code(self, code: str, *, code_verifier: str | None = None) -> Tokens:
        app = self.require_app()
        form = {
            "client_key": app.client_id,
            "client_secret": app.client_secret,
            "code": code,
            "grant_type": "authorization_code",
        }
        # A code must not be used twice: sent once.
        response = self.http.mutate(
            "POST", self._api("/oauth/access_token/"), data=form, classify=self._token_classify
        )
        return self._tokens(_data(response), previous=None)

    def refresh(self, tokens: Tokens) -> Tokens:
        if not tokens.refresh_token:
            raise ReauthRequired(platform=PLATFORM, detail="no refresh token stored")
        app = self.require_app()
        form = {
            "client_key": app.client_id,
            "grant_type": "refresh_token",
            "refresh_token": tokens.refresh_token,
        }
        # The refresh token is not spent (it keeps its expiry), so asking again is harmless.
        response = self.http.read(
            "POST", self._api("/oauth/refresh_token/"), data=form, classify=self._token_classify
        )
        return self._renew_if_due(self._tokens(_data(response), previous=tokens))

    def get_profile(self, tokens: Tokens) -> Profile:
        open_id = _open_id(tokens)
        response = self.http.read(
            "POST",
            self._api("/oauth/userinfo/"),
            data={"access_token": tokens.access_token, "open_id": open_id},
            headers=_auth(tokens),
            classify=classify,
        )
        user = _data(response)
        remote_id = str(user.get("open_id") or open_id)
        nickname = str(user.get("nickname") or "")
        return Profile(
            remote_id=remote_id,
            handle=nickname or remote_id,
            display_name=nickname,
            avatar_url=str(user.get("avatar") or "") or None,
            extra={
                "union_id": str(user.get("union_id") or ""),
                # EAccountM / EAccountS / EAccountK: enterprise accounts (SDK; unconfirmed).
                "e_account_role": str(user.get("e_account_role") or ""),
            },
        )

    # --- publish ----------------------------------------------------------------------------

    def validate(self, request: PublishRequest, rules: PostingRules | None = None) -> list[Issue]:
        issues = super().validate(request, rules)
        issues += douyin_issues(request, parse_options(request.options))
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
        options = DouyinOptions.model_validate(request.options)
        if not _granted(tokens, SCOPE_CREATE):
            raise enterprise_only(f"the sign-in does not include {SCOPE_CREATE}")
        open_id = _open_id(tokens)
        media = request.media
        check_file(media.path, media.size_bytes, platform=PLATFORM)
        video = self._upload(tokens, open_id, request, on_progress)
        video_id = str(video.get("video_id") or "")
        if not video_id:
            raise Transient(UPLOAD_BROKE, platform=PLATFORM, detail="no video_id in the answer")
        data: dict[str, Any] = {
            "open_id": open_id,
            "video_id": video_id,
            "uploaded_at": self.clock().isoformat(),
        }
        ticket = Ticket(reference=video_id, data=data)
        record(ticket)
        body: dict[str, Any] = {"video_id": video_id, "text": text_of(request)}
        if options.cover_tsp is not None:
            body["cover_tsp"] = options.cover_tsp
        try:
            response = self.http.mutate(
                "POST",
                self._video("/create_video/"),
                params={"open_id": open_id},
                json=body,
                headers=_auth(tokens),
                classify=partial(classify, context="publish"),
            )
        except Transient as exc:
            # The request went out and Douyin answered badly (5xx, busy): it may have acted.
            raise OutcomeUnknown(
                CREATE_UNCONFIRMED,
                platform=PLATFORM,
                platform_code=exc.platform_code,
                detail=exc.detail,
            ) from None
        item_id = str(_data(response).get("item_id") or "")
        if not item_id:
            raise OutcomeUnknown(
                CREATE_UNCONFIRMED, platform=PLATFORM, detail="create_video named no item_id"
            )
        ticket = Ticket(
            reference=video_id,
            data={**data, "item_id": item_id, "created_at": self.clock().isoformat()},
        )
        record(ticket)
        return ticket

    def check_publish(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        item_id = str(ticket.data.get("item_id") or "")
        if not item_id:
            return self._reconcile(tokens, ticket)
        if not _granted(tokens, SCOPE_DATA):
            return _unverified(item_id)
        open_id = str(ticket.data.get("open_id") or _open_id(tokens))
        try:
            response = self.http.read(
                "POST",
                self._video("/video_data/"),
                params={"open_id": open_id},
                json={"item_ids": [item_id]},
                headers=_auth(tokens),
                classify=classify,
            )
        except (ReauthRequired, Rejected) as exc:
            if is_permission_refusal(exc):
                return _unverified(item_id)
            raise
        for item in _items(response):
            if str(item.get("item_id") or "") == item_id:
                return status.interpret(item)
        created = _when(ticket.data.get("created_at"))
        if created is not None and self.clock() - created < NOT_LISTED_GRACE:
            return Pending(detail=NOT_LISTED, poll_after_s=status.REVIEW_POLL_S)
        return Failed(
            reason=GONE, params={"item_id": item_id}, permanent=False, platform_code="not_listed"
        )

    def live_url(self, remote_id: str) -> str | None:
        return status.fallback_url(remote_id) or None

    # --- reads: metrics ----------------------------------------------------------------------

    def list_posts(self, tokens: Tokens, *, cursor: str | None = None) -> PostPage:
        """The account's videos, newest first, LIST_COUNT a page."""
        data = self._video_list(tokens, cursor or 0)
        now = self.clock()
        posts = tuple(metrics.remote_post(item, now) for item in _listed(data))
        more = data.get("has_more") is True and data.get("cursor") is not None
        return PostPage(posts=posts, cursor=str(data["cursor"]) if more else None)

    def fetch_post_metrics(self, tokens: Tokens, remote_ids: Sequence[str]) -> list[PostMetrics]:
        open_id = _open_id(tokens)
        found: list[PostMetrics] = []
        for batch in batches(remote_ids, self.metrics_batch):
            response = self.http.read(
                "POST",
                self._video("/video_data/"),
                params={"open_id": open_id},
                json={"item_ids": batch},
                headers=_auth(tokens),
                classify=self._read_classify(SCOPE_DATA),
            )
            now = self.clock()
            found += [
                metrics.post_metrics(item, now)
                for item in _items(response)
                if str(item.get("item_id") or "") in batch
            ]
        return found

    def fetch_account_metrics(self, tokens: Tokens) -> AccountMetrics:
        """The number of videos and their summed plays and likes, from video_list."""
        posts: list[PostMetrics] = []
        cursor: str | int = 0
        for _ in range(ACCOUNT_PAGES):
            data = self._video_list(tokens, cursor)
            posts += [metrics.post_metrics(item, self.clock()) for item in _listed(data)]
            if data.get("has_more") is not True or data.get("cursor") is None:
                return metrics.account_metrics(posts, self.clock(), complete=True)
            cursor = str(data["cursor"])
        return metrics.account_metrics(posts, self.clock(), complete=False)

    def _video_list(self, tokens: Tokens, cursor: str | int) -> dict[str, Any]:
        response = self.http.read(
            "GET",
            self._video("/video_list/"),
            params={"open_id": _open_id(tokens), "cursor": cursor, "count": LIST_COUNT},
            headers=_auth(tokens),
            classify=self._read_classify(SCOPE_LIST),
        )
        return _data(response)

    def _read_classify(self, scope: str) -> Callable[[Any], ProviderError | None]:
        return partial(classify, context="read", scope=scope, now=self.clock())

    # --- internals --------------------------------------------------------------------------

    def _upload(
        self,
        tokens: Tokens,
        open_id: str,
        request: PublishRequest,
        on_progress: OnProgress | None,
    ) -> dict[str, Any]:
        """Send the file (whole or in parts); Douyin's `video` object (with `video_id`)."""
        media = request.media
        size = media.size_bytes
        name = media.path.name
        publish = partial(classify, context="publish")
        try:
            parts = use_parts(size, self.direct_max_bytes)
        except TooLarge:
            raise Rejected(TOO_LARGE, platform=PLATFORM, size=size) from None
        if on_progress:
            on_progress(Progress(sent=0, total=size))
        try:
            if not parts:
                with media.path.open("rb") as file:
                    response = self.http.mutate(
                        "POST",
                        self._video("/upload_video/"),
                        params={"open_id": open_id},
                        files={"video": (name, file, media.content_type)},
                        headers=_auth(tokens),
                        classify=publish,
                    )
            else:
                response = self.http.mutate(
                    "POST",
                    self._video("/init_video_part_upload/"),
                    params={"open_id": open_id},
                    headers=_auth(tokens),
                    classify=publish,
                )
                upload_id = str(_data(response).get("upload_id") or "")
                if not upload_id:
                    raise Transient(platform=PLATFORM, detail="init answered without upload_id")
                for number, (offset, length) in enumerate(
                    part_ranges(size, self.part_bytes), start=1
                ):
                    self.http.mutate(
                        "POST",
                        self._video("/upload_video_part/"),
                        params={"open_id": open_id, "upload_id": upload_id, "part_number": number},
                        files={
                            "video": (name, _read(media.path, offset, length), media.content_type)
                        },
                        headers=_auth(tokens),
                        classify=publish,
                    )
                    if on_progress:
                        on_progress(Progress(sent=offset + length, total=size))
                response = self.http.mutate(
                    "POST",
                    self._video("/complete_video_part_upload/"),
                    params={"open_id": open_id, "upload_id": upload_id},
                    headers=_auth(tokens),
                    classify=publish,
                )
        except OutcomeUnknown as exc:
            # Nothing is published before create_video: a broken upload can only be repeated.
            raise Transient(
                UPLOAD_BROKE,
                platform=PLATFORM,
                platform_code=exc.platform_code,
                detail=exc.detail,
            ) from None
        except OSError as exc:
            raise Transient(FILE_UNREADABLE, platform=PLATFORM, detail=str(exc)) from None
        if on_progress:
            on_progress(Progress(sent=size, total=size))
        video = _data(response).get("video")
        return video if isinstance(video, dict) else {}

    def _reconcile(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        """create_video's answer was lost: find the post by its video_id in the video list."""
        video_id = str(ticket.data.get("video_id") or ticket.reference)
        started = _when(ticket.data.get("uploaded_at")) or self.clock()
        not_found = Failed(
            reason=NOT_FOUND,
            params={"video_id": video_id},
            permanent=False,
            platform_code="create_unconfirmed",
        )
        if not _granted(tokens, SCOPE_LIST):
            return not_found
        open_id = str(ticket.data.get("open_id") or _open_id(tokens))
        cursor: Any = 0
        for _ in range(LIST_PAGES):
            response = self.http.read(
                "GET",
                self._video("/video_list/"),
                params={"open_id": open_id, "cursor": cursor, "count": LIST_COUNT},
                headers=_auth(tokens),
                classify=classify,
            )
            # Items are documented with `video_id` in API_CONTRACTS.md; one SDK omits it
            # (unconfirmed): without it nothing matches and a person is asked.
            for item in _items(response):
                if str(item.get("video_id") or "") == video_id:
                    return status.interpret(item)
            data = _data(response)
            if not data.get("has_more"):
                break
            cursor = data.get("cursor") or 0
        if self.clock() - started < RECONCILE_GRACE:
            return Pending(detail=CHECKING, poll_after_s=status.REVIEW_POLL_S)
        return not_found

    def _renew_if_due(self, tokens: Tokens) -> Tokens:
        """A new 30-day refresh token when the current one runs out within RENEW_WHEN_LEFT."""
        expires = tokens.refresh_expires_at
        if (
            not tokens.refresh_token
            or expires is None
            or expires - self.clock() > RENEW_WHEN_LEFT
            or not _granted(tokens, SCOPE_RENEW)
            or tokens.extra.get("renewals_used_up")
        ):
            return tokens
        app = self.require_app()
        try:
            response = self.http.mutate(
                "POST",
                self._api("/oauth/renew_refresh_token/"),
                data={"client_key": app.client_id, "refresh_token": tokens.refresh_token},
                classify=self._token_classify,
            )
        except ProviderError as exc:
            # The refresh itself worked; the old refresh token stays valid until it expires
            # (unless a lost answer spent it: then the next refresh asks for a new sign-in).
            log.warning("renewing the Douyin refresh token failed: %s", exc)
            if exc.platform_code == "10020":
                return tokens.model_copy(
                    update={"extra": {**tokens.extra, "renewals_used_up": True}}
                )
            return tokens
        data = _data(response)
        renewed = str(data.get("refresh_token") or "")
        if not renewed:
            return tokens
        seconds = _number(data.get("expires_in"))
        return tokens.model_copy(
            update={
                "refresh_token": renewed,
                "refresh_expires_at": self.clock() + timedelta(seconds=seconds)
                if seconds
                else tokens.refresh_expires_at,
                "extra": {**tokens.extra, "renewals": int(tokens.extra.get("renewals", 0)) + 1},
            }
        )

    def _tokens(self, data: dict[str, Any], *, previous: Tokens | None) -> Tokens:
        access = data.get("access_token")
        if not isinstance(access, str) or not access:
            raise ReauthRequired(platform=PLATFORM, detail="the token answer has no access_token")
        now = self.clock()
        expires_in = _number(data.get("expires_in"))
        refresh_in = _number(data.get("refresh_expires_in"))
        scope = data.get("scope")
        open_id = data.get("open_id") or (previous.remote_id if previous else None)
        refresh = str(data.get("refresh_token") or "") or (
            previous.refresh_token if previous else None
        )
        refresh_expires_at = now + timedelta(seconds=refresh_in) if refresh_in else None
        if previous is not None and refresh == previous.refresh_token:
            # The refresh token keeps its expiry across refreshes (documented): should the
            # answer count a fresh 30 days (unconfirmed either way), the earlier expiry wins.
            known = [t for t in (refresh_expires_at, previous.refresh_expires_at) if t]
            refresh_expires_at = min(known) if known else None
        return Tokens(
            access_token=access,
            refresh_token=refresh,
            expires_at=now + timedelta(seconds=expires_in) if expires_in else None,
            refresh_expires_at=refresh_expires_at,
            scopes=tuple(s.strip() for s in scope.split(",") if s.strip())
            if isinstance(scope, str) and scope
            else (previous.scopes if previous else ()),
            remote_id=str(open_id) if open_id else None,
            extra=dict(previous.extra) if previous else {},
        )

    def _token_classify(self, response: Any) -> ProviderError | None:
        return classify(response, context="token")

    def _api(self, path: str) -> str:
        return self.endpoint("api", API_BASE) + path

    def _video(self, path: str) -> str:
        return self.endpoint("api", API_BASE) + VIDEO_API + path


# --- helpers ------------------------------------------------------------------------------------


def _unverified(item_id: str) -> Published:
    return Published(
        remote_id=item_id,
        url=status.fallback_url(item_id),
        visibility="unknown",
        detail=status.UNVERIFIED,
    )


def _read(path: Path, offset: int, length: int) -> bytes:
    with path.open("rb") as file:
        file.seek(offset)
        chunk = file.read(length)
    if len(chunk) != length:
        raise OSError(f"{path} ended at byte {offset + len(chunk)}")
    return chunk


def _auth(tokens: Tokens) -> dict[str, str]:
    return {"access-token": tokens.access_token}


def _open_id(tokens: Tokens) -> str:
    if not tokens.remote_id:
        raise ReauthRequired(platform=PLATFORM, detail="the sign-in named no open_id")
    return tokens.remote_id


def _granted(tokens: Tokens, scope: str) -> bool:
    """Whether the token carries `scope` (tokens that list no scopes are taken as default)."""
    return scope in tokens.scopes or not tokens.scopes


def _data(response: Any) -> dict[str, Any]:
    data = json_body(response).get("data")
    return data if isinstance(data, dict) else {}


def _items(response: Any) -> list[dict[str, Any]]:
    found = _data(response).get("list")
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def _listed(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The items of a video_list `data` that name their item_id."""
    found = data.get("list")
    items = found if isinstance(found, list) else []
    return [item for item in items if isinstance(item, dict) and item.get("item_id")]


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
