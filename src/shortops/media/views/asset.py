"""One asset: its renditions (polled while they render), the render form with a preview of
one frame, and its files."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from shortops.errors import N_, InvalidInput, NotFound, ShortopsError
from shortops.kit.i18n import gettext
from shortops.kit.pagination import PageParams
from shortops.media import flows, previews, rendition_service, service
from shortops.media.previews import CLIP_KINDS, POSTER_KINDS, make_poster, make_preview_clip
from shortops.media.profiles import PlatformProfile
from shortops.media.responses import (
    asset_file_response,
    cover_file_response,
    rendition_file_response,
)
from shortops.media.schemas import (
    KIND_LABELS,
    STATUS_LABELS,
    ProfileRead,
    RenditionsCreate,
    TemplateCreate,
)
from shortops.media.spec import (
    EditSpec,
)
from shortops.media.views.common import (
    FIT_LABELS,
    POSITION_LABELS,
    SUBTITLE_POSITION_LABELS,
    WARNING_LABELS,
    Reader,
    Writer,
    media_store,
)
from shortops.media.views.edit_form import (
    failure_of,
    form_base,
    form_from_spec,
    number_or,
    spec_from_form,
)
from shortops.models import AssetKind, MediaAsset, Rendition, RenditionStatus
from shortops.web.csrf import csrf_protect
from shortops.web.pages import error_message, flash, page, redirect, request_language, translate
from shortops.workspaces.deps import DbSession
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/produce", dependencies=[Depends(csrf_protect)], include_in_schema=False)


POLL_MS = 1500


@router.get("/assets/{asset_id}", response_class=HTMLResponse)
def asset_page(
    request: Request,
    session: DbSession,
    actor: Reader,
    asset_id: int,
    template: int | None = None,
) -> HTMLResponse:
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    form = form_from_spec(EditSpec())
    chosen_template = None
    if template is not None:
        chosen_template = service.get_template_or_raise(
            session, workspace_id=actor.workspace.id, template_id=template
        )
        form = form_from_spec(service.template_spec(chosen_template))
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
    profiles = service.list_profiles(session, workspace_id=workspace_id)
    return page(
        request,
        "media/asset.html",
        actor=actor,
        active="produce",
        status_code=status_code,
        error=error,
        asset=service.asset_read(asset),
        has_poster=asset.kind in POSTER_KINDS,
        has_clip=asset.kind in CLIP_KINDS,
        can_write=actor.can(Permission.write),
        profiles=profiles,
        preview_profile=_preview_slug(form, profiles),
        subtitles_assets=side_files[AssetKind.subtitles],
        image_assets=side_files[AssetKind.image],
        audio_assets=side_files[AssetKind.audio],
        templates=templates,
        form=form,
        fit_labels=FIT_LABELS,
        position_labels=POSITION_LABELS,
        subtitle_position_labels=SUBTITLE_POSITION_LABELS,
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


def _render_form(
    profiles: Annotated[list[str] | None, Form()] = None,
    fit: Annotated[str, Form()] = "crop",
    focus_x: Annotated[str, Form()] = "0.5",
    trim_start: Annotated[str, Form()] = "",
    trim_end: Annotated[str, Form()] = "",
    subtitles_asset_id: Annotated[str, Form()] = "",
    subtitle_size: Annotated[str, Form()] = "56",
    subtitle_position: Annotated[str, Form()] = "bottom",
    subtitle_color: Annotated[str, Form()] = "#FFFFFF",
    hook_text: Annotated[str, Form()] = "",
    hook_seconds: Annotated[str, Form()] = "3",
    logo_asset_id: Annotated[str, Form()] = "",
    logo_position: Annotated[str, Form()] = "top-right",
    music_asset_id: Annotated[str, Form()] = "",
    music_volume: Annotated[str, Form()] = "0.2",
    music_duck: Annotated[str, Form()] = "",
    normalise_loudness: Annotated[str, Form()] = "",
    loudness_lufs: Annotated[str, Form()] = "",
    remove_silence: Annotated[str, Form()] = "",
    make_covers: Annotated[str, Form()] = "",
    cover_at: Annotated[str, Form()] = "",
    cover_title: Annotated[str, Form()] = "",
    checkboxes_shown: Annotated[str, Form()] = "",
    template_id: Annotated[str, Form()] = "",
    save_template: Annotated[str, Form()] = "",
    preview_profile: Annotated[str, Form()] = "",
    preview_at: Annotated[str, Form()] = "",
    safe_zones: Annotated[str, Form()] = "",
) -> dict[str, Any]:
    """The render form's fields as posted (shown again as they were after an error)."""
    return {
        "profiles": profiles or [],
        "fit": fit,
        "focus_x": focus_x,
        "trim_start": trim_start,
        "trim_end": trim_end,
        "subtitles_asset_id": subtitles_asset_id,
        "subtitle_size": subtitle_size,
        "subtitle_position": subtitle_position,
        "subtitle_color": subtitle_color,
        "hook_text": hook_text,
        "hook_seconds": hook_seconds,
        "logo_asset_id": logo_asset_id,
        "logo_position": logo_position,
        "music_asset_id": music_asset_id,
        "music_volume": music_volume,
        "music_duck": music_duck,
        "normalise_loudness": normalise_loudness,
        "loudness_lufs": loudness_lufs,
        "remove_silence": remove_silence,
        "make_covers": make_covers,
        "cover_at": cover_at,
        "cover_title": cover_title,
        "checkboxes_shown": checkboxes_shown,
        "template_id": template_id,
        "save_template": save_template,
        "preview_profile": preview_profile,
        "preview_at": preview_at,
        "safe_zones": safe_zones,
    }


