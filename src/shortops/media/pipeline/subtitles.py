"""Subtitles: burn an SRT, WebVTT or ASS file into the picture with libass.

Files arrive in whatever encoding the editor saved: UTF-8 with or without a BOM, UTF-16, or
GBK/GB18030 from Chinese Windows tools. libass wants UTF-8, so the text is decoded here and
`render` writes a UTF-8 copy for FFmpeg. Timestamps are checked first, because libass silently
skips a cue it cannot parse and the viewer would just miss a line.

SRT and WebVTT get the edit's text style through `force_style`, with PlayResX/PlayResY set to the
output size so sizes and margins are in output pixels (FFmpeg converts SRT to ASS at 384×288
otherwise). An ASS file keeps its own styles and layout.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from shortops.media.errors import InvalidSubtitles
from shortops.media.pipeline.escape import ass_color, filter_value, seconds
from shortops.media.pipeline.fit import Size
from shortops.media.pipeline.layout import Insets
from shortops.media.spec import Position, TextStyle

SubtitleFormat = Literal["srt", "vtt", "ass"]

# libass reads `Alignment` in force_style the legacy SSA way (1–3 bottom, 5–7 top, 9–11 middle),
# not as the numpad of ASS files: numpad 8 ("top") would land in the middle.
ASS_ALIGNMENT: dict[Position, int] = {
    "bottom-left": 1,
    "bottom": 2,
    "bottom-right": 3,
    "center": 10,
    "top-left": 5,
    "top": 6,
    "top-right": 7,
}
SIDE_MARGIN_SHARE = 0.06  # left/right margin: 6 % of the width keeps lines off the frame edge
_SRT_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})[,.](\d{1,3})"
_SRT_RANGE = re.compile(rf"^\s*{_SRT_TIME}\s*-->\s*{_SRT_TIME}(?:\s.*)?$")
_ASS_TIME = re.compile(r"^\s*(\d+):(\d{2}):(\d{2})[.:](\d{1,3})\s*$")


@dataclass(frozen=True)
class Cue:
    line: int
    start_s: float
    end_s: float


def decode_subtitle_bytes(data: bytes, name: str) -> str:
    """The text of a subtitle file in any encoding editors use, with "\\n" line ends."""
    text = _decode(data, name)
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _decode(data: bytes, name: str) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", name)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", name)
    if _looks_like_utf16(data):
        return _strict(data, "utf-16-le" if data[1:2] == b"\0" else "utf-16-be", name)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as utf8_error:
        try:
            return data.decode("gb18030")  # a superset of GBK and GB2312
        except UnicodeDecodeError:
            raise _unknown_encoding(data, utf8_error.start, name) from None


def _looks_like_utf16(data: bytes) -> bool:
    sample = data[:200]
    return len(sample) >= 4 and sample.count(0) >= len(sample) // 3


def _strict(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise _unknown_encoding(data, exc.start, name) from None


def _unknown_encoding(data: bytes, position: int, name: str) -> InvalidSubtitles:
    return InvalidSubtitles(
        name=name,
        line=data[:position].count(b"\n") + 1,
        problem="the text is not UTF-8, UTF-16 or GBK/GB18030; save the file as UTF-8",
    )


def subtitle_format(name: str, text: str) -> SubtitleFormat:
    """The format by file extension, else by the first line."""
    suffix = Path(name).suffix.lower()
    if suffix in (".ass", ".ssa") or text.lstrip().startswith("[Script Info]"):
        return "ass"
    if suffix == ".vtt" or text.lstrip().startswith("WEBVTT"):
        return "vtt"
    return "srt"


def subtitle_cues(text: str, name: str) -> list[Cue]:
    """Every cue's timing, refusing the first bad one with its line number."""
    fmt = subtitle_format(name, text)
    cues = _ass_cues(text, name) if fmt == "ass" else _srt_cues(text, name)
    if not cues:
        raise InvalidSubtitles(
            name=name, line=1, problem="there is no cue with a start and end time"
        )
    return cues


def _srt_cues(text: str, name: str) -> list[Cue]:
    cues: list[Cue] = []
    lines = text.split("\n")
    for number, line in enumerate(lines, start=1):
        if "-->" in line:
            cues.append(_srt_cue(line, number, name))
        elif _opens_block(lines, number) and line.strip().isdigit():
            _check_follows_with_times(lines, number, name)
    return cues


def _opens_block(lines: list[str], number: int) -> bool:
    return number == 1 or not lines[number - 2].strip()


def _check_follows_with_times(lines: list[str], number: int, name: str) -> None:
    # In SRT a cue number is followed by its time line; a time line without "-->" lands here.
    following = lines[number].strip() if number < len(lines) else ""
    if following and "-->" not in following:
        raise InvalidSubtitles(
            name=name,
            line=number + 1,
            problem=f"“{following}” should be a time range such as 00:01:02,500 --> 00:01:04,000",
        )


