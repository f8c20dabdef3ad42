"""The render head start: FFmpeg starts before the library files the inputs, and is adopted by
the rendition only when it renders exactly what the rendition asks; otherwise it leaves nothing."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shortops.cli.main import app
from shortops.config import Settings
from shortops.db.session import session_scope
from shortops.media import runner as ffmpeg_runner
from shortops.media.headstart import HeadStart
from shortops.media.probe import probe
from shortops.media.profiles import BUILTIN_PROFILES
from shortops.media.render import RenderFiles
from shortops.media.spec import Cover, EditSpec, Music, TextOverlay
from shortops.models import MediaAsset, Rendition, RenditionStatus
from tests.media_library.conftest import Media, Team

runner = CliRunner()
TIKTOK = BUILTIN_PROFILES["tiktok"]
NO_COVER = Cover(enabled=False)


def assert_tiktok_ready(path: Path) -> None:
    info = probe(path)
    assert info.video is not None and info.audio is not None
    assert (info.video.display_width, info.video.display_height) == (TIKTOK.width, TIKTOK.height)
    assert info.duration_s == pytest.approx(3.2, abs=0.15)  # the master's length


def leftovers(settings: Settings) -> list[str]:
    folder = settings.resolved_media_dir / "tmp"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.fixture
def encodes(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Each FFmpeg run, with how many assets the library held when it started and its exit code."""
    seen: list[dict[str, Any]] = []
    real = ffmpeg_runner._supervise

    def watched(argv: list[str], *args: Any, **kwargs: Any) -> tuple[int, list[str]]:
        with session_scope(settings) as session:
            assets = session.scalar(select(func.count()).select_from(MediaAsset))
        entry: dict[str, Any] = {"assets_at_start": assets, "returncode": None}
        seen.append(entry)
        returncode, tail = real(argv, *args, **kwargs)
        entry["returncode"] = returncode
        return returncode, tail

    monkeypatch.setattr(ffmpeg_runner, "_supervise", watched)
    return seen


def render_args(media: Media, *extra: str) -> list[str]:
    return [
        "media", "render", str(media.video), "--platform", "tiktok",
        "--caption", "Head start", "--music", str(media.audio), *extra,
    ]  # fmt: skip


def test_the_encoder_starts_before_the_library_has_the_files(
    settings: Settings,
    session: Session,
    team: Team,
    media: Media,
    encodes: list[dict[str, Any]],
    tmp_path: Path,
) -> None:
    result = runner.invoke(app, render_args(media, "--out", str(tmp_path / "out.mp4")))
    assert result.exit_code == 0, result.output
    assert len(encodes) == 1  # one encode, adopted by the rendition: nothing rendered twice
    assert encodes[0]["assets_at_start"] == 0 and encodes[0]["returncode"] == 0
    rendition = session.scalar(select(Rendition))
    assert rendition is not None and rendition.status == RenditionStatus.ready
    assert rendition.spec["music"]["asset_id"] is not None  # the rendition names library files
    assert session.scalar(select(func.count()).select_from(MediaAsset)) == 2
    assert_tiktok_ready(tmp_path / "out.mp4")
    assert leftovers(settings) == []


def test_a_cached_rendition_stops_the_head_start_and_leaves_nothing(
    settings: Settings, session: Session, team: Team, media: Media, encodes: list[dict[str, Any]]
) -> None:
    first = runner.invoke(app, render_args(media))
    assert first.exit_code == 0, first.output
    again = runner.invoke(app, render_args(media))
    assert again.exit_code == 0, again.output
    assert again.stdout == first.stdout
    assert len(encodes) == 2 and encodes[1]["returncode"] is None  # started, then stopped
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Rendition)) == 1
    assert leftovers(settings) == []


def test_a_refused_render_stops_the_head_start(
    settings: Settings, session: Session, team: Team, media: Media
) -> None:
    result = runner.invoke(app, ["media", "render", str(media.other_video), "--platform", "tiktok"])
    assert result.exit_code == 1
    assert session.scalar(select(func.count()).select_from(Rendition)) == 0
    assert leftovers(settings) == []


def head_start(media: Media, master: Path, out: Path, caption: str = "A") -> HeadStart:
    spec = EditSpec(
        overlays=(TextOverlay(text=caption),), music=Music(path=str(media.audio)), cover=NO_COVER
    )
    head = HeadStart.begin(
        master, spec, TIKTOK, RenderFiles(music=media.audio), out, threads=1, timeout_s=120
    )
    assert head is not None
    return head


def test_a_head_start_serves_the_same_edit_named_by_asset_ids(media: Media, tmp_path: Path) -> None:
    head = head_start(media, media.video, tmp_path / "head.mp4")
    asked = EditSpec(overlays=(TextOverlay(text="A"),), music=Music(asset_id=7), cover=NO_COVER)
    result = head.adopt(
        media.video, asked, TIKTOK, tmp_path / "own.mp4", files=RenderFiles(music=media.audio)
    )
    assert result.output == tmp_path / "head.mp4"
    assert not (tmp_path / "own.mp4").exists()
    assert_tiktok_ready(result.output)


def test_a_head_start_of_another_edit_is_dropped_and_the_asked_one_rendered(
    media: Media, tmp_path: Path
) -> None:
    head = head_start(media, media.video, tmp_path / "head.mp4", caption="A")
    asked = EditSpec(overlays=(TextOverlay(text="B"),), music=Music(asset_id=7), cover=NO_COVER)
    result = head.adopt(
        media.video, asked, TIKTOK, tmp_path / "own.mp4", files=RenderFiles(music=media.audio)
    )
    assert result.output == tmp_path / "own.mp4"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["own.mp4"]


def test_a_head_start_without_the_asked_music_is_dropped(media: Media, tmp_path: Path) -> None:
    head = head_start(media, media.video, tmp_path / "head.mp4")
    asked = EditSpec(overlays=(TextOverlay(text="A"),), cover=NO_COVER)
    result = head.adopt(media.video, asked, TIKTOK, tmp_path / "own.mp4")
    assert result.output == tmp_path / "own.mp4"
    assert not (tmp_path / "head.mp4").exists()


def test_an_input_changed_during_the_head_start_is_rendered_again(
    media: Media, tmp_path: Path
) -> None:
    master = tmp_path / "master.mp4"
    shutil.copyfile(media.video, master)
    head = head_start(media, master, tmp_path / "head.mp4")
    later = master.stat().st_mtime_ns + 5_000_000_000
    os.utime(master, ns=(later, later))
    asked = EditSpec(overlays=(TextOverlay(text="A"),), music=Music(asset_id=7), cover=NO_COVER)
    result = head.adopt(
        master, asked, TIKTOK, tmp_path / "own.mp4", files=RenderFiles(music=media.audio)
    )
    assert result.output == tmp_path / "own.mp4"
    assert not (tmp_path / "head.mp4").exists()


def test_no_head_start_for_a_file_ffmpeg_cannot_read(media: Media, tmp_path: Path) -> None:
    spec = EditSpec()
    out = tmp_path / "head.mp4"
    head = HeadStart.begin(
        media.not_media, spec, TIKTOK, RenderFiles(), out, threads=1, timeout_s=5
    )
    assert head is None
    assert list(tmp_path.iterdir()) == []


def test_cancelling_a_head_start_stops_ffmpeg_and_removes_its_file(
    media: Media, tmp_path: Path
) -> None:
    with head_start(media, media.video, tmp_path / "head.mp4"):
        pass  # leaving the block without adopting it cancels it
    assert list(tmp_path.iterdir()) == []
