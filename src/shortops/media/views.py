"""Produce pages: the media library, an asset with its renditions and render form (with a
preview of one frame), platform profiles and edit templates, and the upload endpoints the page's
upload script talks to (the same resumable protocol as the REST API, with the session cookie and
the CSRF header instead of a token)."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from shortops.errors import N_, InvalidInput, NotFound, ShortopsError
from shortops.kit.i18n import gettext
from shortops.kit.pagination import PageParams
from shortops.media import flows, previews, service, upload
from shortops.media.api import (
    asset_file_response,
    cover_file_response,
    offset_mismatch_response,
    rendition_file_response,
)
from shortops.media.previews import CLIP_KINDS, POSTER_KINDS, make_poster, make_preview_clip
from shortops.media.profiles import BUILTIN_PROFILES, CoverSize, PlatformProfile
from shortops.media.schemas import (
    KIND_LABELS,
    STATUS_LABELS,
    ProfileCreate,
    ProfileRead,
    RenditionsCreate,
    TemplateCreate,
    TemplateUpdate,
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
from shortops.media.store import MediaStore
from shortops.models import AssetKind, MediaAsset, Rendition, RenditionStatus
from shortops.web.csrf import csrf_protect
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
DEFAULT_LUFS = -14.0  # what TikTok, YouTube and Instagram normalise to
LOUDNESS_RANGE = (-40.0, -5.0)  # the range EditSpec.loudness_lufs accepts
PREVIEW_AT_S = 1.0  # after a fade-in, and while the hook text still shows
TEMPLATES_SHOWN = 200
MEGABYTE = 1000 * 1000  # as in media.profiles: the decimal, stricter reading
COVER_MAX_BYTES = 2 * MEGABYTE  # the portrait cover limit of the built-in profiles
PROFILE_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")
COVER_SIZE = re.compile(r"^(?:([a-z][a-z0-9_-]*)\s+)?(\d+)\s*[x×*]\s*(\d+)$", re.IGNORECASE)
FIT_LABELS = {
    "crop": N_("Crop to fill"),
    "smart_crop": N_("Crop around a point"),
    "pad": N_("Fit inside, blurred background"),
}
SUBTITLE_POSITION_LABELS = {
    "bottom": N_("Bottom"),
    "center": N_("Middle"),
    "top": N_("Top"),
}
HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")
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
    return page(
        request,
        "media/library.html",
        actor=actor,
        active="produce",
        assets=[service.asset_read(a, renditions[a.id]) for a in assets],
        posters={a.id: a.kind in POSTER_KINDS for a in assets},
        clips={a.id: a.kind in CLIP_KINDS for a in assets},
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
        spec = _spec_from_form(_form_base(session, actor, form), form)
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
            store=_store(request),
        )
    except (ValidationError, ShortopsError) as exc:
        session.rollback()
        failure = _failure_of(request, exc)
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
    store = _store(request)
    from_htmx = request.headers.get("hx-request") == "true"
    profiles = service.list_profiles(session, workspace_id=actor.workspace.id)
    slug = _preview_slug(form, profiles)
    at_s = 0.0
    try:
        spec = _spec_from_form(_form_base(session, actor, form), form)
        profile = service.get_profile_or_raise(session, workspace_id=actor.workspace.id, slug=slug)
        at_s = _number(form["preview_at"], 0.0) or 0.0
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
        failure = _failure_of(request, exc)
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


def _failure_of(request: Request, exc: ValidationError | ShortopsError) -> ShortopsError:
    return invalid(request, exc) if isinstance(exc, ValidationError) else exc


def _form_base(session: Session, actor: Actor, form: dict[str, Any]) -> EditSpec:
    """The spec the form starts from: the loaded template's, else the defaults."""
    if not form["template_id"].strip():
        return EditSpec()
    return service.template_spec(
        service.get_template_or_raise(
            session, workspace_id=actor.workspace.id, template_id=_int(form["template_id"])
        )
    )


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


