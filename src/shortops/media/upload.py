"""Chunked, resumable uploads: a file arrives in pieces, then becomes a library asset.

The protocol, shared by the REST API and the web page's upload script:

1. `POST …/uploads {filename, size, sha256?}` opens an upload; files above
   `SHORTOPS_MAX_UPLOAD_BYTES` (or above the free disk space) are refused before any byte moves.
2. `PUT …/uploads/{id}` with `Content-Range: bytes a-b/size` and the raw bytes a..b. Only the
   next expected offset is accepted; anything else answers 409 `upload_offset_mismatch` with the
   offset to continue from, so a client that lost track simply resumes there.
3. `GET …/uploads/{id}` tells the offset after a broken connection. The bytes of a chunk whose
   connection broke are kept up to the last one received.
4. The chunk that completes the file (or `Content-Range: bytes */size` once all bytes are in)
   checks size and SHA-256, probes the file and imports it (the same bytes twice give the same
   asset). A file that fails any check is deleted: nothing half-written stays behind.

Chunks stream straight to disk; none is held in memory. One request at a time may write to an
upload (a short lease in its row), and `receive` commits that lease before streaming, so it is
the one function of this package that commits: the lease must be visible to other requests while
the body is still arriving.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio.from_thread
from sqlalchemy import CursorResult, delete, or_, select, update
from sqlalchemy.orm import Session
from starlette.requests import ClientDisconnect, Request

from shortops.config import Settings
from shortops.errors import N_, Conflict, InvalidInput, NotFound, ShortopsError
from shortops.kit.clock import utcnow
from shortops.kit.sizes import human_size
from shortops.media import flows, service
from shortops.media.schemas import UploadCreate, UploadRead
from shortops.media.store import MediaStore, sha256_of
from shortops.models import MediaAsset, UploadSession, UploadStatus
from shortops.workspaces.service import Actor

CHUNK_SIZE = 8 * 1024 * 1024
MAX_CHUNK_SIZE = 64 * 1024 * 1024
LEASE = timedelta(minutes=2)
LEASE_REFRESH_S = 20.0
UPLOAD_TTL = timedelta(hours=24)
FINISHED_KEPT = timedelta(days=7)
# Room left on the disk besides the upload itself (renditions need space too).
DISK_MARGIN_BYTES = 256 * 1024 * 1024

_CONTENT_RANGE = re.compile(r"^bytes (?:(\d+)-(\d+)|\*)/(\d+)$")


class UploadTooLarge(ShortopsError):
    status = 413
    code = "upload_too_large"
    template = N_(
        "{name} is {size}; the largest file accepted is {limit}. Trim or compress it, or ask an "
        "administrator to raise SHORTOPS_MAX_UPLOAD_BYTES."
    )


class InsufficientStorage(ShortopsError):
    status = 507
    code = "insufficient_storage"
    template = N_(
        "Not enough disk space for {name}: {free} free, {needed} needed. Free some space in the "
        "media folder and try again."
    )


class UploadOffsetMismatch(Conflict):
    code = "upload_offset_mismatch"
    template = N_(
        "This upload continues at byte {offset}; send the chunk that starts there "
        "(Content-Range: bytes {offset}-…)."
    )


class ChecksumMismatch(InvalidInput):
    code = "checksum_mismatch"
    template = N_(
        "{name} arrived damaged: its SHA-256 is {actual}, not the {expected} announced. "
        "Nothing was kept; upload it again."
    )


class BodyInterrupted(Exception):
    """The client went away while a chunk was arriving (raised by the body iterator)."""


def request_chunks(request: Request) -> Iterator[bytes]:
    """The request body piece by piece, for a plain `def` endpoint (it runs in a worker thread).

    Each piece is fetched from the event loop as it arrives, so a chunk of any size passes
    through a few kilobytes of memory on its way to disk.
    """
    stream = request.stream()

    async def next_piece() -> bytes | None:
        try:
            return await anext(stream)
        except StopAsyncIteration:
            return None

    while True:
        try:
            piece = anyio.from_thread.run(next_piece)
        except ClientDisconnect:
            raise BodyInterrupted() from None
        if piece is None:
            return
        if piece:
            yield piece


@dataclass(frozen=True)
class ContentRange:
    start: int | None  # None for "bytes */size": no bytes, just finish or ask
    end: int | None
    total: int

    @property
    def length(self) -> int:
        return 0 if self.start is None or self.end is None else self.end - self.start + 1


def parse_content_range(header: str | None) -> ContentRange:
    match = _CONTENT_RANGE.match((header or "").strip())
    if match is None:
        raise InvalidInput(
            N_("Send a Content-Range header such as “bytes 0-8388607/104857600” with each chunk.")
        )
    start, end, total = match.groups()
    if start is None or end is None:
        return ContentRange(None, None, int(total))
    content_range = ContentRange(int(start), int(end), int(total))
    if (
        content_range.length < 1
        or content_range.end is None
        or content_range.end >= content_range.total
    ):
        raise InvalidInput(
            N_("The Content-Range {range} is not a range of bytes inside the file."),
            range=header,
        )
    return content_range


# --- sessions -------------------------------------------------------------------------------------


def create_upload(
    session: Session, *, actor: Actor, data: UploadCreate, settings: Settings, store: MediaStore
) -> UploadSession:
    """Open an upload, refusing a file that is too large before any byte is sent."""
    filename = service.clean_filename(data.filename)
    if data.size > settings.max_upload_bytes:
        raise UploadTooLarge(
            name=filename, size=human_size(data.size), limit=human_size(settings.max_upload_bytes)
        )
    store.root.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(store.root).free
    if free < data.size + DISK_MARGIN_BYTES:
        raise InsufficientStorage(
            name=filename, free=human_size(free), needed=human_size(data.size + DISK_MARGIN_BYTES)
        )
    upload_id = f"up_{secrets.token_urlsafe(24)}"
    now = utcnow()
    upload = UploadSession(
        id=upload_id,
        workspace_id=actor.workspace.id,
        user_id=actor.user.id,
        filename=filename,
        size_bytes=data.size,
        sha256=data.sha256,
        received_bytes=0,
        temp_path=store.upload_path(upload_id),
        status=UploadStatus.open,
        created_at=now,
        updated_at=now,
        expires_at=now + UPLOAD_TTL,
    )
    temp = store.path(upload.temp_path)
    temp.parent.mkdir(parents=True, exist_ok=True)
    temp.touch()
    session.add(upload)
    session.flush()
    return upload


def get_upload_or_raise(session: Session, *, workspace_id: int, upload_id: str) -> UploadSession:
    upload = session.scalar(
        select(UploadSession).where(
            UploadSession.id == upload_id, UploadSession.workspace_id == workspace_id
        )
    )
    if upload is None:
        raise NotFound(
            N_("No upload {id} here: it finished long ago, expired or never existed. Start again."),
            id=upload_id,
        )
    return upload


def upload_read(session: Session, upload: UploadSession) -> UploadRead:
    asset = None
    if upload.asset_id is not None:
        row = session.get(MediaAsset, upload.asset_id)
        if row is not None:
            asset = service.asset_read(
                row,
                service.renditions_by_asset(
                    session, workspace_id=upload.workspace_id, asset_ids=[row.id]
                )[row.id],
            )
    return UploadRead(
        id=upload.id,
        filename=upload.filename,
        size=upload.size_bytes,
        offset=upload.received_bytes,
        chunk_size=CHUNK_SIZE,
        max_chunk_size=MAX_CHUNK_SIZE,
        status=upload.status,
        error=upload.error,
        expires_at=upload.expires_at,
        asset=asset,
        duplicate=upload.duplicate,
    )


def cancel_upload(session: Session, *, actor: Actor, upload_id: str, store: MediaStore) -> None:
    """Abandon an open upload and delete what arrived of it."""
    upload = get_upload_or_raise(session, workspace_id=actor.workspace.id, upload_id=upload_id)
    if upload.status == UploadStatus.open:
        store.delete([upload.temp_path])
    session.delete(upload)


# --- receiving ------------------------------------------------------------------------------------


def _rowcount(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


def _take_lease(session: Session, upload: UploadSession, *, offset: int) -> bool:
    """Become the one writer of `upload` at `offset`; False when the offset moved or it is busy."""
    now = utcnow()
    result = session.execute(
        update(UploadSession)
        .where(
            UploadSession.id == upload.id,
            UploadSession.status == UploadStatus.open,
            UploadSession.received_bytes == offset,
            or_(UploadSession.lease_until.is_(None), UploadSession.lease_until < now),
        )
        .values(lease_until=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


def _set(session: Session, upload_id: str, **values: Any) -> None:
    session.execute(
        update(UploadSession)
        .where(UploadSession.id == upload_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def _mismatch(session: Session, upload: UploadSession) -> UploadOffsetMismatch:
    session.rollback()
    session.refresh(upload)
    return UploadOffsetMismatch(offset=upload.received_bytes)


def receive(
    session: Session,
    *,
    actor: Actor,
    settings: Settings,
    store: MediaStore,
    upload_id: str,
    content_range: str | None,
    body: Iterable[bytes],
) -> UploadSession:
    """Append one chunk (streamed from `body`) and import the file once it is complete."""
    upload = get_upload_or_raise(session, workspace_id=actor.workspace.id, upload_id=upload_id)
    rng = parse_content_range(content_range)
    if rng.total != upload.size_bytes:
        raise InvalidInput(
            N_("The Content-Range says the file has {total} bytes, but this upload is for {size}."),
            total=rng.total,
            size=upload.size_bytes,
        )
    if upload.status == UploadStatus.completed:
        # A retry of the last chunk whose answer was lost: the upload is done, say so again.
        return upload
    if upload.status != UploadStatus.open:
        raise Conflict(
            N_("This upload has {status}: {error} Start a new upload."),
            status=upload.status.value,
            error=upload.error,
        )
    if rng.start is not None:
        if rng.start != upload.received_bytes:
            raise UploadOffsetMismatch(offset=upload.received_bytes)
        if rng.length > MAX_CHUNK_SIZE:
            raise InvalidInput(
                N_("Chunks may be at most {limit}; this one is {size}."),
                limit=human_size(MAX_CHUNK_SIZE),
                size=human_size(rng.length),
            )
        if not _append(session, store, upload, rng, body):
            return upload
    elif upload.received_bytes < upload.size_bytes:
        raise UploadOffsetMismatch(offset=upload.received_bytes)
    if upload.received_bytes == upload.size_bytes:
        _complete(session, actor=actor, store=store, upload=upload)
    return upload


def _append(
    session: Session,
    store: MediaStore,
    upload: UploadSession,
    rng: ContentRange,
    body: Iterable[bytes],
) -> bool:
    """Write the chunk; False when the client went away (what arrived is kept)."""
    assert rng.start is not None
    if not _take_lease(session, upload, offset=rng.start):
        raise _mismatch(session, upload)
    session.commit()
    start, expected = rng.start, rng.length
    written, interrupted, refreshed = 0, False, time.monotonic()
    path = store.path(upload.temp_path)
    try:
        with path.open("r+b") as handle:
            # Whatever lies past the agreed offset is the tail of a chunk that never finished.
            handle.truncate(start)
            handle.seek(start)
            try:
                for piece in body:
                    if written + len(piece) > expected:
                        handle.truncate(start)
                        raise InvalidInput(
                            N_("The chunk is longer than its Content-Range ({expected} bytes)."),
                            expected=expected,
                        )
                    handle.write(piece)
                    written += len(piece)
                    if time.monotonic() - refreshed > LEASE_REFRESH_S:
                        _set(session, upload.id, lease_until=utcnow() + LEASE)
                        session.commit()
                        refreshed = time.monotonic()
            except BodyInterrupted:
                interrupted = True
            if not interrupted and written != expected:
                handle.truncate(start)
                raise InvalidInput(
                    N_(
                        "The chunk has {written} bytes, but its Content-Range announced {expected}."
                    ),
                    written=written,
                    expected=expected,
                )
            handle.flush()
    except BaseException:
        session.rollback()
        _set(session, upload.id, lease_until=None)
        session.commit()
        raise
    now = utcnow()
    _set(
        session,
        upload.id,
        received_bytes=start + written,
        lease_until=None,
        updated_at=now,
        expires_at=now + UPLOAD_TTL,
    )
    session.commit()
    session.refresh(upload)
    return not interrupted


def _complete(session: Session, *, actor: Actor, store: MediaStore, upload: UploadSession) -> None:
    """Verify the whole file and import it; a file that fails a check is deleted."""
    if not _take_lease(session, upload, offset=upload.size_bytes):
        raise _mismatch(session, upload)
    session.commit()
    path = store.path(upload.temp_path)
    try:
        on_disk = path.stat().st_size if path.is_file() else -1
        if on_disk != upload.size_bytes:
            raise InvalidInput(
                N_("{name} arrived with {received} bytes instead of {size}. Upload it again."),
                name=upload.filename,
                received=max(on_disk, 0),
                size=upload.size_bytes,
            )
        actual = sha256_of(path)
        if upload.sha256 and actual != upload.sha256:
            raise ChecksumMismatch(name=upload.filename, actual=actual, expected=upload.sha256)
        asset, created = flows.import_file(
            session,
            store=store,
            workspace_id=upload.workspace_id,
            source=path,
            filename=upload.filename,
            created_by_id=actor.user.id,
            actor=actor,
            move=True,
            sha256=actual,
        )
    except ShortopsError as exc:
        # Not media, damaged or the wrong size: nothing of it stays.
        session.rollback()
        store.delete([upload.temp_path])
        _set(
            session,
            upload.id,
            status=UploadStatus.failed,
            error=exc.render(),
            lease_until=None,
            updated_at=utcnow(),
        )
        session.commit()
        raise
    except BaseException:
        # Unexpected (e.g. the disk filled up): keep the bytes so finishing can be retried.
        session.rollback()
        _set(session, upload.id, lease_until=None)
        session.commit()
        raise
    _set(
        session,
        upload.id,
        status=UploadStatus.completed,
        asset_id=asset.id,
        duplicate=not created,
        lease_until=None,
        updated_at=utcnow(),
    )
    session.commit()
    session.refresh(upload)


# --- cleaning up ----------------------------------------------------------------------------------


def expire_uploads(session: Session, *, store: MediaStore, now: datetime | None = None) -> int:
    """Delete abandoned uploads (with their bytes) and forget long-finished ones."""
    now = now or utcnow()
    abandoned = list(
        session.scalars(
            select(UploadSession).where(
                UploadSession.status == UploadStatus.open,
                UploadSession.expires_at < now,
                or_(UploadSession.lease_until.is_(None), UploadSession.lease_until < now),
            )
        )
    )
    for upload in abandoned:
        store.delete([upload.temp_path])
        session.delete(upload)
    session.execute(
        delete(UploadSession).where(
            UploadSession.status != UploadStatus.open,
            UploadSession.updated_at < now - FINISHED_KEPT,
        )
    )
    return len(abandoned)
