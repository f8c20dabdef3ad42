"""Media fixtures made once per test session with FFmpeg's lavfi sources (nothing binary in git)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import numpy as np
import pytest
from fastapi.testclient import TestClient
from numpy.typing import NDArray
from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.media import flows
from shortops.media.probe import MediaInfo, probe
from shortops.media.profiles import CoverSize, PlatformProfile
from shortops.media.store import MediaStore
from shortops.models import MediaAsset, Role, User, Workspace
from tests import factories
from tests.media.conftest import frame_at

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-v", "error", "-y", *args], check=True, capture_output=True)


@dataclass(frozen=True)
class Media:
    video: Path  # 3.2 s, 540×960 (portrait), 30 fps, H.264 + AAC: long enough for TikTok
    other_video: Path  # 1 s, 320×240, no sound: too small and too short for most platforms
    audio: Path  # 2 s of sine, AAC
    image: Path  # a PNG logo
    subtitles: Path  # SRT, UTF-8
    subtitles_gbk: Path  # SRT, GB18030 (as Chinese subtitle files often are)
    not_media: Path  # text pretending to be a video


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    folder = tmp_path_factory.mktemp("media")
    video = folder / "clip.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc2=size=540x960:rate=30:duration=3.2",
        "-f", "lavfi", "-i", "sine=frequency=440:duration=3.2",
        "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(video),
    )  # fmt: skip
    other = folder / "other.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25:duration=1",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", str(other),
    )  # fmt: skip
    audio = folder / "music.m4a"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=220:duration=2", "-c:a", "aac", str(audio))
    image = folder / "logo.png"
    ffmpeg("-f", "lavfi", "-i", "color=c=red:size=64x64", "-frames:v", "1", str(image))
    subtitles = folder / "subs.srt"
    subtitles.write_text("1\n00:00:00,000 --> 00:00:01,500\nHello 你好\n", encoding="utf-8")
    subtitles_gbk = folder / "subs-gbk.srt"
    subtitles_gbk.write_bytes("1\n00:00:00,000 --> 00:00:01,000\n你好，世界\n".encode("gb18030"))
    not_media = folder / "fake.mp4"
    not_media.write_text("this is not a video\n" * 100)
    return Media(video, other, audio, image, subtitles, subtitles_gbk, not_media)


@dataclass
class Team:
    workspace: Workspace
    owner: User
    editor: User
    viewer: User


@pytest.fixture
def team(session: Session) -> Team:
    owner = factories.create_user(session, email="owner@media.example")
    workspace = factories.create_workspace(session, owner=owner, name="Media Team")
    editor = factories.create_user(session, email="editor@media.example")
    viewer = factories.create_user(session, email="viewer@media.example")
    factories.add_member(session, workspace=workspace, user=editor, role=Role.editor)
    factories.add_member(session, workspace=workspace, user=viewer, role=Role.viewer)
    return Team(workspace, owner, editor, viewer)


@pytest.fixture
def store(settings: Settings) -> MediaStore:
    return MediaStore.from_settings(settings)


ImportFn = Callable[..., MediaAsset]


@pytest.fixture
def import_asset(session: Session, store: MediaStore, team: Team) -> ImportFn:
    """Import a file into the team's library through the real flow (commits)."""

    def do_import(path: Path, filename: str | None = None, **kwargs: Any) -> MediaAsset:
        asset, _created = flows.import_file(
            session,
            store=store,
            workspace_id=kwargs.get("workspace_id", team.workspace.id),
            source=path,
            filename=filename or path.name,
            created_by_id=team.owner.id,
        )
        session.commit()
        return asset

    return do_import


def api_headers(session: Session, user: User, workspace: Workspace) -> dict[str, str]:
    _token, secret = factories.create_token(session, user=user, workspace=workspace)
    return {"Authorization": f"Bearer {secret}"}


def upload_bytes(
    client: TestClient,
    base: str,
    headers: dict[str, str],
    data: bytes,
    *,
    filename: str = "clip.mp4",
    chunk: int = 64 * 1024,
    sha256: str | None = None,
) -> Any:
    """Upload `data` in chunks through the real endpoints; the last answer."""
    body: dict[str, Any] = {"filename": filename, "size": len(data)}
    if sha256:
        body["sha256"] = sha256
    created = client.post(f"{base}/uploads", json=body, headers=headers)
    assert created.status_code == 201, created.text
    upload_id = created.json()["id"]
    response = created
    for start in range(0, len(data), chunk):
        piece = data[start : start + chunk]
        response = client.put(
            f"{base}/uploads/{upload_id}",
            content=piece,
            headers={
                **headers,
                "Content-Range": f"bytes {start}-{start + len(piece) - 1}/{len(data)}",
            },
        )
        if response.status_code >= 400:
            return response
    return response


