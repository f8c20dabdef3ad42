"""Douyin's upload rules as pure functions (no I/O).

The documented rules (open.douyin.com, "上传视频" / "分片上传视频"):

- `upload_video` takes the whole file in one request, up to **128 MB**; Douyin recommends the
  part upload above **50 MB**, and it is mandatory above 128 MB;
- part upload: `init_video_part_upload` → `upload_video_part` (each part about 20 MB
  recommended, at least 5 MB except the last) → `complete_video_part_upload`; at most **4 GB**.

Douyin does not say whether "MB" means 10^6 or 2^20 bytes, so the bounds hold under both
readings: a single request carries at most 50 000 000 bytes by default (the recommendation,
also far under 128 000 000), parts are 20 MiB (well over 5 MiB), and the total stays at most
4 000 000 000 bytes. Part numbers start at 1 (unconfirmed; the SDKs count from 1).
"""

from __future__ import annotations

MiB = 1024 * 1024
DIRECT_MAX_BYTES = 128_000_000  # "128 MB", read strictly: the hard limit of upload_video
DIRECT_PREFERRED_MAX_BYTES = 50_000_000  # above "50 MB" Douyin recommends parts
MIN_PART_BYTES = 5 * MiB  # "≥ 5 MB", read strictly
DEFAULT_PART_BYTES = 20 * MiB  # "about 20 MB"
MAX_TOTAL_BYTES = 4_000_000_000  # "4 GB", read strictly


class TooLarge(ValueError):
    """The file is over Douyin's 4 GB."""


def use_parts(size: int, direct_max: int = DIRECT_PREFERRED_MAX_BYTES) -> bool:
    """Whether a file of `size` bytes goes in parts (`direct_max` is capped at 128 MB)."""
    if size > MAX_TOTAL_BYTES:
        raise TooLarge(f"{size} bytes is over Douyin's {MAX_TOTAL_BYTES} bytes")
    return size > min(direct_max, DIRECT_MAX_BYTES)


def part_ranges(size: int, part_bytes: int = DEFAULT_PART_BYTES) -> list[tuple[int, int]]:
    """`(offset, length)` of each part, in order (part number = index + 1): equal parts of
    `part_bytes` (at least 5 MiB), the last one takes the rest (it may be smaller)."""
    if size <= 0:
        raise ValueError(f"a video of {size} bytes cannot be uploaded")
    if size > MAX_TOTAL_BYTES:
        raise TooLarge(f"{size} bytes is over Douyin's {MAX_TOTAL_BYTES} bytes")
    part = max(part_bytes, MIN_PART_BYTES)
    return [(offset, min(part, size - offset)) for offset in range(0, size, part)]
