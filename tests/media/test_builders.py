"""The pure builders: exact filter strings and arguments, without running FFmpeg."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from shortops.media.errors import (
    InvalidSubtitles,
    NoVideoStream,
    RenditionLimitError,
    SourceTooSmall,
)
from shortops.media.fonts import Font
from shortops.media.pipeline import (
    audio,
    color,
    concat,
    cover,
    encode,
    escape,
    fit,
    logo,
    overlays,
    scenes,
    silence,
    subtitles,
    trim,
)
from shortops.media.pipeline.graph import RenderFonts, RenderInputs, build_render_argv
from shortops.media.pipeline.plan import plan_render
from shortops.media.probe import AudioStream, MediaInfo, VideoStream
from shortops.media.profiles import BUILTIN_PROFILES
from shortops.media.spec import (
    EditSpec,
    Fit,
    Logo,
    Music,
    Subtitles,
    TextOverlay,
    TextStyle,
    Trim,
)
from tests.media.conftest import small_profile

FONT = Path("/fonts/NotoSansSC-Regular.otf")
ALL_FILTERS = frozenset({"zscale", "tonemap"})


def video_stream(width: int = 1920, height: int = 1080, **changes: object) -> VideoStream:
    values: dict[str, object] = {
        "index": 0,
        "codec": "h264",
        "profile": "High",
        "width": width,
        "height": height,
        "sample_aspect_ratio": Fraction(1),
        "rotation": 0,
        "avg_fps": 30.0,
        "r_fps": 30.0,
        "variable_frame_rate": False,
        "pix_fmt": "yuv420p",
        "bit_depth": 8,
        "color_transfer": None,
        "color_primaries": None,
        "color_space": None,
    }
    return VideoStream(**{**values, **changes})  # type: ignore[arg-type]


def media_info(
    duration_s: float = 10, video: VideoStream | None = None, *, with_audio: bool = True
) -> MediaInfo:
    return MediaInfo(
        path=Path("/in/master.mp4"),
        duration_s=duration_s,
        size_bytes=1000,
        format_name="mov,mp4,m4a,3gp,3g2,mj2",
        bit_rate=None,
        video=video or video_stream(),
        audio=AudioStream(index=1, codec="aac", sample_rate=48000, channels=2)
        if with_audio
        else None,
    )


# --- escaping ------------------------------------------------------------------------------------


def test_filter_value_escapes_both_levels() -> None:
    # Option level: \ ' : ; then graph level: \ ' [ ] , ; (FFmpeg's filtergraph escaping docs).
    assert escape.filter_value("a:b") == r"a\\:b"
    assert escape.filter_value("it's") == r"it\\\'s"
    assert escape.filter_value("1,2;[x]") == r"1\,2\;\[x\]"
    assert escape.filter_value("C:\\fonts") == r"C\\:\\\\fonts"
    assert escape.filter_value("100% 中文") == "100% 中文"


def test_colors_and_seconds() -> None:
    assert escape.hex_color("#ff8800") == "0xFF8800"
    assert escape.ass_color("#FF8800") == "&H000088FF"
    assert escape.seconds(1.5) == "1.5"
    assert escape.seconds(2.0) == "2"
    assert escape.seconds(0) == "0"
    assert escape.seconds(1 / 3) == "0.333"


# --- fit -----------------------------------------------------------------------------------------


def test_crop_cuts_the_centre_then_scales() -> None:
    chains = fit.fit_chains(Fit(), fit.Size(1920, 1080), fit.Size(1080, 1920), "in", "out")
    assert chains == ["[in]crop=608:1080:656:0,scale=1080:1920,setsar=1[out]"]


def test_smart_crop_follows_the_focus() -> None:
    left = fit.fit_chains(Fit(mode="smart_crop", focus_x=0), fit.Size(1920, 1080),
                          fit.Size(1080, 1920), "in", "out")  # fmt: skip
    right = fit.fit_chains(Fit(mode="smart_crop", focus_x=1), fit.Size(1920, 1080),
                           fit.Size(1080, 1920), "in", "out")  # fmt: skip
    assert "crop=608:1080:0:0" in left[0]
    assert "crop=608:1080:1312:0" in right[0]


def test_pad_puts_the_whole_picture_over_a_blurred_copy() -> None:
    chains = fit.fit_chains(Fit(mode="pad", blur=20), fit.Size(1920, 1080), fit.Size(1080, 1920),
                            "in", "out")  # fmt: skip
    assert chains == [
        "[in]split=2[out_bg][out_fg]",
        "[out_bg]crop=608:1080:656:0,scale=270:480,gblur=sigma=5,scale=1080:1920[out_blur]",
        "[out_fg]scale=1080:606[out_pic]",
        "[out_blur][out_pic]overlay=0:657,setsar=1[out]",
    ]


def test_pad_without_blur_has_no_gblur() -> None:
    chains = fit.pad_chains(fit.Size(1920, 1080), fit.Size(1080, 1920), 0, "in", "out")
    assert "gblur" not in ";".join(chains)


def test_fit_uses_display_size_of_rotated_sources() -> None:
    phone = video_stream(1920, 1080, rotation=270)
    assert (phone.display_width, phone.display_height) == (1080, 1920)
    anamorphic = video_stream(720, 576, sample_aspect_ratio=Fraction(16, 11))
    assert (anamorphic.display_width, anamorphic.display_height) == (1047, 576)


def test_upscaling_a_small_source() -> None:
    assert fit.crop_region(fit.Size(320, 240), fit.Size(1080, 1920)) == fit.Size(136, 240)
    assert fit.contain_size(fit.Size(320, 240), fit.Size(1080, 1920)) == fit.Size(1080, 810)


# --- trim ----------------------------------------------------------------------------------------


def test_trim_seeks_the_input_only_where_it_cuts() -> None:
    assert trim.trim_input_args(Trim(), 10) == []
    assert trim.trim_input_args(Trim(start_s=1.5, end_s=8), 10) == ["-ss", "1.5", "-to", "8"]
    assert trim.trim_input_args(Trim(end_s=30), 10) == []
    assert trim.trimmed_duration(Trim(start_s=2, end_s=30), 10) == 8
    assert trim.trimmed_duration(Trim(start_s=12), 10) == 0


# --- colour --------------------------------------------------------------------------------------


def test_hdr_is_tone_mapped_when_zscale_exists() -> None:
    hdr = video_stream(pix_fmt="yuv420p10le", bit_depth=10, color_transfer="smpte2084")
    assert color.color_conversion(hdr, ALL_FILTERS) == "tonemap"
    assert color.color_filters("tonemap")[0] == "zscale=t=linear:npl=100"
    assert color.color_filters("tonemap")[-1] == "format=yuv420p"
    assert color.color_conversion(hdr, {"scale"}) == "hdr_without_tonemap"
    assert color.color_filters("hdr_without_tonemap") == ["format=yuv420p"]


def test_ten_bit_sdr_only_loses_depth() -> None:
    ten_bit = video_stream(pix_fmt="yuv420p10le", bit_depth=10, color_transfer="bt709")
    assert color.color_conversion(ten_bit, ALL_FILTERS) == "depth"
    assert color.color_conversion(video_stream(), ALL_FILTERS) == "none"
    assert color.color_filters("none") == []


# --- subtitles -----------------------------------------------------------------------------------

SRT = "1\n00:00:01,000 --> 00:00:02,500\n你好，世界\n\n2\n00:00:03,000 --> 00:00:04,000\n2024\nok\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_subtitle_bytes_in_any_common_encoding_decode(encoding: str) -> None:
    data = SRT.replace("\n", "\r\n").encode(encoding)
    assert subtitles.decode_subtitle_bytes(data, "a.srt") == SRT


def test_utf16_without_bom_decodes() -> None:
    assert subtitles.decode_subtitle_bytes(SRT.encode("utf-16-le"), "a.srt") == SRT


def test_undecodable_subtitles_name_the_line() -> None:
    data = b"1\n00:00:01,000 --> 00:00:02,000\ncaf\xe9 \xff\n"
    with pytest.raises(InvalidSubtitles) as caught:
        subtitles.decode_subtitle_bytes(data, "latin.srt")
    assert "latin.srt, line 3" in str(caught.value)
    assert "save the file as UTF-8" in str(caught.value)


def test_cues_are_read_with_their_lines() -> None:
    cues = subtitles.subtitle_cues(SRT, "a.srt")
    assert cues == [subtitles.Cue(2, 1.0, 2.5), subtitles.Cue(6, 3.0, 4.0)]


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("1\n00:00:02,000 --> 00:00:01,000\nback\n", 2, "ends before it starts"),
        ("1\n00:00:01,000 -> 00:00:02,000\nx\n", 2, "should be a time range"),
        ("1\n00:00:01,000 --> 00:61:02,000\nx\n", 2, "is not a time range"),
        ("1\n00:00:01 --> 00:00:02,000\nx\n", 2, "is not a time range"),
        ("just text\n", 1, "no cue"),
    ],
)
def test_bad_timestamps_are_refused_with_their_line(text: str, line: int, words: str) -> None:
    with pytest.raises(InvalidSubtitles) as caught:
        subtitles.subtitle_cues(text, "bad.srt")
    assert f"bad.srt, line {line}:" in str(caught.value)
    assert words in str(caught.value)


def test_vtt_and_ass_cues() -> None:
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000 align:center\nhi\n"
    assert subtitles.subtitle_cues(vtt, "a.vtt") == [subtitles.Cue(3, 1.0, 2.0)]
    ass = (
        "[Script Info]\n\n[Events]\nFormat: Layer, Start, End, Style, Text\n"
        "Dialogue: 0,0:00:01.50,0:00:03.00,Default,Hello, world\n"
    )
    assert subtitles.subtitle_cues(ass, "a.ass") == [subtitles.Cue(5, 1.5, 3.0)]
    with pytest.raises(InvalidSubtitles, match="line 5"):
        subtitles.subtitle_cues(ass.replace("0:00:03.00", "soon"), "a.ass")


def test_subtitles_filter_styles_srt_in_output_pixels() -> None:
    style = TextStyle(size=60, color="#FFFF00", position="top", margin=200)
    filters = subtitles.subtitles_filters(
        Path("/tmp/subs.srt"),
        fonts_dir=Path("/fonts"),
        style=style,
        family="Noto Sans SC",
        frame=fit.Size(1080, 1920),
        own_styles=False,
    )
    assert filters == [
        r"subtitles=filename=/tmp/subs.srt:fontsdir=/fonts:force_style=PlayResX=1080\,"
        r"PlayResY=1920\,FontName=Noto Sans SC\,FontSize=60\,PrimaryColour=&H0000FFFF\,"
        r"OutlineColour=&H00000000\,BorderStyle=1\,Outline=3\,Shadow=0\,Alignment=6\,"
        r"MarginL=65\,MarginR=65\,MarginV=200"
    ]


def test_subtitles_of_a_trimmed_rendition_are_shifted_to_source_time() -> None:
    filters = subtitles.subtitles_filters(
        Path("/tmp/s.ass"),
        fonts_dir=Path("/fonts"),
        style=TextStyle(),
        family="X",
        frame=fit.Size(1080, 1920),
        own_styles=True,
        offset_s=12.5,
    )
    assert filters == [
        "setpts=PTS+12.5/TB",
        "subtitles=filename=/tmp/s.ass:fontsdir=/fonts",
        "setpts=PTS-12.5/TB",
    ]


# --- overlays ------------------------------------------------------------------------------------


def test_drawtext_escapes_special_characters_and_cjk() -> None:
    text = "价格: 100% 'real' \\o/"
    built = overlays.drawtext_filter(
        text, TextStyle(size=40), FONT, fit.Size(1080, 1920), start_s=0, end_s=3
    )
    assert built == (
        "drawtext=fontfile=/fonts/NotoSansSC-Regular.otf:expansion=none:"
        r"text=价格\\: 100% \\\'real\\\' \\\\o/:fontsize=40:fontcolor=0xFFFFFF:borderw=3:"
        "bordercolor=0x000000:text_align=C:x=30+(w-text_w-60)/2:y=h-text_h-30:"
        r"enable=between(t\,0\,3)"
    )


def test_overlay_timing() -> None:
    assert overlays.enable_expression(0, None) is None
    assert overlays.enable_expression(2, None) == "gte(t,2)"
    assert overlays.enable_expression(0.5, 3.25) == "between(t,0.5,3.25)"
    built = overlays.overlay_filters(
        (TextOverlay(text="Hi", style=TextStyle(position="top-left", margin=10)),),
        [FONT],
        fit.Size(1080, 1920),
    )
    assert built[0].endswith("text_align=L:x=10:y=10")


def test_long_text_is_wrapped_to_the_frame() -> None:
    wrapped = overlays.wrap_text("这是一个非常长的标题，需要自动换行才能放进画面里", 100, 1080)
    assert wrapped.split("\n") == ["这是一个非常长的标", "题，需要自动换行才", "能放进画面里"]
    latin = overlays.wrap_text("the quick brown fox jumps over the lazy dog", 100, 1080)
    assert latin.split("\n") == ["the quick brown", "fox jumps over", "the lazy dog"]
    assert overlays.wrap_text("short", 100, 1080) == "short"


# --- logo ----------------------------------------------------------------------------------------


def test_logo_is_scaled_made_translucent_and_placed() -> None:
    chains = logo.logo_chains(
        Logo(scale=0.2, opacity=0.5, position="bottom-left", margin=30),
        1080,
        logo_in="2:v",
        main_in="v",
        out="vl",
    )
    assert chains == [
        "[2:v]scale=216:-1,format=rgba,colorchannelmixer=aa=0.5[vl_logo]",
        "[v][vl_logo]overlay=x=30:y=H-h-30:format=auto[vl]",
    ]
    opaque = logo.logo_chains(Logo(opacity=1), 1080, logo_in="1:v", main_in="v", out="o")
    assert "colorchannelmixer" not in opaque[0]


# --- audio ---------------------------------------------------------------------------------------

STD = "aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo"
NORM = "loudnorm=I=-14:TP=-1.5:LRA=11"


def test_source_audio_is_normalised_and_padded() -> None:
    chains = audio.audio_chains(
        audio.AudioSources(speech="0:1", music=None),
        None,
        loudness_lufs=-14,
        keep_filters=[],
        out="a",
    )
    assert chains == [f"[0:1]{STD},{NORM},{STD},apad[a]"]


def test_music_is_ducked_under_speech_and_mixed() -> None:
    chains = audio.audio_chains(
        audio.AudioSources(speech="0:1", music="1:a:0"),
        Music(volume=0.3, duck=True),
        loudness_lufs=-16,
        keep_filters=[],
        out="a",
    )
    assert chains == [
        f"[0:1]{STD},asplit=2[a_speech][a_key]",
        f"[1:a:0]{STD},volume=0.3[a_bed]",
        "[a_bed][a_key]sidechaincompress=threshold=0.02:ratio=10:attack=20:release=400[a_ducked]",
        "[a_speech][a_ducked]amix=inputs=2:duration=first:normalize=0,"
        f"loudnorm=I=-16:TP=-1.5:LRA=11,{STD},apad[a]",
    ]


def test_music_without_ducking_and_music_alone() -> None:
    undocked = audio.audio_chains(
        audio.AudioSources(speech="0:1", music="1:a:0"),
        Music(duck=False),
        loudness_lufs=-14,
        keep_filters=[],
        out="a",
    )
    assert "sidechaincompress" not in ";".join(undocked)
    alone = audio.audio_chains(
        audio.AudioSources(speech=None, music="1:a:0"),
        Music(),
        loudness_lufs=-14,
        keep_filters=[],
        out="a",
    )
    assert alone == [f"[1:a:0]{STD},volume=0.2,{NORM},{STD},apad[a]"]
    assert audio.music_input_args(Music()) == ["-stream_loop", "-1"]
    assert audio.music_input_args(Music(loop=False)) == []


def test_by_default_music_is_mixed_at_its_volume_and_levels_are_kept() -> None:
    """R1: "music at 20 % volume mixed under the original audio", no ducking, no loudnorm."""
    spec = EditSpec(music=Music())
    chains = audio.audio_chains(
        audio.AudioSources(speech="0:1", music="1:a:0"),
        spec.music,
        loudness_lufs=spec.loudness_lufs,
        keep_filters=[],
        out="a",
    )
    assert chains == [
        f"[0:1]{STD}[a_speech]",
        f"[1:a:0]{STD},volume=0.2[a_bed]",
        "[a_speech][a_bed]amix=inputs=2:duration=first:normalize=0,apad[a]",
    ]


def test_no_audio_at_all_gets_silence() -> None:
    chains = audio.audio_chains(
        audio.AudioSources(speech=None, music=None),
        None,
        loudness_lufs=-14,
        keep_filters=[],
        out="a",
    )
    assert chains == ["anullsrc=r=48000:cl=stereo[a]"]


# --- silence -------------------------------------------------------------------------------------

SILENCE_LOG = """
[silencedetect @ 0x1] silence_start: 1.00454
[silencedetect @ 0x1] silence_end: 2.50127 | silence_duration: 1.49673
[silencedetect @ 0x1] silence_start: 5.5
"""


def test_silences_become_padded_keep_intervals_and_selects() -> None:
    silences = silence.parse_silences(SILENCE_LOG, 6)
    assert silences == [(1.00454, 2.50127), (5.5, 6)]
    keep = silence.keep_intervals(silences, 6)
    assert [(round(a, 3), round(b, 3)) for a, b in keep] == [(0, 1.155), (2.351, 5.65)]
    assert silence.kept_duration([(0, 1), (2, 4.5)]) == 3.5
    assert silence.video_keep_filters([(0, 1), (2, 3.5)]) == [
        r"select=between(t\,0\,1)+between(t\,2\,3.5)",
        "setpts=N/FRAME_RATE/TB",
    ]
    assert silence.audio_keep_filters([(0, 1)]) == [r"aselect=between(t\,0\,1)", "asetpts=N/SR/TB"]
    assert silence.video_keep_filters([]) == []
    assert silence.silencedetect_filter() == "silencedetect=noise=-35dB:d=0.6"


def test_leading_silence_is_cut_too() -> None:
    assert silence.keep_intervals([(0, 2)], 5) == [(1.85, 5)]


# --- encode --------------------------------------------------------------------------------------


def test_encode_args_follow_the_profile() -> None:
    profile = BUILTIN_PROFILES["instagram_reels"]
    args = encode.encode_args(profile, EditSpec(crf=20), duration_s=12.5, max_video_bitrate_k=8000)
    pairs = dict(zip(args[::2], args[1::2], strict=True))
    assert pairs["-c:v"] == "libx264" and pairs["-profile:v"] == "high"
    assert pairs["-pix_fmt"] == "yuv420p"
    assert (pairs["-crf"], pairs["-preset"]) == ("20", "veryfast")
    assert (pairs["-maxrate"], pairs["-bufsize"]) == ("8000k", "16000k")
    assert (pairs["-g"], pairs["-keyint_min"], pairs["-sc_threshold"]) == ("60", "60", "0")
    assert pairs["-flags"] == "+cgop"
    assert (pairs["-c:a"], pairs["-b:a"], pairs["-ar"], pairs["-ac"]) == (
        "aac",
        "128k",
        "48000",
        "2",
    )
    assert pairs["-t"] == "12.5"
    assert pairs["-movflags"] == "+faststart"
    assert pairs["-map_metadata"] == "-1"


# --- cover ---------------------------------------------------------------------------------------


def test_cover_candidates_and_times() -> None:
    filters = cover.candidate_filters(240, fit.Size(136, 240))
    assert filters == [
        "scale=136:240",
        r"select=gt(scene\,0.3)+not(mod(n\,10))",
        "format=gray",
        "showinfo",
    ]
    log = "[Parsed_showinfo_3 @ 0x1] n:   0 pts:      0 pts_time:0       duration:512\n" * 1
    log += "[Parsed_showinfo_3 @ 0x1] n:   1 pts:  25600 pts_time:2.5     duration:512\n"
    assert cover.frame_times(log) == [0.0, 2.5]


def test_sharpest_frame_wins_and_dark_frames_never_do() -> None:
    rng = np.random.default_rng(1)
    flat = np.full((40, 40), 128, dtype=np.uint8)
    sharp = rng.integers(0, 255, (40, 40), dtype=np.uint8)
    dark = (sharp // 20).astype(np.uint8)
    assert cover.sharpest_time([1.0, 2.0, 3.0], [flat, sharp, dark]) == 2.0
    assert cover.sharpness(dark) == 0
    assert cover.sharpest_time([], []) is None


def test_cover_chains_crop_same_shape_and_pad_other_shapes() -> None:
    portrait = cover.cover_chains(
        fit.Size(1080, 1920), fit.Size(1080, 1920), title=None, font_file=FONT, inp="0:0", out="c"
    )
    assert portrait == [
        "[0:0]setsar=1[c_fit]",  # already the right size: nothing to cut or scale
        "[c_fit]scale=out_color_matrix=bt601:out_range=full,format=yuvj420p[c]",
    ]
    landscape = cover.cover_chains(
        fit.Size(1080, 1920), fit.Size(1146, 717), title="标题", font_file=FONT, inp="0:0", out="c"
    )
    assert landscape[0] == "[0:0]split=2[c_fit_bg][c_fit_fg]"
    assert "drawtext=" in landscape[-1] and "text=标题" in landscape[-1]


# --- scenes and concat ---------------------------------------------------------------------------


def test_scene_ranges_merge_short_clips() -> None:
    assert scenes.scene_ranges([], 10) == [(0, 10)]
    assert scenes.scene_ranges([3, 7], 10) == [(0, 3), (3, 7), (7, 10)]
    assert scenes.scene_ranges([3, 3.4, 7], 10) == [(0, 3.4), (3.4, 7), (7, 10)]
    assert scenes.scene_ranges([0.5, 5], 10) == [(0, 5), (5, 10)]


def test_concat_normalises_every_clip() -> None:
    clips = [
        media_info(2, video_stream(1920, 1080)),
        media_info(3, video_stream(720, 1280, index=1), with_audio=False),
    ]
    chains = concat.concat_chains(clips, fit.Size(1080, 1920), 30, Fit())
    assert chains == [
        "[0:0]fps=30[c0_rate]",
        "[c0_rate]crop=608:1080:656:0,scale=1080:1920,setsar=1[c0_fit]",
        "[c0_fit]format=yuv420p[c0_v]",
        f"[0:1]{STD}[c0_a]",
        "[1:1]fps=30[c1_rate]",
        "[c1_rate]scale=1080:1920,setsar=1[c1_fit]",
        "[c1_fit]format=yuv420p[c1_v]",
        "anullsrc=r=48000:cl=stereo,atrim=duration=3[c1_a]",
        "[c0_v][c0_a][c1_v][c1_a]concat=n=2:v=1:a=1[vout][aout]",
    ]
    with pytest.raises(NoVideoStream):
        concat.concat_chains([replace(media_info(2), video=None)], fit.Size(2, 2), 30, Fit())


# --- plan ----------------------------------------------------------------------------------------


def test_too_long_for_the_platform_says_how_to_trim() -> None:
    with pytest.raises(RenditionLimitError) as caught:
        plan_render(media_info(412), EditSpec(), BUILTIN_PROFILES["youtube_shorts"],
                    filters=ALL_FILTERS)  # fmt: skip
    assert str(caught.value) == (
        "The video is 412 s long after trimming; YouTube Shorts accepts at most 180 s: "
        "trim it to 180 s or less (set the trim end)."
    )
    trimmed = EditSpec(trim=Trim(start_s=100, end_s=280))
    plan = plan_render(media_info(412), trimmed, BUILTIN_PROFILES["youtube_shorts"],
                       filters=ALL_FILTERS)  # fmt: skip
    assert plan.duration_s == 180


def test_too_short_and_trim_beyond_the_end_are_refused() -> None:
    with pytest.raises(RenditionLimitError, match="needs at least 3 s"):
        plan_render(media_info(2), EditSpec(), BUILTIN_PROFILES["tiktok"], filters=ALL_FILTERS)
    with pytest.raises(
        RenditionLimitError, match="The trim starts at 20 s, but the video is only 10 s"
    ):
        plan_render(media_info(10), EditSpec(trim=Trim(start_s=20)), BUILTIN_PROFILES["tiktok"],
                    filters=ALL_FILTERS)  # fmt: skip


def test_silence_removal_shortens_the_planned_duration() -> None:
    plan = plan_render(media_info(10), EditSpec(remove_silence=True), small_profile(),
                       filters=ALL_FILTERS, keep=[(0, 2), (5, 9)])  # fmt: skip
    assert plan.duration_s == 6 and plan.keep == ((0, 2), (5, 9))
    silent = plan_render(media_info(10, with_audio=False), EditSpec(remove_silence=True),
                         small_profile(), filters=ALL_FILTERS, keep=[(0, 2)])  # fmt: skip
    assert silent.duration_s == 10 and silent.keep == ()
    assert silent.warnings == ("no_sound_to_cut",)


def test_audio_only_is_refused() -> None:
    with pytest.raises(NoVideoStream, match="has no picture, only sound"):
        plan_render(replace(media_info(5), video=None), EditSpec(), small_profile(),
                    filters=ALL_FILTERS)  # fmt: skip


def test_tiny_sources_are_refused_unless_upscaling_is_allowed() -> None:
    tiny = media_info(10, video_stream(320, 240))
    with pytest.raises(SourceTooSmall) as caught:
        plan_render(tiny, EditSpec(), BUILTIN_PROFILES["tiktok"], filters=ALL_FILTERS)
    assert "master.mp4 is only 320×240" in str(caught.value)
    assert "at least 480 px" in str(caught.value)
    allowed = plan_render(tiny, EditSpec(), BUILTIN_PROFILES["tiktok"], filters=ALL_FILTERS,
                          allow_upscale=True)  # fmt: skip
    assert allowed.warnings == ("upscaled_small_source",)
    # A small profile needs no upscaling, so the same source is fine for it.
    assert plan_render(tiny, EditSpec(), small_profile(), filters=ALL_FILTERS).warnings == ()


def test_eight_k_sources_are_scaled_down() -> None:
    plan = plan_render(media_info(10, video_stream(7680, 4320)), EditSpec(),
                       BUILTIN_PROFILES["tiktok"], filters=ALL_FILTERS)  # fmt: skip
    assert plan.source_size == fit.Size(7680, 4320) and plan.frame == fit.Size(1080, 1920)


def test_hdr_without_zscale_warns() -> None:
    hdr = media_info(10, video_stream(color_transfer="arib-std-b67", bit_depth=10))
    plan = plan_render(hdr, EditSpec(), small_profile(), filters={"scale"})
    assert plan.color == "hdr_without_tonemap"
    assert plan.warnings == ("hdr_not_tone_mapped",)


def test_bitrate_is_capped_to_fit_the_byte_limit() -> None:
    profile = small_profile(max_bytes=10_000_000, max_video_bitrate_k=10_000, max_duration_s=900)
    capped = plan_render(media_info(10), EditSpec(), profile, filters=ALL_FILTERS)
    assert capped.max_video_bitrate_k == 7632  # 10 MB × 97 % over 10 s, less 128k of audio
    short = plan_render(media_info(1), EditSpec(), profile, filters=ALL_FILTERS)
    assert short.max_video_bitrate_k == 10_000
    with pytest.raises(RenditionLimitError, match=r"files up to 9.5 MB.*trim it to 181 s or less"):
        plan_render(media_info(300), EditSpec(), profile, filters=ALL_FILTERS)


# --- graph ---------------------------------------------------------------------------------------


def test_one_command_carries_every_step() -> None:
    spec = EditSpec(
        trim=Trim(start_s=2, end_s=8),
        subtitles=Subtitles(path="s.srt"),
        overlays=(TextOverlay(text="Hook", end_s=3),),
        logo=Logo(),
        music=Music(duck=True),
        loudness_lufs=-14,
        remove_silence=True,
    )
    plan = plan_render(media_info(10), spec, small_profile(), filters=ALL_FILTERS,
                       keep=[(0, 2), (3, 6)])  # fmt: skip
    inputs = RenderInputs(
        master=Path("/in/master.mp4"),
        subtitles=Path("/tmp/s.srt"),
        logo=Path("/in/logo.png"),
        music=Path("/in/music.m4a"),
    )
    font = Font("Noto Sans SC", FONT)
    argv = build_render_argv(plan, inputs, RenderFonts(font, (font,)), ffmpeg="ffmpeg")
    graph = argv[argv.index("-filter_complex") + 1]
    assert argv[:12] == [
        "ffmpeg", "-hide_banner", "-nostdin", "-v", "error", "-y",
        "-ss", "2", "-to", "8", "-i", "/in/master.mp4",
    ]  # fmt: skip
    assert argv[12:16] == ["-stream_loop", "-1", "-i", "/in/music.m4a"]
    assert argv[16:18] == ["-i", "/in/logo.png"]
    assert argv[-3:] == ["-progress", "pipe:1", "-nostats"]
    assert argv[argv.index("-t") + 1] == "5"
    order = [
        "fps=30",
        "scale=180:320",
        "subtitles=",
        "select=",
        "drawtext=",
        "overlay=x=",
        "[vout]",
    ]
    positions = [graph.index(step) for step in order]
    assert positions == sorted(positions), graph
    assert "setpts=PTS+2/TB" in graph
    assert graph.count("[0:1]") == 1 and "[1:a:0]" in graph and "[2:v]" in graph
    assert "aselect=" in graph and "sidechaincompress" in graph and "loudnorm=I=-14" in graph
    assert argv.count("-map") == 2
