"""Media fixtures made once per test session with FFmpeg's lavfi sources (nothing binary in git)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.media import flows
from shortops.media.store import MediaStore
from shortops.models import MediaAsset, Role, User, Workspace
from tests import factories

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
