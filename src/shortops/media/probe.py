"""What a media file holds: duration, streams, picture geometry, colour and timing.

Two readers give the same `MediaInfo`: ffprobe's JSON when an ffprobe is configured or on PATH,
else FFmpeg's own description of its input (`ffmpeg -i`), which is what this project ships with
(see docs/decisions/0006-probing-without-ffprobe.md). Exact duration and frame-rate variability
come from one pass over the packet timestamps (`-c copy`, nothing decoded) in both cases.
"""

from __future__ import annotations

import itertools
import json
import re
import statistics
import subprocess
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any

from shortops.media.errors import UnreadableMedia
from shortops.media.ffmpeg import Tools, find_tools

HDR_TRANSFERS = frozenset({"smpte2084", "arib-std-b67"})
# A file whose frame intervals vary more than this (relative to the typical one) is VFR.
VFR_TOLERANCE = 0.05
# Without packet timing: an average rate this far from the base rate (29.87 vs 30) suggests VFR;
# rounding in CFR files stays well below it (24.99 vs 25).
HEADER_VFR_TOLERANCE = 0.002
_PROBE_TIMEOUT_S = 120
_SCAN_TIMEOUT_S = 1800
_NOPTS = -(2**63)


@dataclass(frozen=True)
class VideoStream:
    index: int
    codec: str
    profile: str | None
    width: int  # coded picture size, before rotation and sample aspect ratio
    height: int
    sample_aspect_ratio: Fraction
    rotation: int  # counter-clockwise degrees (0, 90, 180 or 270), as FFmpeg reports it
    avg_fps: float | None
    r_fps: float | None
    variable_frame_rate: bool
    pix_fmt: str | None
    bit_depth: int
    color_transfer: str | None
    color_primaries: str | None
    color_space: str | None

    @property
    def display_width(self) -> int:
        """Width as shown: after the sample aspect ratio and a quarter-turn rotation."""
        width, height = self._shown_size()
        return height if self.rotation in (90, 270) else width

    @property
    def display_height(self) -> int:
        """Height as shown: after the sample aspect ratio and a quarter-turn rotation."""
        width, height = self._shown_size()
        return width if self.rotation in (90, 270) else height

    @property
    def hdr(self) -> bool:
        """PQ (HDR10) or HLG transfer."""
        return self.color_transfer in HDR_TRANSFERS

    @property
    def fps(self) -> float:
        """The best frame-rate estimate: average, else the base rate, else 30."""
        return self.avg_fps or self.r_fps or 30.0

    def _shown_size(self) -> tuple[int, int]:
        sar = self.sample_aspect_ratio
        if sar <= 0 or sar == 1:
            return self.width, self.height
        return round(self.width * sar), self.height


@dataclass(frozen=True)
class AudioStream:
    index: int
    codec: str
    sample_rate: int
    channels: int


@dataclass(frozen=True)
class MediaInfo:
    path: Path
    duration_s: float
    size_bytes: int
    format_name: str
    bit_rate: int | None
    video: VideoStream | None
    audio: AudioStream | None

    @property
    def has_video(self) -> bool:
        return self.video is not None

    @property
    def has_audio(self) -> bool:
        return self.audio is not None


def probe(path: Path, *, exact: bool = True, tools: Tools | None = None) -> MediaInfo:
    """Describe `path`; `exact=False` skips the packet pass (header duration, estimated VFR)."""
    tools = tools or find_tools()
    size = _readable_size(path)
    if tools.ffprobe:
        info = parse_ffprobe_json(_run_ffprobe(tools.ffprobe, path), path, size)
    else:
        info = parse_ffmpeg_header(_run_ffmpeg_header(tools.ffmpeg, path), path, size)
    if exact or info.duration_s <= 0:
        info = apply_timing(info, scan_packets(tools.ffmpeg, info))
    return info


# --- ffprobe --------------------------------------------------------------------------------------


