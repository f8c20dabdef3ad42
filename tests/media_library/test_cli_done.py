"""The media feature's "Done when", from the command line.

The installed `shortops` in a subprocess with its own SHORTOPS_HOME (after `shortops init`), as a
user runs it: one master, Chinese subtitles, a logo and music rendered for TikTok, YouTube Shorts
and Bilibili with covers; each output is checked with FFmpeg for its platform's rules and for the
edit being in the pictures and the sound. The same render asked for again is the one already made.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from shortops.media.profiles import BUILTIN_PROFILES, PlatformProfile
from tests.e2e.live import server_env
from tests.media_library.conftest import (
    OFF_GREY,
    SUBTITLED_AT_S,
    ZH_SUBTITLES,
    ProduceMedia,
    assert_produced,
    assert_subtitles_burnt_in,
    assert_valid_cover,
    subtitle_band,
)

PLATFORMS = ("tiktok", "youtube_shorts", "bilibili")
EMAIL = "cli-producer@example.com"
PASSWORD = "violet-harbor-42"
RUN_TIMEOUT_S = 300


@dataclass(frozen=True)
class Cli:
    home: Path

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        # Wide, so Rich neither wraps messages nor cuts table columns.
        env = {**server_env(self.home), "COLUMNS": "250"}
        return subprocess.run(
            [sys.executable, "-m", "shortops", *args],
            env=env,
            cwd=self.home.parent,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT_S,
            check=False,
        )

    def ok(self, *args: str) -> str:
        completed = self.run(*args)
        assert completed.returncode == 0, (
            f"shortops {' '.join(args)} exited {completed.returncode}:\n"
            f"{completed.stdout}\n{completed.stderr}"
        )
        return completed.stdout

    def render(self, media: ProduceMedia, platform: str, *extra: str) -> dict[str, Any]:
        """`shortops media render` with the subtitles, logo and music; its --json answer."""
        stdout = self.ok(
            "media", "render", str(media.video), "--platform", platform,
            "--subtitles", str(media.subtitles), "--logo", str(media.logo),
            "--music", str(media.music), "--cover", "--json", *extra,
        )  # fmt: skip
        payload: dict[str, Any] = json.loads(stdout)
        return payload


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    home = tmp_path_factory.mktemp("produce-cli") / "home"
    home.mkdir()
    cli = Cli(home)
    cli.ok("init", "--email", EMAIL, "--password", PASSWORD, "--workspace", "Studio")
    return cli


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("produce-cli-out")


@pytest.fixture(scope="module")
def renders(cli: Cli, produce_media: ProduceMedia, out_dir: Path) -> dict[str, dict[str, Any]]:
    """Each platform's --json answer of `media render … --out DIR/<platform>.mp4`."""
    return {
        platform: cli.render(produce_media, platform, "--out", str(out_dir / f"{platform}.mp4"))
        for platform in PLATFORMS
    }


def _profile(platform: str) -> PlatformProfile:
    return BUILTIN_PROFILES[platform]


def _files_under(home: Path) -> Iterator[tuple[str, int, int]]:
    for path in sorted(home.rglob("*")):
        if path.suffix in (".mp4", ".jpg") and path.is_file():
            stat = path.stat()
            yield str(path), stat.st_size, stat.st_mtime_ns


def _library_row(listing: str, filename: str) -> str:
    rows = [line for line in listing.splitlines() if f" {filename} " in line]
    assert len(rows) == 1, listing
    return rows[0]


