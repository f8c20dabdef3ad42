"""YouTube: Shorts and videos through the Data API v3 (videos.insert, resumable upload)."""

from shortops.providers.youtube.provider import YouTubeProvider
from shortops.providers.youtube.rules import YouTubeOptions

__all__ = ["YouTubeOptions", "YouTubeProvider"]
