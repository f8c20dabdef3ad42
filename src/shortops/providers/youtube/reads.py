"""Reading YouTube: the channel's posts, their figures (Data API and Analytics API) and the
channel's own, within the API's quota."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shortops.providers.counters import batches, count
from shortops.providers.errors import (
    AuthExpired,
    ProviderError,
    Rejected,
)
from shortops.providers.http import json_body
from shortops.providers.types import (
    AccountMetrics,
    PostMetrics,
    PostPage,
    ReadBudget,
    Tokens,
)
from shortops.providers.youtube import metrics
from shortops.providers.youtube.base import (
    ANALYTICS_BASE,
    API_BASE,
    CHANNELS_PATH,
    MAX_IDS,
    METRIC_PARTS,
    NO_CHANNEL,
    PLAYLIST_ITEMS_PATH,
    REPORTS_PATH,
    SCOPE_ANALYTICS,
    SCOPE_READONLY,
    VIDEOS_PATH,
    YouTubeBase,
    _auth,
    _playlist_video_id,
)


class YouTubeReads(YouTubeBase):
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
