"""The upload endpoints the library's upload script talks to: the REST API's resumable
protocol (media/upload.py), with the session cookie and the CSRF header instead of a token,
and errors as JSON in the page's language."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse

from shortops.errors import ShortopsError
from shortops.media import upload
from shortops.media.responses import (
    offset_mismatch_response,
)
from shortops.media.schemas import (
    UploadCreate,
)
from shortops.media.views.common import Writer, media_store
from shortops.web.csrf import csrf_protect
from shortops.web.pages import error_message
from shortops.workspaces.deps import DbSession

router = APIRouter(prefix="/produce", dependencies=[Depends(csrf_protect)], include_in_schema=False)


def _json_error(request: Request, exc: ShortopsError) -> JSONResponse:
    if isinstance(exc, upload.UploadOffsetMismatch):
        return offset_mismatch_response(request, exc)
    return JSONResponse(
        {"error": {"code": exc.code, "message": error_message(request, exc)}},
        status_code=exc.status,
    )


@router.post("/uploads", status_code=201)
def create_upload(
    request: Request, session: DbSession, actor: Writer, data: UploadCreate
) -> JSONResponse:
    try:
        created = upload.create_upload(
            session,
            actor=actor,
            data=data,
            settings=request.app.state.settings,
            store=media_store(request),
        )
    except ShortopsError as exc:
        return _json_error(request, exc)
    return JSONResponse(
        upload.upload_read(session, created).model_dump(mode="json"), status_code=201
    )


@router.get("/uploads/{upload_id}")
def get_upload(request: Request, session: DbSession, actor: Writer, upload_id: str) -> JSONResponse:
    try:
        found = upload.get_upload_or_raise(
            session, workspace_id=actor.workspace.id, upload_id=upload_id
        )
    except ShortopsError as exc:
        return _json_error(request, exc)
    return JSONResponse(upload.upload_read(session, found).model_dump(mode="json"))


@router.put("/uploads/{upload_id}")
def put_chunk(request: Request, session: DbSession, actor: Writer, upload_id: str) -> JSONResponse:
    try:
        received = upload.receive(
            session,
            actor=actor,
            settings=request.app.state.settings,
            store=media_store(request),
            upload_id=upload_id,
            content_range=request.headers.get("content-range"),
            body=upload.request_chunks(request),
        )
    except ShortopsError as exc:
        return _json_error(request, exc)
    return JSONResponse(upload.upload_read(session, received).model_dump(mode="json"))
