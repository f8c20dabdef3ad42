"""Errors of the media pipeline, as part of the one exception tree in `shortops.errors`.

    MediaError (mixin: `except MediaError` catches every error below)
    ├── FFmpegUnavailable      ConfigurationError  500  ffmpeg_unavailable
    ├── UnreadableMedia        InvalidInput        422  unreadable_media
    ├── NoVideoStream          InvalidInput        422  no_video_stream
    ├── SourceTooSmall         InvalidInput        422  source_too_small
    ├── RenditionLimitError    InvalidInput        422  rendition_limit
    ├── MissingMediaFile       InvalidInput        422  missing_media_file
    ├── InvalidSubtitles       InvalidInput        422  invalid_subtitles
    ├── FontNotFound           InvalidInput        422  font_not_found
    ├── RenderFailed           ShortopsError       500  render_failed
    │   ├── RenderTimeout                          500  render_timeout
    │   └── OutputRejected                         500  output_rejected
    └── RenderCancelled        ShortopsError       409  render_cancelled

Each message says what was wrong and what to do; placeholders are filled from the parameters.
"""

from __future__ import annotations

from shortops.errors import N_, ConfigurationError, InvalidInput, ShortopsError


class MediaError(ShortopsError):
    """Base of every media error; concrete errors put their HTTP family first in their bases."""

    code = "media_error"
    template = N_("The media file could not be processed.")


class FFmpegUnavailable(ConfigurationError, MediaError):
    code = "ffmpeg_unavailable"
    template = N_(
        "FFmpeg was not found ({detail}). Reinstall shortops (FFmpeg comes with it) or set "
        "SHORTOPS_FFMPEG to an FFmpeg {min_version} or newer."
    )


class UnreadableMedia(InvalidInput, MediaError):
    code = "unreadable_media"
    template = N_(
        "{name} is not a video FFmpeg can read: {detail}. Re-export it as MP4 (H.264/AAC)."
    )


class NoVideoStream(InvalidInput, MediaError):
    code = "no_video_stream"
    template = N_(
        "{name} has no picture, only sound. Upload a video, or use this file as background "
        "music of one."
    )


class SourceTooSmall(InvalidInput, MediaError):
    code = "source_too_small"
    template = N_(
        "{name} is only {width}×{height}; a {target} rendition from it would be blurry. Use a "
        "source whose shorter side is at least {min_side} px (the original, not a preview)."
    )


class RenditionLimitError(InvalidInput, MediaError):
    code = "rendition_limit"
    template = N_(
        "The video is {duration} s long after trimming; {platform} accepts at most {limit} s: "
        "trim it to {limit} s or less (set the trim end)."
    )


class MissingMediaFile(InvalidInput, MediaError):
    code = "missing_media_file"
    template = N_(
        "The edit uses a {kind} file, but {path} cannot be read. Upload the {kind} again or "
        "remove it from the edit."
    )


class InvalidSubtitles(InvalidInput, MediaError):
    code = "invalid_subtitles"
    template = N_("{name}, line {line}: {problem}. Correct the subtitle file and upload it again.")


class FontNotFound(InvalidInput, MediaError):
    code = "font_not_found"
    template = N_(
        "The font “{family}” is not installed. Choose another font, leave it empty for the "
        "bundled “{default}”, or put the font's .ttf/.otf file into {fonts_dir}."
    )


class RenderFailed(MediaError):
    code = "render_failed"
    template = N_(
        "FFmpeg could not render the video: {detail}. Check the source and the edit; if they "
        "look right, report this message."
    )


class RenderTimeout(RenderFailed):
    code = "render_timeout"
    template = N_(
        "Rendering took longer than {seconds} s and was stopped. Trim the video, choose a "
        "faster preset, or raise SHORTOPS_RENDER_TIMEOUT_SECONDS."
    )


class OutputRejected(RenderFailed):
    code = "output_rejected"
    template = N_(
        "The rendered file does not meet {platform}'s requirements ({problems}), so it was "
        "deleted. Check the profile's limits; if they are right, report this message."
    )


class RenderCancelled(MediaError):
    status = 409
    code = "render_cancelled"
    template = N_("Rendering was cancelled; nothing was written.")
