"""Work that calls outside the database: probing files, importing them, rendering, posters.

This is the one place the library calls the FFmpeg pipeline (`shortops.media.probe` and
`shortops.media.render`), so the seam between the two is here and nowhere else.
"""

from __future__ import annotations

import logging
import mimetypes
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.db.session import session_scope
from shortops.errors import N_, InvalidInput, ShortopsError
from shortops.media import rendition_service, service
from shortops.media.errors import MediaError, MissingMediaFile, RenderCancelled
from shortops.media.ffmpeg import available_filters, find_tools
from shortops.media.pipeline.plan import plan_render
from shortops.media.pipeline.subtitles import decode_subtitle_bytes, subtitle_cues, subtitle_format
from shortops.media.previews import make_previews
from shortops.media.probe import AudioStream, MediaInfo, VideoStream, probe
from shortops.media.profiles import PlatformProfile
from shortops.media.render import (
    Renderer,
    RenderFiles,
    RenderResult,
    encoder_threads,
    render,
    resolve_fonts,
)
from shortops.media.schemas import MediaFacts, RenditionsCreate
from shortops.media.service import Inspected
from shortops.media.spec import EditSpec
from shortops.media.store import MediaStore, ProgressCallback, sha256_of
from shortops.models import AssetKind, MediaAsset, Rendition
from shortops.workspaces.service import Actor

log = logging.getLogger("shortops.media")

SUBTITLE_EXTENSIONS = frozenset({".srt", ".ass", ".ssa", ".vtt"})
MAX_SUBTITLES_BYTES = 10 * 1024 * 1024
# Containers FFmpeg reads single pictures through (a PNG logo, a JPEG cover).
_IMAGE_FORMATS = ("image2", "_pipe", "png", "webp")
# Progress is written when it moved this much, or this long after the last write.
PROGRESS_STEP = 0.02
PROGRESS_INTERVAL_S = 1.0


# --- inspecting and importing -------------------------------------------------------------------


def file_extension(filename: str) -> str:
    """The lower-case extension of `filename` when it looks like one (".mp4"), else ""."""
    suffix = Path(filename).suffix.lower()
    ok = 1 < len(suffix) <= 8 and suffix[1:].isascii() and suffix[1:].isalnum()
    return suffix if ok else ""


def inspect_file(path: Path, *, filename: str, probed: MediaInfo | None = None) -> Inspected:
    """What `path` (uploaded as `filename`) is; refuses files FFmpeg cannot read.

    Subtitles are read as text (FFmpeg would accept almost any text as SRT); everything else
    is probed, unless the caller `probed` it already, and the probe's message names the user's
    file, not a temporary one.
    """
    if file_extension(filename) in SUBTITLE_EXTENSIONS:
        return _inspect_subtitles(path, filename=filename)
    try:
        info = probed or probe(path)
    except MediaError as exc:
        if "name" in exc.params:
            exc.params["name"] = filename
        raise
    return Inspected(
        kind=_kind(info),
        content_type=mimetypes.guess_type(filename)[0] or _default_type(_kind(info)),
        facts=facts_from(info),
        probe=describe(info),
    )


def _kind(info: MediaInfo) -> AssetKind:
    if info.video is None:
        return AssetKind.audio
    single_picture = any(part in info.format_name for part in _IMAGE_FORMATS)
    if single_picture and (info.audio is None) and info.duration_s <= 0.5:
        return AssetKind.image
    return AssetKind.video


def _default_type(kind: AssetKind) -> str:
    return {
        AssetKind.video: "video/mp4",
        AssetKind.audio: "audio/mpeg",
        AssetKind.image: "image/png",
        AssetKind.subtitles: "text/plain",
    }[kind]


