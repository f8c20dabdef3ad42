"""REST: the media library under /api/v1/workspaces/{workspace_id}/…

assets, resumable uploads, renditions (with their files and covers), profiles and templates.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, JSONResponse

from shortops.api.pagination import PageQuery
from shortops.kit.pagination import Page
from shortops.media import flows, rendition_service, service, upload
from shortops.media.responses import (
    asset_file_response,
    cover_file_response,
    offset_mismatch_response,
    rendition_file_response,
)
from shortops.media.schemas import (
    AssetRead,
    ProfileCreate,
    ProfileRead,
    RenditionRead,
    RenditionsCreate,
    TemplateCreate,
    TemplateRead,
    TemplateUpdate,
    UploadCreate,
    UploadRead,
)
from shortops.media.store import MediaStore
from shortops.models import AssetKind, RenditionStatus
from shortops.workspaces.deps import DbSession, api_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/workspaces/{workspace_id}", tags=["media"])

Reader = Annotated[Actor, Depends(api_actor(Permission.read))]
Writer = Annotated[Actor, Depends(api_actor(Permission.write))]


def _store(request: Request) -> MediaStore:
    return MediaStore.from_settings(request.app.state.settings)


# --- assets ---------------------------------------------------------------------------------------


@router.get("/assets", response_model=Page[AssetRead])
def list_assets(
    session: DbSession,
    params: PageQuery,
    actor: Reader,
    kind: AssetKind | None = None,
    q: str | None = None,
) -> Page[AssetRead]:
    """The media library, newest first, each asset with its renditions."""
    rows, total = service.list_assets(
        session, workspace_id=actor.workspace.id, params=params, kind=kind, search=q
    )
    renditions = service.renditions_by_asset(
        session, workspace_id=actor.workspace.id, asset_ids=[a.id for a in rows]
    )
    return Page(
        items=[service.asset_read(a, renditions[a.id]) for a in rows],
        page=params.page,
        per_page=params.per_page,
        total=total,
    )


@router.get("/assets/{asset_id}", response_model=AssetRead)
def get_asset(asset_id: int, session: DbSession, actor: Reader) -> AssetRead:
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    renditions = service.renditions_by_asset(
        session, workspace_id=actor.workspace.id, asset_ids=[asset.id]
    )
    return service.asset_read(asset, renditions[asset.id])


@router.get("/assets/{asset_id}/file", response_class=FileResponse)
def download_asset(
    asset_id: int, request: Request, session: DbSession, actor: Reader
) -> FileResponse:
    """The original file, as it was imported."""
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    return asset_file_response(_store(request), asset)


@router.delete("/assets/{asset_id}", status_code=204)
def delete_asset(asset_id: int, request: Request, session: DbSession, actor: Writer) -> Response:
    """Delete an asset and its renditions (files shared with other rows stay)."""
    orphans = service.delete_asset(session, actor=actor, asset_id=asset_id)
    session.commit()
    _store(request).delete(orphans)
    return Response(status_code=204)


# --- uploads --------------------------------------------------------------------------------------


@router.post("/uploads", response_model=UploadRead, status_code=201)
def create_upload(
    data: UploadCreate, request: Request, session: DbSession, actor: Writer
) -> UploadRead:
    """Open a resumable upload; send the bytes with PUT in chunks."""
    created = upload.create_upload(
        session,
        actor=actor,
        data=data,
        settings=request.app.state.settings,
        store=_store(request),
    )
    return upload.upload_read(session, created)


@router.get("/uploads/{upload_id}", response_model=UploadRead)
def get_upload(upload_id: str, session: DbSession, actor: Writer) -> UploadRead:
    """How far an upload got: resume from `offset` after a broken connection."""
    found = upload.get_upload_or_raise(
        session, workspace_id=actor.workspace.id, upload_id=upload_id
    )
    return upload.upload_read(session, found)


@router.put("/uploads/{upload_id}", response_model=UploadRead)
def put_chunk(
    upload_id: str, request: Request, session: DbSession, actor: Writer
) -> UploadRead | JSONResponse:
    """Append the chunk in the body at the offset its Content-Range names."""
    try:
        received = upload.receive(
            session,
            actor=actor,
            settings=request.app.state.settings,
            store=_store(request),
            upload_id=upload_id,
            content_range=request.headers.get("content-range"),
            body=upload.request_chunks(request),
        )
    except upload.UploadOffsetMismatch as exc:
        return offset_mismatch_response(request, exc)
    return upload.upload_read(session, received)


@router.delete("/uploads/{upload_id}", status_code=204)
def cancel_upload(upload_id: str, request: Request, session: DbSession, actor: Writer) -> Response:
    """Abandon an upload and delete the bytes received so far."""
    upload.cancel_upload(session, actor=actor, upload_id=upload_id, store=_store(request))
    return Response(status_code=204)


# --- renditions -----------------------------------------------------------------------------------


@router.post("/renditions", response_model=list[RenditionRead], status_code=201)
def create_renditions(
    data: RenditionsCreate, request: Request, session: DbSession, actor: Writer
) -> list[RenditionRead]:
    """Render one asset for each of the profiles; existing renditions are returned as they are."""
    results = flows.request_renditions(session, actor=actor, data=data, store=_store(request))
    session.commit()
    return [service.rendition_read(r) for r, _ in results]


@router.get("/renditions", response_model=Page[RenditionRead])
def list_renditions(
    session: DbSession,
    params: PageQuery,
    actor: Reader,
    asset_id: int | None = None,
    status: RenditionStatus | None = None,
) -> Page[RenditionRead]:
    rows, total = rendition_service.list_renditions(
        session, workspace_id=actor.workspace.id, params=params, asset_id=asset_id, status=status
    )
    return Page(
        items=[service.rendition_read(r) for r in rows],
        page=params.page,
        per_page=params.per_page,
        total=total,
    )


@router.get("/renditions/{rendition_id}", response_model=RenditionRead)
def get_rendition(rendition_id: int, session: DbSession, actor: Reader) -> RenditionRead:
    rendition = rendition_service.get_rendition_or_raise(
        session, workspace_id=actor.workspace.id, rendition_id=rendition_id
    )
    return service.rendition_read(rendition)


@router.post("/renditions/{rendition_id}/cancel", response_model=RenditionRead)
def cancel_rendition(rendition_id: int, session: DbSession, actor: Writer) -> RenditionRead:
    """Stop a queued or rendering rendition."""
    rendition = rendition_service.cancel_rendition(session, actor=actor, rendition_id=rendition_id)
    return service.rendition_read(rendition)


@router.get("/renditions/{rendition_id}/file", response_class=FileResponse)
def download_rendition(
    rendition_id: int, request: Request, session: DbSession, actor: Reader
) -> FileResponse:
    """The rendered MP4 (only once the rendition is ready)."""
    rendition = rendition_service.get_rendition_or_raise(
        session, workspace_id=actor.workspace.id, rendition_id=rendition_id
    )
    return rendition_file_response(session, _store(request), rendition)


@router.get("/renditions/{rendition_id}/covers/{name}", response_class=FileResponse)
def download_cover(
    rendition_id: int, name: str, request: Request, session: DbSession, actor: Reader
) -> FileResponse:
    """A cover image of a ready rendition, by name (e.g. portrait, landscape)."""
    rendition = rendition_service.get_rendition_or_raise(
        session, workspace_id=actor.workspace.id, rendition_id=rendition_id
    )
    return cover_file_response(session, _store(request), rendition, name)


# --- profiles -------------------------------------------------------------------------------------


@router.get("/profiles", response_model=list[ProfileRead])
def list_profiles(session: DbSession, actor: Reader) -> list[ProfileRead]:
    """Built-in platform profiles and the workspace's own."""
    return service.list_profiles(session, workspace_id=actor.workspace.id)


