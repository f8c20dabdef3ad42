"""Bilibili 哔哩哔哩: the official open platform's OAuth and archive submission (companies only)."""

from shortops.providers.bilibili.options import BilibiliOptions
from shortops.providers.bilibili.provider import BilibiliProvider

__all__ = ["BilibiliOptions", "BilibiliProvider"]
