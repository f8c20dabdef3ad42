"""Previews of library files: a poster picture for the library and the file's page.

Previews are a convenience, never a condition: making one is best effort, and a file whose
preview could not be made is still usable. They are keyed by the file's SHA-256, so the same
bytes share one preview across workspaces, and made at import or the first time they are asked
for (`shortops media render` imports its inputs without waiting for previews).
"""

from __future__ import annotations

import logging

from shortops.errors import ShortopsError
from shortops.media.ffmpeg import find_tools
from shortops.media.runner import run_ffmpeg
from shortops.media.store import MediaStore
from shortops.models import AssetKind, MediaAsset

log = logging.getLogger("shortops.media")

POSTER_KINDS = frozenset({AssetKind.video, AssetKind.image})
POSTER_WIDTH = 480
PREVIEW_TIMEOUT_S = 60


def make_previews(store: MediaStore, asset: MediaAsset) -> None:
    """Every preview the asset's kind has (best effort)."""
    if asset.kind in POSTER_KINDS:
        make_poster(store, asset)


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
        "-frames:v", "1", "-vf", f"scale={POSTER_WIDTH}:-2", "-q:v", "4", "-y",
    ]  # fmt: skip
    try:
        run_ffmpeg(argv, duration_s=0, timeout_s=PREVIEW_TIMEOUT_S, output=output)
    except ShortopsError as exc:
        log.warning("no poster for asset %s: %s", asset.id, exc)
        return False
    return output.is_file()
