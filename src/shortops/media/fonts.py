"""Fonts for burned-in text: the bundled CJK font, fonts users add, and installed ones.

A style names a font family; this module finds the file (drawtext needs `fontfile=`) and its
directory (libass needs `fontsdir=`). Family names are read from the fonts' own name tables, so
no fontconfig is needed.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from shortops.config import get_settings
from shortops.media.errors import FontNotFound

BUNDLED_FONTS_DIR = Path(__file__).with_name("fonts")
DEFAULT_FAMILY = "Noto Sans SC"
BUNDLED_FONT_FILE = BUNDLED_FONTS_DIR / "NotoSansSC-Regular.otf"
SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
    Path("/Library/Fonts"),
    Path("/System/Library/Fonts"),
    Path("C:/Windows/Fonts"),
)
FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
_FAMILY_NAME_IDS = (1, 16)  # family, typographic family


@dataclass(frozen=True)
class Font:
    family: str
    path: Path

    @property
    def directory(self) -> Path:
        return self.path.parent


def bundled_font() -> Font:
    """The Noto Sans SC subset shipped with shortops."""
    return Font(family=DEFAULT_FAMILY, path=BUNDLED_FONT_FILE)


def user_fonts_dir() -> Path:
    """Where users put extra font files: `fonts/` in the shortops home directory."""
    return get_settings().home / "fonts"


def find_font(family: str | None, *, search_dirs: Sequence[Path] | None = None) -> Font:
    """The font file of `family` (None: the bundled font); refuses a family that is not found."""
    if family is None or family.strip().casefold() == DEFAULT_FAMILY.casefold():
        return bundled_font()
    dirs = tuple(search_dirs) if search_dirs is not None else default_search_dirs()
    found = _installed_families(dirs).get(family.strip().casefold())
    if found is None:
        raise FontNotFound(family=family, default=DEFAULT_FAMILY, fonts_dir=str(dirs[0]))
    return found


def default_search_dirs() -> tuple[Path, ...]:
    """The user fonts directory first, then the usual system locations."""
    return (user_fonts_dir(), *SYSTEM_FONT_DIRS)


@lru_cache(maxsize=4)
def _installed_families(dirs: tuple[Path, ...]) -> dict[str, Font]:
    families: dict[str, Font] = {}
    for path in _font_files(dirs):
        for family in font_families(path):
            families.setdefault(family.casefold(), Font(family=family, path=path))
    return families


def _font_files(dirs: Sequence[Path]) -> Iterator[Path]:
    for directory in dirs:
        if directory.is_dir():
            for path in sorted(directory.rglob("*")):
                if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
                    yield path


def font_families(path: Path) -> set[str]:
    """Family names in an OpenType/TrueType font or collection; empty when it is not a font."""
    try:
        with path.open("rb") as handle:
            return {name for offset in _face_offsets(handle) for name in _names(handle, offset)}
    except (OSError, struct.error, UnicodeDecodeError):
        return set()


def _face_offsets(handle: BinaryIO) -> list[int]:
    tag = handle.read(4)
    if tag != b"ttcf":
        return [0]
    handle.seek(8)
    (count,) = struct.unpack(">I", handle.read(4))
    return list(struct.unpack(f">{count}I", handle.read(4 * count)))


def _names(handle: BinaryIO, face_offset: int) -> Iterator[str]:
    handle.seek(face_offset + 4)
    (table_count,) = struct.unpack(">H", handle.read(2))
    handle.seek(face_offset + 12)
    for _ in range(table_count):
        tag, _checksum, offset, _length = struct.unpack(">4sIII", handle.read(16))
        if tag == b"name":
            yield from _name_records(handle, offset)
            return


def _name_records(handle: BinaryIO, table_offset: int) -> Iterator[str]:
    handle.seek(table_offset)
    _format, count, strings_offset = struct.unpack(">HHH", handle.read(6))
    records = [struct.unpack(">HHHHHH", handle.read(12)) for _ in range(count)]
    for platform, _encoding, _language, name_id, length, offset in records:
        if name_id not in _FAMILY_NAME_IDS or platform not in (0, 1, 3):
            continue
        handle.seek(table_offset + strings_offset + offset)
        raw = handle.read(length)
        yield raw.decode("mac_roman") if platform == 1 else raw.decode("utf-16-be")
