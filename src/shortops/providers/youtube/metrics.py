"""YouTube's metric answers as typed figures (pure: no I/O).

- Data API `videos.list` (`part=statistics,contentDetails,snippet`): the counters are **strings**
  (`viewCount`, `likeCount`, `commentCount`; absent when the owner hides them or comments are
  off), the duration is ISO 8601 (`PT1M5S`) (API_CONTRACTS.md 2.4);
- `channels.list?mine=true`: `subscriberCount`, `viewCount`, `videoCount`, strings too;
- YouTube Analytics `reports.query`: a table of `columnHeaders` and `rows` (2.6), one row per
  video with the `video` dimension.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shortops.providers.counters import count, number, scaled
from shortops.providers.parsing import mapping
from shortops.providers.types import AccountMetrics, PostMetrics, RemotePost

# The per-video figures asked of YouTube Analytics, folded into PostMetrics below.
ANALYTICS_METRICS = (
    "estimatedMinutesWatched",
    "averageViewDuration",
    "shares",
    "subscribersGained",
)
# YouTube's launch: a lifetime report starts here when a video's publish date is unknown.
ANALYTICS_EPOCH = date(2005, 2, 14)
_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$")


def duration_s(value: Any) -> float | None:
    """Seconds of an ISO 8601 duration (`PT1M5S`, `P1DT2H`), None when unreadable."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or value in ("P", "PT"):
        return None
    days, hours, minutes, seconds = (float(part or 0) for part in match.groups())
    return days * 86400 + hours * 3600 + minutes * 60 + seconds


def published_at(video: dict[str, Any]) -> datetime | None:
    """When the video went up: `snippet.publishedAt` (RFC 3339)."""
    value = mapping(video.get("snippet")).get("publishedAt")
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def pacific_date(moment: datetime) -> date:
    """The date in Pacific time, the day YouTube's reports count in (unconfirmed for
    Analytics; it is the quota's day), so a report never ends after YouTube's today."""
    try:
        return moment.astimezone(ZoneInfo("America/Los_Angeles")).date()
    except ZoneInfoNotFoundError:  # no time-zone database: PST is close enough
        return (moment - timedelta(hours=8)).date()


def lifetime_start(videos: Sequence[dict[str, Any]]) -> date:
    """The first day of a lifetime report covering every video of the batch."""
    days = [pacific_date(when) for when in map(published_at, videos) if when is not None]
    return min(days) if len(days) == len(videos) and days else ANALYTICS_EPOCH


def analytics_rows(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Video id → {metric: value} from a reports.query table with the `video` dimension."""
    headers = [str(mapping(h).get("name") or "") for h in body.get("columnHeaders") or []]
    if "video" not in headers:
        return {}
    found: dict[str, dict[str, Any]] = {}
    for row in body.get("rows") or []:
        if isinstance(row, list) and len(row) == len(headers):
            values = dict(zip(headers, row, strict=True))
            found[str(values.pop("video"))] = values
    return found


def post_metrics(
    video: dict[str, Any],
    captured_at: datetime,
    analytics: dict[str, Any] | None,
    analytics_error: str = "",
) -> PostMetrics:
    """A video's counters; the Analytics figures are None when YouTube had none for it (its
    data lags a day or more) or the report was refused (`analytics_error` says why)."""
    stats = mapping(video.get("statistics"))
    row = analytics or {}
    extra: dict[str, Any] = {}
    if count(stats.get("dislikeCount")) is not None:  # the owner's eyes only
        extra["dislikes"] = count(stats.get("dislikeCount"))
    if analytics_error:
        extra["analytics_error"] = analytics_error
    return PostMetrics(
        remote_id=str(video.get("id") or ""),
        captured_at=captured_at,
        views=count(stats.get("viewCount")),
        likes=count(stats.get("likeCount")),
        comments=count(stats.get("commentCount")),
        shares=count(row.get("shares")),
        watch_time_s=scaled(row.get("estimatedMinutesWatched"), 60),
        avg_view_s=number(row.get("averageViewDuration")),
        followers_gained=count(row.get("subscribersGained")),
        extra=extra,
    )


def remote_post(video: dict[str, Any], url: str, metrics: PostMetrics) -> RemotePost:
    """A video of the channel's uploads, with its Data API counters."""
    return RemotePost(
        remote_id=metrics.remote_id,
        url=url,
        title=str(mapping(video.get("snippet")).get("title") or ""),
        published_at=published_at(video),
        duration_s=duration_s(mapping(video.get("contentDetails")).get("duration")),
        metrics=metrics,
    )


def account_metrics(channel: dict[str, Any], captured_at: datetime) -> AccountMetrics:
    """A channel's `statistics` as account counters."""
    stats = mapping(channel.get("statistics"))
    hidden = stats.get("hiddenSubscriberCount") is True
    return AccountMetrics(
        captured_at=captured_at,
        followers=count(stats.get("subscriberCount")),
        total_views=count(stats.get("viewCount")),
        posts_count=count(stats.get("videoCount")),
        extra={"subscriber_count_hidden": True} if hidden else {},
    )


def uploads_playlist(channel: dict[str, Any]) -> str:
    """The id of the playlist holding the channel's uploads (`contentDetails`)."""
    related = mapping(mapping(channel.get("contentDetails")).get("relatedPlaylists"))
    return str(related.get("uploads") or "")