def _srt_cue(line: str, number: int, name: str) -> Cue:
    match = _SRT_RANGE.match(line)
    if (
        match is None
        or not _valid_clock(match.groups()[:4])
        or not _valid_clock(match.groups()[4:])
    ):
        raise InvalidSubtitles(
            name=name,
            line=number,
            problem=f"“{line.strip()}” is not a time range such as 00:01:02,500 --> 00:01:04,000",
        )
    start, end = _clock(match.groups()[:4]), _clock(match.groups()[4:])
    return _checked_cue(Cue(number, start, end), line, name)


def _ass_cues(text: str, name: str) -> list[Cue]:
    columns = ["Layer", "Start", "End"]
    cues: list[Cue] = []
    for number, line in enumerate(text.split("\n"), start=1):
        key, _, value = line.partition(":")
        if key.strip() == "Format" and "Start" in value:
            columns = [column.strip() for column in value.split(",")]
        elif key.strip() == "Dialogue":
            fields = [field.strip() for field in value.split(",", len(columns) - 1)]
            cues.append(_ass_cue(fields, columns, number, line, name))
    return cues


def _ass_cue(fields: list[str], columns: list[str], number: int, line: str, name: str) -> Cue:
    times = [_ASS_TIME.match(_field(fields, columns, column)) for column in ("Start", "End")]
    if times[0] is None or times[1] is None:
        raise InvalidSubtitles(
            name=name,
            line=number,
            problem=f"“{line.strip()[:80]}” needs start and end times such as 0:01:02.50",
        )
    start, end = (_clock(match.groups()) for match in times if match is not None)
    return _checked_cue(Cue(number, start, end), line, name)


def _field(fields: list[str], columns: list[str], column: str) -> str:
    position = columns.index(column) if column in columns else -1
    return fields[position] if 0 <= position < len(fields) else ""


def _checked_cue(cue: Cue, line: str, name: str) -> Cue:
    if cue.end_s <= cue.start_s:
        raise InvalidSubtitles(
            name=name,
            line=cue.line,
            problem=f"“{line.strip()[:80]}” ends before it starts",
        )
    return cue


def _valid_clock(parts: tuple[str | None, ...]) -> bool:
    _hours, minutes, secs, _fraction = parts
    return int(minutes or 0) < 60 and int(secs or 0) < 60


def _clock(parts: tuple[str | None, ...]) -> float:
    hours, minutes, secs, fraction = parts
    return float(
        int(hours or 0) * 3600
        + int(minutes or 0) * 60
        + int(secs or 0)
        + int(fraction or 0) / 10 ** len(fraction or "0")
    )


_TAG = re.compile(r"<[^>]+>|\{[^}]*\}")


def cue_texts(text: str) -> list[str]:
    """The text of each SRT or WebVTT cue, its lines joined by newlines, tags removed."""
    texts: list[str] = []
    current: list[str] | None = None
    for line in [*text.splitlines(), ""]:
        if "-->" in line:
            current = []
        elif not line.strip():
            if current:
                texts.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(_TAG.sub("", line).strip())
    return texts


def force_style(style: TextStyle, family: str, frame: Size, insets: Insets | None = None) -> str:
    """The libass style override applying `style` to an SRT/WebVTT file, in output pixels,
    `insets` from the edges (placement.layout; default: the style's margin)."""
    side = round(frame.width * SIDE_MARGIN_SHARE)
    insets = insets or Insets(top=style.margin, right=side, bottom=style.margin, left=side)
    vertical = insets.top if style.position.startswith("top") else insets.bottom
    fields = {
        "PlayResX": frame.width,
        "PlayResY": frame.height,
        "FontName": family,
        "FontSize": style.size,
        "PrimaryColour": ass_color(style.color),
        "OutlineColour": ass_color(style.outline_color),
        "BorderStyle": 1,
        "Outline": style.outline,
        "Shadow": 0,
        "Alignment": ASS_ALIGNMENT[style.position],
        "MarginL": max(side, insets.left),
        "MarginR": max(side, insets.right),
        "MarginV": vertical,
    }
    return ",".join(f"{key}={value}" for key, value in fields.items())


def subtitles_filters(
    path: Path,
    *,
    fonts_dir: Path,
    style: TextStyle,
    family: str,
    frame: Size,
    own_styles: bool,
    offset_s: float = 0,
    insets: Insets | None = None,
) -> list[str]:
    """Filters burning the subtitles of `path` (already UTF-8) into a `frame`-sized picture.

    `offset_s` is where the rendition starts in the source: the cue times are source times, so
    the frames are shifted there for libass and back afterwards.
    """
    options = [f"filename={filter_value(str(path))}", f"fontsdir={filter_value(str(fonts_dir))}"]
    if not own_styles:
        options.append(f"force_style={filter_value(force_style(style, family, frame, insets))}")
    burn = "subtitles=" + ":".join(options)
    if offset_s <= 0:
        return [burn]
    shift = seconds(offset_s)
    return [f"setpts=PTS+{shift}/TB", burn, f"setpts=PTS-{shift}/TB"]
