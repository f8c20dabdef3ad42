"""What YouTube accepts in a post: the options a user picks and the checks made before upload.

Numbers come from shared/platforms/CONSTRAINTS.md (YouTube row) and API_CONTRACTS.md 2.2 / 2.7:

- a Short is a file of at most 180 s whose height is at least its width (square or vertical);
  there is no "Short" flag in the API, YouTube decides from the file;
- title ≤ 100 characters, description ≤ 5000 **bytes** of UTF-8 (a CJK character takes 3), neither
  may contain `<` or `>`;
- tags ≤ 500 characters in total, counting the commas between tags and the quotes YouTube puts
  around a tag that contains a space.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shortops.errors import N_
from shortops.providers.types import Issue, PublishRequest, Severity

SHORT_MAX_DURATION_S = 180.0
TITLE_MAX_CHARS = 100
DESCRIPTION_MAX_BYTES = 5000
TAGS_MAX_CHARS = 500
# More hashtags than this in title + description and YouTube ignores all of them (help centre;
# unconfirmed through the API, so only a warning).
HASHTAGS_IGNORED_ABOVE = 60
# Channels that have not verified a phone number upload at most this long (unconfirmed).
UNVERIFIED_MAX_DURATION_S = 15 * 60
FORBIDDEN_CHARACTERS = ("<", ">")


class YouTubeOptions(BaseModel):
    """The per-post choices for YouTube (stored with the post, shown on the publish form)."""

    model_config = ConfigDict(extra="forbid")

    # Who can watch. Uploads through API projects Google has not audited may be kept private
    # whatever is asked (docs/platforms/youtube.md).
    privacy: Literal["public", "unlisted", "private"] = "public"
    # YouTube requires every upload to say whether it is made for children; sent explicitly.
    made_for_kids: bool = False
    # YouTube's video category id; 22 is "People & Blogs".
    category_id: str = Field(default="22", pattern=r"^[0-9]{1,4}$")
    # The "altered or synthetic content" disclosure (status.containsSyntheticMedia).
    ai_generated: bool = False
    notify_subscribers: bool = True
    # The post must come out as a Short: a vertical or square file of at most 180 s. Turn off to
    # post a regular (long-form or landscape) video.
    short: bool = True


def parse_options(options: dict[str, object]) -> YouTubeOptions | None:
    try:
        return YouTubeOptions.model_validate(options)
    except ValidationError:
        return None


def is_short(width: int, height: int, duration_s: float) -> bool:
    """Whether YouTube will treat a file as a Short (its rule since 2024-10-15)."""
    return height >= width and duration_s <= SHORT_MAX_DURATION_S


def tags_of(request: PublishRequest) -> list[str]:
    """The hashtags as YouTube tags (without '#', empty ones and repeats dropped)."""
    seen: set[str] = set()
    tags: list[str] = []
    for raw in request.hashtags:
        tag = raw.strip().lstrip("#").strip()
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)
    return tags


def tags_length(tags: list[str]) -> int:
    """The length YouTube counts for a tag list: commas and quotes around spaced tags included."""
    return sum(len(tag) + (2 if " " in tag else 0) for tag in tags) + max(0, len(tags) - 1)


def description_of(request: PublishRequest) -> str:
    return request.text_with_hashtags()


def text_issues(request: PublishRequest) -> list[Issue]:
    """Title, description and tags against YouTube's rules (the character-based title limit is
    checked by `check_limits`)."""
    issues: list[Issue] = []
    description = description_of(request)
    checks = (
        ("title", request.title, N_("YouTube does not allow the characters < and > in a title.")),
        (
            "caption",
            description,
            N_("YouTube does not allow the characters < and > in a description."),
        ),
    )
    for field, text, message in checks:
        if any(char in text for char in FORBIDDEN_CHARACTERS):
            issues.append(Issue(field=field, code="forbidden_characters", message=message))
    size = len(description.encode("utf-8"))
    if size > DESCRIPTION_MAX_BYTES:
        issues.append(
            Issue(
                field="caption",
                code="too_long",
                message=N_("The description is {length} bytes long in UTF-8; YouTube allows "
                           "{limit} bytes (a Chinese, Japanese or Korean character takes 3)."),
                params={"length": size, "limit": DESCRIPTION_MAX_BYTES},
            )
        )  # fmt: skip
    tags = tags_of(request)
    if tags_length(tags) > TAGS_MAX_CHARS:
        issues.append(
            Issue(
                field="hashtags",
                code="too_long",
                message=N_("The tags add up to {length} characters (commas included); YouTube "
                           "allows {limit}."),
                params={"length": tags_length(tags), "limit": TAGS_MAX_CHARS},
            )
        )  # fmt: skip
    hashtags = re.findall(r"#\w+", f"{request.title} {description}")
    if len(hashtags) > HASHTAGS_IGNORED_ABOVE:
        issues.append(
            Issue(
                field="hashtags",
                code="too_many",
                severity=Severity.warning,
                message=N_("{count} hashtags: with more than {limit}, YouTube ignores all of "
                           "them."),
                params={"count": len(hashtags), "limit": HASHTAGS_IGNORED_ABOVE},
            )
        )  # fmt: skip
    return issues


def media_issues(
    request: PublishRequest, options: YouTubeOptions, *, duration_flagged: bool
) -> list[Issue]:
    """The Shorts rule when the post must be a Short, the long-form hint otherwise."""
    media = request.media
    issues: list[Issue] = []
    if options.short:
        if media.width > media.height:
            issues.append(
                Issue(
                    field="media",
                    code="aspect",
                    message=N_("The video is {width}×{height}; a YouTube Short must be vertical "
                               "or square. Use a vertical rendition, or turn off the Short option "
                               "to post a regular video."),
                    params={"width": media.width, "height": media.height},
                )
            )  # fmt: skip
        if media.duration_s > SHORT_MAX_DURATION_S and not duration_flagged:
            issues.append(
                Issue(
                    field="media",
                    code="too_long",
                    message=N_("The video is {duration} s long; a YouTube Short can be up to "
                               "{limit} s. Trim it, or turn off the Short option to post a "
                               "regular video."),
                    params={
                        "duration": round(media.duration_s, 1),
                        "limit": round(SHORT_MAX_DURATION_S),
                    },
                )
            )  # fmt: skip
    elif media.duration_s > UNVERIFIED_MAX_DURATION_S:
        issues.append(
            Issue(
                field="media",
                code="long_video",
                severity=Severity.warning,
                message=N_("YouTube may reject videos over 15 minutes from a channel that has "
                           "not been verified."),
            )
        )  # fmt: skip
    return issues


def schedule_issues(request: PublishRequest, options: YouTubeOptions) -> list[Issue]:
    """A scheduled YouTube video becomes public at its time, so only a public post can wait."""
    if request.publish_at is not None and options.privacy != "public":
        return [
            Issue(
                field="publish_at",
                code="conflict",
                message=N_("YouTube makes a scheduled video public at its time, so a {privacy} "
                           "post cannot be scheduled there. Choose public, or publish now."),
                params={"privacy": options.privacy},
            )
        ]  # fmt: skip
    return []
