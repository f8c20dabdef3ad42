"""The render form and an edit spec, both ways: a spec from the form's fields (on top of a
template's), the form's fields from a spec, and a spec summed up in words."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import Request
from pydantic import ValidationError
from sqlalchemy.orm import Session

from shortops.errors import N_, InvalidInput, ShortopsError
from shortops.kit.i18n import gettext
from shortops.media import service
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
from shortops.media.views.common import FIT_LABELS, SUBTITLE_POSITION_LABELS
from shortops.workspaces.service import Actor
from shortops.workspaces.views import invalid

HOOK_SECONDS = 3.0


DEFAULT_LUFS = -14.0  # what TikTok, YouTube and Instagram normalise to


LOUDNESS_RANGE = (-40.0, -5.0)  # the range EditSpec.loudness_lufs accepts


PREVIEW_AT_S = 1.0  # after a fade-in, and while the hook text still shows


HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def failure_of(request: Request, exc: ValidationError | ShortopsError) -> ShortopsError:
    return invalid(request, exc) if isinstance(exc, ValidationError) else exc


def form_base(session: Session, actor: Actor, form: dict[str, Any]) -> EditSpec:
    """The spec the form starts from: the loaded template's, else the defaults."""
    if not form["template_id"].strip():
        return EditSpec()
    return service.template_spec(
        service.get_template_or_raise(
            session, workspace_id=actor.workspace.id, template_id=int_field(form["template_id"])
        )
    )


def int_field(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise InvalidInput(N_("“{value}” is not a number."), value=value) from None


def number_or(value: str, default: float | None) -> float | None:
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


def spec_from_form(base: EditSpec, form: dict[str, Any]) -> EditSpec:
    """The form's choices on top of `base` (a template), keeping what the form does not show."""
    hook = _hook(base)
    others = tuple(o for o in base.overlays if o is not hook)
    overlays = others
    if form["hook_text"].strip():
        seconds = number_or(form["hook_seconds"], HOOK_SECONDS)
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
        fit=Fit(mode=form["fit"], focus_x=number_or(form["focus_x"], 0.5), blur=base.fit.blur),
        trim=Trim(
            start_s=number_or(form["trim_start"], 0.0) or 0.0,
            end_s=number_or(form["trim_end"], None),
        ),
        subtitles=Subtitles(
            asset_id=int_field(subtitles_id),
            style=_subtitle_style(form, base.subtitles.style if base.subtitles else TextStyle()),
        )
        if subtitles_id
        else None,
        overlays=overlays,
        logo=(base.logo or Logo()).model_copy(
            update={"asset_id": int_field(logo_id), "position": form["logo_position"], "path": None}
        )
        if logo_id
        else None,
        music=Music(
            asset_id=int_field(music_id),
            volume=number_or(form["music_volume"], 0.2),
            duck=_ticked(form, "music_duck", base.music.duck if base.music else False),
        )
        if music_id
        else None,
        loudness_lufs=_loudness(form, base) if normalise else None,
        remove_silence=bool(form["remove_silence"]),
        cover=Cover(
            enabled=_ticked(form, "make_covers", base.cover.enabled),
            at_s=number_or(form["cover_at"], None) if cover_at_shown else base.cover.at_s,
            title=form["cover_title"].strip() or None,
        ),
    )
    return EditSpec.model_validate(spec_data)


def _subtitle_style(form: dict[str, Any], base: TextStyle) -> TextStyle:
    """The template's subtitle style with the form's size, position and colour."""
    size = number_or(form.get("subtitle_size", ""), base.size) or base.size
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
    found = number_or(form["loudness_lufs"], base.loudness_lufs or DEFAULT_LUFS)
    lufs = DEFAULT_LUFS if found is None else found
    if not LOUDNESS_RANGE[0] <= lufs <= LOUDNESS_RANGE[1]:
        raise InvalidInput(
            N_("The target loudness must be from -40 to -5 LUFS; the platforms play at -14.")
        )
    return lufs


def form_from_spec(spec: EditSpec) -> dict[str, Any]:
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