def _ticked(form: dict[str, Any], name: str, kept: bool) -> bool:
    """A checkbox's state; `kept` (the template's) when the posting form did not show it.

    An unticked checkbox is simply missing from a post, so the page sends `checkboxes_shown`
    to say that a missing one means unticked. Other clients that post only some fields keep
    the template's (or the spec's default) choices for the others.
    """
    if form[name] or form["checkboxes_shown"]:
        return bool(form[name])
    return kept


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
            style=TextStyle(position="top", size=72, margin=40),
        )
        overlays = (overlay, *others)
    subtitles_id = form["subtitles_asset_id"].strip()
    logo_id = form["logo_asset_id"].strip()
    music_id = form["music_asset_id"].strip()
    normalise = _ticked(form, "normalise_loudness", base.loudness_lufs is not None)
    cover_at_shown = bool(form["cover_at"].strip() or form["checkboxes_shown"])
    spec_data = base.model_dump()
    spec_data.update(
        fit=Fit(mode=form["fit"], focus_x=_number(form["focus_x"], 0.5), blur=base.fit.blur),
        trim=Trim(
            start_s=_number(form["trim_start"], 0.0) or 0.0,
            end_s=_number(form["trim_end"], None),
        ),
        subtitles=Subtitles(
            asset_id=_int(subtitles_id),
            style=_subtitle_style(form, base.subtitles.style if base.subtitles else TextStyle()),
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
            duck=_ticked(form, "music_duck", base.music.duck if base.music else False),
        )
        if music_id
        else None,
        loudness_lufs=_loudness(form, base) if normalise else None,
        remove_silence=bool(form["remove_silence"]),
        cover=Cover(
            enabled=_ticked(form, "make_covers", base.cover.enabled),
            at_s=_number(form["cover_at"], None) if cover_at_shown else base.cover.at_s,
            title=form["cover_title"].strip() or None,
        ),
    )
    return EditSpec.model_validate(spec_data)


def _subtitle_style(form: dict[str, Any], base: TextStyle) -> TextStyle:
    """The template's subtitle style with the form's size, position and colour."""
    size = _number(form.get("subtitle_size", ""), base.size) or base.size
    if not 8 <= size <= 400:
        raise InvalidInput(N_("The subtitle size must be from 8 to 400 pixels."))
    position = form.get("subtitle_position") or base.position
    if position not in SUBTITLE_POSITION_LABELS:
        raise InvalidInput(
            N_("“{value}” is not a subtitle position: choose bottom, middle or top."),
            value=position,
        )
    colour = (form.get("subtitle_color") or base.color).strip()
    if not HEX_COLOUR.match(colour):
        raise InvalidInput(
            N_("“{value}” is not a colour: write it as #RRGGBB, e.g. #FFFFFF."), value=colour
        )
    return base.model_copy(update={"size": round(size), "position": position, "color": colour})


def _loudness(form: dict[str, Any], base: EditSpec) -> float:
    found = _number(form["loudness_lufs"], base.loudness_lufs or DEFAULT_LUFS)
    lufs = DEFAULT_LUFS if found is None else found
    if not LOUDNESS_RANGE[0] <= lufs <= LOUDNESS_RANGE[1]:
        raise InvalidInput(
            N_("The target loudness must be from -40 to -5 LUFS; the platforms play at -14.")
        )
    return lufs


