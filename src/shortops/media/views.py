"""Produce pages: the media library, an asset with its renditions, and the upload endpoints the
page's upload script talks to (the same resumable protocol as the REST API, with the session
cookie and the CSRF header instead of a token)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from shortops.errors import N_, InvalidInput, NotFound, ShortopsError
from shortops.kit.pagination import PageParams
from shortops.media import flows, service, tasks, upload
from shortops.media.api import (
    asset_file_response,
    cover_file_response,
    offset_mismatch_response,
    rendition_file_response,
)
from shortops.media.schemas import (
    KIND_LABELS,
    STATUS_LABELS,
    RenditionsCreate,
    TemplateCreate,
    UploadCreate,
)
from shortops.media.spec import (
    Cover,
    EditSpec,
    Fit,
    Logo,
    Music,
    Subtitles,
    TextOverlay,
    TextStyle,
    Trim,
)
from shortops.media.previews import POSTER_KINDS, make_poster
from shortops.media.store import MediaStore
from shortops.models import AssetKind, MediaAsset, Rendition, RenditionStatus
from shortops.web.csrf import csrf_protect
from shortops.web.i18n import gettext
from shortops.web.pages import error_message, flash, page, redirect, request_language, translate
from shortops.workspaces.deps import DbSession, web_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor
from shortops.workspaces.views import invalid

router = APIRouter(prefix="/produce", dependencies=[Depends(csrf_protect)], include_in_schema=False)

Reader = Annotated[Actor, Depends(web_actor(Permission.read))]
Writer = Annotated[Actor, Depends(web_actor(Permission.write))]

PER_PAGE = 30
POLL_MS = 1500
HOOK_SECONDS = 3.0
FIT_LABELS = {
    "crop": N_("Crop to fill"),
    "smart_crop": N_("Crop around a point"),
    "pad": N_("Fit inside, blurred background"),
}
POSITION_LABELS = {
    "top-left": N_("Top left"),
    "top-right": N_("Top right"),
    "bottom-left": N_("Bottom left"),
    "bottom-right": N_("Bottom right"),
}
WARNING_LABELS = {
    "upscaled_small_source": N_("The source was smaller than the platform's size: upscaled."),
    "hdr_not_tone_mapped": N_("HDR source: colours were converted without tone mapping."),
    "no_sound_to_cut": N_("Silence removal found no sound to cut."),
}


def _store(request: Request) -> MediaStore:
    return MediaStore.from_settings(request.app.state.settings)


# --- the library ----------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def library(
    request: Request,
    session: DbSession,
    actor: Reader,
    kind: str = "",
    page_number: int = 1,
) -> HTMLResponse:
    """The media library: upload zone and every asset with its facts."""
    chosen = AssetKind(kind) if kind in AssetKind.__members__ else None
    params = PageParams(page=max(1, page_number), per_page=PER_PAGE)
    assets, total = service.list_assets(
        session, workspace_id=actor.workspace.id, params=params, kind=chosen
    )
    renditions = service.renditions_by_asset(
        session, workspace_id=actor.workspace.id, asset_ids=[a.id for a in assets]
    )
    store = _store(request)
    return page(
        request,
        "media/library.html",
        actor=actor,
        active="produce",
        assets=[service.asset_read(a, renditions[a.id]) for a in assets],
        posters={a.id: a.kind in POSTER_KINDS for a in assets},
        total=total,
        kind=chosen.value if chosen else "",
        kind_labels=KIND_LABELS,
        page_number=params.page,
        per_page=params.per_page,
        can_write=actor.can(Permission.write),
        max_upload_bytes=request.app.state.settings.max_upload_bytes,
    )


# --- one asset ------------------------------------------------------------------------------------


@router.get("/assets/{asset_id}", response_class=HTMLResponse)
def asset_page(
    request: Request,
    session: DbSession,
    actor: Reader,
    asset_id: int,
    template: int | None = None,
) -> HTMLResponse:
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    form = _form_from_spec(EditSpec())
    chosen_template = None
    if template is not None:
        chosen_template = service.get_template_or_raise(
            session, workspace_id=actor.workspace.id, template_id=template
        )
        form = _form_from_spec(service.template_spec(chosen_template))
        form["template_id"] = str(chosen_template.id)
    return _asset_page(request, session, actor, asset, form=form)


def _asset_page(
    request: Request,
    session: Session,
    actor: Actor,
    asset: MediaAsset,
    *,
    form: dict[str, Any],
    status_code: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    workspace_id = actor.workspace.id
    renditions = service.renditions_by_asset(
        session, workspace_id=workspace_id, asset_ids=[asset.id]
    )[asset.id]
    side_files = {
        kind: service.list_assets(
            session, workspace_id=workspace_id, params=PageParams(per_page=200), kind=kind
        )[0]
        for kind in (AssetKind.subtitles, AssetKind.image, AssetKind.audio)
    }
    templates, _total = service.list_templates(
        session, workspace_id=workspace_id, params=PageParams(per_page=200)
    )
    store = _store(request)
    return page(
        request,
        "media/asset.html",
        actor=actor,
        active="produce",
        status_code=status_code,
        error=error,
        asset=service.asset_read(asset),
        has_poster=asset.kind in POSTER_KINDS,
        can_write=actor.can(Permission.write),
        profiles=service.list_profiles(session, workspace_id=workspace_id),
        subtitles_assets=side_files[AssetKind.subtitles],
        image_assets=side_files[AssetKind.image],
        audio_assets=side_files[AssetKind.audio],
        templates=templates,
        form=form,
        fit_labels=FIT_LABELS,
        position_labels=POSITION_LABELS,
        kind_labels=KIND_LABELS,
        **_renditions_context(request, renditions),
    )


def _renditions_context(request: Request, renditions: list[Rendition]) -> dict[str, Any]:
    language = request_language(request)
    return {
        "renditions": [service.rendition_read(r) for r in renditions],
        "errors": {r.id: _failure(language, r) for r in renditions if r.error},
        "status_labels": STATUS_LABELS,
        "warning_labels": WARNING_LABELS,
        "polling": any(
            r.status in (RenditionStatus.queued, RenditionStatus.rendering) for r in renditions
        ),
        "poll_ms": POLL_MS,
    }


def _failure(language: str, rendition: Rendition) -> str:
    """The failure in the reader's language when its message template is known."""
    if not rendition.error_template:
        return rendition.error
    try:
        return gettext(language, rendition.error_template).format(**rendition.error_params)
    except (KeyError, IndexError, ValueError):
        return rendition.error


