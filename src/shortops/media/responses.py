"""HTTP answers the REST API and the Produce pages both send: a stored file (asset, rendition,
cover) and the 409 of an upload chunk sent at the wrong offset."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import FileResponse, JSONResponse
from sqlalchemy.orm import Session

from shortops.errors import N_, NotFound
from shortops.kit.i18n import gettext, negotiate
from shortops.media import rendition_service, upload
from shortops.media.store import MediaStore
from shortops.models import MediaAsset, Rendition, RenditionStatus


def offset_mismatch_response(request: Request, exc: upload.UploadOffsetMismatch) -> JSONResponse:
    """409 with the offset to resume from, in the body and in an Upload-Offset header."""
    language = negotiate(request.headers.get("accept-language")) or "en"
    offset = int(exc.params["offset"])
    return JSONResponse(
        {
            "error": {
                "code": exc.code,
                "message": exc.render(lambda text: gettext(language, text)),
                "offset": offset,
            }
        },
        status_code=exc.status,
        headers={"Upload-Offset": str(offset)},
    )


def asset_file_response(store: MediaStore, asset: MediaAsset) -> FileResponse:
    if not store.exists(asset.storage_path):
        raise NotFound(
            N_("The file of {filename} is missing from the media folder."), filename=asset.filename
        )
    return FileResponse(
        store.path(asset.storage_path),
        media_type=asset.content_type or "application/octet-stream",
        filename=asset.filename,
    )


def rendition_file_response(
    session: Session, store: MediaStore, rendition: Rendition
) -> FileResponse:
    if rendition.status != RenditionStatus.ready or not store.exists(rendition.output_path):
        raise NotFound(
            N_("Rendition {id} has no file: it is {status}."),
            id=rendition.id,
            status=rendition.status.value,
        )
    return FileResponse(
        store.path(rendition.output_path),
        media_type="video/mp4",
        filename=f"{rendition_service.download_stem(session, rendition)}.mp4",
    )


def cover_file_response(
    session: Session, store: MediaStore, rendition: Rendition, name: str
) -> FileResponse:
    path = rendition.covers.get(name) if rendition.status == RenditionStatus.ready else None
    if not path or not store.exists(str(path)):
        raise NotFound(N_("Rendition {id} has no cover named {name}."), id=rendition.id, name=name)
    return FileResponse(
        store.path(str(path)),
        media_type="image/jpeg",
        filename=f"{rendition_service.download_stem(session, rendition)}-{name}.jpg",
    )
