"""Douyin video items (`video_list` / `video_data`) as typed figures (pure: no I/O).

API_CONTRACTS.md §4.3: an item carries `statistics{play_count, digg_count, comment_count,
share_count, download_count, forward_count}`. `play_count` is shown to the author only and is 0
when the video is private, so a 0 there on a private video means "not reported" (None).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from shortops.providers.counters import count, epoch
from shortops.providers.douyin import status
from shortops.providers.types import AccountMetrics, PostMetrics, RemotePost

# `video_status` values that hide the video from the public (status.py: community reading of
# Douyin's docs, unconfirmed): 2 not suitable for the public, 6 friends, 7 private.
NOT_PUBLIC = frozenset({2, 6, 7})


def post_metrics(item: dict[str, Any], captured_at: datetime) -> PostMetrics:
    """An item's counters; forwards (转发) and downloads are kept in `extra`."""
    stats = item.get("statistics") if isinstance(item.get("statistics"), dict) else {}
    figures: dict[str, Any] = stats or {}
    plays = count(figures.get("play_count"))
    if plays == 0 and count(item.get("video_status")) in NOT_PUBLIC:
        plays = None
    extra = {
        name: count(figures.get(key))
        for name, key in (("forwards", "forward_count"), ("downloads", "download_count"))
        if count(figures.get(key)) is not None
    }
    return PostMetrics(
        remote_id=str(item.get("item_id") or ""),
        captured_at=captured_at,
        views=plays,
        likes=count(figures.get("digg_count")),
        comments=count(figures.get("comment_count")),
        shares=count(figures.get("share_count")),
        extra=extra,
    )


def remote_post(item: dict[str, Any], captured_at: datetime) -> RemotePost:
    """An item of the account's video list (Douyin names no duration)."""
    item_id = str(item.get("item_id") or "")
    return RemotePost(
        remote_id=item_id,
        url=str(item.get("share_url") or "") or status.fallback_url(item_id) or None,
        title=str(item.get("title") or ""),
        published_at=epoch(item.get("create_time")),
        metrics=post_metrics(item, captured_at),
    )


def account_metrics(
    posts: Iterable[PostMetrics], captured_at: datetime, *, complete: bool
) -> AccountMetrics:
    """Totals over the account's videos. Douyin documents no follower count in the contract,
    so `followers` stays None; an incomplete list gives no totals (they would be too low)."""
    found = list(posts)
    if not complete:
        return AccountMetrics(captured_at=captured_at, extra={"listed_posts": len(found)})
    return AccountMetrics(
        captured_at=captured_at,
        total_views=sum(p.views or 0 for p in found),
        total_likes=sum(p.likes or 0 for p in found),
        posts_count=len(found),
    )
