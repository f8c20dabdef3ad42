"""The passes that look before rendering: silences, scene cuts, the sharpest cover frame; concat."""

from __future__ import annotations

from pathlib import Path

import pytest

from shortops.media.errors import RenderFailed
from shortops.media.ffmpeg import available_filters, find_tools
from shortops.media.fonts import bundled_font
from shortops.media.pipeline.analysis import choose_cover_time, detect_scenes, detect_silences
from shortops.media.pipeline.cover import read_candidates, sharpest_time
from shortops.media.pipeline.graph import RenderFonts, RenderInputs, build_render_argv
from shortops.media.pipeline.plan import plan_render
from shortops.media.probe import probe
from shortops.media.profiles import CoverSize
from shortops.media.render import concat_clips, write_covers
from shortops.media.runner import run_ffmpeg
from shortops.media.spec import Cover, EditSpec, Fit, Trim
from tests.media.conftest import SMALL_COVERS, small_profile


def test_silences_are_found_on_the_trimmed_timeline(speech_with_gap: Path) -> None:
    source = probe(speech_with_gap)
    ffmpeg = find_tools().ffmpeg
    [(start, end)] = detect_silences(ffmpeg, source, Trim(), timeout_s=60)
    assert (start, end) == (pytest.approx(1.0, abs=0.05), pytest.approx(2.5, abs=0.05))
    [(start, end)] = detect_silences(ffmpeg, source, Trim(start_s=0.5), timeout_s=60)
    assert (start, end) == (pytest.approx(0.5, abs=0.05), pytest.approx(2.0, abs=0.05))


def test_no_sound_has_no_silences(silent_video: Path) -> None:
    assert detect_silences(find_tools().ffmpeg, probe(silent_video), Trim(), timeout_s=60) == []


def test_scene_cuts_split_the_video(three_scenes: Path) -> None:
    ranges = detect_scenes(three_scenes)
    assert len(ranges) == 3
    assert [round(start, 1) for start, _end in ranges] == [0.0, 1.5, 3.0]
    assert ranges[-1][1] == pytest.approx(4.5, abs=0.1)


def test_the_sharp_moment_is_the_cover(mostly_blurred: Path) -> None:
    at = choose_cover_time(find_tools().ffmpeg, probe(mostly_blurred), timeout_s=60)
    assert 1.85 <= at <= 2.15


def test_the_render_pass_itself_finds_the_sharp_moment(
    mostly_blurred: Path, tmp_path: Path
) -> None:
    """Candidates written by the render's own second output lead to the same frame."""
    tools = find_tools()
    plan = plan_render(
        probe(mostly_blurred), EditSpec(), small_profile(), filters=available_filters(tools.ffmpeg)
    )
    candidates = tmp_path / "candidates"
    candidates.mkdir()
    argv = build_render_argv(
        plan,
        RenderInputs(master=mostly_blurred),
        RenderFonts(bundled_font()),
        ffmpeg=tools.ffmpeg,
        cover_candidates=candidates,
    )
    run_ffmpeg(argv, duration_s=plan.duration_s, timeout_s=60, output=tmp_path / "out.mp4")
    times, frames = read_candidates(candidates)
    assert len(times) >= 3 and times == sorted(times)
    at = sharpest_time(times, frames)
    assert at is not None and 1.85 <= at <= 2.15


def test_covers_in_both_shapes_within_their_byte_limits(
    mostly_blurred: Path, tmp_path: Path
) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(mostly_blurred.read_bytes())
    covers = write_covers(
        find_tools(), probe(video), SMALL_COVERS, Cover(title="封面标题"), timeout_s=60
    )
    assert [cover.name for cover in covers] == ["portrait", "landscape"]
    for cover, size in zip(covers, SMALL_COVERS, strict=True):
        assert cover.path.suffix == ".jpg" and cover.size_bytes <= size.max_bytes
        shown = probe(cover.path, exact=False).video
        assert shown is not None and (shown.width, shown.height) == (size.width, size.height)


def test_a_cover_that_cannot_get_small_enough_is_an_error(
    mostly_blurred: Path, tmp_path: Path
) -> None:
    video = tmp_path / "clip.mp4"
    video.write_bytes(mostly_blurred.read_bytes())
    impossible = (CoverSize(name="tiny", width=270, height=480, max_bytes=100),)
    with pytest.raises(RenderFailed, match="stays above 100 bytes"):
        write_covers(find_tools(), probe(video), impossible, Cover(at_s=1), timeout_s=60)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clip.mp4"]


def test_concat_joins_clips_of_different_sizes(
    basic: Path, halves: Path, silent_video: Path, tmp_path: Path
) -> None:
    out = tmp_path / "joined.mp4"
    info = concat_clips([basic, halves, silent_video], out, width=360, height=640, fit=Fit())
    assert info.duration_s == pytest.approx(2 + 3 + 2, abs=0.15)
    assert info.video is not None and (info.video.width, info.video.height) == (360, 640)
    assert info.audio is not None and info.audio.channels == 2
