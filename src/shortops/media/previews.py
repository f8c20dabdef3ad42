"""Previews of library files: a poster picture, a short clip, and one frame of a rendition-to-be.

Posters and clips are a convenience, never a condition: making one is best effort, and a file
whose preview could not be made is still usable. They are keyed by the file's SHA-256, so the
same bytes share one preview across workspaces, and made at import or the first time they are
asked for (`shortops media render` imports its inputs without waiting for previews). FFmpeg
writes each under a temporary name and the runner renames it into place, so a half-written
preview is never served.

A preview frame is made on request and never stored: it depends on every choice of the form.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Mapping
from pathlib import Path

from shortops.errors import N_, ShortopsError
from shortops.media.errors import MissingMediaFile
from shortops.media.ffmpeg import available_filters, find_tools
from shortops.media.pipeline.cover import JPEG_COLORS
from shortops.media.pipeline.fit import Size
from shortops.media.pipeline.plan import plan_render
from shortops.media.pipeline.preview import (
    clip_argv,
    clip_start,
    frame_argv,
    frame_time,
)
from shortops.media.probe import MediaInfo
from shortops.media.profiles import PlatformProfile
from shortops.media.render import RenderFiles, plan_for, prepare_inputs, resolve_fonts
from shortops.media.runner import run_ffmpeg
from shortops.media.spec import EditSpec
from shortops.media.store import MediaStore
from shortops.models import AssetKind, MediaAsset

log = logging.getLogger("shortops.media")

POSTER_KINDS = frozenset({AssetKind.video, AssetKind.image})
CLIP_KINDS = frozenset({AssetKind.video})
POSTER_WIDTH = 480
JPEG_SCALE = JPEG_COLORS.removeprefix("scale=")  # the poster is a JPEG too
PREVIEW_TIMEOUT_S = 60


def make_previews(store: MediaStore, asset: MediaAsset) -> None:
    """Every preview the asset's kind has (best effort)."""
    if asset.kind in POSTER_KINDS:
        make_poster(store, asset)
    if asset.kind in CLIP_KINDS:
        make_preview_clip(store, asset)


def preview_files(store: MediaStore, sha256: str) -> list[str]:
    """The previews that may exist for these bytes (to delete with the last asset using them)."""
    return [store.poster_path(sha256), store.preview_path(sha256)]


def make_poster(store: MediaStore, asset: MediaAsset) -> bool:
    """A small JPEG thumbnail of the asset for the library (best effort: False when none)."""
    target = store.poster_path(asset.sha256)
    if store.exists(target):
        return True
    if asset.kind not in POSTER_KINDS:
        return False
    duration = asset.duration_s or 0.0
    at = min(1.0, duration / 3) if asset.kind == AssetKind.video else 0.0
    output = store.path(target)
    output.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        find_tools().ffmpeg, "-nostdin", "-v", "error",
        "-ss", f"{at:.3f}", "-i", str(store.path(asset.storage_path)),
        "-frames:v", "1", "-vf", f"scale={POSTER_WIDTH}:-2:{JPEG_SCALE}", "-q:v", "4", "-y",
    ]  # fmt: skip
    try:
        run_ffmpeg(argv, duration_s=0, timeout_s=PREVIEW_TIMEOUT_S, output=output)
    except ShortopsError as exc:
        log.warning("no poster for asset %s: %s", asset.id, exc)
        return False
    return output.is_file()


def make_preview_clip(store: MediaStore, asset: MediaAsset) -> bool:
    """A few muted, small seconds of a video for hover previews (best effort: False when none)."""
    target = store.preview_path(asset.sha256)
    if store.exists(target):
        return True
    if asset.kind not in CLIP_KINDS or not store.exists(asset.storage_path):
        return False
    output = store.path(target)
    output.parent.mkdir(parents=True, exist_ok=True)
    source = Size(asset.width, asset.height) if asset.width and asset.height else None
    try:
        argv = clip_argv(
            find_tools().ffmpeg,
            store.path(asset.storage_path),
            start_s=clip_start(asset.duration_s or 0.0),
            source=source,
        )
        run_ffmpeg(argv, duration_s=0, timeout_s=PREVIEW_TIMEOUT_S, output=output)
    except ShortopsError as exc:
        log.warning("no preview clip for asset %s: %s", asset.id, exc)
        return False
    return output.is_file()


def preview_frame(
    store: MediaStore,
    asset: MediaAsset,
    spec: EditSpec,
    profile: PlatformProfile,
    *,
    at_s: float,
    side_files: Mapping[str, MediaAsset],
    source: MediaInfo | None = None,
) -> bytes:
    """A JPEG of the rendition of `asset` for `profile` with `spec`, `at_s` seconds in.

    `side_files` are the spec's subtitles, logo and music assets by role (already checked to
    belong to the workspace); `source` the master's stored probe, when there is one (probing a
    long file again would cost more than the frame).
    """
    master = _stored(store, asset)
    files = RenderFiles(**{role: _stored(store, side) for role, side in side_files.items()})
    tools = find_tools()
    if source is None:
        plan = plan_for(master, spec, profile)
    else:
        plan = plan_render(source, spec, profile, filters=available_filters(tools.ffmpeg))
    at = frame_time(plan, at_s)
    fonts = resolve_fonts(spec)
    with tempfile.TemporaryDirectory(prefix="shortops-frame-") as work:
        inputs = prepare_inputs(master, spec, files, Path(work))
        argv = frame_argv(plan, inputs, fonts, at_s=at, ffmpeg=tools.ffmpeg)
        output = Path(work) / "frame.jpg"
        run_ffmpeg(argv, duration_s=0, timeout_s=PREVIEW_TIMEOUT_S, output=output)
        return output.read_bytes()


def _stored(store: MediaStore, asset: MediaAsset) -> Path:
    if not store.exists(asset.storage_path):
        raise MissingMediaFile(
            N_(
                "The file {filename} is missing from the media folder. Upload it again, or "
                "choose another file in the form."
            ),
            filename=asset.filename,
        )
    return store.path(asset.storage_path)