RenderForm = Annotated[dict[str, Any], Depends(_render_form)]


@router.post("/assets/{asset_id}/renditions", response_class=HTMLResponse)
def render_for(
    request: Request, session: DbSession, actor: Writer, asset_id: int, form: RenderForm
) -> Response:
    """Queue renditions of the asset for the ticked platforms, optionally saving a template."""
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    profiles: list[str] = form["profiles"]
    try:
        spec = spec_from_form(form_base(session, actor, form), form)
        if not profiles:
            raise InvalidInput(N_("Tick at least one platform to render for."))
        if form["save_template"].strip():
            service.create_template(
                session, actor=actor, data=TemplateCreate(name=form["save_template"], spec=spec)
            )
        results = flows.request_renditions(
            session,
            actor=actor,
            data=RenditionsCreate(asset_id=asset.id, profiles=profiles, spec=spec),
            store=media_store(request),
        )
    except (ValidationError, ShortopsError) as exc:
        session.rollback()
        failure = failure_of(request, exc)
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
    distinct = {r.id: r for r, _ in results}
    queued = sum(1 for _, send in results if send)
    message = translate(request, N_("{queued} queued, {existing} already made or on their way."))
    text = message.format(queued=queued, existing=len(distinct) - queued)
    slugs = list(dict.fromkeys(profiles))
    for shared in _shared_files(request, session, actor, slugs, [r for r, _ in results]):
        text += " " + shared
    flash(request, text, "success")
    return redirect(f"/produce/assets/{asset.id}")


def _shared_files(
    request: Request, session: Any, actor: Actor, slugs: list[str], made: list[Rendition]
) -> list[str]:
    """ "YouTube Shorts: the same file as TikTok." for platforms whose settings resolve alike."""
    first: dict[int, str] = {}
    notes = []
    for slug, rendition in zip(slugs, made, strict=True):
        name = service.get_profile_or_raise(
            session, workspace_id=actor.workspace.id, slug=slug
        ).name
        if rendition.id in first:
            template = translate(request, N_("{platform}: the same file as {other}."))
            notes.append(template.format(platform=name, other=first[rendition.id]))
        else:
            first[rendition.id] = name
    return notes


@router.post("/assets/{asset_id}/preview-frame", response_model=None)
def preview_frame(
    request: Request, session: DbSession, actor: Writer, asset_id: int, form: RenderForm
) -> Response:
    """One frame of the rendition the form describes, for the chosen platform and moment.

    htmx gets an <img> fragment (or the error) for the preview pane; a plain form post (no
    JavaScript) gets the JPEG itself, or the asset page with the error.
    """
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    store = media_store(request)
    from_htmx = request.headers.get("hx-request") == "true"
    profiles = service.list_profiles(session, workspace_id=actor.workspace.id)
    slug = _preview_slug(form, profiles)
    at_s = 0.0
    try:
        spec = spec_from_form(form_base(session, actor, form), form)
        profile = service.get_profile_or_raise(session, workspace_id=actor.workspace.id, slug=slug)
        at_s = number_or(form["preview_at"], 0.0) or 0.0
        side_files = service.check_spec(session, workspace_id=actor.workspace.id, spec=spec)
        jpeg = previews.preview_frame(
            store,
            asset,
            spec,
            profile,
            at_s=at_s,
            side_files=side_files,
            source=flows.media_info(asset, store),
        )
    except (ValidationError, ShortopsError) as exc:
        session.rollback()
        failure = failure_of(request, exc)
        if from_htmx:
            return page(
                request,
                "media/_preview_frame.html",
                actor=actor,
                status_code=failure.status,
                error=error_message(request, failure),
            )
        return _asset_page(
            request,
            session,
            actor,
            asset,
            form=form,
            status_code=failure.status,
            error=error_message(request, failure),
        )
    if not from_htmx:
        return Response(jpeg, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
    return page(
        request,
        "media/_preview_frame.html",
        actor=actor,
        frame_src="data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii"),
        profile=profile,
        at_s=at_s,
        zones=safe_zone_bands(profile) if form["safe_zones"] else [],
    )


