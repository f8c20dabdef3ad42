"""An Instagram container's `status_code` / `status` as words (pure: no I/O).

    IN_PROGRESS     Pending: Instagram is downloading and processing the video
    FINISHED        ready: the provider publishes it (media_publish), see provider.py
    PUBLISHED       the container's media went live: the provider finds it
    ERROR           Failed: `status` carries the error subcode (2207xxx), in words below
    EXPIRED         Failed: not published within 24 hours (nothing was posted)

Meta documents `status` as "the error subcode" for ERROR containers; in practice it is free text
that contains the subcode (unconfirmed), so the first 2207xxx number in it is used.
"""

from __future__ import annotations

import re

from shortops.errors import N_
from shortops.providers.instagram.envelope import CONTAINER_EXPIRED
from shortops.providers.types import Failed

SUBCODE = re.compile(r"\b(2207\d{3})\b")

PROCESSING = N_("Instagram is downloading and processing the video.")

# Subcode → (reason, permanent). Not permanent: nothing was posted and the same video may well
# go through on another attempt (Meta documents these as "retry").
CONTAINER_ERRORS: dict[str, tuple[str, bool]] = {
    "2207052": (
        N_(
            "Instagram could not download the video from shortops (2207052). Instagram fetches "
            "the file itself, so SHORTOPS_PUBLIC_URL must be a public HTTPS address Instagram "
            "can reach, and the link must stay valid while Instagram processes the video."
        ),
        True,
    ),
    "2207003": (
        N_(
            "Instagram took too long to download the video from shortops (2207003). Nothing "
            "was posted; publishing again may work."
        ),
        False,
    ),
    "2207026": (
        N_(
            "Instagram does not accept the video's format (2207026). It takes MP4 or MOV with "
            "H.264 or HEVC video, AAC audio and the moov atom at the start (faststart), 23–60 "
            "fps, at most 1920 px wide; use the Instagram Reels render profile."
        ),
        True,
    ),
    "2207032": (
        N_("Instagram could not create the post (2207032). Nothing was posted; publish again."),
        False,
    ),
    "2207053": (
        N_(
            "Instagram had an unknown error while uploading the video (2207053). Nothing was "
            "posted; publish again."
        ),
        False,
    ),
    "2207020": (CONTAINER_EXPIRED, True),
    "2207050": (
        N_(
            "Instagram has restricted this account, so it cannot publish now (2207050). Check "
            "the account in the Instagram app."
        ),
        True,
    ),
    "2207057": (
        N_("Instagram refused the cover frame position (2207057): choose a time inside the video."),
        True,
    ),
}
CONTAINER_ERROR_UNKNOWN = N_(
    "Instagram could not process the video ({code}: {status}). Nothing was posted."
)


def container_failure(status: str) -> Failed:
    """The Failed state for an ERROR container whose `status` text is `status`."""
    match = SUBCODE.search(status or "")
    subcode = match.group(1) if match else ""
    if subcode in CONTAINER_ERRORS:
        reason, permanent = CONTAINER_ERRORS[subcode]
        return Failed(reason=reason, permanent=permanent, platform_code=subcode)
    return Failed(
        reason=CONTAINER_ERROR_UNKNOWN,
        params={"code": subcode or "ERROR", "status": (status or "")[:200]},
        permanent=True,
        platform_code=subcode or "ERROR",
    )


def expired() -> Failed:
    return Failed(reason=CONTAINER_EXPIRED, permanent=True, platform_code="EXPIRED")
