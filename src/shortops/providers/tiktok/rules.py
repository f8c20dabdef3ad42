"""TikTok's rules: what a user chooses for one post (the provider's `options_model`), and
what TikTok would refuse, found before anything is sent (pure: no I/O).

Defaults follow TikTok's Content Sharing Guidelines, which an app must meet to pass TikTok's
audit:

- `privacy_level` has **no default**: the guidelines require the user to pick it for each post.
  A direct post without one does not validate ("Choose who can see …"); drafts sent to the inbox
  need none (the user picks it in the TikTok app).
- comments, duets and stitches are **off unless the user turns them on** (the guidelines: "none
  should be checked by default"), so the `disable_*` switches default to True.
- the disclosure switches (`brand_content_toggle`, `brand_organic_toggle`, `is_aigc`) default to
  off and are sent as chosen.

The base class checks the documented limits (duration, size, caption length in UTF-16 units …);
this adds TikTok's own: upload MIME types, at most 4096 px a side, the options' rules (privacy
chosen explicitly and offered by the account, branded content not private, cover inside the
video) and, given creator_info's rules, the account's live restrictions.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shortops.errors import N_
from shortops.providers.base import PostingRules, text_length
from shortops.providers.tiktok.envelope import AUDIT_PENDING
from shortops.providers.types import Issue, Limits, PublishRequest, Severity

PrivacyLevel = Literal[
    "PUBLIC_TO_EVERYONE", "MUTUAL_FOLLOW_FRIENDS", "FOLLOWER_OF_CREATOR", "SELF_ONLY"
]
PRIVACY_LEVELS: tuple[str, ...] = (
    "PUBLIC_TO_EVERYONE",
    "MUTUAL_FOLLOW_FRIENDS",
    "FOLLOWER_OF_CREATOR",
    "SELF_ONLY",
)
# How `Published.visibility` names each level.
VISIBILITY = {
    "PUBLIC_TO_EVERYONE": "public",
    "MUTUAL_FOLLOW_FRIENDS": "friends",
    "FOLLOWER_OF_CREATOR": "followers",
    "SELF_ONLY": "private",
}


class TikTokOptions(BaseModel):
    """One TikTok post's settings, sent as `post_info` on a direct post."""

    model_config = ConfigDict(extra="forbid")

    mode: Literal["direct", "inbox"] = Field(
        "direct",
        description="direct: post now (video.publish). inbox: send a draft to the creator's "
        "TikTok inbox to finish in the app (video.upload); no caption or settings are sent.",
    )
    privacy_level: PrivacyLevel | None = Field(
        None,
        description="Who can see the post. Required for direct posts, no default (TikTok's "
        "rule); must be one the account offers right now.",
    )
    disable_comment: bool = True
    disable_duet: bool = True
    disable_stitch: bool = True
    video_cover_timestamp_ms: int | None = Field(
        None, ge=0, description="The frame used as the cover, in ms from the start."
    )
    brand_content_toggle: bool = Field(False, description="Paid partnership (branded content).")
    brand_organic_toggle: bool = Field(False, description="Promotes the creator's own business.")
    is_aigc: bool = Field(False, description="Label the video as AI-generated.")

    def post_info_fields(self) -> dict[str, object]:
        """The settings as TikTok's `post_info` spells them (without title and privacy)."""
        info: dict[str, object] = {
            "disable_comment": self.disable_comment,
            "disable_duet": self.disable_duet,
            "disable_stitch": self.disable_stitch,
            "brand_content_toggle": self.brand_content_toggle,
            "brand_organic_toggle": self.brand_organic_toggle,
            "is_aigc": self.is_aigc,
        }
        if self.video_cover_timestamp_ms is not None:
            info["video_cover_timestamp_ms"] = self.video_cover_timestamp_ms
        return info

    def post_settings_chosen(self) -> list[str]:
        """The options that only a direct post sends (for the inbox-mode warning)."""
        chosen = [
            name
            for name in ("brand_content_toggle", "brand_organic_toggle", "is_aigc")
            if getattr(self, name)
        ]
        if self.privacy_level is not None:
            chosen.insert(0, "privacy_level")
        if self.video_cover_timestamp_ms is not None:
            chosen.append("video_cover_timestamp_ms")
        chosen += [
            name
            for name in ("disable_comment", "disable_duet", "disable_stitch")
            if not getattr(self, name)
        ]
        return chosen


UPLOAD_TYPES = ("video/mp4", "video/quicktime", "video/webm")
MAX_SIDE = 4096

