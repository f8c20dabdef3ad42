"""Probing: FFmpeg's own description (the default here) and ffprobe's JSON give one MediaInfo."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest

from shortops.config import get_settings
from shortops.media import probe as probe_module
from shortops.media.errors import FFmpegUnavailable, UnreadableMedia
from shortops.media.ffmpeg import (
    available_filters,
    ffmpeg_executable,
    find_tools,
    parse_version,
)
from shortops.media.probe import MediaInfo, probe
from tests.media.conftest import Fixtures, ffmpeg

HEADER = """\
Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'phone.mov':
  Metadata:
    major_brand     : qt
  Duration: 00:01:02.50, start: 0.000000, bitrate: 8012 kb/s
  Stream #0:0[0x1](und): Video: hevc (Main 10) (hvc1 / 0x31637668), yuv420p10le(tv, bt2020nc/bt2020/arib-std-b67, progressive), 1920x1080 [SAR 1:1 DAR 16:9], 7800 kb/s, 29.87 fps, 30 tbr, 600 tbn (default)
    Metadata:
      handler_name    : Core Media Video
    Side data:
      Display Matrix: rotation of -90.00 degrees
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 44100 Hz, stereo, fltp, 191 kb/s (default)
  Stream #0:2[0x3](und): Data: none (mebx / 0x7862656D), 0 kb/s (default)