def _form_from_spec(spec: EditSpec) -> dict[str, Any]:
    hook = _hook(spec)
    subtitle_style = spec.subtitles.style if spec.subtitles else TextStyle()
    lufs = spec.loudness_lufs if spec.loudness_lufs is not None else DEFAULT_LUFS
    return {
        "profiles": [],
        "fit": spec.fit.mode,
        "focus_x": f"{spec.fit.focus_x:g}",
        "trim_start": f"{spec.trim.start_s:g}" if spec.trim.start_s else "",
        "trim_end": f"{spec.trim.end_s:g}" if spec.trim.end_s is not None else "",
        "subtitles_asset_id": str(spec.subtitles.asset_id or "") if spec.subtitles else "",
        "subtitle_size": str(subtitle_style.size),
        "subtitle_position": subtitle_style.position,
        "subtitle_color": subtitle_style.color,
        "hook_text": hook.text if hook else "",
        "hook_seconds": f"{hook.end_s:g}" if hook and hook.end_s else f"{HOOK_SECONDS:g}",
        "logo_asset_id": str(spec.logo.asset_id or "") if spec.logo else "",
        "logo_position": spec.logo.position if spec.logo else "top-right",
        "music_asset_id": str(spec.music.asset_id or "") if spec.music else "",
        "music_volume": f"{spec.music.volume:g}" if spec.music else "0.2",
        "music_duck": "on" if spec.music and spec.music.duck else "",
        "normalise_loudness": "on" if spec.loudness_lufs is not None else "",
        "loudness_lufs": f"{lufs:g}",
        "remove_silence": "on" if spec.remove_silence else "",
        "make_covers": "on" if spec.cover.enabled else "",
        "cover_at": f"{spec.cover.at_s:g}" if spec.cover.at_s is not None else "",
        "cover_title": spec.cover.title or "",
        "checkboxes_shown": "1",
        "template_id": "",
        "save_template": "",
        "preview_profile": "",
        "preview_at": f"{PREVIEW_AT_S:g}",
        "safe_zones": "on",
    }


@router.post("/assets/{asset_id}/delete")
def delete_asset(request: Request, session: DbSession, actor: Writer, asset_id: int) -> Response:
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    sha256, storage_path = asset.sha256, asset.storage_path
    orphans = service.delete_asset(session, actor=actor, asset_id=asset_id)
    session.commit()
    store = _store(request)
    if storage_path in orphans:  # the last asset with these bytes: their previews go too
        orphans += previews.preview_files(store, sha256)
    store.delete(orphans)
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


@router.get("/assets/{asset_id}/preview")
def preview_clip(request: Request, session: DbSession, actor: Reader, asset_id: int) -> Response:
    """A few muted seconds of a video, small, for hover previews (made on first request)."""
    asset = service.get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    store = _store(request)
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


# --- platform profiles and edit templates ---------------------------------------------------------


def _profile_form(
    based_on: Annotated[str, Form()] = "tiktok",
    name: Annotated[str, Form()] = "",
    slug: Annotated[str, Form()] = "",
    width: Annotated[str, Form()] = "",
    height: Annotated[str, Form()] = "",
    fps: Annotated[str, Form()] = "",
    min_duration_s: Annotated[str, Form()] = "",
    max_duration_s: Annotated[str, Form()] = "",
    max_megabytes: Annotated[str, Form()] = "",
    max_video_bitrate_k: Annotated[str, Form()] = "",
    covers: Annotated[str, Form()] = "",
) -> dict[str, str]:
    """The new-profile form as posted; empty fields keep the base profile's value."""
    return {
        "based_on": based_on,
        "name": name,
        "slug": slug,
        "width": width,
        "height": height,
        "fps": fps,
        "min_duration_s": min_duration_s,
        "max_duration_s": max_duration_s,
        "max_megabytes": max_megabytes,
        "max_video_bitrate_k": max_video_bitrate_k,
        "covers": covers,
    }


ProfileForm = Annotated[dict[str, str], Depends(_profile_form)]


@router.get("/profiles", response_class=HTMLResponse)
def profiles_page(request: Request, session: DbSession, actor: Reader) -> HTMLResponse:
    """Platform profiles (built-in and the workspace's own) and the saved edit templates."""
    return _profiles_page(request, session, actor, form=_profile_form())


def _profiles_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    form: dict[str, str],
    status_code: int = 200,
    error: str | None = None,
) -> HTMLResponse:
    language = request_language(request)
    profiles = service.list_profiles(session, workspace_id=actor.workspace.id)
    templates, total = service.list_templates(
        session, workspace_id=actor.workspace.id, params=PageParams(per_page=TEMPLATES_SHOWN)
    )
    return page(
        request,
        "media/profiles.html",
        actor=actor,
        active="produce",
        status_code=status_code,
        error=error,
        builtin=[_profile_facts(language, p) for p in profiles if p.builtin],
        custom=[_profile_facts(language, p) for p in profiles if not p.builtin],
        bases=list(BUILTIN_PROFILES.values()),
        templates=[(t, spec_summary(language, t.spec)) for t in templates],
        templates_total=total,
        form=form,
        can_write=actor.can(Permission.write),
    )


