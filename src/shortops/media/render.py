"""Render one rendition: probe → plan → build → run → re-probe → verify → covers.

The only entry points the rest of shortops needs: `render` for a platform rendition, `concat_clips`
to join clips into a new master, `verify_output` to check any file against a profile. A rendition
that fails verification is deleted, so a file at the output path always meets its profile.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from shortops.config import Settings, get_settings
from shortops.errors import ShortopsError
from shortops.media.errors import MissingMediaFile, NoVideoStream, OutputRejected, RenderFailed
from shortops.media.ffmpeg import Tools, available_filters, find_tools
from shortops.media.fonts import Font, bundled_font, find_font
from shortops.media.pipeline.analysis import choose_cover_time, detect_silences
from shortops.media.pipeline.concat import concat_argv
from shortops.media.pipeline.cover import (
    QUALITY_STEPS,
    cover_argv,
    cover_chains,
    read_candidates,
    same_shape,
    sharpest_time,
)
from shortops.media.pipeline.fit import Size
from shortops.media.pipeline.graph import RenderFonts, RenderInputs, build_render_argv
from shortops.media.pipeline.plan import PlanWarning, RenderPlan, plan_render
from shortops.media.pipeline.silence import keep_intervals
from shortops.media.pipeline.subtitles import (
    cue_texts,
    decode_subtitle_bytes,
    subtitle_cues,
    subtitle_format,
)
from shortops.media.probe import MediaInfo, probe
from shortops.media.profiles import CoverSize, PlatformProfile
from shortops.media.runner import ProgressCallback, run_ffmpeg
from shortops.media.spec import Cover, EditSpec, Fit, Position

# Share of the progress bar the encode takes; covers fill the rest.
ENCODE_SHARE = 0.9
DURATION_TOLERANCE_S = 0.1  # AAC priming and frame rounding move the end by a few ms
_ATOM_HEADER = 8
H264_PROFILE_RANK = {"baseline": 0, "main": 1, "high": 2}


@dataclass(frozen=True)
class RenderFiles:
    """Local paths of the files the spec refers to by asset id or path."""

    subtitles: Path | None = None
    logo: Path | None = None
    music: Path | None = None


@dataclass(frozen=True)
class CoverFile:
    name: str
    path: Path
    width: int
    height: int
    size_bytes: int


@dataclass(frozen=True)
class RenderResult:
    output: Path
    info: MediaInfo
    covers: tuple[CoverFile, ...]
    argv: tuple[str, ...]
    elapsed_s: float
    warnings: tuple[PlanWarning, ...]


# Anything with the signature of `render` (a head start, a test double at the FFmpeg seam).
Renderer = Callable[..., RenderResult]


def render(
    master: Path,
    spec: EditSpec,
    profile: PlatformProfile,
    out: Path,
    *,
    files: RenderFiles | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    timeout_s: float | None = None,
    allow_upscale: bool = False,
    source: MediaInfo | None = None,
    threads: int | None = None,
) -> RenderResult:
    """Render `master` for `profile` to `out` (MP4), with covers beside it; verified or raised.

    `source` is the master's probe when the caller has it already (the library keeps one);
    `threads` is the encoder's thread budget (None: FFmpeg's default).
    """
    started = time.monotonic()
    files = files or RenderFiles()
    tools = find_tools()
    timeout = timeout_s if timeout_s is not None else get_settings().render_timeout_seconds
    source = replace(source, path=master) if source is not None else probe(master, tools=tools)
    _require_files(spec, files)
    fonts = resolve_fonts(spec)
    keep = _silence_keep(tools, source, spec, timeout) if spec.remove_silence else []
    plan = plan_render(
        source,
        spec,
        profile,
        filters=available_filters(tools.ffmpeg),
        keep=keep,
        allow_upscale=allow_upscale,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    wants_covers = spec.cover.enabled and bool(profile.covers)
    cover_at = spec.cover.at_s
    with tempfile.TemporaryDirectory(prefix="shortops-render-") as work:
        inputs = prepare_inputs(master, spec, files, Path(work))
        candidates = Path(work) / "cover-candidates" if wants_covers and cover_at is None else None
        if candidates is not None:
            candidates.mkdir()
        argv = build_render_argv(
            plan,
            inputs,
            fonts,
            ffmpeg=tools.ffmpeg,
            cover_candidates=candidates,
            threads=threads,
        )
        run = run_ffmpeg(
            argv,
            duration_s=plan.duration_s,
            timeout_s=timeout,
            on_progress=_scaled(on_progress, 0.0, ENCODE_SHARE),
            cancel=cancel,
            output=out,
        )
        if candidates is not None:
            cover_at = sharpest_time(*read_candidates(candidates))
    covers: tuple[CoverFile, ...] = ()
    try:
        info = probe(out, tools=tools)
        verify_output(info, profile)
        if wants_covers:
            chosen = spec.cover.model_copy(update={"at_s": cover_at or 0.0})
            covers = write_covers(
                tools,
                info,
                profile.covers,
                chosen,
                timeout_s=timeout,
                master=None if spec.remove_silence else source,
                master_offset_s=spec.trim.start_s,
                title_position=cover_title_position(spec),
            )
    except BaseException:
        for path in (out, *(cover.path for cover in covers)):
            path.unlink(missing_ok=True)
        raise
    if on_progress is not None:
        on_progress(1.0)
    return RenderResult(
        output=out,
        info=info,
        covers=covers,
        argv=run.argv,
        elapsed_s=time.monotonic() - started,
        warnings=plan.warnings,
    )


def encoder_threads(settings: Settings, *, alone: bool) -> int:
    """The cores one render may use: all of them alone, else an equal share per render slot."""
    cores = os.cpu_count() or 1
    return cores if alone else max(1, cores // settings.render_concurrency)


def plan_for(
    master: Path, spec: EditSpec, profile: PlatformProfile, *, allow_upscale: bool = False
) -> RenderPlan:
    """Probe and plan without rendering: refuses at once what `render` would refuse."""
    tools = find_tools()
    source = probe(master, tools=tools)
    return plan_render(
        source,
        spec,
        profile,
        filters=available_filters(tools.ffmpeg),
        allow_upscale=allow_upscale,
    )


# --- inputs ------------------------------------------------------------------------------------


def _require_files(spec: EditSpec, files: RenderFiles) -> None:
    wanted = [
        ("subtitle", spec.subtitles, files.subtitles),
        ("logo", spec.logo, files.logo),
        ("music", spec.music, files.music),
    ]
    for kind, part, path in wanted:
        if part is not None and (path is None or not path.is_file()):
            shown = str(path) if path is not None else (getattr(part, "path", None) or "its file")
            raise MissingMediaFile(kind=kind, path=shown)


def resolve_fonts(spec: EditSpec) -> RenderFonts:
    """The font files of the subtitle style and of every overlay; refuses a missing family."""
    subtitles = find_font(spec.subtitles.style.font) if spec.subtitles else bundled_font()
    return RenderFonts(
        subtitles=subtitles,
        overlays=tuple(find_font(overlay.style.font) for overlay in spec.overlays),
    )


def prepare_inputs(master: Path, spec: EditSpec, files: RenderFiles, work: Path) -> RenderInputs:
    """The render's inputs, with the subtitles checked and re-encoded as UTF-8 in `work`."""
    subtitles: Path | None = None
    own_styles = False
    texts: tuple[str, ...] = ()
    if spec.subtitles is not None and files.subtitles is not None:
        subtitles, own_styles = utf8_subtitles(files.subtitles, work)
        texts = tuple(cue_texts(subtitles.read_text(encoding="utf-8")))
    logo = files.logo if spec.logo else None
    return RenderInputs(
        master=master,
        subtitles=subtitles,
        subtitles_own_styles=own_styles,
        logo=logo,
        music=files.music if spec.music else None,
        subtitle_texts=texts,
        logo_size=picture_size(logo) if logo else None,
    )


