"""Real renders of tiny generated sources to a small profile, checked frame by frame."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

from shortops.media.errors import (
    FontNotFound,
    InvalidSubtitles,
    MissingMediaFile,
    NoVideoStream,
    OutputRejected,
    RenderCancelled,
    RenditionLimitError,
    SourceTooSmall,
    UnreadableMedia,
)
from shortops.media.probe import probe
from shortops.media.profiles import BUILTIN_PROFILES, CoverSize
from shortops.media.render import (
    RenderFiles,
    moov_before_mdat,
    output_problems,
    plan_for,
    render,
    verify_output,
)
from shortops.media.spec import (
    Cover,
    EditSpec,
    Fit,
    Logo,
    Music,
    Subtitles,
    TextOverlay,
    TextStyle,
    Trim,
)
from tests.media.conftest import (
    AAC,
    FFMPEG,
    H264,
    SMALL_COVERS,
    Fixtures,
    frame_at,
    integrated_loudness,
    lavfi,
    small_profile,
)

W, H = 180, 320
RED, BLUE = np.array([255, 0, 0]), np.array([0, 0, 255])
CHINESE_SRT = "1\n00:00:00,000 --> 00:00:02,000\n你好，世界！中文字幕\n"
NO_COVER = Cover(enabled=False)


def rendered(source: Path, out: Path, spec: EditSpec | None = None, **kwargs: object) -> Path:
    result = render(source, spec or EditSpec(cover=NO_COVER), small_profile(), out, **kwargs)  # type: ignore[arg-type]
    assert result.output == out and out.exists()
    return out


def close_to(pixels: np.ndarray, color: np.ndarray, tolerance: float = 40) -> bool:
    return bool(np.abs(pixels.reshape(-1, 3).mean(axis=0) - color).max() < tolerance)


def region_difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory, basic: Path) -> Path:
    """`basic` rendered with the default edit: what the other renders are compared with."""
    return rendered(basic, tmp_path_factory.mktemp("plain") / "plain.mp4")


# --- fit -----------------------------------------------------------------------------------------


def test_crop_takes_the_centre(halves: Path, tmp_path: Path) -> None:
    frame = frame_at(rendered(halves, tmp_path / "crop.mp4"), 1, W, H)
    assert close_to(frame[:, :70], RED) and close_to(frame[:, -70:], BLUE)


@pytest.mark.parametrize(("focus", "color"), [(0.0, RED), (1.0, BLUE)])
def test_smart_crop_follows_the_focus(
    halves: Path, tmp_path: Path, focus: float, color: np.ndarray
) -> None:
    spec = EditSpec(fit=Fit(mode="smart_crop", focus_x=focus), cover=NO_COVER)
    frame = frame_at(rendered(halves, tmp_path / "smart.mp4", spec), 1, W, H)
    assert close_to(frame, color)


def test_pad_shows_everything_over_a_blurred_copy(halves: Path, tmp_path: Path) -> None:
    spec = EditSpec(fit=Fit(mode="pad"), cover=NO_COVER)
    frame = frame_at(rendered(halves, tmp_path / "pad.mp4", spec), 1, W, H)
    middle = frame[140:180]
    assert close_to(middle[:, :60], RED) and close_to(middle[:, -60:], BLUE)
    background = frame[:40]
    assert background.mean() > 40  # a picture, not black bars


def test_rotation_is_honoured(rotated: Path, tmp_path: Path) -> None:
    # The halves turned 90° counter-clockwise: blue on top, red at the bottom, portrait.
    out = rendered(rotated, tmp_path / "rotated.mp4")
    frame = frame_at(out, 1, W, H)
    assert close_to(frame[:120], BLUE) and close_to(frame[-120:], RED)
    video = probe(out).video
    assert video is not None and video.rotation == 0


# --- time ----------------------------------------------------------------------------------------


def test_trim(basic: Path, tmp_path: Path) -> None:
    spec = EditSpec(trim=Trim(start_s=0.5, end_s=1.6), cover=NO_COVER)
    info = probe(rendered(basic, tmp_path / "trim.mp4", spec))
    assert info.duration_s == pytest.approx(1.1, abs=0.08)


def test_variable_frame_rate_becomes_constant(vfr: Path, tmp_path: Path) -> None:
    video = probe(rendered(vfr, tmp_path / "cfr.mp4")).video
    assert video is not None
    assert (video.variable_frame_rate, video.avg_fps) == (False, 30.0)


def test_silence_removal_shortens_the_video(speech_with_gap: Path, tmp_path: Path) -> None:
    spec = EditSpec(remove_silence=True, cover=NO_COVER)
    info = probe(rendered(speech_with_gap, tmp_path / "cut.mp4", spec))
    # 1.5 s of silence, less 0.15 s kept on each side of it.
    assert info.duration_s == pytest.approx(4 - 1.2, abs=0.15)


# --- colour --------------------------------------------------------------------------------------


def test_ten_bit_hdr_becomes_eight_bit_bt709(hdr10: Path, tmp_path: Path) -> None:
    video = probe(rendered(hdr10, tmp_path / "sdr.mp4")).video
    assert video is not None
    assert (video.pix_fmt, video.bit_depth, video.color_transfer) == ("yuv420p", 8, "bt709")
    assert not video.hdr


# --- text and pictures ---------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_chinese_subtitles_are_burned_in(
    basic: Path, plain: Path, tmp_path: Path, encoding: str
) -> None:
    subs = tmp_path / "zh.srt"
    subs.write_bytes(CHINESE_SRT.encode(encoding))
    spec = EditSpec(
        subtitles=Subtitles(path="zh.srt", style=TextStyle(size=20, margin=30)), cover=NO_COVER
    )
    out = rendered(basic, tmp_path / "subs.mp4", spec, files=RenderFiles(subtitles=subs))
    with_subs, without = frame_at(out, 1, W, H), frame_at(plain, 1, W, H)
    assert region_difference(with_subs[250:300], without[250:300]) > 8  # the subtitle line
    assert region_difference(with_subs[:200], without[:200]) < 3  # the rest is untouched


def test_hook_text_shows_for_its_seconds(basic: Path, plain: Path, tmp_path: Path) -> None:
    hook = TextOverlay(text="3 秒看懂: 100%", end_s=1, style=TextStyle(size=22, position="top"))
    spec = EditSpec(overlays=(hook,), cover=NO_COVER)
    out = rendered(basic, tmp_path / "hook.mp4", spec)
    top = slice(32, 54)  # 30 px below the top (the small profile has no overlay zones)
    assert region_difference(frame_at(out, 0.5, W, H)[top], frame_at(plain, 0.5, W, H)[top]) > 8
    assert region_difference(frame_at(out, 1.5, W, H)[top], frame_at(plain, 1.5, W, H)[top]) < 3


def test_logo_is_blended_at_its_opacity(
    basic: Path, plain: Path, logo: Path, tmp_path: Path
) -> None:
    spec = EditSpec(
        logo=Logo(scale=0.3, opacity=0.5, position="top-left", margin=10), cover=NO_COVER
    )
    out = rendered(basic, tmp_path / "logo.mp4", spec, files=RenderFiles(logo=logo))
    patch = (slice(14, 30), slice(14, 60))  # inside the 54×27 logo at (10, 10)
    seen = frame_at(out, 1, W, H)[patch].reshape(-1, 3).mean(axis=0)
    under = frame_at(plain, 1, W, H)[patch].reshape(-1, 3).mean(axis=0)
    assert np.abs(seen - (0.5 * RED + 0.5 * under)).max() < 30


# --- sound ---------------------------------------------------------------------------------------


def test_music_is_looped_ducked_and_loudness_normalised(
    speech_with_gap: Path, music: Path, tmp_path: Path
) -> None:
    spec = EditSpec(music=Music(volume=0.5, duck=True), loudness_lufs=-16, cover=NO_COVER)
    out = rendered(speech_with_gap, tmp_path / "music.mp4", spec, files=RenderFiles(music=music))
    assert integrated_loudness(out) == pytest.approx(-16, abs=1.5)
    # The source is silent from 1 s to 2.5 s and the 1 s music file ended long before: the
    # looped bed is what is heard there.
    assert rms(out, 1.3, 2.2) > 0.01
    # Ducking: the music (220 Hz) is quieter under the speech (440 Hz) than in the pause; the
    # two levels are about equal without ducking (loudnorm evens out the rest).
    assert tone_level(out, 1.5, 2.2, 220) > 2.5 * tone_level(out, 0.2, 0.9, 220)


def test_loudness_target_without_music(basic: Path, plain: Path, tmp_path: Path) -> None:
    normalised = rendered(basic, tmp_path / "loud.mp4", EditSpec(loudness_lufs=-14, cover=NO_COVER))
    assert integrated_loudness(normalised) == pytest.approx(-14, abs=1.5)
    # Without a target the levels stay as they were (the default): no gain is applied.
    assert integrated_loudness(plain) == pytest.approx(integrated_loudness(basic), abs=0.5)
    assert abs(integrated_loudness(plain) - -14) > 3


def test_a_source_without_sound_gets_a_silent_aac_track(silent_video: Path, tmp_path: Path) -> None:
    info = probe(rendered(silent_video, tmp_path / "silent.mp4"))
    assert info.audio is not None
    assert (info.audio.codec, info.audio.sample_rate, info.audio.channels) == ("aac", 48000, 2)
    assert rms(info.path, 0, 1.5) < 1e-4


def pcm(path: Path) -> list[str]:
    return ["-i", str(path), "-map", "0:a", "-f", "f32le", "-ac", "1", "-"]


def samples(path: Path, start_s: float, end_s: float) -> np.ndarray:
    """Mono float samples of the audio between two times."""
    completed = subprocess.run(
        [FFMPEG, "-v", "error", "-nostdin", "-ss", str(start_s), "-to", str(end_s), *pcm(path)],
        capture_output=True,
        check=True,
    )
    return np.frombuffer(completed.stdout, dtype=np.float32)


def tone_level(path: Path, start_s: float, end_s: float, frequency: float) -> float:
    """Spectral magnitude at `frequency` (48 kHz audio) between two times."""
    window = samples(path, start_s, end_s)
    spectrum = np.abs(np.fft.rfft(window * np.hanning(len(window))))
    bins = np.fft.rfftfreq(len(window), 1 / 48_000)
    return float(spectrum[np.abs(bins - frequency) < 10].max())


def rms(path: Path, start_s: float, end_s: float) -> float:
    """Root mean square of the audio between two times, on a 0–1 scale."""
    return float(np.sqrt(np.mean(samples(path, start_s, end_s) ** 2)))


# --- a real platform profile ----------------------------------------------------------------------


def test_full_size_youtube_short_with_cover(basic: Path, tmp_path: Path) -> None:
    profile = BUILTIN_PROFILES["youtube_shorts"]
    with pytest.raises(SourceTooSmall, match=r"basic\.mp4 is only 320×240"):
        render(basic, EditSpec(), profile, tmp_path / "short.mp4")
    spec = EditSpec(preset="ultrafast", cover=Cover(title="标题"))
    progress: list[float] = []
    result = render(
        basic,
        spec,
        profile,
        tmp_path / "short.mp4",
        allow_upscale=True,
        on_progress=progress.append,
    )
    assert result.warnings == ("upscaled_small_source",)
    video = result.info.video
    assert video is not None and (video.width, video.height) == (1080, 1920)
    assert [cover.name for cover in result.covers] == ["portrait"]
    assert result.covers[0].size_bytes <= 2 * 1024 * 1024
    assert progress[-1] == 1.0 and progress == sorted(progress)
    assert result.argv[0] == FFMPEG and "-filter_complex" in result.argv


def test_covers_are_written_beside_the_rendition(basic: Path, tmp_path: Path) -> None:
    profile = small_profile(covers=SMALL_COVERS)
    result = render(basic, EditSpec(), profile, tmp_path / "clip.mp4")
    names = {cover.name: cover for cover in result.covers}
    assert set(names) == {"portrait", "landscape"}
    for size in SMALL_COVERS:
        written = names[size.name]
        assert written.path == tmp_path / f"clip.cover-{size.name}.jpg"
        assert written.size_bytes <= size.max_bytes
        video = probe(written.path, exact=False).video
        assert video is not None and (video.width, video.height) == (size.width, size.height)


def test_cover_colours_are_true_in_a_jpeg_viewer(halves: Path, tmp_path: Path) -> None:
    """JPEG viewers read full-range BT.601; a video-range cover would look pale."""
    profile = small_profile(covers=SMALL_COVERS)
    result = render(halves, EditSpec(cover=Cover(at_s=1)), profile, tmp_path / "clip.mp4")
    portrait = next(cover for cover in result.covers if cover.name == "portrait")
    picture = frame_at(portrait.path, 0, portrait.width, portrait.height)
    edge = portrait.width // 6
    # The centre crop of the red|blue frame: red on the left edge, blue on the right. Read as
    # video range, red would come out about (238, 14, 14) and blue (14, 14, 238).
    red, blue = picture[:, :edge].reshape(-1, 3), picture[:, -edge:].reshape(-1, 3)
    assert red[:, 0].mean() > 248 and red[:, 2].mean() < 6
    assert blue[:, 2].mean() > 248 and blue[:, 0].mean() < 6


def test_a_landscape_cover_of_a_landscape_master_is_its_whole_frame(
    media: Fixtures, tmp_path: Path
) -> None:
    """Bilibili's landscape cover of a vertical edit: the master's own 16:9 frame, not the
    vertical crop padded with blur (green bands sit only outside the crop)."""
    bands = media.video(
        "bands.mp4",
        *lavfi("color=green:size=640x360:rate=25:duration=2"),
        "-vf", "drawbox=x=213:y=0:w=107:h=360:color=red:t=fill,"
               "drawbox=x=320:y=0:w=107:h=360:color=blue:t=fill",
        *H264,
    )  # fmt: skip
    covers = (
        CoverSize(name="portrait", width=180, height=320, max_bytes=60_000),
        CoverSize(name="landscape", width=320, height=180, max_bytes=60_000),
    )
    result = render(bands, EditSpec(cover=Cover(at_s=1)), small_profile(covers=covers),
                    tmp_path / "clip.mp4")  # fmt: skip
    written = {cover.name: cover for cover in result.covers}
    landscape = frame_at(written["landscape"].path, 0, 320, 180)
    green = (landscape[..., 1] > 100) & (landscape[..., 0] < 80) & (landscape[..., 2] < 80)
    assert green[:, :90].mean() > 0.9 and green[:, -90:].mean() > 0.9
    portrait = frame_at(written["portrait"].path, 0, 180, 320)
    assert not ((portrait[..., 1] > 100) & (portrait[..., 0] < 80)).any()  # the crop: no green


# --- refusals ------------------------------------------------------------------------------------


def test_audio_only_input_is_refused(audio_only: Path, tmp_path: Path) -> None:
    with pytest.raises(NoVideoStream):
        rendered(audio_only, tmp_path / "x.mp4")
    assert list(tmp_path.iterdir()) == []


def test_unreadable_inputs_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mov"
    empty.touch()
    with pytest.raises(UnreadableMedia, match="the file is empty"):
        rendered(empty, tmp_path / "x.mp4")


def test_too_long_for_the_profile(basic: Path, tmp_path: Path) -> None:
    profile = small_profile(max_duration_s=1, min_duration_s=0.5)
    with pytest.raises(RenditionLimitError):
        plan_for(basic, EditSpec(), profile)
    assert plan_for(basic, EditSpec(trim=Trim(end_s=1)), profile).duration_s == 1
    with pytest.raises(RenditionLimitError) as caught:
        render(basic, EditSpec(), profile, tmp_path / "x.mp4")
    assert "Test Small accepts at most 1 s: trim it to 1 s or less (set the trim end)" in str(
        caught.value
    )


def test_bad_subtitle_timestamps_stop_the_render(basic: Path, tmp_path: Path) -> None:
    subs = tmp_path / "bad.srt"
    subs.write_text("1\n00:00:02,000 --> 00:00:01,000\n倒着\n", encoding="utf-8")
    spec = EditSpec(subtitles=Subtitles(path="bad.srt"), cover=NO_COVER)
    with pytest.raises(InvalidSubtitles, match=r"bad\.srt, line 2: .* ends before it starts"):
        rendered(basic, tmp_path / "x.mp4", spec, files=RenderFiles(subtitles=subs))
    assert not (tmp_path / "x.mp4").exists()


def test_a_missing_font_stops_the_render(basic: Path, tmp_path: Path) -> None:
    hook = TextOverlay(text="hi", style=TextStyle(font="No Such Font Family"))
    with pytest.raises(FontNotFound, match="No Such Font Family"):
        rendered(basic, tmp_path / "x.mp4", EditSpec(overlays=(hook,), cover=NO_COVER))
    assert not (tmp_path / "x.mp4").exists()


def test_a_missing_side_file_stops_the_render(basic: Path, tmp_path: Path) -> None:
    spec = EditSpec(music=Music(path="song.mp3"), cover=NO_COVER)
    with pytest.raises(MissingMediaFile, match=r"uses a music file, but song\.mp3 cannot be read"):
        rendered(basic, tmp_path / "x.mp4", spec)


def test_cancelled_render_leaves_nothing(basic: Path, tmp_path: Path) -> None:
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(RenderCancelled):
        rendered(basic, tmp_path / "x.mp4", cancel=cancel)
    assert list(tmp_path.iterdir()) == []


# --- verification --------------------------------------------------------------------------------


def test_verification_catches_codec_size_and_faststart(media: Fixtures, plain: Path) -> None:
    profile = small_profile()
    verify_output(probe(plain), profile)
    assert moov_before_mdat(plain)

    def encoded(name: str, *video: str) -> Path:
        pattern = lavfi("testsrc2=size=180x320:rate=30:duration=1.5")
        tone = lavfi("sine=duration=1.5:sample_rate=48000")
        return media.video(name, *pattern, *tone, *video, *AAC, "-ac", "2")

    mpeg4 = encoded("mpeg4.mp4", "-c:v", "mpeg4", "-movflags", "+faststart")
    assert output_problems(probe(mpeg4), profile) == ["video codec mpeg4, not h264"]
    wide = encoded(
        "wide.mp4", "-c:v", "libx264", "-vf", "scale=320:180,setsar=1", "-movflags", "+faststart"
    )
    assert output_problems(probe(wide), profile) == ["size 320×180, not 180×320"]
    slow_start = encoded("slow-start.mp4", "-c:v", "libx264")
    assert not moov_before_mdat(slow_start)
    with pytest.raises(OutputRejected, match="not before the media data"):
        verify_output(probe(slow_start), profile)


def test_verification_limits(plain: Path) -> None:
    info = probe(plain)
    strict = small_profile(max_bytes=1000, min_duration_s=5)
    problems = output_problems(info, strict)
    assert problems[0].startswith("duration 2.0")
    assert problems[1].endswith("bytes, more than 1000")