@router.post("/profiles", response_class=HTMLResponse)
def add_profile(request: Request, session: DbSession, actor: Writer, form: ProfileForm) -> Response:
    """Add a custom profile: a built-in one with the values the form changes."""
    try:
        created = service.create_profile(
            session, actor=actor, data=ProfileCreate(**_profile_values(form))
        )
    except (ValidationError, ShortopsError) as exc:
        session.rollback()
        failure = _failure_of(request, exc)
        return _profiles_page(
            request,
            session,
            actor,
            form=form,
            status_code=failure.status,
            error=error_message(request, failure),
        )
    session.commit()
    message = translate(request, N_("Profile {name} added: tick it in a video's Render form."))
    flash(request, message.format(name=created.name), "success")
    return redirect("/produce/profiles")


@router.post("/profiles/{slug}/delete")
def delete_profile(request: Request, session: DbSession, actor: Writer, slug: str) -> Response:
    service.delete_profile(session, actor=actor, slug=slug)
    session.commit()
    message = translate(request, N_("Profile {slug} deleted; renditions made with it stay."))
    flash(request, message.format(slug=slug), "success")
    return redirect("/produce/profiles")


@router.post("/templates/{template_id}/rename", response_class=HTMLResponse)
def rename_template(
    request: Request,
    session: DbSession,
    actor: Writer,
    template_id: int,
    name: Annotated[str, Form()] = "",
) -> Response:
    service.get_template_or_raise(session, workspace_id=actor.workspace.id, template_id=template_id)
    try:
        template = service.update_template(
            session, actor=actor, template_id=template_id, data=TemplateUpdate(name=name)
        )
    except (ValidationError, ShortopsError) as exc:
        session.rollback()
        failure = _failure_of(request, exc)
        return _profiles_page(
            request,
            session,
            actor,
            form=_profile_form(),
            status_code=failure.status,
            error=error_message(request, failure),
        )
    session.commit()
    message = translate(request, N_("Template renamed to {name}."))
    flash(request, message.format(name=template.name), "success")
    return redirect("/produce/profiles#templates")


@router.post("/templates/{template_id}/delete")
def delete_template(
    request: Request, session: DbSession, actor: Writer, template_id: int
) -> Response:
    template = service.get_template_or_raise(
        session, workspace_id=actor.workspace.id, template_id=template_id
    )
    name = template.name
    service.delete_template(session, actor=actor, template_id=template_id)
    session.commit()
    flash(request, translate(request, N_("Template {name} deleted.")).format(name=name), "success")
    return redirect("/produce/profiles#templates")


def _profile_values(form: dict[str, str]) -> dict[str, Any]:
    """ProfileCreate's fields from the form: numbers parsed, empty ones left to the base."""
    slug = form["slug"].strip().lower()
    if not PROFILE_SLUG.match(slug):
        raise InvalidInput(
            N_(
                "The slug is the profile's short name in the API and the command line: 2 to 40 "
                "lower-case letters, digits, - or _, e.g. square_feed."
            )
        )
    if not form["name"].strip():
        raise InvalidInput(N_("Give the profile a name, e.g. Square feed."))
    values: dict[str, Any] = {"slug": slug, "name": form["name"], "based_on": form["based_on"]}
    for key in ("width", "height", "max_video_bitrate_k"):
        if form[key].strip():
            values[key] = _int(form[key].strip())
    for key in ("fps", "min_duration_s", "max_duration_s"):
        number = _number(form[key], None)
        if number is not None:
            values[key] = number
    megabytes = _number(form["max_megabytes"], None)
    if megabytes is not None:
        values["max_bytes"] = round(megabytes * MEGABYTE)
    for key in ("width", "height", "fps", "max_duration_s", "max_bytes", "max_video_bitrate_k"):
        if key in values and values[key] <= 0:
            raise InvalidInput(N_("Sizes, rates and limits must be more than 0."))
    if form["covers"].strip():
        values["covers"] = _cover_sizes(form["covers"], BUILTIN_PROFILES.get(form["based_on"]))
    return values