At least one output file must be specified
"""  # noqa: E501


def test_ffmpeg_header_is_parsed() -> None:
    info = probe_module.parse_ffmpeg_header(HEADER, Path("phone.mov"), 1234)
    assert info.duration_s == 62.5
    assert info.format_name == "mov,mp4,m4a,3gp,3g2,mj2"
    assert info.bit_rate == 8_012_000
    video = info.video
    assert video is not None
    assert (video.codec, video.profile, video.width, video.height) == (
        "hevc",
        "Main 10",
        1920,
        1080,
    )
    assert (video.rotation, video.display_width, video.display_height) == (270, 1080, 1920)
    assert (video.avg_fps, video.r_fps, video.variable_frame_rate) == (29.87, 30, True)
    assert (video.pix_fmt, video.bit_depth) == ("yuv420p10le", 10)
    assert (video.color_space, video.color_primaries, video.color_transfer) == (
        "bt2020nc",
        "bt2020",
        "arib-std-b67",
    )
    assert video.hdr
    assert info.audio == probe_module.AudioStream(1, "aac", 44100, 2)


def test_header_colour_given_once_means_all_three() -> None:
    text = HEADER.replace(
        "yuv420p10le(tv, bt2020nc/bt2020/arib-std-b67, progressive)", "yuv420p(tv, bt709)"
    )
    video = probe_module.parse_ffmpeg_header(text, Path("a"), 1).video
    assert video is not None
    assert (video.color_space, video.color_primaries, video.color_transfer) == ("bt709",) * 3
    assert not video.hdr and video.bit_depth == 8


def test_attached_pictures_are_not_video() -> None:
    text = (
        "Input #0, mp3, from 'song.mp3':\n  Duration: 00:03:00.00, start: 0.0, bitrate: 320 kb/s\n"
        "  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, stereo, fltp, 320 kb/s\n"
        "  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc), 600x600, 90k tbr, 90k tbn "
        "(attached pic)\n"
    )
    info = probe_module.parse_ffmpeg_header(text, Path("song.mp3"), 1)
    assert not info.has_video and info.has_audio


FFPROBE_JSON = {
    "streams": [
        {
            "index": 0,
            "codec_name": "h264",
            "profile": "High",
            "codec_type": "video",
            "width": 640,
            "height": 360,
            "sample_aspect_ratio": "1:1",
            "pix_fmt": "yuv420p",
            "r_frame_rate": "25/1",
            "avg_frame_rate": "25/1",
            "side_data_list": [{"side_data_type": "Display Matrix", "rotation": 90}],
            "disposition": {"attached_pic": 0},
        },
        {
            "index": 1,
            "codec_name": "aac",
            "codec_type": "audio",
            "sample_rate": "44100",
            "channels": 1,
            "disposition": {"attached_pic": 0},
        },
    ],
    "format": {
        "format_name": "mov,mp4,m4a,3gp,3g2,mj2",
        "duration": "3.023000",
        "size": "1000",
        "bit_rate": "120000",
    },
}


def test_ffprobe_json_is_parsed() -> None:
    info = probe_module.parse_ffprobe_json(FFPROBE_JSON, Path("a.mp4"), 1000)
    assert info.video is not None and info.audio is not None
    assert (info.video.rotation, info.video.display_width, info.video.display_height) == (
        90,
        360,
        640,
    )
    assert info.video.sample_aspect_ratio == Fraction(1)
    assert (info.audio.sample_rate, info.audio.channels) == (44100, 1)
    assert (info.duration_s, info.bit_rate) == (3.023, 120000)


def fake_ffprobe(directory: Path, stdout: str, *, exit_code: int = 0, stderr: str = "") -> Path:
    """An executable that answers like ffprobe with recorded output."""
    (directory / "out.json").write_text(stdout)
    (directory / "err.txt").write_text(stderr)
    script = directory / "ffprobe"
    script.write_text(
        f"#!/bin/sh\ncat '{directory}/out.json'\ncat '{directory}/err.txt' >&2\nexit {exit_code}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def use_ffprobe(monkeypatch: pytest.MonkeyPatch, script: Path) -> None:
    monkeypatch.setenv("SHORTOPS_FFPROBE", str(script))
    get_settings.cache_clear()


def test_both_readers_give_the_same_media_info(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, rotated: Path
) -> None:
    with_ffmpeg = probe(rotated)
    assert find_tools().ffprobe is None
    recorded = json.loads(json.dumps(FFPROBE_JSON))
    assert with_ffmpeg.video is not None and with_ffmpeg.audio is not None
    recorded["streams"][1]["sample_rate"] = str(with_ffmpeg.audio.sample_rate)
    use_ffprobe(monkeypatch, fake_ffprobe(tmp_path, json.dumps(recorded)))
    with_ffprobe = probe(rotated)
    assert find_tools().ffprobe == str(tmp_path / "ffprobe")
    # The header rounds the container bitrate to kb/s; everything else agrees exactly.
    assert replace(with_ffprobe, bit_rate=None) == replace(with_ffmpeg, bit_rate=None)


def test_ffprobe_errors_become_unreadable_media(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, basic: Path
) -> None:
    script = fake_ffprobe(
        tmp_path, "", exit_code=1, stderr="x.mp4: Invalid data found when processing input\n"
    )
    use_ffprobe(monkeypatch, script)
    with pytest.raises(UnreadableMedia, match="Invalid data found when processing input"):
        probe(basic)


def test_a_configured_ffprobe_must_exist(monkeypatch: pytest.MonkeyPatch, basic: Path) -> None:
    use_ffprobe(monkeypatch, Path("/nowhere/ffprobe"))
    with pytest.raises(FFmpegUnavailable, match="SHORTOPS_FFPROBE=/nowhere/ffprobe"):
        probe(basic)


# --- real files ----------------------------------------------------------------------------------


def test_probe_a_plain_video(basic: Path) -> None:
    info = probe(basic)
    assert info.duration_s == pytest.approx(2.0, abs=0.05)
    assert info.size_bytes == basic.stat().st_size
    assert info.video is not None and info.audio is not None
    assert (info.video.codec, info.video.width, info.video.height) == ("h264", 320, 240)
    assert (info.video.avg_fps, info.video.variable_frame_rate) == (25.0, False)
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("aac", 44100, 1)


def test_probe_rotation_and_display_size(rotated: Path) -> None:
    video = probe(rotated).video
    assert video is not None
    assert (video.width, video.height, video.rotation) == (640, 360, 90)
    assert (video.display_width, video.display_height) == (360, 640)


def test_probe_finds_variable_frame_rate(vfr: Path, basic: Path) -> None:
    video = probe(vfr).video
    assert video is not None and video.variable_frame_rate
    assert video.avg_fps is not None and video.avg_fps < 29
    quick = probe(vfr, exact=False).video
    assert quick is not None and quick.variable_frame_rate  # the header's avg ≠ base rate hint


def test_probe_hdr_and_ten_bit(hdr10: Path) -> None:
    video = probe(hdr10).video
    assert video is not None
    assert (video.bit_depth, video.color_transfer, video.hdr) == (10, "smpte2084", True)


def test_probe_without_audio_and_without_video(silent_video: Path, audio_only: Path) -> None:
    assert not probe(silent_video).has_audio
    sound = probe(audio_only)
    assert sound.has_audio and not sound.has_video
    assert sound.duration_s == pytest.approx(2.0, abs=0.05)


def test_zero_length_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp4"
    empty.touch()
    with pytest.raises(UnreadableMedia) as caught:
        probe(empty)
    assert str(caught.value) == (
        "empty.mp4 is not a video FFmpeg can read: the file is empty (0 bytes). "
        "Re-export it as MP4 (H.264/AAC)."
    )


def test_not_a_media_file(tmp_path: Path) -> None:
    text = tmp_path / "notes.bin"
    text.write_text("these are not frames\n" * 20)
    with pytest.raises(UnreadableMedia) as caught:
        probe(text)
    assert "notes.bin is not a video FFmpeg can read: Invalid data found" in str(caught.value)
    assert str(caught.value).endswith("Re-export it as MP4 (H.264/AAC).")


def test_truncated_files(tmp_path: Path, basic: Path, media: Fixtures) -> None:
    data = basic.read_bytes()  # index (moov) first: it opens, but its packets stop early
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableMedia, match=r"cut\.mp4 is not a video FFmpeg can read"):
        probe(cut)
    index_last = media.get(
        "index-last.mp4", lambda path: ffmpeg("-i", str(basic), "-c", "copy", str(path))
    )
    lost_index = tmp_path / "lost-index.mp4"
    without_index = index_last.read_bytes()
    lost_index.write_bytes(without_index[: without_index.index(b"moov") - 4])
    with pytest.raises(UnreadableMedia, match="moov atom not found"):
        probe(lost_index)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableMedia, match=r"gone\.mp4 is not a video FFmpeg can read"):
        probe(tmp_path / "gone.mp4")


def test_first_error_line_skips_noise() -> None:
    stderr = (
        "[in#0 @ 0x5] Format mov detected only with low score of 1, misdetection possible!\n"
        "[in#0 @ 0x5] moov atom not found\n"
        "[in#0 @ 0x5] Error opening input: Invalid data found when processing input\n"
    )
    assert probe_module.first_error_line(stderr) == "moov atom not found"


def test_timing_from_packets() -> None:
    lines = ["#tb 0: 1/1000", "#tb 1: 1/48000"]
    lines += [f"0, {t}, {t}, 40, 100, 0x0" for t in (0, 80, 40, 120, 160)]  # B-frame order
    lines += ["1, 0, 0, 1024, 10, 0x0", "1, 9600, 9600, 1024, 10, 0x0"]
    timing = probe_module.timing_from_framecrc("\n".join(lines), video_output=0)
    assert timing.duration_s == pytest.approx(0.2213, abs=1e-4)
    assert (timing.video_fps, timing.variable_frame_rate) == (25.0, False)
    jumpy = ["#tb 0: 1/1000", *(f"0, {t}, {t}, 33, 1, 0x0" for t in (0, 33, 67, 300, 333))]
    assert probe_module.timing_from_framecrc("\n".join(jumpy), video_output=0).variable_frame_rate


def test_small_parsers() -> None:
    assert probe_module.bit_depth("yuv420p") == 8
    assert probe_module.bit_depth("yuv420p10le") == 10
    assert probe_module.bit_depth("p010le") == 10
    assert probe_module.normalise_rotation(-90) == 270
    assert probe_module.normalise_rotation(180.0) == 180
    assert probe_module.split_top_level("a (b, c), d [e, f], g") == ["a (b, c)", "d [e, f]", "g"]


# --- the FFmpeg executable -----------------------------------------------------------------------


def test_versions_and_filters() -> None:
    assert parse_version("ffmpeg version n9.0.2-17-g2a571b6068 Copyright") == (9, 0)
    assert parse_version("ffmpeg version 6.1.1-3ubuntu5 Copyright") == (6, 1)
    assert parse_version("ffmpeg version N-112233-gabcdef Copyright") is None
    tools = find_tools()
    assert tools.version is not None and tools.version >= (6, 0)
    filters = available_filters(tools.ffmpeg)
    assert {"subtitles", "drawtext", "loudnorm", "sidechaincompress", "scdet"} <= filters


def test_missing_or_old_ffmpeg_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with pytest.raises(FFmpegUnavailable) as caught:
        ffmpeg_executable("/opt/none/ffmpeg")
    assert "SHORTOPS_FFMPEG=/opt/none/ffmpeg is not an executable" in str(caught.value)
    old = tmp_path / "ffmpeg"
    old.write_text("#!/bin/sh\necho 'ffmpeg version 4.4.2 Copyright'\n")
    old.chmod(0o755)
    monkeypatch.setenv("SHORTOPS_FFMPEG", str(old))
    get_settings.cache_clear()
    with pytest.raises(FFmpegUnavailable, match=r"is FFmpeg 4\.4, too old"):
        find_tools()


def test_media_info_flags() -> None:
    info = MediaInfo(Path("x"), 1, 1, "mp4", None, None, None)
    assert not info.has_video and not info.has_audio
