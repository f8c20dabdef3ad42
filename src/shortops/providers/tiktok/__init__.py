"""TikTok: Login Kit v2 sign-in and the Content Posting API (direct post or inbox draft)."""

from shortops.providers.tiktok.chunks import chunk_plan
from shortops.providers.tiktok.provider import TikTokProvider
from shortops.providers.tiktok.rules import TikTokOptions

__all__ = ["TikTokOptions", "TikTokProvider", "chunk_plan"]