def _cover_sizes(text: str, base: PlatformProfile | None) -> list[CoverSize]:
    """Cover sizes from "1080×1920, landscape 1146×717": named by their shape unless named."""
    sizes: list[CoverSize] = []
    for part in (piece.strip() for piece in re.split(r"[,;\n]+", text)):
        if not part:
            continue
        match = COVER_SIZE.match(part)
        if match is None or int(match[2]) <= 0 or int(match[3]) <= 0:
            raise InvalidInput(
                N_(
                    "Write cover sizes as width×height, separated by commas (e.g. 1080×1920, "
                    "1146×717); “{value}” is not one."
                ),
                value=part,
            )
        width, height = int(match[2]), int(match[3])
        name = (match[1] or _shape(width, height)).lower()
        if any(size.name == name for size in sizes):
            name = f"{name}-{len(sizes) + 1}"
        limit = next(
            (cover.max_bytes for cover in (base.covers if base else ()) if cover.name == name),
            COVER_MAX_BYTES,
        )
        sizes.append(CoverSize(name=name, width=width, height=height, max_bytes=limit))
    return sizes


def _shape(width: int, height: int) -> str:
    if width == height:
        return "square"
    return "portrait" if height > width else "landscape"


def _profile_facts(language: str, profile: ProfileRead) -> dict[str, Any]:
    """What the profiles page shows of a profile, as text."""
    low = _duration_text(language, profile.min_duration_s)
    high = _duration_text(language, profile.max_duration_s)
    return {
        "slug": profile.slug,
        "name": profile.name,
        "size": f"{profile.width}×{profile.height}",
        "fps": f"{profile.fps:g}",
        "duration": f"{low} – {high}",
        "max_size": _bytes_text(profile.max_bytes),
        "bitrate": _bitrate_text(profile.max_video_bitrate_k),
        "covers": [(c.name, f"{c.width}×{c.height}") for c in profile.covers],
    }


def _duration_text(language: str, seconds: float) -> str:
    """17999 → "4 h 59 min 59 s" (in the reader's language)."""
    if seconds < 60 and seconds != int(seconds):
        return gettext(language, N_("{n} s")).format(n=f"{seconds:g}")
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        gettext(language, template).format(n=value)
        for template, value in ((N_("{n} h"), hours), (N_("{n} min"), minutes), (N_("{n} s"), secs))
        if value
    ]
    return " ".join(parts) or gettext(language, N_("{n} s")).format(n=0)


def _bytes_text(size: int) -> str:
    """Sizes as the platforms write them (1 GB = 1000 MB)."""
    megabytes = size / MEGABYTE
    if megabytes >= 1000:
        return f"{megabytes / 1000:.3g} GB"
    return f"{megabytes:.4g} MB"


def _bitrate_text(kilobits: int) -> str:
    return f"{kilobits / 1000:g} Mbps" if kilobits >= 1000 else f"{kilobits} kbps"


def spec_summary(language: str, stored: dict[str, Any]) -> str:
    """The main choices of a saved spec in a few words: "Crop to fill · Subtitles · Music"."""
    try:
        spec = EditSpec.model_validate(stored)
    except ValidationError:  # saved by a newer or older shortops: show the name only
        return ""
    parts = [FIT_LABELS[spec.fit.mode]]
    parts += [label for label, used in _TEMPLATE_PARTS if used(spec)]
    words = [gettext(language, part) for part in parts]
    if spec.loudness_lufs is not None:
        words.append(gettext(language, N_("{lufs} LUFS")).format(lufs=f"{spec.loudness_lufs:g}"))
    return " · ".join(words)


_TEMPLATE_PARTS: tuple[tuple[str, Callable[[EditSpec], bool]], ...] = (
    (N_("Hook text"), lambda spec: _hook(spec) is not None),
    (N_("Subtitles"), lambda spec: spec.subtitles is not None),
    (N_("Logo"), lambda spec: spec.logo is not None),
    (N_("Music"), lambda spec: spec.music is not None),
    (N_("Cut silent pauses"), lambda spec: spec.remove_silence),
)


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