def test_render_for_three_platforms_with_subtitles_logo_music_and_covers(
    renders: dict[str, dict[str, Any]], out_dir: Path
) -> None:
    for platform, payload in renders.items():
        profile = _profile(platform)
        out = out_dir / f"{platform}.mp4"
        assert set(payload) == {
            "rendition_id", "sha256", "output", "duration_s", "width", "height", "covers",
        }  # fmt: skip
        assert payload["output"] == str(out.resolve())
        assert payload["sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
        assert (payload["width"], payload["height"]) == (profile.width, profile.height)
        assert payload["duration_s"] == pytest.approx(6.0, abs=0.2)
        assert_produced(out, profile)
        # Every cover of the profile, copied next to the output as <stem>.cover-<name>.jpg.
        assert set(payload["covers"]) == {size.name for size in profile.covers}, platform
        for size in profile.covers:
            cover = out.with_name(f"{platform}.cover-{size.name}.jpg")
            assert payload["covers"][size.name] == str(cover.resolve())
            assert_valid_cover(cover, size)
    assert {c for p in renders.values() for c in p["covers"]} == {"portrait", "landscape"}


def test_the_same_render_again_is_the_one_already_made(
    cli: Cli,
    produce_media: ProduceMedia,
    renders: dict[str, dict[str, Any]],
) -> None:
    listing = cli.ok("media", "list")
    # TikTok and YouTube Shorts resolve to the same encode: one file serves both.
    assert renders["tiktok"]["rendition_id"] == renders["youtube_shorts"]["rendition_id"]
    assert renders["tiktok"]["sha256"] == renders["youtube_shorts"]["sha256"]
    assert "2/2 ready" in _library_row(listing, produce_media.video.name), listing
    made = list(_files_under(cli.home))
    for platform, first in renders.items():
        again = cli.render(produce_media, platform)
        # Without --out: the library's own file, byte for byte the one copied out the first time.
        output = Path(again["output"])
        assert output.read_bytes() == Path(first["output"]).read_bytes(), platform
        assert (again["width"], again["height"], again["duration_s"]) == (
            first["width"],
            first["height"],
            first["duration_s"],
        )
        assert set(again["covers"]) == set(first["covers"])
        for name, path in again["covers"].items():
            assert Path(path).read_bytes() == Path(first["covers"][name]).read_bytes()
        # And a second call reports that very file.
        assert cli.render(produce_media, platform)["output"] == again["output"]
    # Nothing was rendered or written again, and the library holds no more renditions.
    assert list(_files_under(cli.home)) == made
    assert cli.ok("media", "list") == listing


def test_gbk_subtitles_are_decoded_not_mojibake(
    cli: Cli,
    produce_media: ProduceMedia,
    renders: dict[str, dict[str, Any]],
    tmp_path: Path,
) -> None:
    # Windows tools in China save subtitles as GBK; the same lines must burn in as the same text.
    gbk = tmp_path / "subtitles-gbk.srt"
    gbk.write_bytes(ZH_SUBTITLES.encode("gbk"))
    with pytest.raises(UnicodeDecodeError):
        gbk.read_bytes().decode("utf-8")
    out = tmp_path / "tiktok-gbk.mp4"
    stdout = cli.ok(
        "media", "render", str(produce_media.video), "--platform", "tiktok",
        "--subtitles", str(gbk), "--json", "--out", str(out),
    )  # fmt: skip
    assert json.loads(stdout)["output"] == str(out.resolve())
    profile = _profile("tiktok")
    assert_subtitles_burnt_in(out, profile)
    # Pixel for pixel the text of the UTF-8 file's rendition (mis-decoded bytes would be other,
    # Latin, glyphs: thousands of pixels apart).
    from_gbk = subtitle_band(out, SUBTITLED_AT_S, profile)
    from_utf8 = subtitle_band(Path(renders["tiktok"]["output"]), SUBTITLED_AT_S, profile)
    differing = int((np.abs(from_gbk - from_utf8).max(axis=2) > OFF_GREY).sum())
    assert differing < 200, f"{differing} pixels of the subtitles differ from the UTF-8 ones"


def test_a_broken_timestamp_is_refused_naming_its_line(
    cli: Cli, produce_media: ProduceMedia, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.srt"
    # Line 6: letter O for zero, as a hand-edited file has it.
    broken.write_text(ZH_SUBTITLES.replace("00:00:03,500", "00:00:03,5OO"), encoding="utf-8")
    before = cli.ok("media", "list")
    completed = cli.run(
        "media", "render", str(produce_media.video), "--platform", "tiktok",
        "--subtitles", str(broken), "--json",
    )  # fmt: skip
    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert completed.stdout == ""
    message = " ".join(completed.stderr.split())
    assert "broken.srt, line 6:" in message, message
    assert "00:00:03,5OO --> 00:00:05,000" in message, message
    assert "Traceback" not in completed.stderr
    # Refused before anything was rendered or added.
    assert cli.ok("media", "list") == before
