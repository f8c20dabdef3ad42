"""Preview frames and preview clips: the commands as text, then real frames against real renders."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from numpy.typing import NDArray

from shortops.errors import InvalidInput
from shortops.media.fonts import bundled_font
from shortops.media.pipeline.fit import Size
from shortops.media.pipeline.graph import RenderFonts, RenderInputs
from shortops.media.pipeline.preview import (
    CLIP_SECONDS,
    clip_argv,
    clip_size,
    clip_start,
    frame_argv,
    frame_time,
)
from shortops.media.previews import preview_frame
from shortops.media.render import RenderFiles, plan_for, render
from shortops.media.spec import (
    Cover,
    EditSpec,
    Logo,
    Music,
    Subtitles,
    TextOverlay,
    TextStyle,
    Trim,
)
from shortops.media.store import MediaStore
from shortops.models import AssetKind, MediaAsset
from tests.media.conftest import frame_at, small_profile

W, H = 180, 320
# One cue from 1.0 s to 1.8 s of the source; with the trim below that is 0.5 s to 1.3 s in.
SRT = "1\n00:00:01,000 --> 00:00:01,800\nHello 你好\n"
TRIM_S = 0.5
HOOK = TextOverlay(text="HOOK", end_s=0.4, style=TextStyle(size=40, position="top", margin=20))
SUBTITLE_STYLE = TextStyle(size=28, margin=20)
BOTTOM = slice(250, 310)  # where the subtitle line sits
TOP = slice(15, 75)  # where the hook sits
LOGO_PATCH = (slice(14, 30), slice(W - 50, W - 14))  # inside the logo at the top right


# --- the commands --------------------------------------------------------------------------------


def test_frame_seeks_the_input_and_gives_frames_their_rendition_time(
    basic: Path, logo: Path, music: Path, tmp_path: Path
) -> None:
    spec = EditSpec(
        trim=Trim(start_s=TRIM_S),
        overlays=(HOOK,),
        logo=Logo(path="logo.png"),
        music=Music(path="music.m4a"),
    )
    plan = plan_for(basic, spec, small_profile())
    inputs = RenderInputs(master=basic, logo=logo, music=music)
    fonts = RenderFonts(subtitles=bundled_font(), overlays=(bundled_font(),))
    argv = frame_argv(plan, inputs, fonts, at_s=1.25, ffmpeg="ffmpeg")
    # The seek is an input option, at the trim start plus the moment.
    assert argv[argv.index("-ss") + 1] == "1.75" and argv.index("-ss") < argv.index("-i")
    # No music input: the logo is input 1; one JPEG frame and nothing else.
    assert [argv[i + 1] for i, arg in enumerate(argv) if arg == "-i"] == [str(basic), str(logo)]
    assert "[1:v]" in argv[argv.index("-filter_complex") + 1]
    assert argv[-6:] == ["-frames:v", "1", "-update", "1", "-q:v", "3"]
    graph = argv[argv.index("-filter_complex") + 1]
    # The rendition's time comes back before anything timed reads it.
    assert graph.startswith("[0:0]setpts=PTS+1.25/TB,fps=")
    assert "enable=between(t\\,0\\,0.4)" in graph and "aout" not in graph
    # JPEG means full-range BT.601 to every viewer.
    assert graph.endswith("[vout]scale=out_color_matrix=bt601:out_range=full[vjpeg]")
    assert argv[argv.index("-map") + 1] == "[vjpeg]"


def test_frame_time_is_checked_against_the_rendition(basic: Path) -> None:
    plan = plan_for(basic, EditSpec(trim=Trim(start_s=TRIM_S)), small_profile())
    assert plan.duration_s == pytest.approx(1.5, abs=0.05)
    assert frame_time(plan, 0) == 0 and frame_time(plan, 1.2) == 1.2
    # The very end is kept two frames clear (basic is 25 fps): a seek there finds no frame.
    assert frame_time(plan, plan.duration_s) == pytest.approx(plan.duration_s - 2 / 25)
    with pytest.raises(InvalidInput) as raised:
        frame_time(plan, 1.6)
    assert raised.value.params == {"at": "1.6", "duration": "1.5"}
    with pytest.raises(InvalidInput):
        frame_time(plan, -1)


def test_clip_starts_a_third_in_when_a_whole_clip_fits() -> None:
    assert clip_start(3.2) == 0 and clip_start(5.9) == 0
    assert clip_start(6) == pytest.approx(2) and clip_start(90) == pytest.approx(30)


def test_clip_size_fits_the_box_keeps_the_shape_and_is_even() -> None:
    assert clip_size(Size(1080, 1920)) == Size(202, 360)
    assert clip_size(Size(1920, 1080)) == Size(360, 202)
    assert clip_size(Size(320, 240)) == Size(320, 240)  # never enlarged
    assert clip_size(Size(301, 201)) == Size(300, 200)


def test_clip_command_is_muted_small_h264_with_faststart(basic: Path) -> None:
    argv = clip_argv("ffmpeg", basic, start_s=30, source=Size(1080, 1920))
    assert argv[argv.index("-ss") + 1] == "30" and argv[argv.index("-t") + 1] == "4"
    assert argv.index("-ss") < argv.index("-i")
    assert "-an" in argv and argv[argv.index("-vf") + 1] == "scale=202:360,setsar=1"
    for option, value in [("-c:v", "libx264"), ("-pix_fmt", "yuv420p"), ("-crf", "30")]:
        assert argv[argv.index(option) + 1] == value
    assert argv[argv.index("-preset") + 1] == "veryfast"
    assert argv[argv.index("-movflags") + 1] == "+faststart"
    unknown = clip_argv("ffmpeg", basic, start_s=0, source=None)
    assert "force_original_aspect_ratio=decrease" in unknown[unknown.index("-vf") + 1]
    assert CLIP_SECONDS == 4


# --- real frames ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def side_files(tmp_path_factory: pytest.TempPathFactory, logo: Path) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("side")
    srt = folder / "subs.srt"
    srt.write_text(SRT, encoding="utf-8")
    return {"subtitles": srt, "logo": logo}


def full_spec() -> EditSpec:
    return EditSpec(
        trim=Trim(start_s=TRIM_S),
        subtitles=Subtitles(asset_id=2, style=SUBTITLE_STYLE),
        overlays=(HOOK,),
        logo=Logo(asset_id=3, scale=0.2, position="top-right", margin=14, opacity=1),
        cover=Cover(enabled=False),
    )


class Library:
    """A media store with the test files in it, as the web pages would find them."""

    def __init__(self, root: Path, files: dict[str, Path]) -> None:
        self.store = MediaStore(root)
        self.assets = {role: self.add(role, path) for role, path in files.items()}

    def add(self, role: str, path: Path) -> MediaAsset:
        relative = f"assets/{role}{path.suffix}"
        target = self.store.path(relative)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
        return MediaAsset(
            filename=path.name, storage_path=relative, kind=AssetKind.video, sha256="0" * 64
        )

    def frame(self, spec: EditSpec, at_s: float, roles: tuple[str, ...] = ()) -> bytes:
        return preview_frame(
            self.store,
            self.assets["master"],
            spec,
            small_profile(),
            at_s=at_s,
            side_files={role: self.assets[role] for role in roles},
        )


@pytest.fixture(scope="module")
def library(
    tmp_path_factory: pytest.TempPathFactory, basic: Path, side_files: dict[str, Path]
) -> Library:
    return Library(tmp_path_factory.mktemp("store"), {"master": basic, **side_files})


def pixels(jpeg: bytes) -> NDArray[np.int16]:
    picture = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
    assert picture is not None, "not a JPEG"
    return picture[:, :, ::-1].astype(np.int16)  # BGR → RGB, safe to subtract


def difference(a: NDArray[np.int16], b: NDArray[np.int16]) -> float:
    return float(np.abs(a - b).mean())


def test_frame_is_the_profiles_size(library: Library) -> None:
    jpeg = library.frame(EditSpec(), 1.0)
    assert jpeg[:2] == b"\xff\xd8"
    assert pixels(jpeg).shape == (H, W, 3)


def test_frame_looks_like_the_rendition_at_that_moment(
    library: Library, basic: Path, side_files: dict[str, Path], tmp_path: Path
) -> None:
    spec = full_spec()
    out = tmp_path / "full.mp4"
    render(
        basic,
        spec,
        small_profile(),
        out,
        files=RenderFiles(subtitles=side_files["subtitles"], logo=side_files["logo"]),
    )
    # Moments where a 25 fps source frame lands on a 30 fps rendition frame (0.5 s trimmed):
    # elsewhere the render's rate conversion may show the source frame before the one seeked to.
    for at in (0.3, 0.9):
        preview = pixels(library.frame(spec, at, ("subtitles", "logo")))
        assert difference(preview, frame_at(out, at, W, H)) < 6, at


def test_subtitle_hook_and_logo_show_at_their_times(library: Library) -> None:
    spec = full_spec()
    no_subtitles = spec.model_copy(update={"subtitles": None})
    no_hook = spec.model_copy(update={"overlays": ()})
    roles = ("subtitles", "logo")
    # 0.9 s into the rendition is 1.4 s of the source: the cue shows, the hook has gone.
    late = pixels(library.frame(spec, 0.9, roles))
    assert difference(late[BOTTOM], pixels(library.frame(no_subtitles, 0.9, roles))[BOTTOM]) > 8
    assert difference(late[TOP], pixels(library.frame(no_hook, 0.9, roles))[TOP]) < 2
    # 0.3 s in is 0.8 s of the source: the hook shows, the cue has not begun.
    early = pixels(library.frame(spec, 0.3, roles))
    assert difference(early[TOP], pixels(library.frame(no_hook, 0.3, roles))[TOP]) > 8
    assert difference(early[BOTTOM], pixels(library.frame(no_subtitles, 0.3, roles))[BOTTOM]) < 2
    # The logo (red, opaque) is there all along.
    for frame in (early, late):
        assert np.abs(frame[LOGO_PATCH] - np.array([255, 0, 0])).mean() < 30


def test_a_time_past_the_end_is_refused(library: Library) -> None:
    with pytest.raises(InvalidInput) as raised:
        library.frame(EditSpec(trim=Trim(start_s=TRIM_S)), 5)
    assert "5 s is outside the video" in str(raised.value)


def test_a_missing_side_file_is_named(library: Library) -> None:
    gone = MediaAsset(
        filename="deleted-logo.png", storage_path="assets/nowhere.png", kind=AssetKind.image
    )
    with pytest.raises(InvalidInput) as raised:
        preview_frame(
            library.store,
            library.assets["master"],
            EditSpec(logo=Logo(asset_id=9)),
            small_profile(),
            at_s=1.0,
            side_files={"logo": gone},
        )
    assert "deleted-logo.png is missing" in str(raised.value)