@router.get("/assets/{asset_id}/renditions", response_class=HTMLResponse)
def renditions_fragment(
    request: Request, session: DbSession, actor: Reader, asset_id: int
) -> HTMLResponse:
    """The renditions table alone (htmx polls it while anything is queued or rendering)."""
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    renditions = service.renditions_by_asset(
        session, workspace_id=actor.workspace.id, asset_ids=[asset.id]
    )[asset.id]
    return page(
        request,
        "media/_renditions.html",
        actor=actor,
        asset=service.asset_read(asset),
        can_write=actor.can(Permission.write),
        **_renditions_context(request, renditions),
    )


@router.post("/assets/{asset_id}/renditions", response_class=HTMLResponse)
def render_for(
    request: Request,
    session: DbSession,
    actor: Writer,
    asset_id: int,
    profiles: Annotated[list[str] | None, Form()] = None,
    fit: Annotated[str, Form()] = "crop",
    focus_x: Annotated[str, Form()] = "0.5",
    trim_start: Annotated[str, Form()] = "",
    trim_end: Annotated[str, Form()] = "",
    subtitles_asset_id: Annotated[str, Form()] = "",
    hook_text: Annotated[str, Form()] = "",
    hook_seconds: Annotated[str, Form()] = "3",
    logo_asset_id: Annotated[str, Form()] = "",
    logo_position: Annotated[str, Form()] = "top-right",
    music_asset_id: Annotated[str, Form()] = "",
    music_volume: Annotated[str, Form()] = "0.2",
    remove_silence: Annotated[str, Form()] = "",
    cover_title: Annotated[str, Form()] = "",
    template_id: Annotated[str, Form()] = "",
    save_template: Annotated[str, Form()] = "",
) -> Response:
    """Queue renditions of the asset for the ticked platforms, optionally saving a template."""
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    form: dict[str, Any] = {
        "profiles": profiles or [],
        "fit": fit,
        "focus_x": focus_x,
        "trim_start": trim_start,
        "trim_end": trim_end,
        "subtitles_asset_id": subtitles_asset_id,
        "hook_text": hook_text,
        "hook_seconds": hook_seconds,
        "logo_asset_id": logo_asset_id,
        "logo_position": logo_position,
        "music_asset_id": music_asset_id,
        "music_volume": music_volume,
        "remove_silence": remove_silence,
        "cover_title": cover_title,
        "template_id": template_id,
        "save_template": save_template,
    }
    try:
        base = EditSpec()
        if template_id.strip():
            base = service.template_spec(
                service.get_template_or_raise(
                    session, workspace_id=actor.workspace.id, template_id=_int(template_id)
                )
            )
        spec = _spec_from_form(base, form)
        if not profiles:
            raise InvalidInput(N_("Tick at least one platform to render for."))
        if save_template.strip():
            service.create_template(
                session, actor=actor, data=TemplateCreate(name=save_template, spec=spec)
            )
        results = flows.request_renditions(
            session,
            actor=actor,
            data=RenditionsCreate(asset_id=asset.id, profiles=profiles, spec=spec),
            store=_store(request),
        )
    except (ValidationError, ShortopsError) as exc:
        session.rollback()
        failure = invalid(request, exc) if isinstance(exc, ValidationError) else exc
        return _asset_page(
            request,
            session,
            actor,
            asset,
            form=form,
            status_code=failure.status,
            error=error_message(request, failure),
        )
    session.commit()
    tasks.enqueue_renditions([r.id for r, send in results if send])
    queued = sum(1 for _, send in results if send)
    message = translate(request, N_("{queued} queued, {existing} already made or on their way."))
    flash(request, message.format(queued=queued, existing=len(results) - queued), "success")
    return redirect(f"/produce/assets/{asset.id}")