def picture_size(path: Path) -> Size | None:
    """An image's own width and height; None when FFmpeg cannot tell (the layout then assumes a
    square)."""
    try:
        video = probe(path, exact=False).video
    except ShortopsError:
        return None
    return Size(video.display_width, video.display_height) if video else None


def utf8_subtitles(path: Path, work: Path) -> tuple[Path, bool]:
    """A checked UTF-8 copy of the subtitle file in `work`, and whether it is ASS."""
    text = decode_subtitle_bytes(path.read_bytes(), path.name)
    subtitle_cues(text, path.name)
    fmt = subtitle_format(path.name, text)
    copy = work / f"subtitles.{fmt}"
    copy.write_text(text, encoding="utf-8")
    return copy, fmt == "ass"


def _silence_keep(
    tools: Tools, source: MediaInfo, spec: EditSpec, timeout_s: float
) -> list[tuple[float, float]]:
    silences = detect_silences(tools.ffmpeg, source, spec.trim, timeout_s=timeout_s)
    if not silences:
        return []
    end = spec.trim.end_s if spec.trim.end_s is not None else source.duration_s
    return keep_intervals(silences, min(end, source.duration_s) - spec.trim.start_s)


# --- verification ------------------------------------------------------------------------------


def verify_output(info: MediaInfo, profile: PlatformProfile) -> None:
    """Raise OutputRejected unless the file meets every requirement of `profile`."""
    problems = output_problems(info, profile)
    if problems:
        raise OutputRejected(platform=profile.name, problems="; ".join(problems))