def facts_from(info: MediaInfo) -> MediaFacts:
    video, audio = info.video, info.audio
    return MediaFacts(
        duration_s=round(info.duration_s, 3) if info.duration_s else None,
        width=video.display_width if video else None,
        height=video.display_height if video else None,
        fps=round(video.fps, 3) if video else None,
        vfr=video.variable_frame_rate if video else False,
        hdr=video.hdr if video else False,
        video_codec=video.codec if video else None,
        audio_codec=audio.codec if audio else None,
        has_video=video is not None,
        has_audio=audio is not None,
        rotation=video.rotation if video else 0,
    )


def describe(info: MediaInfo) -> dict[str, Any]:
    """The probe result as JSON: the shown facts plus every stream detail."""
    return {
        "facts": facts_from(info).model_dump(mode="json"),
        "format": info.format_name,
        "bit_rate": info.bit_rate,
        "video": _plain(info.video),
        "audio": _plain(info.audio),
    }


def _plain(value: object) -> Any:
    if value is None:
        return None
    if is_dataclass(value) and not isinstance(value, type):
        return {k: _plain_value(v) for k, v in asdict(value).items()}
    return _plain_value(value)


def _plain_value(value: object) -> Any:
    if isinstance(value, Fraction | Path):
        return str(value)
    return value


def _inspect_subtitles(path: Path, *, filename: str) -> Inspected:
    size = path.stat().st_size
    if size == 0 or size > MAX_SUBTITLES_BYTES:
        raise InvalidInput(
            N_("{name} is not a subtitle file of a usable size (1 byte to 10 MB)."), name=filename
        )
    # The renderer's own reader: a file accepted here is one the renderer can burn in.
    text = decode_subtitle_bytes(path.read_bytes(), filename)
    subtitle_cues(text, filename)
    fmt = subtitle_format(filename, text)
    return Inspected(
        kind=AssetKind.subtitles,
        content_type="text/vtt" if fmt == "vtt" else "text/plain",
        facts=MediaFacts(),
        probe={"facts": MediaFacts().model_dump(mode="json"), "format": fmt},
    )


def _utf8_subtitles(store: MediaStore, path: Path, *, filename: str) -> Path | None:
    """A UTF-8 copy of subtitles saved in another encoding (GBK, UTF-16 …), else None."""
    raw = path.read_bytes()
    text = decode_subtitle_bytes(raw, filename)
    if raw == text.encode("utf-8"):
        return None
    converted = store.temp_file(file_extension(filename))
    converted.write_text(text, encoding="utf-8")
    return converted


def import_file(
    session: Session,
    *,
    store: MediaStore,
    workspace_id: int,
    source: Path,
    filename: str,
    created_by_id: int | None,
    actor: Actor | None = None,
    move: bool = False,
    sha256: str | None = None,
    on_progress: ProgressCallback | None = None,
    previews: bool = True,
    probed: MediaInfo | None = None,
) -> tuple[MediaAsset, bool]:
    """Import `source` as an asset; (asset, False) when the same bytes are already in the library.

    The file is checked before anything is written, so a file that is not media leaves no trace.
    With `move`, `source` (an upload inside the store, whose `sha256` the caller may already
    know) is moved into place instead of copied. Without `previews` the poster is made the first
    time someone looks at it (a one-off render from the command line does not wait for it).
    `probed` is `source`'s probe when the caller made one (a render's head start).
    """
    filename = service.clean_filename(filename)
    inspected = inspect_file(source, filename=filename, probed=probed)
    ext = file_extension(filename)
    converted = (
        _utf8_subtitles(store, source, filename=filename)
        if inspected.kind == AssetKind.subtitles
        else None
    )
    try:
        if converted is not None:
            stored = store.put_file(converted, ext=ext)
            if move:
                source.unlink(missing_ok=True)
        elif move:
            stored = store.adopt(
                source,
                sha256=sha256 or sha256_of(source),
                size_bytes=source.stat().st_size,
                ext=ext,
            )
        else:
            stored = store.put_file(source, ext=ext, on_progress=on_progress)
    finally:
        if converted is not None:
            converted.unlink(missing_ok=True)
    asset, created = service.add_asset(
        session,
        workspace_id=workspace_id,
        stored=stored,
        filename=filename,
        inspected=inspected,
        created_by_id=created_by_id,
        actor=actor,
    )
    if not created and not store.exists(asset.storage_path):
        # The row outlived its file (deleted by hand): the fresh copy takes its place.
        asset.storage_path = stored.relative_path
    if previews:
        make_previews(store, asset)
    return asset, created


