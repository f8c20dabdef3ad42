"""Platform profiles (built-in and the workspace's own) and edit templates."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from shortops.errors import N_, InvalidInput, ShortopsError
from shortops.kit.i18n import gettext
from shortops.kit.pagination import PageParams
from shortops.media import service
from shortops.media.profiles import BUILTIN_PROFILES, CoverSize, PlatformProfile
from shortops.media.schemas import (
    ProfileCreate,
    ProfileRead,
    TemplateUpdate,
)
from shortops.media.views.common import Reader, Writer
from shortops.media.views.edit_form import failure_of, int_field, number_or, spec_summary
from shortops.web.csrf import csrf_protect
from shortops.web.pages import error_message, flash, page, redirect, request_language, translate
from shortops.workspaces.deps import DbSession
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/produce", dependencies=[Depends(csrf_protect)], include_in_schema=False)


TEMPLATES_SHOWN = 200


MEGABYTE = 1000 * 1000  # as in media.profiles: the decimal, stricter reading


COVER_MAX_BYTES = 2 * MEGABYTE  # the portrait cover limit of the built-in profiles


PROFILE_SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{1,39}$")


COVER_SIZE = re.compile(r"^(?:([a-z][a-z0-9_-]*)\s+)?(\d+)\s*[x×*]\s*(\d+)$", re.IGNORECASE)


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
        failure = failure_of(request, exc)
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
        failure = failure_of(request, exc)
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
            values[key] = int_field(form[key].strip())
    for key in ("fps", "min_duration_s", "max_duration_s"):
        number = number_or(form[key], None)
        if number is not None:
            values[key] = number
    megabytes = number_or(form["max_megabytes"], None)
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
