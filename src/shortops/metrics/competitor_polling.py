"""Competitors read from a public API: YouTube channels with a Data API key.

One refresh reads the channel (by its id once known, else by its handle: `channels.list` with
`forHandle`), stores its counters as an `api` snapshot, and reads its latest uploads (one page of
the uploads playlist, then `videos.list` for their figures): 3 quota units. Nothing is stored
when any call fails; the competitor keeps the reason in `last_error`, shown on its page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.errors import N_, InvalidInput
from shortops.kit import outbound
from shortops.kit.clock import utcnow
from shortops.metrics import competitors
from shortops.metrics.errors import CompetitorReadFailed, NoApiKey
from shortops.metrics.schemas import CompetitorPostIn, CompetitorSnapshotIn
from shortops.models import Competitor, CompetitorSource
from shortops.providers.counters import count
from shortops.providers.youtube.base import CHANNELS_PATH, PLAYLIST_ITEMS_PATH, VIDEOS_PATH
from shortops.providers.youtube.metrics import duration_s, uploads_playlist

API_PLATFORMS = frozenset({"youtube"})
RECENT_VIDEOS = 50
TIMEOUT_S = 20.0


@dataclass
class Refreshed:
    followers: int | None
    total_views: int | None
    videos_read: int


def refreshable(session: Session) -> list[int]:
    """Every competitor on a platform with a public API, in every workspace."""
    query = select(Competitor.id).where(Competitor.platform.in_(sorted(API_PLATFORMS)))
    return [int(i) for i in session.scalars(query)]


def can_refresh(settings: Settings, competitor: Competitor) -> bool:
    return competitor.platform in API_PLATFORMS and bool(settings.youtube_api_key)


def refresh(
    session: Session,
    settings: Settings,
    competitor: Competitor,
    *,
    transport: httpx.BaseTransport | None = None,
) -> Refreshed:
    """Read the competitor's channel and latest videos; on failure record why and raise."""
    if competitor.platform not in API_PLATFORMS:
        raise InvalidInput(
            N_(
                "shortops reads no public API of {platform}: add readings by hand or import a file."
            ),
            platform=competitor.platform,
        )
    if not settings.youtube_api_key:
        raise NoApiKey()
    hooks = {"request": [outbound.refuse_private_request]} if transport is None else {}
    with httpx.Client(
        base_url=settings.youtube_api_url,
        timeout=TIMEOUT_S,
        transport=transport,
        event_hooks=hooks,
        params={"key": settings.youtube_api_key},
    ) as client:
        try:
            channel = _channel(client, competitor)
            videos = _recent_videos(client, channel)
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            competitor.last_error = _reason(exc)[:1000]
            session.flush()
            raise CompetitorReadFailed(handle=competitor.handle, detail=_reason(exc)) from None
    return _store(session, competitor, channel, videos)


def _get(client: httpx.Client, path: str, params: dict[str, Any]) -> dict[str, Any]:
    answer = client.get(path, params=params)
    if answer.status_code >= 400:
        raise ValueError(_google_reason(answer))
    body = answer.json()
    if not isinstance(body, dict):
        raise ValueError("an answer that is not a JSON object")
    return body


def _google_reason(answer: httpx.Response) -> str:
    try:
        error = answer.json()["error"]
        reason = error.get("errors", [{}])[0].get("reason") or error.get("status", "")
        return f"HTTP {answer.status_code} {reason}: {error.get('message', '')}".strip()
    except (ValueError, KeyError, TypeError, IndexError):
        return f"HTTP {answer.status_code}"


def _reason(exc: Exception) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "no answer in time"
    if isinstance(exc, httpx.HTTPError):
        return f"could not connect ({type(exc).__name__})"
    return str(exc)


def _channel(client: httpx.Client, competitor: Competitor) -> dict[str, Any]:
    params = {"part": "snippet,statistics,contentDetails"}
    if competitor.remote_id:
        params["id"] = competitor.remote_id
    else:
        params["forHandle"] = "@" + competitor.handle.lstrip("@")
    items = _get(client, CHANNELS_PATH, params).get("items") or []
    if not items:
        raise ValueError(f"no public channel @{competitor.handle.lstrip('@')}")
    channel: dict[str, Any] = items[0]
    return channel


def _recent_videos(client: httpx.Client, channel: dict[str, Any]) -> list[dict[str, Any]]:
    uploads = uploads_playlist(channel)
    if not uploads:
        return []
    listed = _get(
        client,
        PLAYLIST_ITEMS_PATH,
        {"part": "contentDetails", "playlistId": uploads, "maxResults": RECENT_VIDEOS},
    )
    ids = [item.get("contentDetails", {}).get("videoId") for item in listed.get("items") or []]
    ids = [i for i in ids if isinstance(i, str)]
    if not ids:
        return []
    found = _get(
        client,
        VIDEOS_PATH,
        {"part": "snippet,statistics,contentDetails", "id": ",".join(ids)},
    )
    return [v for v in found.get("items") or [] if isinstance(v, dict)]


def _store(
    session: Session,
    competitor: Competitor,
    channel: dict[str, Any],
    videos: Sequence[dict[str, Any]],
) -> Refreshed:
    stats = channel.get("statistics") or {}
    snippet = channel.get("snippet") or {}
    competitor.remote_id = str(channel.get("id") or competitor.remote_id or "")[:128] or None
    if snippet.get("title") and not competitor.display_name:
        competitor.display_name = str(snippet["title"])[:255]
    followers = None if stats.get("hiddenSubscriberCount") else count(stats.get("subscriberCount"))
    reading = CompetitorSnapshotIn(
        captured_at=utcnow(),
        followers=followers,
        total_views=count(stats.get("viewCount")),
        posts_count=count(stats.get("videoCount")),
    )
    if any(v is not None for v in (reading.followers, reading.total_views, reading.posts_count)):
        competitors.add_snapshot(
            session, competitor=competitor, data=reading, source=CompetitorSource.api
        )
    posts = [_post(v) for v in videos if v.get("id")]
    competitors.upsert_posts(
        session, competitor=competitor, posts=posts, source=CompetitorSource.api
    )
    competitor.last_error = None
    session.flush()
    return Refreshed(reading.followers, reading.total_views, len(posts))


def _post(video: dict[str, Any]) -> CompetitorPostIn:
    snippet = video.get("snippet") or {}
    stats = video.get("statistics") or {}
    published = snippet.get("publishedAt")
    return CompetitorPostIn(
        remote_id=str(video["id"])[:128],
        title=str(snippet.get("title") or "")[:500],
        url=f"https://www.youtube.com/watch?v={video['id']}",
        published_at=datetime.fromisoformat(published.replace("Z", "+00:00"))
        if published
        else None,
        duration_s=duration_s((video.get("contentDetails") or {}).get("duration")),
        views=count(stats.get("viewCount")),
        likes=count(stats.get("likeCount")),
        comments=count(stats.get("commentCount")),
    )
