"""Instagram Reels: Instagram API with Instagram Login (graph.instagram.com), Graph API
content publishing. Contract notes: shared/platforms API_CONTRACTS.md section 3; user guide:
docs/platforms/instagram.md.

Sign-in (Business Login for Instagram): authorize on www.instagram.com → code → short-lived token
(1 h, api.instagram.com) → long-lived token (60 days, `ig_exchange_token`) → refreshed with
`ig_refresh_token` while still valid (the token refreshes itself: Instagram has no separate
refresh token, so `Tokens.refresh_token` holds the same long-lived token).

Publishing, and where each step runs:

1. `start_publish`: the account's publishing limit (`content_publishing_limit`, a read): over
   quota ⇒ Rejected before anything is created. Then `POST /{ig-user-id}/media` with
   `media_type=REELS` and `video_url` = the signed `MediaFile.public_url` Instagram downloads the
   file from. Instagram answers with a **container** id, recorded at once. A container is not a
   post: nothing is visible until step 3, so a failure of this call (even a dropped answer) is
   `Transient`: an orphaned container can never be published (its id is unknown to everyone)
   and expires after 24 h.
2. `check_publish` reads the container (`status_code`): IN_PROGRESS ⇒ Pending (Instagram's own
   guidance: poll once a minute); ERROR / EXPIRED ⇒ Failed with the reason.
3. FINISHED ⇒ `check_publish` calls `media_publish` — **the one irreversible call** — and, with
   the media id it returns, reads the permalink ⇒ Published.

Why media_publish is exactly-once although `check_publish` cannot record anything:

- it is only sent right after a read of the container in the same call said FINISHED, and the
  container is single-use: once published its `status_code` is PUBLISHED for good (Meta's
  documented way to learn the outcome when media_publish "does not return the media id");
- it is sent once (`Http.mutate`); when its answer is lost or unclear (dropped connection,
  timeout, 5xx) the call returns Pending and the **next** check reads the container again:
  PUBLISHED ⇒ it happened and the media is looked up in the account's recent media (by the
  caption recorded as a hash and the creation time); FINISHED ⇒ Instagram says it did not
  happen, and publishing is a fresh decision taken on the platform's word, not a blind repeat;
- refusals that mean "not done" (rate limit, expired token) are raised for the engine to wait
  or refresh; "not ready yet" (9007/2207027) is Pending.

Metric reads (§3.2), one media at a time (the contract documents no batch lookup):
`GET /{media-id}` for `like_count` / `comments_count` and `GET /{media-id}/insights` with the
metric list of its `media_product_type` (views, reach, shares, saves, watch times …); a metric
without data yet stays None. An insights refusal (permission not granted, a metric Instagram
does not offer) keeps the field counters and says why in `extra["insights_error"]`. The media
list (`/{ig-user-id}/media`, cursor `after`) and the account (`followers_count`,
`media_count`) are one call each. Instagram publishes no fixed read budget: calls count against
the Business Use Case limits, reported in `X-Business-Use-Case-Usage` (§3.4).

The alternative — waiting for FINISHED inside `start_publish` and publishing there — would hold a
worker for minutes (Instagram processing takes from seconds to several minutes) and still need
this path whenever processing outlasts the wait; so there is one path, here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ClassVar
from urllib.parse import urlencode

from shortops.errors import N_
from shortops.kit.clock import utcnow
from shortops.providers.base import OnProgress, PostingRules, Provider, RecordTicket
from shortops.providers.counters import batches, count
from shortops.providers.errors import (
    OutcomeUnknown,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.files import refuse_errors
from shortops.providers.http import Http, json_body
from shortops.providers.instagram import graph, insights, status
from shortops.providers.instagram.graph import PLATFORM, classify
from shortops.providers.instagram.rules import (
    MAX_HASHTAGS,
    InstagramOptions,
    caption_of,
    media_issues,
    option_issues,
    parse_options,
)
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
    Published,
    PublishRequest,
    PublishState,
    ReadBudget,
    Ticket,
    Tokens,
)

AUTH_BASE = "https://www.instagram.com"
TOKEN_BASE = "https://api.instagram.com"
GRAPH_BASE = "https://graph.instagram.com"
# The Graph API version in every path; an app registration may pin another one
# (AppCredentials.extra["graph_version"]).
GRAPH_VERSION = "v23.0"

SCOPE_BASIC = "instagram_business_basic"
SCOPE_PUBLISH = "instagram_business_content_publish"
SCOPE_INSIGHTS = "instagram_business_manage_insights"
PROFILE_FIELDS = "user_id,username,name,account_type,profile_picture_url"
# Instagram's guidance: poll a container once a minute.
POLL_S = 60.0
# How long a PUBLISHED container's media may be missing from the account's media list before
# the publication is handed to a person (the list may lag behind; unconfirmed).
NOT_LISTED_GRACE = timedelta(hours=1)
# Media created this long before the container are not ours (clock skew allowance).
MATCH_SKEW = timedelta(minutes=5)
MEDIA_PAGE = 25

PERSONAL_ACCOUNT = N_(
    "This Instagram account is a personal account. Instagram only lets apps publish to "
    "professional accounts: switch it to a Business or Creator account in the Instagram app "
    "(Settings → Account type and tools), then connect it again."
)
PUBLISH_NOT_GRANTED = N_(
    "The Instagram sign-in did not allow publishing ({scope}). Connect the account again and "
    "allow content publishing on Instagram's consent screen."
)
CONTAINER_UNCONFIRMED = N_(
    "Instagram did not confirm that it prepared the post ({detail}). Nothing was published "
    "(Instagram only publishes a prepared post when shortops asks it to); trying again is safe."
)
PUBLISH_UNCONFIRMED = N_(
    "Instagram did not confirm the publish; shortops checks the prepared post's status before "
    "doing anything else."
)
NOT_READY = N_("Instagram has not finished processing the video yet.")
LOOKING_FOR_MEDIA = N_("Instagram says the Reel is published; looking for its link.")
MEDIA_NOT_FOUND = N_(
    "Instagram says the prepared post {container} was published, but the Reel does not appear "
    "among the account's recent posts. Check on Instagram."
)
MATCHED_BY_CAPTION = N_(
    "Found among the account's recent posts by its caption and time (Instagram's answer to the "
    "publish was lost)."
)
NO_PERMALINK = N_("Instagram published the Reel but gave no link to it.")


class InstagramProvider(Provider):
    """Publish Reels to an Instagram professional (Business or Creator) account."""

    slug: ClassVar[str] = "instagram"
    name: ClassVar[str] = PLATFORM
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.publish, Capability.post_metrics, Capability.account_metrics}
    )
    metrics_batch: ClassVar[int] = 1
    # No documented figure: Business Use Case limits ("4800 × impressions a day" is quoted,
    # unconfirmed). A media's metrics cost 2 calls (3 when the newer metrics are refused).
    read_budget: ClassVar[ReadBudget] = ReadBudget(
        costs={"fetch_post_metrics": 3, "list_posts": 1, "fetch_account_metrics": 1}
    )
    # An expired long-lived token cannot be refreshed: renew a week ahead (it lasts 60 days and
    # may be refreshed once it is a day old).
    refresh_ahead: ClassVar[timedelta] = timedelta(days=7)
    limits: ClassVar[Limits] = Limits(
        min_duration_s=3,
        max_duration_s=15 * 60,
        max_bytes=300_000_000,  # "300 MB", read strictly
        aspect_ratios=(9 / 16,),  # recommended: other shapes are a warning
        caption_max=2200,
        hashtags_max=MAX_HASHTAGS,
        containers=("mp4", "mov"),
        profile_slug="instagram_reels",
    )
    options_model = InstagramOptions
    default_scopes: ClassVar[tuple[str, ...]] = (SCOPE_BASIC, SCOPE_PUBLISH, SCOPE_INSIGHTS)

    def __init__(
        self,
        app: AppCredentials | None = None,
        *,
        http: Http | None = None,
        clock: Callable[[], datetime] = utcnow,
        allow_local_media_url: bool = False,
    ) -> None:
        super().__init__(app, http=http, clock=clock)
        # Tests and sandboxes serve the video from loopback; the real Instagram cannot fetch it.
        self.allow_local_media_url = allow_local_media_url

    # --- auth -------------------------------------------------------------------------------

    def authorization_url(self, state: str, *, scopes: tuple[str, ...] | None = None) -> AuthStart:
        app = self.require_app()
        params = {
            "client_id": app.client_id,
            "redirect_uri": app.redirect_uri,
            "response_type": "code",
            "scope": ",".join(scopes or self.default_scopes),
            "state": state,
        }
        url = f"{self.endpoint('auth', AUTH_BASE)}/oauth/authorize?{urlencode(params)}"
        return AuthStart(url=url, state=state)

    def exchange_code(self, code: str, *, code_verifier: str | None = None) -> Tokens:
        app = self.require_app()
        # Instagram appends "#_" to the redirect; it is not part of the code.
        code = code.removesuffix("#_")
        form = {
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "grant_type": "authorization_code",
            "redirect_uri": app.redirect_uri,
            "code": code,
        }
        # A code works once: sent once.
        response = self.http.mutate(
            "POST",
            f"{self.endpoint('token', TOKEN_BASE)}/oauth/access_token",
            data=form,
            classify=partial(classify, context="token"),
        )
        short = _token_answer(json_body(response))
        short_token = short.get("access_token")
        if not isinstance(short_token, str) or not short_token:
            raise ReauthRequired(platform=PLATFORM, detail="the code exchange gave no token")
        scopes = _scopes(short.get("permissions"))
        if scopes and SCOPE_PUBLISH not in scopes:
            raise ReauthRequired(
                PUBLISH_NOT_GRANTED,
                platform=PLATFORM,
                platform_code="missing_permission",
                scope=SCOPE_PUBLISH,
            )
        # Exchanging the short-lived token again gives a long-lived one again: a read.
        response = self.http.read(
            "GET",
            f"{self.endpoint('graph', GRAPH_BASE)}/access_token",
            params={
                "grant_type": "ig_exchange_token",
                "client_secret": app.client_secret,
                "access_token": short_token,
            },
            classify=partial(classify, context="token"),
        )
        user_id = short.get("user_id")
        return self._tokens(
            json_body(response),
            scopes=scopes,
            remote_id=str(user_id) if user_id not in (None, "") else None,
            previous=None,
        )

    def refresh(self, tokens: Tokens) -> Tokens:
        """A new 60-day token from the current one, which must still be valid (and, per Meta, at
        least 24 hours old). Once it has expired only a new sign-in helps: ReauthRequired."""
        token = tokens.refresh_token or tokens.access_token
        # Refreshing twice gives a valid token twice (the older stays valid until it expires;
        # unconfirmed), so a lost answer may be asked again: a read.
        response = self.http.read(
            "GET",
            f"{self.endpoint('graph', GRAPH_BASE)}/refresh_access_token",
            params={"grant_type": "ig_refresh_token", "access_token": token},
            classify=partial(classify, context="token"),
        )
        return self._tokens(
            json_body(response), scopes=tokens.scopes, remote_id=tokens.remote_id, previous=tokens
        )

    def get_profile(self, tokens: Tokens) -> Profile:
        try:
            user = self._me(tokens, PROFILE_FIELDS)
        except Rejected as exc:
            # `account_type` is documented for Instagram Login's /me (unconfirmed); should
            # Instagram refuse the field (code 100), read the profile without it.
            if not exc.platform_code.startswith("100"):
                raise
            user = self._me(tokens, PROFILE_FIELDS.replace(",account_type", ""))
        account_type = str(user.get("account_type") or "").upper()
        if account_type == "PERSONAL":
            raise Rejected(
                PERSONAL_ACCOUNT,
                platform=PLATFORM,
                platform_code="personal_account",
                detail="account_type PERSONAL",
            )
        user_id = str(user.get("user_id") or user.get("id") or tokens.remote_id or "")
        if not user_id:
            raise Transient(platform=PLATFORM, detail="/me answered without user_id")
        username = str(user.get("username") or "")
        return Profile(
            remote_id=user_id,
            handle=username or user_id,
            display_name=str(user.get("name") or ""),
            avatar_url=str(user.get("profile_picture_url") or "") or None,
            extra={
                "account_type": account_type,
                "app_scoped_id": str(user.get("id") or ""),
                "profile_url": f"https://www.instagram.com/{username}/" if username else "",
            },
        )

    # --- publish ----------------------------------------------------------------------------

    def validate(self, request: PublishRequest, rules: PostingRules | None = None) -> list[Issue]:
        # Hashtags are counted in the caption Instagram receives (below), not only the list.
        issues = [
            issue
            for issue in super().validate(request, rules)
            if not (issue.field == "hashtags" and issue.code == "too_many")
        ]
        issues += media_issues(request, self.limits, allow_local_url=self.allow_local_media_url)
        options = parse_options(request.options)
        if options is not None:
            issues += option_issues(request, options)
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
        options = InstagramOptions.model_validate(request.options)
        user_id = tokens.remote_id or self.get_profile(tokens).remote_id
        self._check_quota(tokens, user_id)
        caption = caption_of(request)
        form: dict[str, str] = {
            "media_type": "REELS",
            "video_url": str(request.media.public_url),
            "caption": caption,
            "share_to_feed": "true" if options.share_to_feed else "false",
            "access_token": tokens.access_token,
        }
        if options.thumb_offset_ms is not None:
            form["thumb_offset"] = str(options.thumb_offset_ms)
        if options.usernames():
            # Graph takes list parameters as JSON in form bodies (unconfirmed for this field).
            form["collaborators"] = json.dumps(options.usernames())
        created_at = self.clock()
        try:
            response = self.http.mutate(
                "POST", self._graph(f"/{user_id}/media"), data=form, classify=classify
            )
        except OutcomeUnknown as exc:
            # A container is not a post, and nobody knows this one's id: it cannot go live.
            raise Transient(
                CONTAINER_UNCONFIRMED,
                platform=PLATFORM,
                platform_code=exc.platform_code,
                detail=exc.detail,
            ) from None
        container_id = str(json_body(response).get("id") or "")
        if not container_id:
            raise Transient(
                CONTAINER_UNCONFIRMED, platform=PLATFORM, detail="the answer named no container"
            )
        ticket = Ticket(
            reference=container_id,
            data={
                "ig_user_id": user_id,
                "created_at": created_at.isoformat(),
                "caption_sha256": _caption_hash(caption),
                "share_to_feed": options.share_to_feed,
            },
        )
        record(ticket)
        return ticket

    def check_publish(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        """Poll the container; publish it once it is FINISHED (see the module docstring)."""
        response = self.http.read(
            "GET",
            self._graph(f"/{ticket.reference}"),
            params={"fields": "status_code,status", "access_token": tokens.access_token},
            classify=classify,
        )
        container = json_body(response)
        code = str(container.get("status_code") or "")
        if code == "IN_PROGRESS":
            return Pending(detail=status.PROCESSING, poll_after_s=POLL_S)
        if code == "ERROR":
            return status.container_failure(str(container.get("status") or ""))
        if code == "EXPIRED":
            return status.expired()
        if code == "FINISHED":
            return self._publish(tokens, ticket)
        if code == "PUBLISHED":
            return self._find_published(tokens, ticket)
        return Pending(detail=code or status.PROCESSING, poll_after_s=POLL_S)

    # --- reads: metrics ----------------------------------------------------------------------

    def list_posts(self, tokens: Tokens, *, cursor: str | None = None) -> PostPage:
        """The account's media, newest first, MEDIA_PAGE a page, with like and comment counts
        (insights cost a call per media: `fetch_post_metrics` has them)."""
        user_id = tokens.remote_id or self.get_profile(tokens).remote_id
        params = {
            "fields": insights.MEDIA_FIELDS,
            "limit": str(MEDIA_PAGE),
            "access_token": tokens.access_token,
        }
        if cursor:
            params["after"] = cursor
        response = self.http.read(
            "GET",
            self._graph(f"/{user_id}/media"),
            params=params,
            classify=partial(classify, scope=SCOPE_BASIC),
        )
        body = json_body(response)
        now = self.clock()
        items = body.get("data")
        posts = tuple(
            insights.remote_post(item, now)
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict) and item.get("id")
        )
        paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
        after = ((paging or {}).get("cursors") or {}).get("after")
        # Graph leaves `next` out on the last page; the `after` cursor may still be there.
        more = bool((paging or {}).get("next")) and isinstance(after, str) and after
        return PostPage(posts=posts, cursor=str(after) if more else None)

    def fetch_post_metrics(self, tokens: Tokens, remote_ids: Sequence[str]) -> list[PostMetrics]:
        found: list[PostMetrics] = []
        for [media_id] in batches(remote_ids, self.metrics_batch):
            try:
                media = self._media(tokens, media_id)
            except Rejected as exc:
                if graph.is_missing_object(exc):
                    continue  # deleted, or no longer this account's
                raise
            figures, error = self._insights(tokens, media)
            found.append(insights.post_metrics(media, self.clock(), figures, error))
        return found

    def fetch_account_metrics(self, tokens: Tokens) -> AccountMetrics:
        """The professional account's `followers_count` and `media_count` fields (not in the
        contract's field lists, §3.2: unconfirmed for Instagram Login's /me)."""
        user = self._me(tokens, "user_id,followers_count,media_count", scope=SCOPE_BASIC)
        return AccountMetrics(
            captured_at=self.clock(),
            followers=count(user.get("followers_count")),
            posts_count=count(user.get("media_count")),
        )

    def _media(self, tokens: Tokens, media_id: str) -> dict[str, Any]:
        response = self.http.read(
            "GET",
            self._graph(f"/{media_id}"),
            params={"fields": insights.MEDIA_FIELDS, "access_token": tokens.access_token},
            classify=partial(classify, scope=SCOPE_BASIC),
        )
        return {**json_body(response), "id": media_id}

    def _insights(self, tokens: Tokens, media: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """The media's insights, and why there are none when Instagram refused them.

        The longest metric list first; a refusal of it (a metric this account or API version
        does not offer) tries the next. Throttling and expired tokens are raised, like for any
        read: the field counters are only worth keeping when insights are refused for good.
        """
        error = ""
        for metric_list in insights.metric_lists(str(media.get("media_product_type") or "")):
            try:
                response = self.http.read(
                    "GET",
                    self._graph(f"/{media['id']}/insights"),
                    params={"metric": ",".join(metric_list), "access_token": tokens.access_token},
                    classify=partial(classify, scope=SCOPE_INSIGHTS),
                )
            except ReauthRequired as exc:
                return {}, exc.platform_code or exc.code
            except Rejected as exc:
                error = exc.platform_code or exc.code
                continue
            return insights.insight_values(json_body(response)), ""
        return {}, error

    # --- internals --------------------------------------------------------------------------

    def _publish(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        """`media_publish`, sent once; an unclear answer is settled by the next check."""
        user_id = str(ticket.data.get("ig_user_id") or tokens.remote_id or "")
        try:
            response = self.http.mutate(
                "POST",
                self._graph(f"/{user_id}/media_publish"),
                data={"creation_id": ticket.reference, "access_token": tokens.access_token},
                classify=classify,
            )
        except (OutcomeUnknown, Transient):
            return Pending(detail=PUBLISH_UNCONFIRMED, poll_after_s=POLL_S)
        except Rejected as exc:
            if graph.is_not_ready(exc):
                return Pending(detail=NOT_READY, poll_after_s=POLL_S)
            params = {k: v for k, v in exc.params.items() if k != "platform"}
            return Failed(
                reason=exc.message_template,
                params=params,
                permanent=True,
                platform_code=exc.platform_code,
            )
        media_id = str(json_body(response).get("id") or "")
        if not media_id:
            return Pending(detail=PUBLISH_UNCONFIRMED, poll_after_s=POLL_S)
        return self._published(tokens, media_id)

    def _published(self, tokens: Tokens, media_id: str) -> Published:
        response = self.http.read(
            "GET",
            self._graph(f"/{media_id}"),
            params={
                "fields": "id,permalink,media_product_type,timestamp",
                "access_token": tokens.access_token,
            },
            classify=classify,
        )
        permalink = str(json_body(response).get("permalink") or "")
        return Published(
            remote_id=media_id,
            url=permalink,
            visibility="public",
            detail="" if permalink else NO_PERMALINK,
        )

    def _find_published(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        """The media of a PUBLISHED container whose media id was never heard (lost answer)."""
        user_id = str(ticket.data.get("ig_user_id") or tokens.remote_id or "")
        created = _when(ticket.data.get("created_at")) or self.clock()
        response = self.http.read(
            "GET",
            self._graph(f"/{user_id}/media"),
            params={
                "fields": "id,caption,permalink,timestamp,media_product_type",
                "limit": str(MEDIA_PAGE),
                "access_token": tokens.access_token,
            },
            classify=classify,
        )
        wanted = str(ticket.data.get("caption_sha256") or "")
        items = json_body(response).get("data")
        candidates = [
            item
            for item in (items if isinstance(items, list) else [])
            if isinstance(item, dict)
            and item.get("id")
            and _caption_hash(str(item.get("caption") or "")) == wanted
            and (_when(item.get("timestamp")) or created) >= created - MATCH_SKEW
        ]
        if candidates:
            # The oldest match after the container was created: a later identical post is not it.
            item = min(candidates, key=lambda i: _when(i.get("timestamp")) or created)
            return Published(
                remote_id=str(item["id"]),
                url=str(item.get("permalink") or ""),
                visibility="public",
                detail=MATCHED_BY_CAPTION,
            )
        if self.clock() - created < NOT_LISTED_GRACE:
            return Pending(detail=LOOKING_FOR_MEDIA, poll_after_s=POLL_S)
        return Failed(
            reason=MEDIA_NOT_FOUND,
            params={"container": ticket.reference},
            permanent=False,
            platform_code="media_not_found",
        )

    def _check_quota(self, tokens: Tokens, user_id: str) -> None:
        """Refuse before creating a container when the 24-hour publishing limit is reached."""
        try:
            response = self.http.read(
                "GET",
                self._graph(f"/{user_id}/content_publishing_limit"),
                params={"fields": "config,quota_usage", "access_token": tokens.access_token},
                classify=classify,
            )
        except Rejected:
            # Documented on graph.facebook.com; with Instagram Login unconfirmed. Without it,
            # media_publish still refuses over quota (9/2207042), after the container.
            return
        rows = json_body(response).get("data")
        row = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
        used = row.get("quota_usage")
        config = row.get("config") if isinstance(row.get("config"), dict) else {}
        total = (config or {}).get("quota_total")
        used_n, total_n = _number(used), _number(total)
        if used_n is not None and total_n is not None and used_n >= total_n:
            raise Rejected(
                graph.QUOTA_REACHED_COUNTED,
                platform=PLATFORM,
                platform_code=f"9/{graph.QUOTA_SUBCODE}",
                detail=f"quota_usage {used} of {total}",
                used=used,
                limit=total,
            )

    def _me(self, tokens: Tokens, fields: str, *, scope: str = "") -> dict[str, Any]:
        response = self.http.read(
            "GET",
            self._graph("/me"),
            params={"fields": fields, "access_token": tokens.access_token},
            classify=partial(classify, scope=scope),
        )
        return json_body(response)

    def _graph(self, path: str) -> str:
        version = GRAPH_VERSION
        if self.app is not None and self.app.extra.get("graph_version"):
            version = self.app.extra["graph_version"].strip("/")
        return f"{self.endpoint('graph', GRAPH_BASE)}/{version}{path}"

    def _tokens(
        self,
        answer: dict[str, Any],
        *,
        scopes: tuple[str, ...],
        remote_id: str | None,
        previous: Tokens | None,
    ) -> Tokens:
        access = answer.get("access_token")
        if not isinstance(access, str) or not access:
            raise ReauthRequired(platform=PLATFORM, detail="the token answer has no access_token")
        now = self.clock()
        seconds = _number(answer.get("expires_in"))
        expires_at = now + timedelta(seconds=seconds) if seconds and seconds > 0 else None
        return Tokens(
            access_token=access,
            # The long-lived token refreshes itself (see the module docstring).
            refresh_token=access,
            expires_at=expires_at,
            refresh_expires_at=expires_at,
            scopes=scopes,
            remote_id=remote_id,
            extra={**(previous.extra if previous else {}), "issued_at": now.isoformat()},
        )


# --- helpers ------------------------------------------------------------------------------------


def _token_answer(body: dict[str, Any]) -> dict[str, Any]:
    """The code exchange's answer: `{"data": [{…}]}` (Business Login) or flat (older docs)."""
    data = body.get("data")
    if isinstance(data, list) and data and isinstance(data[0], dict):
        return data[0]
    return body


def _scopes(permissions: Any) -> tuple[str, ...]:
    if isinstance(permissions, str):
        return tuple(p.strip() for p in permissions.split(",") if p.strip())
    if isinstance(permissions, list):
        return tuple(str(p).strip() for p in permissions if str(p).strip())
    return ()


def _caption_hash(caption: str) -> str:
    return hashlib.sha256(caption.strip().encode()).hexdigest()


def _when(value: Any) -> datetime | None:
    """An ISO time; Graph writes offsets without a colon ("2024-05-01T10:00:00+0000")."""
    if not isinstance(value, str) or not value:
        return None
    for parse in (datetime.fromisoformat, _graph_time):
        try:
            moment = parse(value)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def _graph_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None
