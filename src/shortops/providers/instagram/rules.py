"""What Instagram would refuse, found before anything is sent (pure: no I/O), and the options.

The base class checks the documented limits (3 s – 15 min, 300 MB, caption ≤ 2200 characters);
this adds Instagram's own (CONSTRAINTS.md, Instagram Reels row):

- the caption Instagram receives (caption + the hashtags not already in it, or the title when
  there is no caption) has at most 30 hashtags and 20 @-mentions, counted in the text itself;
- MP4 or MOV, at most 1920 px wide, aspect ratio between 0.01:1 and 10:1;
- the video must be reachable by Instagram: Instagram **pulls** it from `MediaFile.public_url`
  (a signed URL shortops serves), so the URL must exist and be public HTTPS;
- options: the cover frame inside the video, at most 3 collaborators with valid usernames.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shortops.errors import N_
from shortops.providers.base import text_length
from shortops.providers.types import Issue, Limits, PublishRequest

MAX_HASHTAGS = 30
MAX_MENTIONS = 20
MAX_COLLABORATORS = 3
MAX_WIDTH = 1920
MIN_ASPECT, MAX_ASPECT = 0.01, 10.0
UPLOAD_TYPES = ("video/mp4", "video/quicktime")

HASHTAG = re.compile(r"(?<![\w#&])#(\w+)")
MENTION = re.compile(r"(?<![\w@.])@([A-Za-z0-9._]+)")
USERNAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")

MEDIA_URL_MISSING = N_(
    "Instagram downloads the video from shortops itself, and this video has no public link. "
    "SHORTOPS_PUBLIC_URL must be a public HTTPS address that Instagram can reach."
)
MEDIA_URL_NOT_PUBLIC = N_(
    "Instagram downloads the video from shortops itself, but {url} is not a public HTTPS "
    "address. SHORTOPS_PUBLIC_URL must be a public HTTPS address that Instagram can reach."
)
TOO_MANY_HASHTAGS = N_(
    "The Instagram caption has {count} hashtags; Instagram allows {limit} (hashtags written in "
    "the caption count too)."
)
TOO_MANY_MENTIONS = N_("The Instagram caption has {count} @-mentions; Instagram allows {limit}.")
WRONG_TYPE = N_("Instagram takes MP4 or MOV videos; this file is {content_type}.")
TOO_WIDE = N_("The video is {width} pixels wide; Instagram takes at most {limit}.")
BAD_ASPECT = N_(
    "The video is {width}×{height}; Instagram takes aspect ratios from 0.01:1 to 10:1 (9:16 is "
    "recommended for Reels)."
)
COVER_AFTER_END = N_("The cover frame at {time} s is after the end of the video ({duration} s).")
TOO_MANY_COLLABORATORS = N_("Instagram allows at most {limit} collaborators; {count} are set.")
BAD_COLLABORATOR = N_("“{name}” is not an Instagram username (letters, digits, . and _).")


class InstagramOptions(BaseModel):
    """One Reel's settings (the provider's `options_model`)."""

    model_config = ConfigDict(extra="forbid")

    share_to_feed: bool = Field(
        True,
        description="Also show the Reel in the profile's main feed (true), or only in the "
        "Reels tab (false).",
    )
    thumb_offset_ms: int | None = Field(
        None,
        ge=0,
        description="The frame used as the cover, in ms from the start (Instagram's default: "
        "the first frame).",
    )
    collaborators: list[str] = Field(
        default_factory=list,
        description="Up to 3 Instagram usernames invited as collaborators (they must accept "
        "in the app).",
    )

    def usernames(self) -> list[str]:
        return [name.strip().lstrip("@") for name in self.collaborators if name.strip()]


def parse_options(options: dict[str, Any]) -> InstagramOptions | None:
    try:
        return InstagramOptions.model_validate(options)
    except ValidationError:
        return None  # the base class reports it


def caption_of(request: PublishRequest) -> str:
    """The caption Instagram receives: caption + hashtags, or the title when there is none."""
    return request.text_with_hashtags() or request.title.strip()


def media_issues(request: PublishRequest, limits: Limits, *, allow_local_url: bool) -> list[Issue]:
    issues: list[Issue] = []
    media = request.media
    if media.content_type not in UPLOAD_TYPES:
        issues.append(
            Issue(
                field="media",
                code="format",
                message=WRONG_TYPE,
                params={"content_type": media.content_type},
            )
        )
    if media.width > MAX_WIDTH:
        issues.append(
            Issue(
                field="media",
                code="too_wide",
                message=TOO_WIDE,
                params={"width": media.width, "limit": MAX_WIDTH},
            )
        )
    if media.height and media.width:
        ratio = media.width / media.height
        if not MIN_ASPECT <= ratio <= MAX_ASPECT:
            issues.append(
                Issue(
                    field="media",
                    code="aspect_out_of_range",
                    message=BAD_ASPECT,
                    params={"width": media.width, "height": media.height},
                )
            )
    issues += url_issues(media.public_url, allow_local=allow_local_url)
    issues += caption_issues(request, limits)
    return issues


def url_issues(url: str | None, *, allow_local: bool) -> list[Issue]:
    """Instagram must be able to fetch the video: the URL must exist and be public HTTPS."""
    if not url:
        return [Issue(field="media", code="media_url_missing", message=MEDIA_URL_MISSING)]
    if allow_local or is_public_https(url):
        return []
    return [
        Issue(
            field="media",
            code="media_url_not_public",
            message=MEDIA_URL_NOT_PUBLIC,
            params={"url": _origin(url)},
        )
    ]


def is_public_https(url: str) -> bool:
    """HTTPS on a name or address the internet can reach (not loopback, private or link-local)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or not host:
        return False
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal", ".lan")):
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." in host  # a single-label name only resolves on a local network
    return address.is_global


