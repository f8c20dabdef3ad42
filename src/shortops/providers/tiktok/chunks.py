"""TikTok's FILE_UPLOAD chunk rules as pure functions (no I/O).

The documented rules (developers.tiktok.com, "Media Transfer Guide"):

- every chunk is at least 5 MB and at most 64 MB, except the last one, which absorbs the trailing
  bytes and may reach 128 MB;
- ``total_chunk_count = floor(video_size / chunk_size)``;
- a video under 5 MB goes as one chunk with ``chunk_size == video_size``; a video over 64 MB must
  be split;
- 1 to 1000 chunks, sent one after the other.

TikTok does not say whether "MB" means 10^6 or 2^20 bytes, so every bound here holds under both
readings: chunks are at least 5 MiB (5 242 880 bytes, more than 5 000 000) and at most
64 000 000 bytes (less than 64 MiB), and the last chunk stays under 128 000 000 bytes.
"""

from __future__ import annotations

MIN_CHUNK_BYTES = 5 * 1024 * 1024  # "5 MB", read strictly
MAX_CHUNK_BYTES = 64_000_000  # "64 MB", read strictly
MAX_FINAL_CHUNK_BYTES = 128_000_000  # "128 MB", read strictly
MAX_CHUNKS = 1000
# What shortops sends when the file needs more than one chunk: small enough for a progress bar
# that moves and little to lose when a chunk fails, large enough to keep requests few.
DEFAULT_CHUNK_BYTES = 10 * 1024 * 1024


class TooLargeForChunks(ValueError):
    """The file cannot be cut into at most 1000 chunks of at most 64 MB."""


def chunk_plan(size: int, chunk_size: int = DEFAULT_CHUNK_BYTES) -> tuple[int, int]:
    """`(chunk_size, total_chunk_count)` for a file of `size` bytes, as TikTok's init wants them.

    `chunk_size` is the preferred size of a chunk; it is kept within 5 MiB … 64 MB, raised when
    the file would otherwise need more than 1000 chunks, and lowered for files just over 64 MB
    that would not fill two chunks. Files up to twice the preferred size (and at most 64 MB) go
    as one chunk.
    """
    if size <= 0:
        raise ValueError(f"a video of {size} bytes cannot be uploaded")
    preferred = min(max(chunk_size, MIN_CHUNK_BYTES), MAX_CHUNK_BYTES)
    if size < 2 * preferred and size <= MAX_CHUNK_BYTES:
        return size, 1
    chunk = max(preferred, -(-size // MAX_CHUNKS))
    if size < 2 * chunk:
        # Over 64 MB but under two preferred chunks: two halves (each over 32 MB, under 64 MB).
        chunk = size // 2
    if chunk > MAX_CHUNK_BYTES:
        raise TooLargeForChunks(
            f"{size} bytes need chunks over {MAX_CHUNK_BYTES} bytes to stay within "
            f"{MAX_CHUNKS} chunks"
        )
    return chunk, size // chunk


def chunk_ranges(size: int, chunk_size: int, count: int) -> list[tuple[int, int]]:
    """The inclusive byte ranges `(first, last)` of each chunk; the last one takes the rest."""
    ranges = [(i * chunk_size, (i + 1) * chunk_size - 1) for i in range(count - 1)]
    ranges.append(((count - 1) * chunk_size, size - 1))
    return ranges