@router.post("/profiles", response_model=ProfileRead, status_code=201)
def create_profile(data: ProfileCreate, session: DbSession, actor: Writer) -> ProfileRead:
    """A custom profile: a built-in one (`based_on`) with the values to change."""
    return service.create_profile(session, actor=actor, data=data)


@router.delete("/profiles/{slug}", status_code=204)
def delete_profile(slug: str, session: DbSession, actor: Writer) -> Response:
    service.delete_profile(session, actor=actor, slug=slug)
    return Response(status_code=204)


# --- templates ------------------------------------------------------------------------------------


@router.get("/templates", response_model=Page[TemplateRead])
def list_templates(session: DbSession, params: PageQuery, actor: Reader) -> Page[TemplateRead]:
    rows, total = service.list_templates(session, workspace_id=actor.workspace.id, params=params)
    return Page(
        items=[TemplateRead.model_validate(t) for t in rows],
        page=params.page,
        per_page=params.per_page,
        total=total,
    )


@router.post("/templates", response_model=TemplateRead, status_code=201)
def create_template(data: TemplateCreate, session: DbSession, actor: Writer) -> TemplateRead:
    """Save an edit spec under a name, to render with it again."""
    return TemplateRead.model_validate(service.create_template(session, actor=actor, data=data))


@router.get("/templates/{template_id}", response_model=TemplateRead)
def get_template(template_id: int, session: DbSession, actor: Reader) -> TemplateRead:
    template = service.get_template_or_raise(
        session, workspace_id=actor.workspace.id, template_id=template_id
    )
    return TemplateRead.model_validate(template)


@router.patch("/templates/{template_id}", response_model=TemplateRead)
def update_template(
    template_id: int, data: TemplateUpdate, session: DbSession, actor: Writer
) -> TemplateRead:
    template = service.update_template(session, actor=actor, template_id=template_id, data=data)
    return TemplateRead.model_validate(template)


@router.delete("/templates/{template_id}", status_code=204)
def delete_template(template_id: int, session: DbSession, actor: Writer) -> Response:
    service.delete_template(session, actor=actor, template_id=template_id)
    return Response(status_code=204)
