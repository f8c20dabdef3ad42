"""Graph: one FFmpeg command per rendition, composed from the step builders.

Inputs: 0 the master (seeked for the trim), then the music (looped) and the logo when the edit
has them. One `-filter_complex` carries the picture through

    fps → colour to 8-bit SDR → fit → subtitles → silence cuts → text overlays → logo → yuv420p

and the sound through silence cuts, music mixing and loudness. Subtitles come before the silence
cuts because their times are the source's; text overlays come after because theirs are the
rendition's. `-progress pipe:1` reports progress on stdout for the runner.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shortops.media.fonts import Font
from shortops.media.pipeline.audio import AudioSources, audio_chains, music_input_args
from shortops.media.pipeline.color import BT709_TAGS, color_filters
from shortops.media.pipeline.cover import (
    analysis_size,
    candidate_output_args,
    candidate_select_filters,
)
from shortops.media.pipeline.encode import encode_args
from shortops.media.pipeline.fit import Size, fit_chains
from shortops.media.pipeline.logo import logo_chains
from shortops.media.pipeline.overlays import overlay_filters
from shortops.media.pipeline.placement import layout
from shortops.media.pipeline.plan import RenderPlan
from shortops.media.pipeline.silence import audio_keep_filters, video_keep_filters
from shortops.media.pipeline.subtitles import subtitles_filters
from shortops.media.pipeline.trim import trim_input_args

VIDEO_OUT = "vout"
AUDIO_OUT = "aout"
CANDIDATES = "vcand"


@dataclass(frozen=True)
class RenderInputs:
    """Files a render reads besides the master, already resolved and readable."""

    master: Path
    subtitles: Path | None = None  # a UTF-8 copy
    subtitles_own_styles: bool = False  # ASS: keep the file's styles
    logo: Path | None = None
    music: Path | None = None
    subtitle_texts: tuple[str, ...] = ()  # each cue's text, to keep room for its lines
    logo_size: Size | None = None  # the logo picture's own size


@dataclass(frozen=True)
class RenderFonts:
    """The font of the subtitles and of each text overlay, in the spec's order."""

    subtitles: Font
    overlays: tuple[Font, ...] = ()


@dataclass(frozen=True)
class InputIndexes:
    music: int | None
    logo: int | None


def input_indexes(inputs: RenderInputs) -> InputIndexes:
    """FFmpeg input numbers: the master is 0, then music and logo when present."""
    music = 1 if inputs.music else None
    logo = (2 if music else 1) if inputs.logo else None
    return InputIndexes(music=music, logo=logo)


def build_render_argv(
    plan: RenderPlan,
    inputs: RenderInputs,
    fonts: RenderFonts,
    *,
    ffmpeg: str,
    cover_candidates: Path | None = None,
    threads: int | None = None,
) -> list[str]:
    """The complete FFmpeg command for `plan`, except the output path (the runner adds it).

    With `cover_candidates`, the same pass also writes small candidate frames for the cover there.
    """
    spec = plan.spec
    indexes = input_indexes(inputs)
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-y"]
    argv += [*trim_input_args(spec.trim, plan.source.duration_s), "-i", str(inputs.master)]
    if inputs.music and spec.music:
        argv += [*music_input_args(spec.music), "-i", str(inputs.music)]
    if inputs.logo:
        argv += ["-i", str(inputs.logo)]
    tap = f"{CANDIDATES}_src" if cover_candidates is not None else None
    chains = filter_chains(plan, inputs, fonts, indexes, tap=tap)
    if tap is not None:
        chains.append(candidate_chain(plan, tap))
    argv += ["-filter_complex", ";".join(chains)]
    if cover_candidates is not None:
        argv += candidate_output_args(CANDIDATES, cover_candidates, plan.duration_s)
    argv += ["-map", f"[{VIDEO_OUT}]", "-map", f"[{AUDIO_OUT}]"]
    argv += encode_args(
        plan.profile,
        spec,
        duration_s=plan.duration_s,
        max_video_bitrate_k=plan.max_video_bitrate_k,
        threads=threads,
    )
    return [*argv, "-progress", "pipe:1", "-nostats"]


def filter_chains(
    plan: RenderPlan,
    inputs: RenderInputs,
    fonts: RenderFonts,
    indexes: InputIndexes,
    *,
    tap: str | None = None,
) -> list[str]:
    """Every labelled chain of the rendition's filter graph, picture first."""
    return [*video_chains(plan, inputs, fonts, indexes, tap=tap), *sound_chains(plan, indexes)]


def video_chains(
    plan: RenderPlan,
    inputs: RenderInputs,
    fonts: RenderFonts,
    indexes: InputIndexes,
    *,
    tap: str | None = None,
) -> list[str]:
    """[0:v] → … → [vout] at the profile's size, rate and pixel format (and a copy at [tap])."""
    spec = plan.spec
    prepared = [f"fps={plan.profile.fps:g}", *color_filters(plan.color)]
    chains = [f"[0:{plan.video.index}]{','.join(prepared)}[vpre]"]
    chains += fit_chains(spec.fit, plan.source_size, plan.frame, "vpre", "vfit")
    places = layout(
        spec,
        plan.frame,
        plan.profile.safe_area,
        subtitle_texts=inputs.subtitle_texts,
        logo_size=inputs.logo_size,
    )
    text: list[str] = []
    if inputs.subtitles and spec.subtitles:
        text += subtitles_filters(
            inputs.subtitles,
            fonts_dir=fonts.subtitles.directory,
            style=spec.subtitles.style,
            family=fonts.subtitles.family,
            frame=plan.frame,
            own_styles=inputs.subtitles_own_styles,
            offset_s=spec.trim.start_s,
            insets=places.subtitles,
        )
    text += video_keep_filters(plan.keep)
    text += overlay_filters(
        spec.overlays, [font.path for font in fonts.overlays], plan.frame, places.overlays
    )
    current = "vfit"
    if text:
        chains.append(f"[vfit]{','.join(text)}[vtext]")
        current = "vtext"
    if spec.logo and indexes.logo is not None:
        chains += logo_chains(
            spec.logo,
            plan.frame.width,
            logo_in=f"{indexes.logo}:v",
            main_in=current,
            out="vlogo",
            insets=places.logo,
        )
        current = "vlogo"
    finish = [BT709_TAGS, f"format={plan.profile.pixel_format}"]
    if tap is None:
        chains.append(f"[{current}]{','.join(finish)}[{VIDEO_OUT}]")
    else:
        chains.append(f"[{current}]{','.join([*finish, 'split=2'])}[{VIDEO_OUT}][{tap}]")
    return chains


def candidate_chain(plan: RenderPlan, tap: str) -> str:
    """[tap] (a copy of the finished picture) → the small grey cover candidates [vcand]."""
    frame_count = max(1, round(plan.duration_s * plan.profile.fps))
    size = analysis_size(Size(plan.frame.width, plan.frame.height))
    return f"[{tap}]{','.join(candidate_select_filters(frame_count, size))}[{CANDIDATES}]"


def sound_chains(plan: RenderPlan, indexes: InputIndexes) -> list[str]:
    """Source sound (or silence), music and loudness → [aout]."""
    audio = plan.source.audio
    sources = AudioSources(
        speech=f"0:{audio.index}" if audio else None,
        music=f"{indexes.music}:a:0" if indexes.music is not None else None,
    )
    return audio_chains(
        sources,
        plan.spec.music,
        loudness_lufs=plan.spec.loudness_lufs,
        keep_filters=audio_keep_filters(plan.keep),
        out=AUDIO_OUT,
    )