def _int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(N_("“{value}” is not a number."), value=value) from None


def _number(value: str, default: float | None) -> float | None:
    value = value.strip().replace(",", ".")
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise InvalidInput(N_("“{value}” is not a number."), value=value) from None


def _hook(spec: EditSpec) -> TextOverlay | None:
    """The hook: the first overlay, when it sits at the top from the first second."""
    first = spec.overlays[0] if spec.overlays else None
    if first is not None and first.start_s == 0 and first.style.position == "top":
        return first
    return None


def _spec_from_form(base: EditSpec, form: dict[str, Any]) -> EditSpec:
    """The form's choices on top of `base` (a template), keeping what the form does not show."""
    hook = _hook(base)
    others = tuple(o for o in base.overlays if o is not hook)
    overlays = others
    if form["hook_text"].strip():
        seconds = _number(form["hook_seconds"], HOOK_SECONDS)
        overlay = TextOverlay(
            text=form["hook_text"].strip(),
            start_s=0,
            end_s=seconds,
            style=TextStyle(position="top", size=72, margin=220),
        )
        overlays = (overlay, *others)
    subtitles_id = form["subtitles_asset_id"].strip()
    logo_id = form["logo_asset_id"].strip()
    music_id = form["music_asset_id"].strip()
    spec_data = base.model_dump()
    spec_data.update(
        fit=Fit(mode=form["fit"], focus_x=_number(form["focus_x"], 0.5), blur=base.fit.blur),
        trim=Trim(
            start_s=_number(form["trim_start"], 0.0) or 0.0,
            end_s=_number(form["trim_end"], None),
        ),
        subtitles=Subtitles(
            asset_id=_int(subtitles_id),
            style=base.subtitles.style if base.subtitles else TextStyle(),
        )
        if subtitles_id
        else None,
        overlays=overlays,
        logo=(base.logo or Logo()).model_copy(
            update={"asset_id": _int(logo_id), "position": form["logo_position"], "path": None}
        )
        if logo_id
        else None,
        music=Music(
            asset_id=_int(music_id),
            volume=_number(form["music_volume"], 0.2),
            duck=base.music.duck if base.music else False,
        )
        if music_id
        else None,
        remove_silence=bool(form["remove_silence"]),
        cover=Cover(
            enabled=base.cover.enabled,
            at_s=base.cover.at_s,
            title=form["cover_title"].strip() or None,
        ),
    )
    return EditSpec.model_validate(spec_data)