def safe_zone_bands(profile: PlatformProfile) -> list[dict[str, float]]:
    """The profile's overlay zones as boxes in percent of the frame, for the preview's overlay:
    top bar, bottom band, and the right and left strips between them."""
    safe, w, h = profile.safe_area, profile.width, profile.height
    middle = 100 * max(0, h - safe.top - safe.bottom) / h
    top, bottom = 100 * safe.top / h, 100 * safe.bottom / h
    boxes = [
        {"left": 0, "top": 0, "width": 100, "height": top},
        {"left": 0, "top": 100 - bottom, "width": 100, "height": bottom},
        {"left": 100 - 100 * safe.right / w, "top": top, "width": 100 * safe.right / w,
         "height": middle},
        {"left": 0, "top": top, "width": 100 * safe.left / w, "height": middle},
    ]  # fmt: skip
    shown = [box for box in boxes if box["width"] > 0 and box["height"] > 0]
    return [{key: round(value, 2) for key, value in box.items()} for box in shown]


def _preview_slug(form: dict[str, Any], profiles: list[ProfileRead]) -> str:
    """The platform to preview: the one chosen, else the first ticked, else the first known."""
    chosen = form.get("preview_profile") or ""
    ticked = form.get("profiles") or []
    return chosen or (ticked[0] if ticked else profiles[0].slug)


@router.post("/assets/{asset_id}/delete")
def delete_asset(request: Request, session: DbSession, actor: Writer, asset_id: int) -> Response:
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    sha256, storage_path = asset.sha256, asset.storage_path
    orphans = service.delete_asset(session, actor=actor, asset_id=asset_id)
    session.commit()
    store = media_store(request)
    if storage_path in orphans:  # the last asset with these bytes: their previews go too
        orphans += previews.preview_files(store, sha256)
    store.delete(orphans)
    flash(request, translate(request, N_("The file and its renditions were deleted.")), "success")
    return redirect("/produce")


@router.get("/assets/{asset_id}/poster")
def poster(request: Request, session: DbSession, actor: Reader, asset_id: int) -> Response:
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    store = media_store(request)
    path = store.poster_path(asset.sha256)
    if not make_poster(store, asset):
        raise NotFound(N_("This file has no preview picture."))
    return FileResponse(
        store.path(path), media_type="image/jpeg", headers={"Cache-Control": "max-age=86400"}
    )


@router.get("/assets/{asset_id}/preview")
def preview_clip(request: Request, session: DbSession, actor: Reader, asset_id: int) -> Response:
    """A few muted seconds of a video, small, for hover previews (made on first request)."""
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    store = media_store(request)
    if not make_preview_clip(store, asset):
        raise NotFound(N_("This file has no preview clip."))
    return FileResponse(
        store.path(store.preview_path(asset.sha256)),
        media_type="video/mp4",
        headers={"Cache-Control": "max-age=86400"},
    )


@router.get("/assets/{asset_id}/file")
def asset_file(request: Request, session: DbSession, actor: Reader, asset_id: int) -> Response:
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    return asset_file_response(media_store(request), asset)


@router.post("/renditions/{rendition_id}/cancel")
def cancel_rendition(
    request: Request, session: DbSession, actor: Writer, rendition_id: int
) -> Response:
    rendition = rendition_service.cancel_rendition(session, actor=actor, rendition_id=rendition_id)
    flash(request, translate(request, N_("Rendering cancelled.")), "success")
    return redirect(f"/produce/assets/{rendition.asset_id}")


@router.get("/renditions/{rendition_id}/file")
def rendition_file(
    request: Request, session: DbSession, actor: Reader, rendition_id: int
) -> Response:
    rendition = rendition_service.get_rendition_or_raise(
        session, workspace_id=actor.workspace.id, rendition_id=rendition_id
    )
    return rendition_file_response(session, media_store(request), rendition)


@router.get("/renditions/{rendition_id}/covers/{name}")
def rendition_cover(
    request: Request, session: DbSession, actor: Reader, rendition_id: int, name: str
) -> Response:
    rendition = rendition_service.get_rendition_or_raise(
        session, workspace_id=actor.workspace.id, rendition_id=rendition_id
    )
    return cover_file_response(session, media_store(request), rendition, name)
