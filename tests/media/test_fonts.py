"""Fonts: the bundled CJK font is always there; other families are found or clearly refused."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from shortops.media.errors import FontNotFound
from shortops.media.fonts import (
    BUNDLED_FONT_FILE,
    BUNDLED_FONTS_DIR,
    DEFAULT_FAMILY,
    bundled_font,
    find_font,
    font_families,
    user_fonts_dir,
)


def test_the_bundled_font_and_its_licence_ship_together() -> None:
    assert font_families(BUNDLED_FONT_FILE) == {"Noto Sans SC"}
    assert (BUNDLED_FONTS_DIR / "OFL.txt").read_text().count("SIL OPEN FONT LICENSE") >= 1
    assert BUNDLED_FONT_FILE.stat().st_size < 3 * 1024 * 1024


def test_no_family_or_the_default_family_is_the_bundled_font() -> None:
    assert find_font(None) == bundled_font()
    assert find_font("noto sans sc").path == BUNDLED_FONT_FILE
    assert bundled_font().directory == BUNDLED_FONTS_DIR


def name_only_font(family: str) -> bytes:
    """The smallest sfnt the family lookup reads: a table directory with one `name` table."""
    encoded = family.encode("utf-16-be")
    name_table = struct.pack(">HHH", 0, 1, 6 + 12) + struct.pack(
        ">HHHHHH", 3, 1, 0x409, 1, len(encoded), 0
    )
    header = struct.pack(">IHHHH", 0x00010000, 1, 16, 0, 0)
    directory = struct.pack(">4sIII", b"name", 0, 12 + 16, len(name_table) + len(encoded))
    return header + directory + name_table + encoded


def test_a_family_is_found_in_the_user_fonts_directory(tmp_path: Path) -> None:
    fonts = tmp_path / "fonts"
    (fonts / "nested").mkdir(parents=True)
    (fonts / "nested" / "Brand.ttf").write_bytes(name_only_font("Brand Sans"))
    (fonts / "broken.ttf").write_bytes(b"not a font")
    assert find_font("brand sans", search_dirs=[fonts]).path == fonts / "nested" / "Brand.ttf"
    assert font_families(fonts / "broken.ttf") == set()
    shutil.copy(BUNDLED_FONT_FILE, fonts / "Copy.otf")
    found = find_font(DEFAULT_FAMILY.upper(), search_dirs=[fonts])
    assert found.path == BUNDLED_FONT_FILE  # the default family is always the bundled file


def test_a_missing_family_is_refused_with_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(FontNotFound) as caught:
        find_font("Comic Neue Mono", search_dirs=[tmp_path])
    message = str(caught.value)
    assert "The font “Comic Neue Mono” is not installed" in message
    assert "bundled “Noto Sans SC”" in message
    assert str(tmp_path) in message


def test_user_fonts_live_in_the_home_directory() -> None:
    assert user_fonts_dir().name == "fonts"
    assert user_fonts_dir().parent.name == "home"  # SHORTOPS_HOME from the test fixture