# --- the "Produce" acceptance criterion: a landscape master with Chinese subtitles, logo, music ---

# Cue 1 shows from 0.5 s to 2.5 s, cue 2 from 3.5 s to 5.0 s: a frame at 1.5 s carries subtitles,
# one at 3.0 s none.
ZH_SUBTITLES = (
    "1\n00:00:00,500 --> 00:00:02,500\n第一条字幕：欢迎来到我们的频道\n\n"
    "2\n00:00:03,500 --> 00:00:05,000\n第二条字幕：记得点赞和关注\n"
)
SUBTITLED_AT_S = 1.5
UNSUBTITLED_AT_S = 3.0
PRODUCE_DURATION_S = 6.0
GREY = 128
SINE_HZ = 440  # the master's own sound
MUSIC_HZ = 220


@dataclass(frozen=True)
class ProduceMedia:
    """The files of the Produce acceptance criterion, made with FFmpeg's lavfi sources.

    The master is flat grey except a moving test pattern in a band across the middle, so that
    after a 9:16 crop the top and bottom of every rendition are grey where nothing is laid over
    them: burnt-in subtitles (bottom) and the logo (top right) are easy to tell apart there.
    """

    video: Path  # 6 s, 1920×1080, 30 fps, H.264 + 440 Hz AAC
    subtitles: Path  # SRT, UTF-8, Chinese lines (ZH_SUBTITLES)
    logo: Path  # 200×100 PNG: an opaque red box on a fully transparent background
    music: Path  # 6 s of 220 Hz, AAC (.m4a)


def make_produce_media(folder: Path) -> ProduceMedia:
    video = folder / "master.mp4"
    ffmpeg(
        "-f", "lavfi", "-i", f"color=c=0x{GREY:02x}{GREY:02x}{GREY:02x}:size=1920x1080:rate=30",
        "-f", "lavfi", "-i", "testsrc2=size=640x270:rate=30",
        "-f", "lavfi", "-i", f"sine=frequency={SINE_HZ}:sample_rate=48000",
        "-filter_complex", "[0:v][1:v]overlay=x=640:y=405:shortest=1,format=yuv420p[v]",
        "-map", "[v]", "-map", "2:a", "-t", str(PRODUCE_DURATION_S),
        "-c:v", "libx264", "-preset", "veryfast", "-c:a", "aac", str(video),
    )  # fmt: skip
    logo = folder / "logo.png"
    inside = "between(X,20,179)*between(Y,20,79)"
    ffmpeg(
        "-f", "lavfi", "-i", "color=c=black:size=200x100",
        "-vf", f"format=rgba,geq=r=255:g=0:b=0:a='255*{inside}'",
        "-frames:v", "1", str(logo),
    )  # fmt: skip
    music = folder / "music.m4a"
    ffmpeg(
        "-f", "lavfi", "-i", f"sine=frequency={MUSIC_HZ}:duration={PRODUCE_DURATION_S}",
        "-c:a", "aac", str(music),
    )  # fmt: skip
    subtitles = folder / "subtitles-zh.srt"
    subtitles.write_text(ZH_SUBTITLES, encoding="utf-8")
    return ProduceMedia(video, subtitles, logo, music)


@pytest.fixture(scope="session")
def produce_media(tmp_path_factory: pytest.TempPathFactory) -> ProduceMedia:
    return make_produce_media(tmp_path_factory.mktemp("produce-media"))


# --- checking what came out: files a platform accepts, with the edit really in them ---------------

OFF_GREY = 48  # a channel this far from GREY is something laid over the grey
JPEG_START = b"\xff\xd8\xff"


def assert_valid_rendition(path: Path, profile: PlatformProfile) -> MediaInfo:
    """`path` is an MP4 `profile` accepts: its size, H.264 + AAC, about the master's duration."""
    info = probe(path)
    assert info.video is not None and info.audio is not None, f"{path.name}: {info}"
    assert "mp4" in info.format_name, info.format_name
    assert (info.video.display_width, info.video.display_height) == (
        profile.width,
        profile.height,
    ), f"{path.name} for {profile.slug}"
    assert info.video.codec == profile.video_codec == "h264"
    assert info.video.pix_fmt == profile.pixel_format
    assert info.audio.codec == profile.audio_codec == "aac"
    assert info.audio.sample_rate == profile.audio_rate
    assert info.duration_s == pytest.approx(PRODUCE_DURATION_S, abs=0.2)
    assert 0 < info.size_bytes <= profile.max_bytes
    if profile.faststart:
        head = path.read_bytes()
        assert 0 <= head.find(b"moov") < head.find(b"mdat"), f"{path.name}: moov after mdat"
    return info


