"""What the Produce pages share: permissions, the media store, labels."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from shortops.errors import N_
from shortops.media.store import MediaStore
from shortops.workspaces.deps import web_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

Reader = Annotated[Actor, Depends(web_actor(Permission.read))]


Writer = Annotated[Actor, Depends(web_actor(Permission.write))]


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


def media_store(request: Request) -> MediaStore:
    return MediaStore.from_settings(request.app.state.settings)
