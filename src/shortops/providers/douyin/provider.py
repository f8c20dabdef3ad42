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

from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlencode

from shortops.providers.base import OnProgress, PostingRules, RecordTicket
from shortops.providers.douyin import status
from shortops.providers.douyin.base import (
    AUTH_BASE,
    CHECKING,
    CREATE_UNCONFIRMED,
    GONE,
    LIST_COUNT,
    LIST_PAGES,
    NOT_FOUND,
    NOT_LISTED,
    NOT_LISTED_GRACE,
    RECONCILE_GRACE,
    RENEW_WHEN_LEFT,
    SCOPE_CREATE,
    SCOPE_DATA,
    SCOPE_LIST,
    SCOPE_RENEW,
    UPLOAD_BROKE,
    _auth,
    _data,
    _granted,
    _items,
    _open_id,
    _unverified,
    log,
)
from shortops.providers.douyin.envelope import (
    PLATFORM,
    classify,
    enterprise_only,
    is_permission_refusal,
)
from shortops.providers.douyin.reads import DouyinReads
from shortops.providers.douyin.rules import (
    DouyinOptions,
    douyin_issues,
    parse_options,
    text_of,
)
from shortops.providers.douyin.upload import DouyinUploads
from shortops.providers.errors import (
    OutcomeUnknown,
    ProviderError,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.files import check_file, refuse_errors
from shortops.providers.parsing import number, timestamp
from shortops.providers.types import (
    AuthStart,
    Failed,
    Issue,
    Pending,
    Profile,
    PublishRequest,
    PublishState,
    Ticket,
    Tokens,
)


class DouyinProvider(DouyinUploads, DouyinReads):
    """Publish videos to Douyin through the Open Platform (enterprise apps only)."""

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
        created = timestamp(ticket.data.get("created_at"))
        if created is not None and self.clock() - created < NOT_LISTED_GRACE:
            return Pending(detail=NOT_LISTED, poll_after_s=status.REVIEW_POLL_S)
        return Failed(
            reason=GONE, params={"item_id": item_id}, permanent=False, platform_code="not_listed"
        )

    def live_url(self, remote_id: str) -> str | None:
        return status.fallback_url(remote_id) or None

    def _reconcile(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        """create_video's answer was lost: find the post by its video_id in the video list."""
        video_id = str(ticket.data.get("video_id") or ticket.reference)
        started = timestamp(ticket.data.get("uploaded_at")) or self.clock()
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
        seconds = number(data.get("expires_in"))
        return tokens.model_copy(
            update={
                "refresh_token": renewed,
                "refresh_expires_at": self.clock() + timedelta(seconds=seconds)
                if seconds
                else tokens.refresh_expires_at,
                "extra": {**tokens.extra, "renewals": int(tokens.extra.get("renewals", 0)) + 1},
            }
        )
