"""Instagram: Business Login for Instagram and Reels publishing through the Graph API."""

from shortops.providers.instagram.provider import InstagramProvider
from shortops.providers.instagram.rules import InstagramOptions

__all__ = ["InstagramOptions", "InstagramProvider"]
