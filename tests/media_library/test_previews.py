"""Library previews: the short clip behind the hover preview, and the frame preview of the form."""

from __future__ import annotations

import base64
import re
import subprocess
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from shortops.media.previews import make_preview_clip
from shortops.media.probe import probe
from shortops.media.render import moov_before_mdat
from shortops.media.store import MediaStore
from shortops.models import AssetKind, MediaAsset
from tests import factories
from tests.media_library.conftest import FFMPEG, ImportFn, Media, Team, ffmpeg

TIKTOK = (1920, 1080)  # rows, columns of a TikTok frame


def _signed_in(app: Any, email: str) -> TestClient:
    client = TestClient(app)
    factories.login(client, email)
    return client


def _centre_colour(video: Path, at_s: float) -> NDArray[np.int16]:
    """The mean RGB of the middle of the frame at `at_s`."""
    completed = subprocess.run(
        [FFMPEG, "-v", "error", "-ss", str(at_s), "-i", str(video), "-frames:v", "1",
         "-vf", "crop=iw/4:ih/4,scale=4:4", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True,
        check=True,
    )  # fmt: skip
    pixels = np.frombuffer(completed.stdout, dtype=np.uint8).reshape(-1, 3)
    return pixels.mean(axis=0).astype(np.int16)


@pytest.fixture(scope="module")
def red_then_green(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """15 s, 640×360: red for 5 s, then green; with sound."""
    path = tmp_path_factory.mktemp("long") / "long.mp4"
    ffmpeg(
        "-f", "lavfi", "-i",
        "color=red:s=640x360:r=25:d=5[a];color=lime:s=640x360:r=25:d=10[b];"
        "[a][b]concat=n=2:v=1:a=0[out0]",
        "-f", "lavfi", "-i", "sine=duration=15",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        "-shortest", str(path),
    )  # fmt: skip
    return path


# --- the preview clip ----------------------------------------------------------------------------


def test_import_makes_a_small_muted_clip_of_a_short_video(
    store: MediaStore, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)  # 3.2 s, 540×960, with sound
    clip = store.path(store.preview_path(asset.sha256))
    info = probe(clip)
    assert info.audio is None
    assert info.video is not None and info.video.codec == "h264"
    assert info.video.pix_fmt == "yuv420p"
    assert (info.video.display_width, info.video.display_height) == (202, 360)
    # Shorter than a clip plus a third: all of it, from the start.
    assert info.duration_s == pytest.approx(3.2, abs=0.1)
    assert moov_before_mdat(clip)


def test_the_clip_of_a_long_video_is_four_seconds_from_a_third_in(
    store: MediaStore, red_then_green: Path, import_asset: ImportFn
) -> None:
    asset = import_asset(red_then_green)
    clip = store.path(store.preview_path(asset.sha256))
    info = probe(clip)
    assert info.duration_s == pytest.approx(4, abs=0.1)
    assert info.video is not None
    assert (info.video.display_width, info.video.display_height) == (360, 202)
    # It starts at 5 s, where the red turns green.
    red, green = _centre_colour(clip, 0), _centre_colour(clip, 3.5)
    assert green[1] > 200 and green[0] < 40
    assert red[1] > 200, "the clip should start after the red part"


def test_a_clip_that_cannot_be_made_leaves_no_file(
    session: Session, store: MediaStore, team: Team, media: Media
) -> None:
    stored = store.put_file(media.not_media, ext=".mp4")
    asset = MediaAsset(
        workspace_id=team.workspace.id,
        sha256=stored.sha256,
        filename="fake.mp4",
        content_type="video/mp4",
        kind=AssetKind.video,
        size_bytes=stored.size_bytes,
        storage_path=stored.relative_path,
        duration_s=12.0,
        probe={},
    )
    assert make_preview_clip(store, asset) is False
    folder = store.root / "previews"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_the_clip_is_served_and_made_when_missing(
    app: Any, store: MediaStore, team: Team, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    clip = store.path(store.preview_path(asset.sha256))
    clip.unlink()
    viewer = _signed_in(app, team.viewer.email)
    url = f"/produce/assets/{asset.id}/preview"
    response = viewer.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "video/mp4"
    assert response.content[4:8] == b"ftyp" and clip.is_file()
    # Browsers ask for ranges of a video.
    part = viewer.get(url, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100
    image = import_asset(media.image)
    assert viewer.get(f"/produce/assets/{image.id}/preview").status_code == 404


def test_library_and_asset_pages_show_the_previews(
    app: Any, team: Team, media: Media, import_asset: ImportFn
) -> None:
    video = import_asset(media.video)
    image = import_asset(media.image)
    viewer = _signed_in(app, team.viewer.email)
    library = viewer.get("/produce").text
    assert f'data-preview-src="/produce/assets/{video.id}/preview"' in library
    assert f"/produce/assets/{image.id}/preview" not in library
    assert '<script src="/static/media.js" defer></script>' in library
    script = viewer.get("/static/media.js")
    assert script.status_code == 200
    assert "previewSrc" in script.text and "htmx:beforeSwap" in script.text
    page = viewer.get(f"/produce/assets/{video.id}").text
    assert f'<video src="/produce/assets/{video.id}/preview"' in page
    assert f'<img src="/produce/assets/{video.id}/poster"' in page
    # Viewers see the previews but not the render form with its frame preview.
    assert "preview-frame" not in page


def test_deleting_the_last_copy_deletes_its_previews(
    app: Any, store: MediaStore, team: Team, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    previews = [
        store.path(store.poster_path(asset.sha256)),
        store.path(store.preview_path(asset.sha256)),
    ]
    assert all(path.is_file() for path in previews)
    editor = _signed_in(app, team.editor.email)
    token = factories.csrf(editor, f"/produce/assets/{asset.id}")
    editor.post(f"/produce/assets/{asset.id}/delete", data={"csrf_token": token})
    assert not any(path.exists() for path in previews)


# --- the frame preview ----------------------------------------------------------------------------


def _jpeg_in(fragment: str) -> NDArray[np.int16]:
    match = re.search(r'src="data:image/jpeg;base64,([^"]+)"', fragment)
    assert match, fragment
    return _pixels(base64.b64decode(match.group(1)))


def _pixels(jpeg: bytes) -> NDArray[np.int16]:
    picture = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
    assert picture is not None, "not a JPEG"
    return picture[:, :, ::-1].astype(np.int16)


def _difference(a: NDArray[np.int16], b: NDArray[np.int16]) -> float:
    return float(np.abs(a - b).mean())


class FramePreview:
    """Posts the render form to the frame preview the way the page's htmx does."""

    def __init__(self, client: TestClient, asset_id: int) -> None:
        self.client = client
        self.url = f"/produce/assets/{asset_id}/preview-frame"
        page = client.get(f"/produce/assets/{asset_id}")
        self.token = factories.csrf_from(page.text)

    def post(self, htmx: bool = True, **fields: str) -> Any:
        data = {"csrf_token": self.token, "checkboxes_shown": "1", "preview_profile": "tiktok"}
        headers = {"HX-Request": "true"} if htmx else {}
        return self.client.post(self.url, data={**data, **fields}, headers=headers)


def test_frame_preview_is_the_platforms_size_with_the_logo(
    app: Any, team: Team, media: Media, import_asset: ImportFn
) -> None:
    video = import_asset(media.video)
    logo = import_asset(media.image)  # red
    preview = FramePreview(_signed_in(app, team.editor.email), video.id)
    plain = preview.post(preview_at="1")
    assert plain.status_code == 200 and "<html" not in plain.text
    assert "TikTok at 1 s" in plain.text
    bare = _jpeg_in(plain.text)
    assert bare.shape[:2] == TIKTOK
    with_logo = _jpeg_in(preview.post(preview_at="1", logo_asset_id=str(logo.id)).text)
    # The logo: 15 % of the width (162 px), 40 px inside TikTok's safe area at the top right
    # (its top bar is 160 px, its button column 170 px): a 162 px square from (708, 200).
    patch = (slice(210, 352), slice(1080 - 210 - 152, 1080 - 210 - 10))
    assert np.abs(with_logo[patch] - np.array([255, 0, 0])).mean() < 60
    assert _difference(with_logo[patch], bare[patch]) > 40
    # Nothing under the platform's own buttons and tabs: those differ no more than the middle
    # of the frame, where nothing is drawn (laying a picture over shifts colours a little).
    untouched = _difference(with_logo[900:1100], bare[900:1100])
    for zone in ((slice(0, 160), slice(None)), (slice(None), slice(1080 - 170, None))):
        assert _difference(with_logo[zone], bare[zone]) < untouched + 2
    # Without htmx (no JavaScript), the JPEG itself.
    raw = preview.post(htmx=False, preview_at="1", preview_profile="youtube_shorts")
    assert raw.headers["content-type"] == "image/jpeg"
    assert _pixels(raw.content).shape[:2] == TIKTOK


def test_frame_preview_shows_the_subtitle_of_that_moment(
    app: Any, team: Team, media: Media, import_asset: ImportFn
) -> None:
    video = import_asset(media.video)
    subtitles = import_asset(media.subtitles)  # "Hello 你好" from 0 to 1.5 s
    preview = FramePreview(_signed_in(app, team.editor.email), video.id)
    # The line in the default style: 56 px high, 30 px above TikTok's caption band (the bottom
    # 440 px), centred between its side zones; nothing in the band itself.
    bottom = (slice(1380, 1450), slice(300, 700))
    band = (slice(1920 - 440, None), slice(None))
    for at, shown in (("1", True), ("0.5", True), ("2.5", False)):
        with_subtitles = _jpeg_in(
            preview.post(preview_at=at, subtitles_asset_id=str(subtitles.id)).text
        )
        without = _jpeg_in(preview.post(preview_at=at).text)
        difference = _difference(with_subtitles[bottom], without[bottom])
        assert (difference > 8) is shown, (at, difference)
        assert _difference(with_subtitles[band], without[band]) < 1


def test_frame_preview_errors_are_shown_in_the_pane_in_the_readers_language(
    app: Any, store: MediaStore, team: Team, media: Media, import_asset: ImportFn
) -> None:
    video = import_asset(media.video)
    logo = import_asset(media.image)
    client = _signed_in(app, team.editor.email)
    preview = FramePreview(client, video.id)
    late = preview.post(preview_at="9")
    assert late.status_code == 422 and "<html" not in late.text
    assert "The preview time 9 s is outside the video" in late.text and 'role="alert"' in late.text
    assert preview.post(preview_at="soon").status_code == 422
    store.path(logo.storage_path).unlink()
    missing = preview.post(preview_at="1", logo_asset_id=str(logo.id))
    assert missing.status_code == 422 and "logo.png is missing" in missing.text
    # Without JavaScript: the page again, with the message and the form as it was.
    page = preview.post(htmx=False, preview_at="9", hook_text="看到最后")
    assert page.status_code == 422 and "<html" in page.text
    assert "flash-error" in page.text and 'value="看到最后"' in page.text
    client.post(
        "/language", data={"language": "zh_Hans", "next": "/produce", "csrf_token": preview.token}
    )
    chinese = preview.post(preview_at="9")
    assert "预览时间 9 秒超出了视频范围" in chinese.text


def test_only_writers_preview_frames(
    app: Any, team: Team, media: Media, import_asset: ImportFn
) -> None:
    video = import_asset(media.video)
    viewer = _signed_in(app, team.viewer.email)
    token = factories.csrf(viewer, f"/produce/assets/{video.id}")
    response = viewer.post(
        f"/produce/assets/{video.id}/preview-frame",
        data={"csrf_token": token, "preview_at": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 403


def test_the_preview_shows_the_platforms_zones_and_the_subtitle_style(
    app: Any, team: Team, media: Media, import_asset: ImportFn
) -> None:
    video = import_asset(media.video)
    subtitles = import_asset(media.subtitles)
    preview = FramePreview(_signed_in(app, team.editor.email), video.id)
    zoned = preview.post(preview_at="1", safe_zones="on").text
    # TikTok's top bar (160 of 1920 px), caption band (440), button column (170 of 1080), edge.
    # Drawn as SVG rectangles in percent of the frame (the CSP refuses inline style attributes).
    for box in (
        'x="0" y="0" width="100" height="8.33"',
        'x="0" y="77.08" width="100" height="22.92"',
        'x="84.26" y="8.33" width="15.74" height="68.75"',
    ):
        assert f'<rect class="safe-zone" {box}/>' in zoned, box
    assert 'style="' not in zoned
    assert "covered by the platform" in zoned
    assert "safe-zone" not in preview.post(preview_at="1").text
    # Subtitles moved to the top, larger: drawn under the top bar, not at the bottom.
    at_top = _jpeg_in(
        preview.post(preview_at="1", subtitles_asset_id=str(subtitles.id),
                     subtitle_position="top", subtitle_size="90").text
    )  # fmt: skip
    without = _jpeg_in(preview.post(preview_at="1").text)
    below_bar = (slice(190, 300), slice(300, 700))
    assert _difference(at_top[below_bar], without[below_bar]) > 8
    assert _difference(at_top[1380:1450], without[1380:1450]) < 1
    refused = preview.post(preview_at="1", subtitles_asset_id=str(subtitles.id),
                           subtitle_color="yellow")  # fmt: skip
    assert refused.status_code == 422 and "is not a colour" in refused.text
