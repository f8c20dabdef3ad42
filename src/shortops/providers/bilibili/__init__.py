"""Bilibili 哔哩哔哩: the official open platform's OAuth and archive submission (companies only)."""

from shortops.providers.bilibili.provider import BilibiliProvider
from shortops.providers.bilibili.rules import BilibiliOptions

__all__ = ["BilibiliOptions", "BilibiliProvider"]
