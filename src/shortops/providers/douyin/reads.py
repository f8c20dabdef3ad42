"""Reading Douyin: the account's videos and their figures (data API)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shortops.providers.counters import batches
from shortops.providers.douyin import metrics
from shortops.providers.douyin.base import (
    ACCOUNT_PAGES,
    LIST_COUNT,
    SCOPE_DATA,
    SCOPE_LIST,
    DouyinBase,
    _auth,
    _data,
    _items,
    _listed,
    _open_id,
)
from shortops.providers.types import (
    AccountMetrics,
    PostMetrics,
    PostPage,
    Tokens,
)


class DouyinReads(DouyinBase):
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
