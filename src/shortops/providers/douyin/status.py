"""A Douyin video item (video_data / video_list) as a publish state (pure: no I/O).

    is_reviewed false, or video_status 4 (审核中, in review)   Pending: visible only to the
                                                              account while Douyin reviews it
    video_status 2 (不适宜公开, not suitable for the public)    Published, visibility "private",
                                                              with the reason (the video exists;
                                                              publishing again would duplicate it)
    reviewed, video_status 1 / 5 / 6 / 7                      Published: public / public /
                                                              friends / private

The `video_status` values are the community reading of Douyin's docs (unconfirmed);
`is_reviewed` is documented. The URL is the item's `share_url` (documented as possibly
expiring); without one, Douyin's web pattern `https://www.douyin.com/video/<id>` is used only
for a numeric id (unconfirmed: the open platform usually hands out encrypted ids, which that
pattern cannot use) and otherwise no URL is claimed.
"""

from __future__ import annotations

from typing import Any

from shortops.errors import N_
from shortops.providers.parsing import integer
from shortops.providers.types import Pending, Published, PublishState

WEB = "https://www.douyin.com"
REVIEW_POLL_S = 60.0

IN_REVIEW = N_(
    "Douyin is reviewing the video. Until it is approved only the account itself can see it."
)
NOT_SUITABLE = N_(
    "Douyin judged the video not suitable for the public (video_status 2): it is on the account "
    "but only the account itself can see it. Check it in the Douyin app."
)
LINK_UNCONFIRMED = N_(
    "Douyin gave no share link; the link is built from the video id (Douyin's web address "
    "pattern, unconfirmed)."
)
NO_LINK = N_(
    "Douyin accepted the video but gave no link to it, and its id cannot be turned into one."
)
UNVERIFIED = N_(
    "Douyin accepted the video, but this app may not read the account's video data "
    "(video.data.bind), so its review and link cannot be checked from here."
)
VISIBILITY = {1: "public", 5: "public", 6: "friends", 7: "private"}


def interpret(item: dict[str, Any]) -> PublishState:
    item_id = str(item.get("item_id") or "")
    code = integer(item.get("video_status"))
    if code == 4 or item.get("is_reviewed") is False:
        return Pending(detail=IN_REVIEW, poll_after_s=REVIEW_POLL_S)
    share = str(item.get("share_url") or "")
    if code == 2:
        return Published(
            remote_id=item_id,
            url=share or fallback_url(item_id),
            visibility="private",
            detail=NOT_SUITABLE,
        )
    visibility = VISIBILITY.get(code or 0, "public")
    if share:
        return Published(remote_id=item_id, url=share, visibility=visibility)
    url = fallback_url(item_id)
    return Published(
        remote_id=item_id,
        url=url,
        visibility=visibility,
        detail=LINK_UNCONFIRMED if url else NO_LINK,
    )


def fallback_url(item_id: str) -> str:
    """Douyin's web URL for a numeric id (unconfirmed); "" for encrypted ids."""
    return f"{WEB}/video/{item_id}" if item_id.isdigit() else ""