PRIVACY_REQUIRED = N_(
    "Choose who can see this TikTok post (privacy level). TikTok requires an explicit choice "
    "for every post, so there is no default."
)
PRIVACY_NOT_OFFERED = N_(
    "TikTok does not offer the privacy level {privacy} for this account right now; it offers "
    "{offered}."
)
BRANDED_PRIVATE = N_(
    "Branded content (paid partnership) cannot be posted privately on TikTok: choose another "
    "privacy level."
)
COMMENTS_OFF = N_("Comments are turned off for this TikTok account, so the post will have none.")
DUET_OFF = N_("Duets are turned off for this TikTok account, so the post will not allow them.")
STITCH_OFF = N_("Stitches are turned off for this TikTok account, so the post will not allow them.")
COVER_AFTER_END = N_("The cover frame at {time} s is after the end of the video ({duration} s).")
INBOX_SENDS_NO_SETTINGS = N_(
    "A draft sent to the TikTok inbox carries only the video: the caption and the settings "
    "({options}) are chosen in the TikTok app when the draft is posted."
)
WRONG_TYPE = N_("TikTok takes MP4, MOV or WebM videos; this file is {content_type}.")
TOO_BIG_SIDE = N_(
    "The video is {width}×{height}; TikTok takes at most {limit} pixels on each side."
)


def media_issues(request: PublishRequest, limits: Limits) -> list[Issue]:
    """The file and text checks the base class does not make."""
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
    if max(media.width, media.height) > MAX_SIDE:
        issues.append(
            Issue(
                field="media",
                code="too_big",
                message=TOO_BIG_SIDE,
                params={"width": media.width, "height": media.height, "limit": MAX_SIDE},
            )
        )
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
    return issues


def rules_from(creator: dict[str, Any]) -> PostingRules:
    """creator_info/query's `data` as PostingRules."""
    options = creator.get("privacy_level_options")
    privacy = tuple(str(o) for o in options) if isinstance(options, list) else ()
    longest = creator.get("max_video_post_duration_sec")
    return PostingRules(
        privacy_options=privacy,
        comments_disabled=bool(creator.get("comment_disabled")),
        duet_disabled=bool(creator.get("duet_disabled")),
        stitch_disabled=bool(creator.get("stitch_disabled")),
        max_duration_s=float(longest) if isinstance(longest, int | float) and longest else None,
        can_post=bool(privacy) or not isinstance(options, list),
        detail="" if privacy or not isinstance(options, list) else "no privacy level offered",
    )


def post_info(
    request: PublishRequest, options: TikTokOptions, creator: dict[str, Any]
) -> dict[str, Any]:
    """The direct post's `post_info`, with the account's switched-off interactions forced off."""
    info: dict[str, Any] = {
        "title": request.text_with_hashtags() or request.title,
        "privacy_level": options.privacy_level,
        **options.post_info_fields(),
    }
    if creator.get("comment_disabled"):
        info["disable_comment"] = True
    if creator.get("duet_disabled"):
        info["disable_duet"] = True
    if creator.get("stitch_disabled"):
        info["disable_stitch"] = True
    return info


def option_issues(
    request: PublishRequest, options: TikTokOptions, rules: PostingRules | None
) -> list[Issue]:
    issues: list[Issue] = []
    if options.mode == "inbox":
        chosen = options.post_settings_chosen()
        if request.text_with_hashtags():
            chosen.insert(0, "caption")
        if chosen:
            issues.append(
                Issue(
                    field="options.mode",
                    code="inbox_drops_settings",
                    severity=Severity.warning,
                    message=INBOX_SENDS_NO_SETTINGS,
                    params={"options": ", ".join(chosen)},
                )
            )
        return issues
    privacy = options.privacy_level
    if privacy is None:
        issues.append(
            Issue(field="options.privacy_level", code="required", message=PRIVACY_REQUIRED)
        )
    elif rules is not None and rules.privacy_options and privacy not in rules.privacy_options:
        if rules.privacy_options == ("SELF_ONLY",):
            issues.append(
                Issue(
                    field="options.privacy_level",
                    code="privacy_not_offered",
                    message=AUDIT_PENDING,
                    params={"privacy": privacy},
                )
            )
        else:
            issues.append(
                Issue(
                    field="options.privacy_level",
                    code="privacy_not_offered",
                    message=PRIVACY_NOT_OFFERED,
                    params={"privacy": privacy, "offered": ", ".join(rules.privacy_options)},
                )
            )
    if options.brand_content_toggle and privacy == "SELF_ONLY":
        issues.append(
            Issue(
                field="options.brand_content_toggle",
                code="branded_private",
                message=BRANDED_PRIVATE,
            )
        )
    cover = options.video_cover_timestamp_ms
    if cover is not None and cover > request.media.duration_s * 1000:
        issues.append(
            Issue(
                field="options.video_cover_timestamp_ms",
                code="cover_after_end",
                message=COVER_AFTER_END,
                params={
                    "time": round(cover / 1000, 1),
                    "duration": round(request.media.duration_s, 1),
                },
            )
        )
    if rules is not None:
        for off, asked_off, field, message in (
            (rules.comments_disabled, options.disable_comment, "disable_comment", COMMENTS_OFF),
            (rules.duet_disabled, options.disable_duet, "disable_duet", DUET_OFF),
            (rules.stitch_disabled, options.disable_stitch, "disable_stitch", STITCH_OFF),
        ):
            if off and not asked_off:
                issues.append(
                    Issue(
                        field=f"options.{field}",
                        code="interaction_off",
                        severity=Severity.warning,
                        message=message,
                    )
                )
    return issues
