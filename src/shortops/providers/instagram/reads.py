"""Reading Instagram: the account's media, their insights and the account's own figures."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from shortops.providers.counters import batches, count
from shortops.providers.errors import (
    ReauthRequired,
    Rejected,
)
from shortops.providers.http import json_body
from shortops.providers.instagram import envelope, metrics
from shortops.providers.instagram.base import MEDIA_PAGE, SCOPE_BASIC, SCOPE_INSIGHTS, InstagramBase
from shortops.providers.instagram.envelope import classify
from shortops.providers.types import (
    AccountMetrics,
    PostMetrics,
    PostPage,
    Tokens,
)


class InstagramReads(InstagramBase):
    def list_posts(self, tokens: Tokens, *, cursor: str | None = None) -> PostPage:
        """The account's media, newest first, MEDIA_PAGE a page, with like and comment counts
        (insights cost a call per media: `fetch_post_metrics` has them)."""
        user_id = tokens.remote_id or self.get_profile(tokens).remote_id
        params = {
            "fields": metrics.MEDIA_FIELDS,
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
            metrics.remote_post(item, now)
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
                if envelope.is_missing_object(exc):
                    continue  # deleted, or no longer this account's
                raise
            figures, error = self._insights(tokens, media)
            found.append(metrics.post_metrics(media, self.clock(), figures, error))
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
            params={"fields": metrics.MEDIA_FIELDS, "access_token": tokens.access_token},
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
        for metric_list in metrics.metric_lists(str(media.get("media_product_type") or "")):
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
            return metrics.insight_values(json_body(response)), ""
        return {}, error
