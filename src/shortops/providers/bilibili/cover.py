"""What a cover image is, read from its header (no image library needed).

Bilibili takes JPEG or PNG covers up to 5 MB and at least 960×600 (landscape), and recommends
1146×717 or more (API_CONTRACTS.md §5.2, CONSTRAINTS.md). Reading the size from the file's
header is enough to check that before anything is uploaded.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

# JPEG start-of-frame markers (baseline, progressive …); C4, C8 and CC are other segments.
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
# Frame headers come before the image data, after the metadata segments (EXIF can be large).
HEADER_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ImageFacts:
    content_type: str  # image/jpeg | image/png
    width: int
    height: int


def image_facts(path: Path) -> ImageFacts | None:
    """Type and size of a JPEG or PNG file; None for anything else or a broken header."""
    try:
        with open(path, "rb") as file:
            head = file.read(24)
            if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
                width, height = struct.unpack(">II", head[16:24])
                return ImageFacts("image/png", width, height)
            if head.startswith(b"\xff\xd8"):
                file.seek(2)
                return _jpeg(file.read(HEADER_BYTES))
    except OSError:
        return None
    return None


def _jpeg(data: bytes) -> ImageFacts | None:
    at = 0
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker in _STANDALONE:
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if marker in _SOF and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return ImageFacts("image/jpeg", width, height)
        if marker == 0xDA or length < 2:  # image data before any frame header: broken
            return None
        at += 2 + length
    return None