def _form_from_spec(spec: EditSpec) -> dict[str, Any]:
    hook = _hook(spec)
    return {
        "profiles": [],
        "fit": spec.fit.mode,
        "focus_x": f"{spec.fit.focus_x:g}",
        "trim_start": f"{spec.trim.start_s:g}" if spec.trim.start_s else "",
        "trim_end": f"{spec.trim.end_s:g}" if spec.trim.end_s is not None else "",
        "subtitles_asset_id": str(spec.subtitles.asset_id or "") if spec.subtitles else "",
        "hook_text": hook.text if hook else "",
        "hook_seconds": f"{hook.end_s:g}" if hook and hook.end_s else f"{HOOK_SECONDS:g}",
        "logo_asset_id": str(spec.logo.asset_id or "") if spec.logo else "",
        "logo_position": spec.logo.position if spec.logo else "top-right",
        "music_asset_id": str(spec.music.asset_id or "") if spec.music else "",
        "music_volume": f"{spec.music.volume:g}" if spec.music else "0.2",
        "remove_silence": "on" if spec.remove_silence else "",
        "cover_title": spec.cover.title or "",
        "template_id": "",
        "save_template": "",
    }


@router.post("/assets/{asset_id}/delete")
def delete_asset(request: Request, session: DbSession, actor: Writer, asset_id: int) -> Response:
    orphans = service.delete_asset(session, actor=actor, asset_id=asset_id)
    session.commit()
    _store(request).delete(orphans)
    flash(request, translate(request, N_("The file and its renditions were deleted.")), "success")
    return redirect("/produce")


@router.get("/assets/{asset_id}/poster")
def poster(request: Request, session: DbSession, actor: Reader, asset_id: int) -> Response:
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    store = _store(request)
    path = store.poster_path(asset.sha256)
    if not make_poster(store, asset):
        raise NotFound(N_("This file has no preview picture."))
    return FileResponse(
        store.path(path), media_type="image/jpeg", headers={"Cache-Control": "max-age=86400"}
    )


@router.get("/assets/{asset_id}/file")
def asset_file(request: Request, session: DbSession, actor: Reader, asset_id: int) -> Response:
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    return asset_file_response(_store(request), asset)


# --- renditions -----------------------------------------------------------------------------------


@router.post("/renditions/{rendition_id}/cancel")
def cancel_rendition(
    request: Request, session: DbSession, actor: Writer, rendition_id: int
) -> Response:
    rendition = service.cancel_rendition(session, actor=actor, rendition_id=rendition_id)
    flash(request, translate(request, N_("Rendering cancelled.")), "success")
    return redirect(f"/produce/assets/{rendition.asset_id}")


@router.get("/renditions/{rendition_id}/file")
def rendition_file(
    request: Request, session: DbSession, actor: Reader, rendition_id: int
) -> Response:
    rendition = service.get_rendition_or_raise(
        session, workspace_id=actor.workspace.id, rendition_id=rendition_id
    )
    return rendition_file_response(session, _store(request), rendition)


@router.get("/renditions/{rendition_id}/covers/{name}")
def rendition_cover(
    request: Request, session: DbSession, actor: Reader, rendition_id: int, name: str
) -> Response:
    rendition = service.get_rendition_or_raise(
        session, workspace_id=actor.workspace.id, rendition_id=rendition_id
    )
    return cover_file_response(session, _store(request), rendition, name)


# --- uploads (JSON, for upload.js) ----------------------------------------------------------------


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
            store=_store(request),
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
            store=_store(request),
            upload_id=upload_id,
            content_range=request.headers.get("content-range"),
            body=upload.request_chunks(request),
        )
    except ShortopsError as exc:
        return _json_error(request, exc)
    return JSONResponse(upload.upload_read(session, received).model_dump(mode="json"))
