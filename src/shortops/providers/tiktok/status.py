"""TikTok's `status/fetch` answer as a publish state (pure: no I/O).

    PROCESSING_UPLOAD, PROCESSING_DOWNLOAD        Pending
    SEND_TO_USER_INBOX                            Published, visibility "inbox", profile URL
    PUBLISH_COMPLETE with publicaly_available_post_id (sic)
                                                  Published, the post's own URL
    PUBLISH_COMPLETE without an id:
        public post                               Pending "in moderation" (the id comes after)
        any other privacy level                   Published with the profile URL: TikTok only
                                                  gives ids of publicly available posts
    FAILED                                        Failed, fail_reason in words

Where TikTok gives no post id, `remote_id` is TikTok's publish_id.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shortops.errors import N_
from shortops.providers.parsing import timestamp
from shortops.providers.tiktok.rules import VISIBILITY
from shortops.providers.types import Failed, Pending, Published, PublishState, Ticket

WEB = "https://www.tiktok.com"
# How long after the upload link expired a publish still "uploading" is taken as abandoned.
ABANDONED_AFTER = timedelta(hours=1)

UPLOADING = N_("Uploading to TikTok.")
PROCESSING = N_("TikTok is processing the video.")
IN_MODERATION = N_(
    "Posted; TikTok is checking it (moderation). The post's link comes once it is approved."
)
IN_INBOX = N_(
    "Sent to the TikTok inbox as a draft: open the notification in the TikTok app to add the "
    "caption and post it."
)
NOT_PUBLIC = N_(
    "Posted with limited visibility. TikTok gives no link to posts that are not public, so the "
    "link goes to the profile."
)
TRANSFER_BROKEN = N_(
    "The upload to TikTok broke off at {sent} of {total} bytes ({detail}). TikTok only posts a "
    "video once every byte has arrived, so nothing was posted; publish again to start a new upload."
)
UPLOAD_ABANDONED = N_(
    "The upload to TikTok never finished and its upload link has expired. Nothing was posted; "
    "publish again."
)

FAIL_REASONS: dict[str, str] = {
    "file_format_check_failed": N_(
        "TikTok could not read the video's format. It takes MP4 (H.264 recommended), MOV or WebM."
    ),
    "duration_check_failed": N_(
        "TikTok refused the video's length ({duration} s): this account can post videos from "
        "{min} s to {limit} s."
    ),
    "frame_rate_check_failed": N_(
        "TikTok refused the video's frame rate: it takes 23 to 60 frames per second."
    ),
    "picture_size_check_failed": N_(
        "TikTok refused the picture size: each side must be between 360 and 4096 pixels."
    ),
    "video_pull_failed": N_("TikTok could not download the video from its URL."),
    "photo_pull_failed": N_("TikTok could not download the photos from their URLs."),
    "auth_removed": N_(
        "The account withdrew shortops's access on TikTok before the post finished. Reconnect "
        "the account and publish again."
    ),
    "publish_cancelled": N_("The post was cancelled on TikTok."),
    "internal": N_(
        "TikTok had an internal error while processing the post. Nothing was posted; "
        "publishing again may work."
    ),
}
FAIL_SPAM = N_(
    "TikTok stopped the post as a spam risk ({code}): too many posts in a short time, or the "
    "account is restricted."
)
FAIL_UNKNOWN = N_("TikTok could not publish the video ({code}).")
# Reasons after which the same video may well go through on another attempt.
RETRYABLE_REASONS = {"internal", "spam_risk_too_many_posts"}


def profile_url(username: str) -> str:
    return f"{WEB}/@{username}" if username else f"{WEB}/"


def video_url(username: str, post_id: str) -> str:
    # With no username known TikTok's "@" placeholder form is used (redirects; unconfirmed).
    return f"{WEB}/@{username}/video/{post_id}"


def interpret(data: dict[str, Any], ticket: Ticket, now: datetime) -> PublishState:
    """The publish state `data` (status/fetch's `data`) describes for `ticket`."""
    status = str(data.get("status") or "")
    info = ticket.data
    username = str(info.get("username") or "")
    privacy = str(info.get("privacy_level") or "")
    if status in ("PROCESSING_UPLOAD", "PROCESSING_DOWNLOAD"):
        return _processing(status, data, info, now)
    if status == "SEND_TO_USER_INBOX":
        return Published(
            remote_id=ticket.reference,
            url=profile_url(username),
            visibility="inbox",
            detail=IN_INBOX,
        )
    if status == "PUBLISH_COMPLETE":
        ids = data.get("publicaly_available_post_id") or data.get("publicly_available_post_id")
        if isinstance(ids, list) and ids:
            post_id = str(ids[0])
            return Published(
                remote_id=post_id,
                url=video_url(username, post_id),
                visibility=VISIBILITY.get(privacy, "public"),
            )
        if info.get("mode") != "inbox" and privacy in ("", "PUBLIC_TO_EVERYONE"):
            return Pending(detail=IN_MODERATION, poll_after_s=60)
        return Published(
            remote_id=ticket.reference,
            url=profile_url(username),
            visibility=VISIBILITY.get(privacy, "unknown"),
            detail=NOT_PUBLIC,
        )
    if status == "FAILED":
        return failure(str(data.get("fail_reason") or ""), info)
    return Pending(detail=status, poll_after_s=30)


def _processing(
    status: str, data: dict[str, Any], info: dict[str, Any], now: datetime
) -> PublishState:
    size = info.get("video_size")
    uploaded = data.get("uploaded_bytes")
    complete = isinstance(uploaded, int) and isinstance(size, int) and uploaded >= size
    broken = info.get("transfer_broken")
    # After the final chunk failed, TikTok may still have the whole file: only its own count of
    # the bytes it holds tells. After an earlier chunk, nothing more was sent: it cannot complete.
    short = isinstance(uploaded, int) and isinstance(size, int) and uploaded < size
    certain = isinstance(broken, dict) and (not broken.get("final") or short)
    if status == "PROCESSING_UPLOAD" and not complete and certain and isinstance(broken, dict):
        return Failed(
            reason=TRANSFER_BROKEN,
            params={
                "sent": broken.get("sent"),
                "total": size,
                "detail": broken.get("detail") or "",
            },
            permanent=True,
            platform_code="upload_broken",
        )
    if status == "PROCESSING_UPLOAD" and not complete:
        expires = timestamp(info.get("upload_url_expires_at"))
        if expires is not None:
            short = isinstance(uploaded, int) and isinstance(size, int) and uploaded < size
            if (short and now > expires) or now > expires + ABANDONED_AFTER:
                return Failed(
                    reason=UPLOAD_ABANDONED, permanent=False, platform_code="upload_incomplete"
                )
        if isinstance(uploaded, int) and isinstance(size, int) and size > 0:
            return Pending(detail=UPLOADING, progress=min(1.0, uploaded / size), poll_after_s=10)
    return Pending(detail=PROCESSING, poll_after_s=10)


def failure(reason: str, info: dict[str, Any]) -> Failed:
    """TikTok's `fail_reason` in words a user can act on."""
    permanent = reason not in RETRYABLE_REASONS
    if reason == "duration_check_failed":
        params: dict[str, Any] = {
            "duration": round(float(info.get("duration_s") or 0), 1),
            "min": 3,
            "limit": round(float(info.get("max_duration_s") or 600)),
        }
        return Failed(
            reason=FAIL_REASONS[reason], params=params, permanent=True, platform_code=reason
        )
    if reason in FAIL_REASONS:
        return Failed(reason=FAIL_REASONS[reason], permanent=permanent, platform_code=reason)
    template = FAIL_SPAM if reason.startswith("spam_risk") else FAIL_UNKNOWN
    return Failed(
        reason=template,
        params={"code": reason or "?"},
        permanent=permanent,
        platform_code=reason,
    )