def output_problems(info: MediaInfo, profile: PlatformProfile) -> list[str]:
    """What about the rendered file breaks `profile`, in words; empty when nothing does."""
    problems = [*_video_problems(info, profile), *_audio_problems(info, profile)]
    low = profile.min_duration_s - DURATION_TOLERANCE_S
    high = profile.max_duration_s + DURATION_TOLERANCE_S
    if not low <= info.duration_s <= high:
        problems.append(
            f"duration {info.duration_s:g} s outside "
            f"{profile.min_duration_s:g}–{profile.max_duration_s:g} s"
        )
    if info.size_bytes > profile.max_bytes:
        problems.append(f"{info.size_bytes} bytes, more than {profile.max_bytes}")
    if profile.faststart and not moov_before_mdat(info.path):
        problems.append("the index (moov) is not before the media data (no faststart)")
    return problems


def _video_problems(info: MediaInfo, profile: PlatformProfile) -> list[str]:
    video = info.video
    if video is None:
        return ["no video stream"]
    problems = []
    if video.codec != profile.video_codec:
        problems.append(f"video codec {video.codec}, not {profile.video_codec}")
    elif _h264_rank(video.profile) > H264_PROFILE_RANK[profile.h264_profile]:
        problems.append(f"H.264 profile {video.profile}, above {profile.h264_profile}")
    if video.pix_fmt != profile.pixel_format:
        problems.append(f"pixel format {video.pix_fmt}, not {profile.pixel_format}")
    if (video.display_width, video.display_height) != (profile.width, profile.height):
        shown = f"{video.display_width}×{video.display_height}"
        problems.append(f"size {shown}, not {profile.width}×{profile.height}")
    elif (video.width, video.height) != (profile.width, profile.height):
        problems.append(f"stored as {video.width}×{video.height} with non-square pixels")
    return problems


def _h264_rank(name: str | None) -> int:
    # x264 signals the lowest profile its stream needs ("Constrained Baseline" at ultrafast), and
    # every decoder of a profile plays the lower ones.
    shown = (name or "").lower().removeprefix("constrained ")
    return H264_PROFILE_RANK.get(shown, len(H264_PROFILE_RANK))


def _audio_problems(info: MediaInfo, profile: PlatformProfile) -> list[str]:
    audio = info.audio
    if audio is None:
        return ["no audio stream"]
    problems = []
    if audio.codec != profile.audio_codec:
        problems.append(f"audio codec {audio.codec}, not {profile.audio_codec}")
    if audio.sample_rate != profile.audio_rate:
        problems.append(f"audio at {audio.sample_rate} Hz, not {profile.audio_rate}")
    if audio.channels != 2:
        problems.append(f"{audio.channels} audio channels, not 2")
    return problems


def moov_before_mdat(path: Path) -> bool:
    """True when the MP4's top-level `moov` atom comes before its `mdat` (fast start)."""
    with path.open("rb") as handle:
        while header := handle.read(_ATOM_HEADER):
            if len(header) < _ATOM_HEADER:
                return False
            size, kind = int.from_bytes(header[:4], "big"), header[4:8]
            if kind in (b"moov", b"mdat"):
                return kind == b"moov"
            if size == 1:  # a 64-bit size follows the type
                size = int.from_bytes(handle.read(8), "big") - 8
            if size < _ATOM_HEADER:  # 0: the atom runs to the end of the file
                return False
            handle.seek(size - _ATOM_HEADER, 1)
    return False


# --- covers ------------------------------------------------------------------------------------


