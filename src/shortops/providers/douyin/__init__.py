"""Douyin 抖音: Douyin Open Platform sign-in and server-side publishing (enterprise apps only)."""

from shortops.providers.douyin.envelope import ENTERPRISE_ONLY_CODE
from shortops.providers.douyin.parts import part_ranges
from shortops.providers.douyin.provider import DouyinProvider
from shortops.providers.douyin.rules import DouyinOptions

__all__ = ["ENTERPRISE_ONLY_CODE", "DouyinOptions", "DouyinProvider", "part_ranges"]
