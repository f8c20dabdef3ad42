"""YouTube's reasons for a failed or rejected upload, in words a user can act on.

The keys are the enums of `status.failureReason`, `status.rejectionReason` and
`processingDetails.processingFailureReason` in the youtube.v3 discovery document.
"""

from __future__ import annotations

from shortops.errors import N_

FAILURE_REASONS: dict[str, str] = {
    "conversion": N_("YouTube could not convert the video. Render it again (H.264 MP4) and "
                     "upload the new file."),
    "invalidFile": N_("YouTube did not recognise the file as a video. Render it again as an MP4."),
    "emptyFile": N_("YouTube received an empty file."),
    "tooSmall": N_("YouTube found the file too small to be a video."),
    "codec": N_("YouTube does not support the video's codec. Render it again as H.264 with AAC "
                "audio."),
    "uploadAborted": N_("The upload to YouTube was not finished."),
}  # fmt: skip

REJECTION_REASONS: dict[str, str] = {
    "copyright": N_("YouTube rejected the video for copyright infringement."),
    "inappropriate": N_("YouTube rejected the video as inappropriate content."),
    "duplicate": N_("YouTube rejected the video as a duplicate of one already on this channel."),
    "termsOfUse": N_("YouTube rejected the video for violating its terms of use."),
    "uploaderAccountSuspended": N_("YouTube rejected the video: the channel is suspended."),
    "uploaderAccountClosed": N_("YouTube rejected the video: the channel is closed."),
    "length": N_("YouTube rejected the video as too long for this channel. Channels that are not "
                 "verified can upload up to 15 minutes."),
    "claim": N_("YouTube blocked the video because of a content owner's claim."),
    "trademark": N_("YouTube rejected the video for trademark infringement."),
    "legal": N_("YouTube rejected the video for a legal reason."),
}  # fmt: skip

PROCESSING_FAILURES: dict[str, str] = {
    "uploadFailed": N_("YouTube could not store the uploaded file."),
    "transcodeFailed": N_("YouTube could not convert the video. Render it again (H.264 MP4) and "
                          "upload the new file."),
    "streamingFailed": N_("YouTube could not prepare the video for streaming."),
}  # fmt: skip

UNKNOWN_FAILURE = N_("YouTube could not process the video ({code}).")
UNKNOWN_REJECTION = N_("YouTube rejected the video ({code}).")
DELETED = N_("The video was deleted on YouTube.")