def _run_ffprobe(ffprobe: str, path: Path) -> dict[str, Any]:
    argv = [ffprobe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams"]
    completed = _run([*argv, str(path)], path, _PROBE_TIMEOUT_S)
    if completed.returncode != 0:
        raise _unreadable(path, first_error_line(completed.stderr))
    try:
        data = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise _unreadable(path, "ffprobe printed no description") from None
    return data if isinstance(data, dict) else {}


def parse_ffprobe_json(data: Mapping[str, Any], path: Path, size: int) -> MediaInfo:
    """A MediaInfo from `ffprobe -print_format json -show_format -show_streams` output."""
    fmt = data.get("format") or {}
    streams = [s for s in data.get("streams") or [] if not _is_attached_picture(s)]
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    return MediaInfo(
        path=path,
        duration_s=_float(fmt.get("duration")) or 0.0,
        size_bytes=size,
        format_name=str(fmt.get("format_name") or "unknown"),
        bit_rate=_int(fmt.get("bit_rate")),
        video=_ffprobe_video(video) if video else None,
        audio=_ffprobe_audio(audio) if audio else None,
    )


def _is_attached_picture(stream: Mapping[str, Any]) -> bool:
    return bool((stream.get("disposition") or {}).get("attached_pic"))


def _ffprobe_video(stream: Mapping[str, Any]) -> VideoStream:
    avg_fps = _rate(stream.get("avg_frame_rate"))
    r_fps = _rate(stream.get("r_frame_rate"))
    pix_fmt = stream.get("pix_fmt")
    return VideoStream(
        index=int(stream.get("index", 0)),
        codec=str(stream.get("codec_name") or "unknown"),
        profile=stream.get("profile"),
        width=int(stream.get("width") or 0),
        height=int(stream.get("height") or 0),
        sample_aspect_ratio=_ratio(stream.get("sample_aspect_ratio")),
        rotation=_ffprobe_rotation(stream),
        avg_fps=avg_fps,
        r_fps=r_fps,
        variable_frame_rate=rates_differ(avg_fps, r_fps),
        pix_fmt=pix_fmt,
        bit_depth=bit_depth(pix_fmt),
        color_transfer=_known(stream.get("color_transfer")),
        color_primaries=_known(stream.get("color_primaries")),
        color_space=_known(stream.get("color_space")),
    )


def _ffprobe_rotation(stream: Mapping[str, Any]) -> int:
    for side_data in stream.get("side_data_list") or []:
        if "rotation" in side_data:
            return normalise_rotation(float(side_data["rotation"]))
    # Before FFmpeg 6 the rotation was a clockwise "rotate" tag.
    rotate = (stream.get("tags") or {}).get("rotate")
    return normalise_rotation(-float(rotate)) if rotate is not None else 0


def _ffprobe_audio(stream: Mapping[str, Any]) -> AudioStream:
    return AudioStream(
        index=int(stream.get("index", 0)),
        codec=str(stream.get("codec_name") or "unknown"),
        sample_rate=_int(stream.get("sample_rate")) or 0,
        channels=_int(stream.get("channels")) or 0,
    )


# --- ffmpeg -i ------------------------------------------------------------------------------------

_INPUT = re.compile(r"^Input #0, (?P<format>.+?), from '", re.MULTILINE)
_DURATION = re.compile(r"Duration: (?P<duration>[\d:.]+|N/A)(?:.*?bitrate: (?P<kbps>\d+) kb/s)?")
_STREAM = re.compile(
    r"^\s*Stream #0:(?P<index>\d+)(?:\[\w+\])?(?:\([^)]*\))?: (?P<kind>\w+): (?P<desc>.*)$"
)
_CODEC = re.compile(r"^(?P<codec>[\w-]+)(?: \((?P<profile>[^)]*)\))?")
_PIXFMT = re.compile(r"^(?P<pix_fmt>\w+)(?:\((?P<details>.*)\))?$")
_SIZE = re.compile(r"^(?P<w>\d+)x(?P<h>\d+)(?: \[SAR (?P<sn>\d+):(?P<sd>\d+) DAR [^\]]*\])?")
_ROTATION = re.compile(r"rotation of (?P<degrees>-?[\d.]+) degrees", re.IGNORECASE)
_ROTATE_TAG = re.compile(r"^\s*rotate\s*:\s*(?P<degrees>-?\d+)", re.MULTILINE)
_RANGE_OR_FIELD = {"tv", "pc", "progressive", "top first", "bottom first"}
_LAYOUT_CHANNELS = {"mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "quad": 4, "4.0": 4, "5.0": 5}
_LAYOUT_CHANNELS |= {"5.1": 6, "6.0": 6, "6.1": 7, "7.0": 7, "7.1": 8}


def _run_ffmpeg_header(ffmpeg: str, path: Path) -> str:
    # Without an output FFmpeg describes the input, then exits 1 ("At least one output file must
    # be specified"); a file it cannot open has no "Input #0" block.
    completed = _run([ffmpeg, "-hide_banner", "-nostdin", "-i", str(path)], path, _PROBE_TIMEOUT_S)
    if "Input #0" not in completed.stderr:
        raise _unreadable(path, first_error_line(completed.stderr))
    return completed.stderr


def parse_ffmpeg_header(text: str, path: Path, size: int) -> MediaInfo:
    """A MediaInfo from the input description FFmpeg prints on stderr (`ffmpeg -i file`)."""
    fmt = _INPUT.search(text)
    duration = _DURATION.search(text)
    video: VideoStream | None = None
    audio: AudioStream | None = None
    for index, kind, desc, block in _stream_blocks(text):
        if kind == "Video" and video is None and "(attached pic)" not in desc:
            video = _header_video(index, desc, block)
        elif kind == "Audio" and audio is None:
            audio = _header_audio(index, desc)
    return MediaInfo(
        path=path,
        duration_s=_clock_seconds(duration.group("duration")) if duration else 0.0,
        size_bytes=size,
        format_name=fmt.group("format") if fmt else "unknown",
        bit_rate=int(duration.group("kbps")) * 1000 if duration and duration["kbps"] else None,
        video=video,
        audio=audio,
    )


def _stream_blocks(text: str) -> Iterator[tuple[int, str, str, str]]:
    """(index, kind, description, indented lines below it) for each stream of input #0."""
    current: list[str] | None = None
    head: re.Match[str] | None = None
    for line in [*text.splitlines(), "<end>"]:
        match = _STREAM.match(line)
        ends_block = match or not line.startswith("    ")
        if head is not None and current is not None and ends_block:
            yield int(head["index"]), head["kind"], head["desc"], "\n".join(current)
            head, current = None, None
        if match:
            head, current = match, []
        elif current is not None:
            current.append(line)


def _header_video(index: int, desc: str, block: str) -> VideoStream:
    parts = split_top_level(desc)
    codec = _CODEC.match(parts[0])
    profile = (
        codec["profile"] if codec and codec["profile"] and "/" not in codec["profile"] else None
    )
    pix = _PIXFMT.match(parts[1]) if len(parts) > 1 else None
    pix_fmt = pix["pix_fmt"] if pix else None
    space, primaries, transfer = _color_triple(pix["details"] if pix else None)
    size = next((m for m in (_SIZE.match(p) for p in parts) if m), None)
    avg_fps = _rate_with_unit(parts, "fps")
    r_fps = _rate_with_unit(parts, "tbr")
    return VideoStream(
        index=index,
        codec=codec["codec"] if codec else "unknown",
        profile=profile,
        width=int(size["w"]) if size else 0,
        height=int(size["h"]) if size else 0,
        sample_aspect_ratio=_sar(size),
        rotation=_header_rotation(block),
        avg_fps=avg_fps,
        r_fps=r_fps,
        variable_frame_rate=rates_differ(avg_fps, r_fps),
        pix_fmt=pix_fmt,
        bit_depth=bit_depth(pix_fmt),
        color_transfer=transfer,
        color_primaries=primaries,
        color_space=space,
    )


def _sar(size: re.Match[str] | None) -> Fraction:
    if size is None or not size["sn"] or int(size["sd"]) == 0:
        return Fraction(1)
    return Fraction(int(size["sn"]), int(size["sd"]))


def _color_triple(details: str | None) -> tuple[str | None, str | None, str | None]:
    """(space, primaries, transfer) from "tv, bt2020nc/bt2020/smpte2084, progressive"."""
    for item in (part.strip() for part in (details or "").split(",")):
        if "/" in item:
            space, primaries, transfer = [*item.split("/"), "", ""][:3]
            return _known(space), _known(primaries), _known(transfer)
        if item and item not in _RANGE_OR_FIELD:
            return _known(item), _known(item), _known(item)  # FFmpeg prints one name when all agree
    return None, None, None


def _header_rotation(block: str) -> int:
    matrix = _ROTATION.search(block)
    if matrix:
        return normalise_rotation(float(matrix["degrees"]))
    tag = _ROTATE_TAG.search(block)
    return normalise_rotation(-float(tag["degrees"])) if tag else 0


def _header_audio(index: int, desc: str) -> AudioStream:
    parts = split_top_level(desc)
    codec = _CODEC.match(parts[0])
    rate = next((int(p[:-3]) for p in parts if p.endswith(" Hz") and p[:-3].isdigit()), 0)
    return AudioStream(
        index=index,
        codec=codec["codec"] if codec else "unknown",
        sample_rate=rate,
        channels=next((n for n in map(_channel_count, parts[1:]) if n), 0),
    )


def _channel_count(part: str) -> int:
    layout = part.split("(", 1)[0].strip()
    if layout in _LAYOUT_CHANNELS:
        return _LAYOUT_CHANNELS[layout]
    match = re.fullmatch(r"(\d+) channels", layout)
    return int(match.group(1)) if match else 0


def split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside parentheses or brackets."""
    parts, depth, start = [], 0, 0
    for position, char in enumerate(text):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:position].strip())
            start = position + 1
    parts.append(text[start:].strip())
    return parts


def _rate_with_unit(parts: Iterable[str], unit: str) -> float | None:
    for part in parts:
        number, _, found_unit = part.partition(" ")
        if found_unit == unit:
            scale = 1000.0 if number.endswith("k") else 1.0
            try:
                return float(number.rstrip("k")) * scale
            except ValueError:
                return None
    return None


def _clock_seconds(value: str) -> float:
    if value == "N/A":
        return 0.0
    hours, minutes, seconds = value.split(":")
    return int(hours) * 3600 + int(minutes) * 60 + float(seconds)


# --- packet timing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timing:
    """What the packet timestamps say: exact duration and the video's real frame rate."""

    duration_s: float
    video_fps: float | None
    variable_frame_rate: bool


def scan_packets(ffmpeg: str, info: MediaInfo) -> Timing:
    """Read every packet's timestamps without decoding (`-c copy -f framecrc`)."""
    maps = [f"0:{stream.index}" for stream in (info.video, info.audio) if stream is not None]
    if not maps:
        raise _unreadable(info.path, "it has neither picture nor sound")
    argv = [ffmpeg, "-hide_banner", "-nostdin", "-v", "error", "-i", str(info.path)]
    for stream_map in maps:
        argv += ["-map", stream_map]
    completed = _run([*argv, "-c", "copy", "-f", "framecrc", "-"], info.path, _SCAN_TIMEOUT_S)
    # A file cut short (an upload that stopped early) still opens when its index comes first.
    if completed.returncode != 0 or "partial file" in completed.stderr:
        raise _unreadable(info.path, first_error_line(completed.stderr) or "it is cut short")
    return timing_from_framecrc(completed.stdout, video_output=0 if info.video else None)


def timing_from_framecrc(text: str, video_output: int | None) -> Timing:
    """Exact duration and frame-rate facts from framecrc lines ("stream, dts, pts, duration, …")."""
    time_bases: dict[int, Fraction] = {}
    spans: dict[int, tuple[int, int]] = {}
    video_pts: list[int] = []
    for line in text.splitlines():
        if line.startswith("#tb "):
            number, _, base = line[4:].partition(":")
            time_bases[int(number)] = Fraction(base.strip())
            continue
        if line.startswith("#") or not line.strip():
            continue
        stream, _dts, pts, duration = (int(field) for field in line.split(",")[:4])
        if pts == _NOPTS:
            continue
        first, last = spans.get(stream, (pts, pts + duration))
        spans[stream] = (min(first, pts), max(last, pts + duration))
        if stream == video_output:
            video_pts.append(pts)
    seconds = [
        float((end - start) * time_bases.get(stream, Fraction(1, 1000)))
        for stream, (start, end) in spans.items()
    ]
    video_base = time_bases.get(video_output, Fraction(1)) if video_output is not None else None
    fps, variable = _frame_rate_facts(sorted(set(video_pts)), video_base)
    return Timing(duration_s=max(seconds, default=0.0), video_fps=fps, variable_frame_rate=variable)


def _frame_rate_facts(pts: list[int], time_base: Fraction | None) -> tuple[float | None, bool]:
    if time_base is None or len(pts) < 3:
        return None, False
    intervals = [later - earlier for earlier, later in itertools.pairwise(pts)]
    typical = statistics.median(intervals)
    # Timestamps are rounded to the time base, so one tick either way is still constant.
    allowed = max(2, typical * VFR_TOLERANCE)
    variable = max(intervals) - min(intervals) > allowed
    fps = float((len(pts) - 1) / ((pts[-1] - pts[0]) * time_base))
    return fps, variable


def apply_timing(info: MediaInfo, timing: Timing) -> MediaInfo:
    """`info` with the exact duration and the measured frame rate and variability."""
    video = info.video
    if video is not None and timing.video_fps is not None:
        video = replace(
            video,
            avg_fps=round(timing.video_fps, 3),
            variable_frame_rate=timing.variable_frame_rate,
        )
    duration = timing.duration_s or info.duration_s
    return replace(info, duration_s=round(duration, 3), video=video)


# --- small shared helpers -----------------------------------------------------------------------


def first_error_line(stderr: str) -> str:
    """The first line of FFmpeg's stderr that says what went wrong, without its "[… @ 0x…]" tag."""
    for raw in stderr.splitlines():
        line = re.sub(r"^\[[^\]]+ @ 0x[0-9a-f]+\]\s*", "", raw.strip())
        if not line or line.startswith(("Input #", "Duration:", "Stream #", "Metadata:")):
            continue
        if "misdetection possible" in line or line.startswith("At least one output file"):
            continue
        return line.removeprefix("Error opening input: ")
    return "FFmpeg gave no reason"


def rates_differ(avg_fps: float | None, r_fps: float | None) -> bool:
    """True when the average rate strays from the base rate: the header's hint of VFR."""
    if not avg_fps or not r_fps:
        return False
    return abs(avg_fps - r_fps) / r_fps > HEADER_VFR_TOLERANCE


def bit_depth(pix_fmt: str | None) -> int:
    """Bits per component of a pixel format: yuv420p → 8, yuv420p10le → 10."""
    match = re.search(r"(\d{2})(?:le|be)$", pix_fmt or "")
    return min(int(match.group(1)), 16) if match else 8


def normalise_rotation(degrees: float) -> int:
    """Counter-clockwise degrees, snapped to the nearest quarter turn in 0..270."""
    return (round(degrees / 90) * 90) % 360


def _readable_size(path: Path) -> int:
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise _unreadable(path, exc.strerror or "it cannot be opened") from None
    if size == 0:
        raise _unreadable(path, "the file is empty (0 bytes)")
    return size


def _run(argv: list[str], path: Path, timeout_s: float) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            argv,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout_s,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        raise _unreadable(path, f"reading it took more than {timeout_s:.0f} s") from None


def _unreadable(path: Path, detail: str) -> UnreadableMedia:
    return UnreadableMedia(name=path.name, detail=detail.rstrip("."))


def _known(value: object) -> str | None:
    text = str(value) if value is not None else ""
    return text if text and text not in {"unknown", "reserved", "unspecified"} else None


def _rate(value: object) -> float | None:
    fraction = _ratio(value)
    return float(fraction) if fraction > 0 else None


def _ratio(value: object) -> Fraction:
    text = str(value or "").replace(":", "/")
    try:
        fraction = Fraction(text)
    except (ValueError, ZeroDivisionError):
        return Fraction(1) if not text else Fraction(0)
    return fraction


def _float(value: object) -> float | None:
    try:
        return float(str(value))
    except ValueError:
        return None


def _int(value: object) -> int | None:
    number = _float(value)
    return int(number) if number is not None else None