# --- rendering ------------------------------------------------------------------------------------


def media_info(asset: MediaAsset, store: MediaStore) -> MediaInfo | None:
    """The asset's probe facts as the pipeline's MediaInfo, without reading the file again.

    The path carries the user's file name, so messages about the source name their file.
    None when the stored facts predate the current probe's shape.
    """
    data = asset.probe
    if "video" not in data:
        return None
    try:
        video = data.get("video")
        audio = data.get("audio")
        return MediaInfo(
            path=Path(asset.filename),
            duration_s=float(asset.duration_s or 0.0),
            size_bytes=asset.size_bytes,
            format_name=str(data.get("format") or "unknown"),
            bit_rate=data.get("bit_rate"),
            video=VideoStream(
                **{**video, "sample_aspect_ratio": Fraction(video["sample_aspect_ratio"])}
            )
            if video
            else None,
            audio=AudioStream(**audio) if audio else None,
        )
    except (TypeError, KeyError, ValueError, ZeroDivisionError):
        return None


def precheck(
    store: MediaStore, asset: MediaAsset, profile: PlatformProfile, spec: EditSpec
) -> None:
    """Refuse now what the renderer would refuse minutes later (limits, source size, fonts)."""
    source = media_info(asset, store)
    if source is None:
        return
    resolve_fonts(spec)
    plan_render(source, spec, profile, filters=available_filters(find_tools().ffmpeg))


def request_renditions(
    session: Session, *, actor: Actor, data: RenditionsCreate, store: MediaStore
) -> list[tuple[Rendition, bool]]:
    """Renditions for one asset × profiles, each checked against its profile before queuing."""
    return rendition_service.request_renditions(
        session,
        actor=actor,
        data=data,
        file_exists=store.exists,
        precheck=lambda asset, profile, spec: precheck(store, asset, profile, spec),
    )


@dataclass(frozen=True)
class RenderJob:
    """Everything a worker needs, read from the database before FFmpeg starts."""

    rendition_id: int
    key: str
    filename: str
    master: Path
    spec: EditSpec
    profile: PlatformProfile
    files: RenderFiles
    source: MediaInfo | None


