"""Instagram media fields and media insights as typed figures (pure: no I/O).

API_CONTRACTS.md §3.2: a media's `like_count` and `comments_count` are fields of the media
(`like_count` is absent when the owner hides it); everything else comes from
`/{media-id}/insights`, whose metrics depend on `media_product_type` (asking one the type does not
have is an error) and which answers a metric that has no data yet with an empty set, not 0.
`impressions` and `plays` are retired (`views` replaces them).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shortops.providers.counters import count, number, scaled
from shortops.providers.types import PostMetrics, RemotePost

MEDIA_FIELDS = "id,caption,media_type,media_product_type,permalink,timestamp,like_count," + (
    "comments_count"
)
# The Reels list of §3.2 without the three metrics whose "availability varies" …
REELS_METRICS = (
    "views",
    "reach",
    "likes",
    "comments",
    "shares",
    "saved",
    "total_interactions",
    "ig_reels_avg_watch_time",
    "ig_reels_video_view_total_time",
)
# … which are asked for too, and dropped when Instagram refuses the longer list.
REELS_NEWER_METRICS = ("reposts", "reels_skip_rate", "crossposted_views")
# Feed posts: the metrics of the Reels list that are not Reels-specific (unconfirmed: the
# contract lists the Reels metrics only). Stories and ads are not asked for insights.
FEED_METRICS = ("views", "reach", "likes", "comments", "shares", "saved", "total_interactions")
# Milliseconds in Meta's reference (unconfirmed in the contract): turned into seconds.
MS = 0.001


def metric_lists(product_type: str) -> list[tuple[str, ...]]:
    """The metric lists to try for a media, longest first; empty: no insights for the type."""
    if product_type == "REELS":
        return [REELS_METRICS + REELS_NEWER_METRICS, REELS_METRICS]
    if product_type == "FEED":
        return [FEED_METRICS]
    return []


def insight_values(body: dict[str, Any]) -> dict[str, Any]:
    """Metric name → value from an insights answer; a metric with no data is left out.

    A value is `values[0].value` (lifetime metrics) or `total_value.value` (the newer shape,
    unconfirmed for media); an empty `values` list means "no data yet".
    """
    found: dict[str, Any] = {}
    for entry in body.get("data") or []:
        if not isinstance(entry, dict) or not entry.get("name"):
            continue
        values = entry.get("values")
        total = entry.get("total_value")
        if isinstance(values, list) and values and isinstance(values[0], dict):
            found[str(entry["name"])] = values[0].get("value")
        elif isinstance(total, dict) and "value" in total:
            found[str(entry["name"])] = total["value"]
    return found


def post_metrics(
    media: dict[str, Any],
    captured_at: datetime,
    insights: dict[str, Any] | None,
    insights_error: str = "",
) -> PostMetrics:
    """A media's counters: likes and comments from its fields (the insights' when a field is
    absent), the rest from its insights; None where Instagram reported nothing."""
    found = insights or {}
    extra: dict[str, Any] = {
        name: found[name]
        for name in ("total_interactions", "reposts", "reels_skip_rate", "crossposted_views")
        if number(found.get(name)) is not None
    }
    if insights_error:
        extra["insights_error"] = insights_error
    likes = count(media.get("like_count"))
    comments = count(media.get("comments_count"))
    return PostMetrics(
        remote_id=str(media.get("id") or ""),
        captured_at=captured_at,
        views=count(found.get("views")),
        likes=likes if likes is not None else count(found.get("likes")),
        comments=comments if comments is not None else count(found.get("comments")),
        shares=count(found.get("shares")),
        saves=count(found.get("saved")),
        reach=count(found.get("reach")),
        avg_view_s=scaled(found.get("ig_reels_avg_watch_time"), MS),
        watch_time_s=scaled(found.get("ig_reels_video_view_total_time"), MS),
        extra=extra,
    )


def remote_post(media: dict[str, Any], captured_at: datetime) -> RemotePost:
    """A media of the account's list, with the counters its fields carry."""
    return RemotePost(
        remote_id=str(media.get("id") or ""),
        url=str(media.get("permalink") or "") or None,
        title=str(media.get("caption") or "").strip().split("\n", 1)[0][:150],
        published_at=graph_time(media.get("timestamp")),
        metrics=post_metrics(media, captured_at, None),
    )


def graph_time(value: Any) -> datetime | None:
    """A Graph timestamp; Graph writes offsets without a colon ("2024-05-01T10:00:00+0000")."""
    if not isinstance(value, str) or not value:
        return None
    for pattern in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S"):
        try:
            moment = datetime.strptime(value, pattern)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None
