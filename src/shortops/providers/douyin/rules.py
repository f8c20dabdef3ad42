"""What Douyin would refuse or handle badly, found before anything is sent (pure: no I/O), and
the options of one Douyin post.

The base class checks the documented limits (≤ 15 min, ≤ 4 GB). Douyin's own, from
CONSTRAINTS.md (Douyin row) — several are recommendations or unconfirmed, so they **warn**:

- `text` (the title Douyin shows, topics `#话题` inline): one SDK states at most 55 characters
  (unconfirmed) — a warning above it;
- 720p or more and vertical recommended — warnings;
- MP4 / WebM recommended — a warning for other types;
- `@nickname` in the text is only a link when its open_id goes in `at_users`, which shortops
  does not know — a warning;
- `cover_tsp` (the cover frame, in seconds) must be inside the video — an error.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shortops.errors import N_
from shortops.providers.types import Issue, PublishRequest, Severity

TEXT_MAX_UNCONFIRMED = 55
MIN_SHORT_SIDE = 720
RECOMMENDED_TYPES = ("video/mp4", "video/webm")
MENTION = re.compile(r"(?<![\w@.])@(\S+)")

TEXT_LONG = N_(
    "The Douyin title has {length} characters; Douyin may cut or refuse titles over {limit} "
    "characters (a limit one SDK states; Douyin's docs do not say)."
)
LOW_RESOLUTION = N_(
    "The video is {width}×{height}; Douyin recommends 720p (720 pixels on the short side) or more."
)
TYPE_NOT_RECOMMENDED = N_("Douyin recommends MP4 or WebM; this file is {content_type}.")
MENTIONS_NOT_LINKED = N_(
    "@-mentions in a Douyin title are only linked with the mentioned users' Douyin ids, which "
    "shortops does not have: {names} will show as plain text."
)
COVER_AFTER_END = N_("The cover frame at {time} s is after the end of the video ({duration} s).")


class DouyinOptions(BaseModel):
    """One Douyin post's settings (the provider's `options_model`)."""

    model_config = ConfigDict(extra="forbid")

    cover_tsp: float | None = Field(
        None,
        ge=0,
        description="The frame used as the cover, in seconds from the start (Douyin's default "
        "when not set).",
    )


def parse_options(options: dict[str, Any]) -> DouyinOptions | None:
    try:
        return DouyinOptions.model_validate(options)
    except ValidationError:
        return None  # the base class reports it


def text_of(request: PublishRequest) -> str:
    """Douyin's `text`: the caption with its topics inline (`#话题`), or the title."""
    return request.text_with_hashtags() or request.title.strip()


def douyin_issues(request: PublishRequest, options: DouyinOptions | None) -> list[Issue]:
    issues: list[Issue] = []
    media = request.media
    text = text_of(request)
    if len(text) > TEXT_MAX_UNCONFIRMED:
        issues.append(
            Issue(
                field="caption",
                code="maybe_too_long",
                severity=Severity.warning,
                message=TEXT_LONG,
                params={"length": len(text), "limit": TEXT_MAX_UNCONFIRMED},
            )
        )
    names = MENTION.findall(text)
    if names:
        issues.append(
            Issue(
                field="caption",
                code="mentions_not_linked",
                severity=Severity.warning,
                message=MENTIONS_NOT_LINKED,
                params={"names": ", ".join(f"@{n}" for n in names)},
            )
        )
    if media.width and media.height and min(media.width, media.height) < MIN_SHORT_SIDE:
        issues.append(
            Issue(
                field="media",
                code="low_resolution",
                severity=Severity.warning,
                message=LOW_RESOLUTION,
                params={"width": media.width, "height": media.height},
            )
        )
    if media.content_type not in RECOMMENDED_TYPES:
        issues.append(
            Issue(
                field="media",
                code="format",
                severity=Severity.warning,
                message=TYPE_NOT_RECOMMENDED,
                params={"content_type": media.content_type},
            )
        )
    cover = options.cover_tsp if options is not None else None
    if cover is not None and cover > media.duration_s:
        issues.append(
            Issue(
                field="options.cover_tsp",
                code="cover_after_end",
                message=COVER_AFTER_END,
                params={"time": round(cover, 1), "duration": round(media.duration_s, 1)},
            )
        )
    return issues