class ProgressWriter:
    """Writes progress to the rendition at most every 2 % or 1 s; sets `cancel` once it stops."""

    def __init__(
        self,
        settings: Settings,
        rendition_id: int,
        cancel: threading.Event,
        *,
        clock: Callable[[], float] = time.monotonic,
        also: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.also = also
        self.rendition_id = rendition_id
        self.cancel = cancel
        self.clock = clock
        self.last_value = 0.0
        self.last_time = clock()
        self.lock = threading.Lock()
        self.writes = 0

    def __call__(self, fraction: float) -> None:
        if self.also is not None:
            self.also(fraction)
        with self.lock:
            now = self.clock()
            if (
                fraction - self.last_value < PROGRESS_STEP
                and now - self.last_time < PROGRESS_INTERVAL_S
            ):
                return
            self.last_value, self.last_time = fraction, now
            with session_scope(self.settings) as session:
                still_rendering = rendition_service.record_progress(
                    session, rendition_id=self.rendition_id, progress=fraction
                )
            self.writes += 1
            if not still_rendering:
                self.cancel.set()


def run_rendition(
    settings: Settings,
    rendition_id: int,
    *,
    renderer: Renderer = render,
    on_progress: Callable[[float], None] | None = None,
    alone: bool = False,
) -> bool:
    """Claim a queued rendition and render it; False when there was nothing to claim.

    `on_progress` sees every progress report (the database gets them throttled). `alone` says
    no other render shares the machine (the command line), so the encoder may use every core.
    """
    store = MediaStore.from_settings(settings)
    with session_scope(settings) as session:
        rendition = rendition_service.claim_rendition(session, rendition_id=rendition_id)
        if rendition is None:
            return False
        try:
            job = _job(session, store, rendition)
        except ShortopsError as exc:
            rendition_service.mark_failed(session, rendition_id=rendition_id, error=exc)
            return True
    cancel = threading.Event()
    temp_out = store.temp_file(".mp4")
    produced: list[Path] = [temp_out]
    try:
        result = renderer(
            job.master,
            job.spec,
            job.profile,
            temp_out,
            files=job.files,
            on_progress=ProgressWriter(settings, rendition_id, cancel, also=on_progress),
            cancel=cancel,
            timeout_s=settings.render_timeout_seconds,
            source=job.source,
            threads=encoder_threads(settings, alone=alone),
        )
        produced += [result.output, *(cover.path for cover in result.covers)]
        _finish(settings, store, job, result)
    except RenderCancelled:
        log.info("rendition %s was cancelled", rendition_id)
    except ShortopsError as exc:
        if exc.params.get("name") == job.master.name:
            exc.params["name"] = job.filename
        _fail(settings, rendition_id, exc)
    except Exception as exc:
        log.exception("rendition %s failed", rendition_id)
        _fail(
            settings,
            rendition_id,
            ShortopsError(
                N_("Rendering stopped on an unexpected error ({detail}). It was logged."),
                detail=type(exc).__name__,
            ),
        )
    finally:
        for path in produced:
            path.unlink(missing_ok=True)
    return True


def _job(session: Session, store: MediaStore, rendition: Rendition) -> RenderJob:
    asset = session.get(MediaAsset, rendition.asset_id)
    if asset is None or not store.exists(asset.storage_path):
        raise MissingMediaFile(kind="video", path=asset.filename if asset else "?")
    spec = EditSpec.model_validate(rendition.spec)
    files: dict[str, Path] = {}
    for role in service.SIDE_FILE_KINDS:
        part = getattr(spec, role)
        if part is None or part.asset_id is None:
            continue
        side = session.get(MediaAsset, part.asset_id)
        if side is None or side.workspace_id != rendition.workspace_id:
            raise MissingMediaFile(kind=role, path=f"asset {part.asset_id}")
        if not store.exists(side.storage_path):
            raise MissingMediaFile(kind=role, path=side.filename)
        files[role] = store.path(side.storage_path)
    return RenderJob(
        rendition_id=rendition.id,
        key=rendition.key,
        filename=asset.filename,
        master=store.path(asset.storage_path),
        spec=spec,
        profile=PlatformProfile.model_validate(rendition.profile),
        files=RenderFiles(**files),
        source=media_info(asset, store),
    )


def _finish(settings: Settings, store: MediaStore, job: RenderJob, result: RenderResult) -> None:
    output = result.output
    if not output.is_file() or output.stat().st_size == 0:
        raise ShortopsError(N_("The renderer reported success but wrote no file."))
    size = output.stat().st_size
    output_path = store.rendition_path(job.key)
    store.move_into(output, output_path)
    covers: dict[str, str] = {}
    for cover in result.covers:
        if cover.path.is_file():
            covers[cover.name] = store.cover_path(job.key, cover.name)
            store.move_into(cover.path, covers[cover.name])
    with session_scope(settings) as session:
        ready = rendition_service.mark_ready(
            session,
            rendition_id=job.rendition_id,
            output_path=output_path,
            output_size_bytes=size,
            output_probe={**describe(result.info), "warnings": list(result.warnings)},
            covers=covers,
        )
    if not ready:
        # Cancelled at the last moment; the file stays, content-addressed, for the next request.
        log.info("rendition %s finished after it was cancelled", job.rendition_id)


def _fail(settings: Settings, rendition_id: int, error: ShortopsError) -> None:
    with session_scope(settings) as session:
        rendition_service.mark_failed(session, rendition_id=rendition_id, error=error)
