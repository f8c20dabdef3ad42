"""`shortops media …` through Typer's runner, against the test database."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shortops.cli.main import app
from shortops.config import Settings
from shortops.models import MediaAsset, Rendition, RenditionStatus
from tests.media_library.conftest import Media, Team

runner = CliRunner()


def test_import_prints_ids_and_knows_duplicates(
    settings: Settings, session: Session, team: Team, media: Media
) -> None:
    result = runner.invoke(app, ["media", "import", str(media.video), str(media.audio)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2 and lines[0].endswith("clip.mp4\timported")
    again = runner.invoke(app, ["media", "import", str(media.video)])
    assert again.exit_code == 0
    assert "already in the library" in again.stdout
    assert again.stdout.split("\t")[0] == lines[0].split("\t")[0]
    assert session.scalar(select(func.count()).select_from(MediaAsset)) == 2


def test_import_refuses_non_media_and_goes_on(
    settings: Settings, session: Session, team: Team, media: Media
) -> None:
    result = runner.invoke(app, ["media", "import", str(media.not_media), str(media.image)])
    assert result.exit_code == 1
    assert "fake.mp4 is not a video" in result.stderr
    assert "logo.png\timported" in result.stdout
    assert session.scalar(select(func.count()).select_from(MediaAsset)) == 1


def test_list_shows_facts(settings: Settings, team: Team, media: Media) -> None:
    runner.invoke(app, ["media", "import", str(media.video)])
    result = runner.invoke(app, ["media", "list"])
    assert result.exit_code == 0
    assert "clip.mp4" in result.stdout and "540×960" in result.stdout
    assert "h264 aac" in result.stdout and "1 files" in result.stdout


def test_render_with_an_unknown_platform_is_refused(
    settings: Settings, team: Team, media: Media
) -> None:
    result = runner.invoke(app, ["media", "render", str(media.video), "--platform", "myspace"])
    assert result.exit_code == 1
    assert "myspace" in result.stderr and "tiktok" in result.stderr


def test_render_outside_the_platforms_limits_is_refused(
    settings: Settings, session: Session, team: Team, media: Media
) -> None:
    result = runner.invoke(app, ["media", "render", str(media.other_video), "--platform", "tiktok"])
    assert result.exit_code == 1
    assert "TikTok" in result.stderr or "other.mp4" in result.stderr
    assert session.scalar(select(func.count()).select_from(Rendition)) == 0


def test_render_json_contract(
    settings: Settings, session: Session, team: Team, media: Media, tmp_path: Path
) -> None:
    out = tmp_path / "for-tiktok.mp4"
    args = ["media", "render", str(media.video), "--platform", "tiktok", "--json"]
    result = runner.invoke(
        app,
        [*args, "--caption", "Hello 你好", "--subtitles", str(media.subtitles), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {
        "rendition_id", "sha256", "output", "duration_s", "width", "height", "covers",
    }  # fmt: skip
    assert payload["covers"] == {}  # covers only with --cover
    assert payload["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert payload["output"] == str(out.resolve()) and out.stat().st_size > 0
    assert (payload["width"], payload["height"]) == (1080, 1920)
    assert payload["duration_s"] == pytest.approx(3.2, abs=0.15)
    rendition = session.scalar(select(Rendition))
    assert rendition is not None and rendition.status == RenditionStatus.ready
    assert payload["rendition_id"] == rendition.id
    assert rendition.spec["overlays"][0]["style"]["position"] == "bottom"
    # The same render again is the same rendition: nothing is rendered twice.
    again = runner.invoke(
        app,
        [
            "media",
            "render",
            str(media.video),
            "--platform",
            "tiktok",
            "--caption",
            "Hello 你好",
            "--subtitles",
            str(media.subtitles),
        ],
    )
    assert again.exit_code == 0, again.output
    assert again.stdout.strip().endswith(f"renditions/{rendition.key}.mp4")
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Rendition)) == 1


def test_render_takes_the_subtitle_style_from_flags(
    settings: Settings, session: Session, team: Team, media: Media
) -> None:
    args = ["media", "render", str(media.video), "--platform", "tiktok", "--json",
            "--subtitles", str(media.subtitles)]  # fmt: skip
    styled = [*args, "--subtitle-size", "72", "--subtitle-position", "top",
              "--subtitle-color", "#FFE000"]  # fmt: skip
    result = runner.invoke(app, styled)
    assert result.exit_code == 0, result.output
    rendition = session.scalar(select(Rendition))
    assert rendition is not None
    style = rendition.spec["subtitles"]["style"]
    assert (style["size"], style["position"], style["color"]) == (72, "top", "#FFE000")
    for bad, said in (
        (["--subtitle-position", "left"], "--subtitle-position must be bottom, center or top"),
        (["--subtitle-color", "yellow"], "--subtitle-color must be #RRGGBB"),
    ):
        refused = runner.invoke(app, [*args, *bad])
        assert refused.exit_code != 0 and said in refused.output, refused.output
