"""The media store: a local, content-addressed folder under `settings.resolved_media_dir`.

    assets/ab/cd/<sha256><ext>      imported files (one copy per content, shared by workspaces)
    renditions/<key>.mp4            rendered outputs, named by their rendition key
    covers/<key>-<name>.jpg         cover images of a rendition
    posters/<sha256>.jpg            library thumbnails of an asset
    previews/<sha256>.mp4           short, small, muted preview clips of a video asset
    uploads/<upload id>.part        resumable uploads while they arrive
    tmp/                            files being written; renamed into place when complete

Every write goes to `tmp/` first and is renamed into place, so a reader never sees half a file
and a crash leaves only a temporary file behind. Rows store paths relative to the root, so the
folder can move. The interface is small (put, open, path, delete) so object storage can replace
it later.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from shortops.config import Settings

COPY_BUFFER = 1024 * 1024

ProgressCallback = Callable[[int], None]


@dataclass(frozen=True)
class StoredFile:
    """A file in the store: its path relative to the root, content hash and size."""

    relative_path: str
    sha256: str
    size_bytes: int
    created: bool  # False when the same content was already stored


class MediaStore:
    """Content-addressed files under one root folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaStore:
        return cls(settings.resolved_media_dir)

    # --- paths ------------------------------------------------------------------------------

    def path(self, relative_path: str) -> Path:
        """The absolute path of a stored file; refuses paths that leave the store."""
        relative = PurePosixPath(relative_path)
        if relative.is_absolute() or ".." in relative.parts or not relative.parts:
            raise ValueError(f"not a path inside the media store: {relative_path!r}")
        return self.root.joinpath(*relative.parts)

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def exists(self, relative_path: str) -> bool:
        return bool(relative_path) and self.path(relative_path).is_file()

    @staticmethod
    def asset_path(sha256: str, ext: str) -> str:
        return f"assets/{sha256[:2]}/{sha256[2:4]}/{sha256}{ext}"

    @staticmethod
    def rendition_path(key: str) -> str:
        return f"renditions/{key}.mp4"

    @staticmethod
    def cover_path(key: str, name: str) -> str:
        return f"covers/{key}-{name}.jpg"

    @staticmethod
    def poster_path(sha256: str) -> str:
        return f"posters/{sha256}.jpg"

    @staticmethod
    def preview_path(sha256: str) -> str:
        return f"previews/{sha256}.mp4"

    @staticmethod
    def upload_path(upload_id: str) -> str:
        return f"uploads/{upload_id}.part"

    def temp_file(self, suffix: str = "") -> Path:
        """A fresh path in tmp/ (on the same filesystem as the store, so renames are atomic)."""
        folder = self.root / "tmp"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{secrets.token_hex(12)}{suffix}"

    def find_asset(self, sha256: str) -> str | None:
        """The stored file with this content, whatever extension it was first stored with."""
        folder = self.path(f"assets/{sha256[:2]}/{sha256[2:4]}")
        if not folder.is_dir():
            return None
        for candidate in sorted(folder.glob(f"{sha256}*")):
            if candidate.is_file():
                return self.relative(candidate)
        return None

    # --- writing ----------------------------------------------------------------------------

    def put_stream(
        self, source: BinaryIO, *, ext: str, on_progress: ProgressCallback | None = None
    ) -> StoredFile:
        """Copy `source` into the store while hashing it; the same content is kept only once."""
        temp = self.temp_file(ext)
        digest = hashlib.sha256()
        size = 0
        try:
            with temp.open("wb") as out:
                while block := source.read(COPY_BUFFER):
                    digest.update(block)
                    out.write(block)
                    size += len(block)
                    if on_progress is not None:
                        on_progress(size)
                out.flush()
                os.fsync(out.fileno())
            return self.adopt(temp, sha256=digest.hexdigest(), size_bytes=size, ext=ext)
        finally:
            temp.unlink(missing_ok=True)

    def put_file(
        self, source: Path, *, ext: str, on_progress: ProgressCallback | None = None
    ) -> StoredFile:
        with source.open("rb") as handle:
            return self.put_stream(handle, ext=ext, on_progress=on_progress)

    def adopt(self, temp: Path, *, sha256: str, size_bytes: int, ext: str) -> StoredFile:
        """Move a complete file with known hash into place, or drop it when already stored."""
        existing = self.find_asset(sha256)
        if existing is not None:
            temp.unlink(missing_ok=True)
            return StoredFile(existing, sha256, size_bytes, created=False)
        relative = self.asset_path(sha256, ext)
        self.move_into(temp, relative)
        return StoredFile(relative, sha256, size_bytes, created=True)

    def move_into(self, source: Path, relative_path: str) -> Path:
        """Atomically put `source` at `relative_path`, replacing what was there."""
        target = self.path(relative_path)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)
        except OSError:
            # Another filesystem (e.g. a file outside the store): copy next to it, then rename.
            staging = target.with_name(f".{target.name}.{secrets.token_hex(6)}")
            try:
                shutil.copyfile(source, staging)
                os.replace(staging, target)
            finally:
                staging.unlink(missing_ok=True)
            source.unlink(missing_ok=True)
        return target

    def delete(self, relative_paths: Iterable[str]) -> None:
        for relative_path in relative_paths:
            if relative_path:
                self.path(relative_path).unlink(missing_ok=True)


def sha256_of(path: Path, on_progress: ProgressCallback | None = None) -> str:
    """The SHA-256 of a file, read in blocks (never whole into memory)."""
    digest = hashlib.sha256()
    done = 0
    with path.open("rb") as handle:
        while block := handle.read(COPY_BUFFER):
            digest.update(block)
            done += len(block)
            if on_progress is not None:
                on_progress(done)
    return digest.hexdigest()