def assert_valid_cover(path: Path, size: CoverSize) -> None:
    """`path` is a JPEG of the cover's size, within its byte limit."""
    assert path.read_bytes()[:3] == JPEG_START, f"{path.name} is not a JPEG"
    info = probe(path, exact=False)
    assert info.video is not None and info.video.codec == "mjpeg", f"{path.name}: {info}"
    assert (info.video.width, info.video.height) == (size.width, size.height), path.name
    assert 0 < info.size_bytes <= size.max_bytes


def _frame(path: Path, at_s: float, profile: PlatformProfile) -> NDArray[np.int16]:
    return frame_at(path, at_s, profile.width, profile.height)


def off_grey_pixels(region: NDArray[np.int16]) -> int:
    """How many pixels of `region` are not the master's grey (something is drawn there)."""
    return int((np.abs(region - GREY).max(axis=2) > OFF_GREY).sum())


def subtitle_band(path: Path, at_s: float, profile: PlatformProfile) -> NDArray[np.int16]:
    """The bottom third of the frame at `at_s`: grey in the master, subtitles in a rendition."""
    return _frame(path, at_s, profile)[profile.height * 2 // 3 :]


def assert_subtitles_burnt_in(path: Path, profile: PlatformProfile) -> None:
    """Text at the bottom while a cue shows, plain grey between cues."""
    shown = off_grey_pixels(subtitle_band(path, SUBTITLED_AT_S, profile))
    between = off_grey_pixels(subtitle_band(path, UNSUBTITLED_AT_S, profile))
    assert shown > 2000, f"{path.name}: no subtitle at {SUBTITLED_AT_S} s ({shown} pixels)"
    assert between < 100, f"{path.name}: something at the bottom between cues ({between})"


def assert_logo_top_right(path: Path, profile: PlatformProfile) -> None:
    """The red box of the logo sits in the top right, its transparent surround left out."""
    top = _frame(path, UNSUBTITLED_AT_S, profile)[: profile.height // 3]
    red = (top[..., 0] > 180) & (top[..., 1] < 90) & (top[..., 2] < 90)
    drawn = np.abs(top - GREY).max(axis=2) > OFF_GREY
    _, xs = np.nonzero(red)
    assert red.sum() > 1000, f"{path.name}: no logo ({int(red.sum())} red pixels)"
    assert xs.min() > profile.width // 2, f"{path.name}: the logo is not on the right"
    # An opaque (white or black) background around the box would be drawn too.
    assert (drawn & ~red).sum() < red.sum() // 4, f"{path.name}: the logo lost its transparency"


def tone_levels(path: Path, *frequencies: int) -> dict[int, float]:
    """The spectrum's peak near each frequency in the file's first audio stream (mono)."""
    rate = 48_000
    completed = subprocess.run(
        [FFMPEG, "-v", "error", "-nostdin", "-i", str(path), "-map", "0:a:0",
         "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"],
        capture_output=True,
        check=True,
    )  # fmt: skip
    samples = np.frombuffer(completed.stdout, dtype=np.float32)
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    hz = np.fft.rfftfreq(len(samples), 1 / rate)
    return {f: float(spectrum[np.abs(hz - f) < 5].max()) for f in frequencies}


def assert_music_mixed_in(path: Path) -> None:
    """The music's tone is heard under the master's own (at volume 0.2: about a fifth)."""
    levels = tone_levels(path, SINE_HZ, MUSIC_HZ)
    assert levels[SINE_HZ] > 0, f"{path.name}: the master's sound is gone"
    ratio = levels[MUSIC_HZ] / levels[SINE_HZ]
    assert ratio > 0.05, f"{path.name}: no music in the mix (220 Hz / 440 Hz = {ratio:.4f})"


def assert_produced(path: Path, profile: PlatformProfile) -> None:
    """A valid rendition for `profile` with the Chinese subtitles, the logo and the music."""
    assert_valid_rendition(path, profile)
    assert_subtitles_burnt_in(path, profile)
    assert_logo_top_right(path, profile)
    assert_music_mixed_in(path)
