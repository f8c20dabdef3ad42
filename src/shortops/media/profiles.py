"""Platform profiles: what a rendition must be to pass each platform's documented limits.

Values follow the platforms' published limits (see docs/platforms.md); a platform's own answer at
publish time still wins (e.g. TikTok's `max_video_post_duration_sec`). Users add their own profiles
per workspace; built-ins are data here so they are versioned with the code.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Orientation = Literal["portrait", "landscape", "square"]


class CoverSize(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    max_bytes: int = Field(gt=0)


class SafeArea(BaseModel):
    """How far in from each edge the platform's own buttons and texts cover the video, in pixels
    of the profile's frame: text and logos placed inside stay readable."""

    model_config = ConfigDict(frozen=True)

    top: int = Field(default=0, ge=0)
    right: int = Field(default=0, ge=0)
    bottom: int = Field(default=0, ge=0)
    left: int = Field(default=0, ge=0)


class PlatformProfile(BaseModel):
    """Everything a renderer needs to produce a file this platform accepts."""

    model_config = ConfigDict(frozen=True)

    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{1,39}$")
    name: str
    width: int = Field(gt=0, le=8192)
    height: int = Field(gt=0, le=8192)
    fps: float = Field(default=30, gt=0, le=120)
    video_codec: Literal["h264"] = "h264"
    h264_profile: Literal["high", "main", "baseline"] = "high"
    pixel_format: Literal["yuv420p"] = "yuv420p"
    audio_codec: Literal["aac"] = "aac"
    audio_rate: int = 48_000
    audio_bitrate_k: int = Field(default=128, gt=0)
    max_video_bitrate_k: int = Field(gt=0, description="Peak video bitrate (maxrate)")
    max_bytes: int = Field(gt=0)
    min_duration_s: float = Field(ge=0)
    max_duration_s: float = Field(gt=0)
    keyframe_interval_s: float = Field(default=2, gt=0)
    faststart: bool = True
    covers: tuple[CoverSize, ...] = ()
    safe_area: SafeArea = SafeArea()
    builtin: bool = True

    @property
    def orientation(self) -> Orientation:
        if self.width == self.height:
            return "square"
        return "portrait" if self.height > self.width else "landscape"


# Platforms write "MB" and "GB" without saying which; the decimal reading is the smaller one, so a
# file under it passes either reading (the providers' checks use the same numbers).
_MB = 1000 * 1000
_GB = 1000 * _MB
_PORTRAIT_COVER = CoverSize(name="portrait", width=1080, height=1920, max_bytes=2 * _MB)
# Overlay zones are not part of any platform's API contract: these follow the platforms' creative
# guides and what their apps draw on a 1080×1920 phone screen in 2026 (docs/media.md, "Safe
# zones"). TikTok's feed: tabs along the top, the like/comment/share column on the right, name,
# caption and sound along the bottom. YouTube Shorts, Douyin and Kuaishou draw less than that
# or about as much, so they share it (and, the rest being equal, TikTok's file).
_SHORT_VIDEO_ZONE = SafeArea(top=160, right=170, bottom=440, left=60)
# Meta's guide for Reels: keep clear of the top 14 %, the bottom 35 % and 6 % at each side.
_REELS_ZONE = SafeArea(top=270, right=120, bottom=670, left=65)
# Xiaohongshu's 3:4 feed video: the top bar, the right column and the note text at the bottom.
_XHS_ZONE = SafeArea(top=120, right=150, bottom=300, left=60)
# Bilibili's vertical player and Weibo's: a top bar, a lighter right column, title at the bottom.
_LIGHT_ZONE = SafeArea(top=150, right=150, bottom=360, left=60)


# A landscape player draws only its progress bar and a few controls over the bottom edge.
_LANDSCAPE_ZONE = SafeArea(top=60, right=60, bottom=120, left=60)
_LANDSCAPE_COVER = CoverSize(name="landscape", width=1146, height=717, max_bytes=5 * _MB)


_VERTICAL_BASE: dict[str, object] = {
    "width": 1080,
    "height": 1920,
    "max_video_bitrate_k": 10_000,
    "covers": (_PORTRAIT_COVER,),
    "safe_area": _SHORT_VIDEO_ZONE,
}
_LANDSCAPE_BASE: dict[str, object] = {
    "width": 1920,
    "height": 1080,
    "max_video_bitrate_k": 10_000,
    "covers": (_LANDSCAPE_COVER,),
    "safe_area": _LANDSCAPE_ZONE,
}