def caption_issues(request: PublishRequest, limits: Limits) -> list[Issue]:
    issues: list[Issue] = []
    caption = caption_of(request)
    # With no caption the title is posted as the caption, so it meets the caption's limit.
    if not request.text_with_hashtags() and request.title and limits.caption_max is not None:
        length = text_length(request.title, limits.count_units)
        if length > limits.caption_max:
            issues.append(
                Issue(
                    field="title",
                    code="too_long",
                    message=N_("The {field} has {length} characters; the platform allows {limit}."),
                    params={"field": "title", "length": length, "limit": limits.caption_max},
                )
            )
    hashtags = len(HASHTAG.findall(caption))
    if hashtags > MAX_HASHTAGS:
        issues.append(
            Issue(
                field="hashtags",
                code="too_many",
                message=TOO_MANY_HASHTAGS,
                params={"count": hashtags, "limit": MAX_HASHTAGS},
            )
        )
    mentions = len(MENTION.findall(caption))
    if mentions > MAX_MENTIONS:
        issues.append(
            Issue(
                field="caption",
                code="too_many_mentions",
                message=TOO_MANY_MENTIONS,
                params={"count": mentions, "limit": MAX_MENTIONS},
            )
        )
    return issues


def option_issues(request: PublishRequest, options: InstagramOptions) -> list[Issue]:
    issues: list[Issue] = []
    offset = options.thumb_offset_ms
    if offset is not None and offset > request.media.duration_s * 1000:
        issues.append(
            Issue(
                field="options.thumb_offset_ms",
                code="cover_after_end",
                message=COVER_AFTER_END,
                params={
                    "time": round(offset / 1000, 1),
                    "duration": round(request.media.duration_s, 1),
                },
            )
        )
    names = options.usernames()
    if len(names) > MAX_COLLABORATORS:
        issues.append(
            Issue(
                field="options.collaborators",
                code="too_many",
                message=TOO_MANY_COLLABORATORS,
                params={"count": len(names), "limit": MAX_COLLABORATORS},
            )
        )
    for name in names:
        if not USERNAME.match(name):
            issues.append(
                Issue(
                    field="options.collaborators",
                    code="invalid_username",
                    message=BAD_COLLABORATOR,
                    params={"name": name},
                )
            )
    return issues


def _origin(url: str) -> str:
    """The URL without its path and query (the signature is nobody's business in a message)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.netloc else url[:40]
