"""Kuaishou 快手: the open platform's OAuth sign-in and photo (video) publish API."""

from shortops.providers.kuaishou.provider import KuaishouProvider, video_url

__all__ = ["KuaishouProvider", "video_url"]