def cover_title_position(spec: EditSpec) -> Position:
    """Where a cover's title goes: the top, unless the edit draws text there already (the cover
    is a frame of the edit), then the middle."""
    top_text = [o.style.position for o in spec.overlays]
    if spec.subtitles is not None:
        top_text.append(spec.subtitles.style.position)
    return "center" if any(position.startswith("top") for position in top_text) else "top"


def write_covers(
    tools: Tools,
    video: MediaInfo,
    sizes: Sequence[CoverSize],
    cover: Cover,
    *,
    timeout_s: float,
    font: Font | None = None,
    master: MediaInfo | None = None,
    master_offset_s: float = 0,
    title_position: Position = "top",
) -> tuple[CoverFile, ...]:
    """A JPEG per cover size next to `video`, each under its byte limit.

    A cover whose shape is the `master`'s but not the rendition's (Bilibili's landscape cover
    of a vertical edit of a landscape master) is taken from the master's own frame, at the same
    moment (`master_offset_s` is where the rendition starts in it), not from the crop.
    """
    stream = video.video
    if stream is None:
        return ()
    at = (
        cover.at_s
        if cover.at_s is not None
        else choose_cover_time(tools.ffmpeg, video, timeout_s=timeout_s)
    )
    at = min(at, max(0.0, video.duration_s - 1 / stream.fps))
    source = Size(stream.display_width, stream.display_height)
    font_file = (font or bundled_font()).path
    written: list[CoverFile] = []
    try:
        for size in sizes:
            out = video.path.with_name(f"{video.path.stem}.cover-{size.name}.jpg")
            shape = Size(size.width, size.height)
            frame_from, frame_at, frame_stream = video.path, at, stream
            if master is not None and master.video is not None:
                whole = Size(master.video.display_width, master.video.display_height)
                if same_shape(whole, shape) and not same_shape(source, shape):
                    frame_from, frame_at = master.path, at + master_offset_s
                    frame_stream = master.video
            chains = cover_chains(
                Size(frame_stream.display_width, frame_stream.display_height),
                shape,
                title=cover.title,
                font_file=font_file,
                inp=f"0:{frame_stream.index}",
                out="cover",
                title_position=title_position,
            )
            written.append(
                _write_cover(tools.ffmpeg, frame_from, frame_at, chains, size, out, timeout_s)
            )
    except BaseException:
        for done in written:
            done.path.unlink(missing_ok=True)
        raise
    return tuple(written)


def _write_cover(
    ffmpeg: str,
    video: Path,
    at_s: float,
    chains: list[str],
    size: CoverSize,
    out: Path,
    timeout_s: float,
) -> CoverFile:
    for quality in QUALITY_STEPS:
        argv = cover_argv(ffmpeg, video, at_s, chains, "cover", quality)
        run_ffmpeg(argv, duration_s=0, timeout_s=timeout_s, output=out)
        written = out.stat().st_size
        if written <= size.max_bytes:
            return CoverFile(size.name, out, size.width, size.height, written)
    out.unlink(missing_ok=True)
    raise RenderFailed(
        detail=f"the {size.name} cover stays above {size.max_bytes} bytes at the lowest quality"
    )


# --- joining clips -----------------------------------------------------------------------------


def concat_clips(
    clips: Sequence[Path],
    out: Path,
    *,
    width: int,
    height: int,
    fps: float = 30,
    fit: Fit | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    timeout_s: float | None = None,
) -> MediaInfo:
    """Join `clips` into one `width`×`height` MP4 at `fps` (each clip fitted; default: pad)."""
    tools = find_tools()
    infos = [probe(clip, tools=tools) for clip in clips]
    for info in infos:
        if info.video is None:
            raise NoVideoStream(name=info.path.name)
    argv = concat_argv(tools.ffmpeg, infos, Size(width, height), fps, fit or Fit(mode="pad"))
    run_ffmpeg(
        argv,
        duration_s=sum(info.duration_s for info in infos),
        timeout_s=timeout_s if timeout_s is not None else get_settings().render_timeout_seconds,
        on_progress=on_progress,
        cancel=cancel,
        output=out,
    )
    return probe(out, tools=tools)


def _scaled(
    on_progress: ProgressCallback | None, low: float, high: float
) -> ProgressCallback | None:
    if on_progress is None:
        return None
    callback = on_progress
    return lambda fraction: callback(low + (high - low) * fraction)