def _vertical(slug: str, name: str, **limits: object) -> PlatformProfile:
    return PlatformProfile.model_validate({**_VERTICAL_BASE, "slug": slug, "name": name, **limits})


def _landscape(slug: str, name: str, **limits: object) -> PlatformProfile:
    return PlatformProfile.model_validate({**_LANDSCAPE_BASE, "slug": slug, "name": name, **limits})


BUILTIN_PROFILES: dict[str, PlatformProfile] = {
    profile.slug: profile
    for profile in (
        # TikTok: ≤ 10 min via API (the creator's own limit may be lower), 4 GB, min 3 s (unc.).
        _vertical("tiktok", "TikTok", min_duration_s=3, max_duration_s=600, max_bytes=4 * _GB),
        # YouTube Shorts: a Short is ≤ 180 s and height ≥ width; the file cap is far above.
        _vertical(
            "youtube_shorts",
            "YouTube Shorts",
            min_duration_s=1,
            max_duration_s=180,
            max_bytes=256 * _GB,
        ),
        # Instagram Reels: 3 s – 15 min, 300 MB, moov first, closed GOP, 23–60 fps, ≤ 25 Mbps.
        _vertical(
            "instagram_reels",
            "Instagram Reels",
            min_duration_s=3,
            max_duration_s=900,
            max_bytes=300 * _MB,
            safe_area=_REELS_ZONE,
        ),
        # Douyin: ≤ 15 min; ≤ 128 MB uploads in one request (larger go in parts, ≤ 4 GB).
        _vertical("douyin", "Douyin 抖音", min_duration_s=3, max_duration_s=900, max_bytes=4 * _GB),
        # Kuaishou: limits are not documented publicly; the safe common profile applies.
        _vertical(
            "kuaishou", "Kuaishou 快手", min_duration_s=3, max_duration_s=600, max_bytes=4 * _GB
        ),
        # Bilibili: < 5 h, ≤ 4 GB, peak ≤ 60 Mbps; its cover is landscape (≥ 960×600) even for
        # vertical videos, so both sizes are made.
        _vertical(
            "bilibili",
            "Bilibili 哔哩哔哩",
            min_duration_s=1,
            max_duration_s=5 * 3600 - 1,
            max_bytes=4 * _GB,
            covers=(
                _PORTRAIT_COVER,
                CoverSize(name="landscape", width=1146, height=717, max_bytes=5 * _MB),
            ),
            safe_area=_LIGHT_ZONE,
        ),
        # Bilibili's main player is 16:9: a landscape master is posted as one (the vertical
        # profile above is its Story mode, 竖屏).
        _landscape(
            "bilibili_landscape",
            "Bilibili 哔哩哔哩 16:9",
            min_duration_s=1,
            max_duration_s=5 * 3600 - 1,
            max_bytes=4 * _GB,
        ),
        # Xiaohongshu and WeChat Channels: automation-enforced limits only (unconfirmed).
        # Xiaohongshu: the feed shows 3:4 best (9:16 is cropped to it in the feed); its cover
        # is 3:4 too.
        _vertical(
            "xiaohongshu",
            "Xiaohongshu 小红书",
            height=1440,
            min_duration_s=3,
            max_duration_s=900,
            max_bytes=500 * _MB,
            covers=(CoverSize(name="portrait", width=1080, height=1440, max_bytes=2 * _MB),),
            safe_area=_XHS_ZONE,
        ),
        _vertical(
            "wechat_channels",
            "WeChat Channels 视频号",
            min_duration_s=3,
            max_duration_s=3600,
            max_bytes=1 * _GB,
        ),
        # Channels plays landscape videos as such (full width in the feed, full screen turned).
        _landscape(
            "wechat_channels_landscape",
            "WeChat Channels 视频号 16:9",
            min_duration_s=3,
            max_duration_s=3600,
            max_bytes=1 * _GB,
        ),
        _vertical(
            "weibo",
            "Weibo 微博",
            min_duration_s=1,
            max_duration_s=900,
            max_bytes=1 * _GB,
            safe_area=_LIGHT_ZONE,
        ),
        # Weibo plays landscape videos full width in the feed.
        _landscape(
            "weibo_landscape",
            "Weibo 微博 16:9",
            min_duration_s=1,
            max_duration_s=900,
            max_bytes=1 * _GB,
        ),
    )
}
# The profile a landscape master gets on platforms that play landscape video as such.
LANDSCAPE_VARIANTS = {
    "bilibili": "bilibili_landscape",
    "wechat_channels": "wechat_channels_landscape",
    "weibo": "weibo_landscape",
}
