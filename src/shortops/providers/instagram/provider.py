"""Instagram Reels: Instagram API with Instagram Login (envelope.instagram.com), Graph API
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

import json
from functools import partial
from urllib.parse import urlencode

from shortops.providers.base import OnProgress, PostingRules, RecordTicket
from shortops.providers.errors import (
    OutcomeUnknown,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.files import refuse_errors
from shortops.providers.http import json_body
from shortops.providers.instagram import envelope, status
from shortops.providers.instagram.base import (
    AUTH_BASE,
    CONTAINER_UNCONFIRMED,
    GRAPH_BASE,
    LOOKING_FOR_MEDIA,
    MATCH_SKEW,
    MATCHED_BY_CAPTION,
    MEDIA_NOT_FOUND,
    MEDIA_PAGE,
    NO_PERMALINK,
    NOT_LISTED_GRACE,
    NOT_READY,
    PERSONAL_ACCOUNT,
    POLL_S,
    PROFILE_FIELDS,
    PUBLISH_NOT_GRANTED,
    PUBLISH_UNCONFIRMED,
    SCOPE_PUBLISH,
    TOKEN_BASE,
    _caption_hash,
    _scopes,
    _token_answer,
    _when,
)
from shortops.providers.instagram.envelope import PLATFORM, classify
from shortops.providers.instagram.reads import InstagramReads
from shortops.providers.instagram.rules import (
    InstagramOptions,
    caption_of,
    media_issues,
    option_issues,
    parse_options,
)
from shortops.providers.parsing import number
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


class InstagramProvider(InstagramReads):
    """Publish Reels to an Instagram professional (Business or Creator) account."""

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
            if envelope.is_not_ready(exc):
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
            # Documented on envelope.facebook.com; with Instagram Login unconfirmed. Without it,
            # media_publish still refuses over quota (9/2207042), after the container.
            return
        rows = json_body(response).get("data")
        row = rows[0] if isinstance(rows, list) and rows and isinstance(rows[0], dict) else {}
        used = row.get("quota_usage")
        config = row.get("config") if isinstance(row.get("config"), dict) else {}
        total = (config or {}).get("quota_total")
        used_n, total_n = number(used), number(total)
        if used_n is not None and total_n is not None and used_n >= total_n:
            raise Rejected(
                envelope.QUOTA_REACHED_COUNTED,
                platform=PLATFORM,
                platform_code=f"9/{envelope.QUOTA_SUBCODE}",
                detail=f"quota_usage {used} of {total}",
                used=used,
                limit=total,
            )
