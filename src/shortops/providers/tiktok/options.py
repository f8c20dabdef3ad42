"""What a user chooses for one TikTok post (the provider's `options_model`).

Defaults follow TikTok's Content Sharing Guidelines, which an app must meet to pass TikTok's
audit:

- `privacy_level` has **no default**: the guidelines require the user to pick it for each post.
  A direct post without one does not validate ("Choose who can see …"); drafts sent to the inbox
  need none (the user picks it in the TikTok app).
- comments, duets and stitches are **off unless the user turns them on** (the guidelines: "none
  should be checked by default"), so the `disable_*` switches default to True.
- the disclosure switches (`brand_content_toggle`, `brand_organic_toggle`, `is_aigc`) default to
  off and are sent as chosen.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

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
