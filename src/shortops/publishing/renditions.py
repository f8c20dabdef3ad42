"""Which file each target of a post uploads: the edit the user made, never a silent plain render.

A target names its rendition (the composer's choice, the API's `rendition_id`, the CLI's
`--rendition`). Without one, it posts the newest edit of the video made for the platform's
profile (ready, or still being made); only when there is none is a plain version of the
profile made, and the check says so in a notice the user sees before scheduling.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.errors import N_
from shortops.media import links
from shortops.media import service as media_service
from shortops.media.profiles import LANDSCAPE_VARIANTS, PlatformProfile
from shortops.media.spec import EditSpec, output_profile, rendition_key
from shortops.media.store import MediaStore
from shortops.models import Account, MediaAsset, Rendition, RenditionStatus
from shortops.providers.base import Provider
from shortops.providers.manual import limits_for
from shortops.providers.types import Issue, MediaFile, Severity

# Renditions in these states can still be posted (the publication waits while one is made).
POSTABLE = (RenditionStatus.ready, RenditionStatus.queued, RenditionStatus.rendering)


MANUAL = "manual"


def profile_slug_for(
    account: Account, cls: type[Provider], asset: MediaAsset | None = None
) -> str | None:
    """The Produce profile an account's posts are made in: the platform's own; for a manual
    account, the profile of the platform it is on (Xiaohongshu 3:4, WeChat Channels …); for a
    landscape video on a platform with a landscape player (Bilibili, Channels, Weibo), its
    16:9 profile."""
    slug = (
        limits_for(account.platform_label).profile_slug
        if account.platform == MANUAL
        else cls.limits.profile_slug
    )
    landscape = asset is not None and (asset.width or 0) > (asset.height or 0)
    if slug in LANDSCAPE_VARIANTS and landscape:
        return LANDSCAPE_VARIANTS[slug]
    return slug


@dataclass
class Choice:
    """A target's file: an existing rendition, or (rendition None) a plain render of `profile`."""

    rendition: Rendition | None
    issues: list[Issue]


def chosen_rendition(
    session: Session, *, workspace_id: int, rendition_id: int
) -> tuple[Rendition | None, list[Issue]]:
    """The rendition a target names, with why it cannot be posted (if it cannot)."""
    rendition = session.scalar(
        select(Rendition).where(
            Rendition.id == rendition_id, Rendition.workspace_id == workspace_id
        )
    )
    if rendition is None:
        return None, [
            Issue(field="rendition_id", code="not_found", params={"id": rendition_id},
                  message=N_("No rendition with id {id} in this workspace."))
        ]  # fmt: skip
    if rendition.status not in POSTABLE:
        return rendition, [
            Issue(field="rendition_id", code="rendition_unusable",
                  params={"id": rendition_id, "status": rendition.status.value},
                  message=N_("Rendition {id} is {status}: render it again in Produce, or "
                             "choose another."))
        ]  # fmt: skip
    return rendition, []


def default_choice(session: Session, *, asset: MediaAsset, profile: PlatformProfile) -> Choice:
    """The newest edit of `asset` for `profile` (made for it, or for a platform whose output
    settings are the same); else a plain render, said in a notice."""
    candidates = session.scalars(
        select(Rendition)
        .where(
            Rendition.workspace_id == asset.workspace_id,
            Rendition.asset_id == asset.id,
            Rendition.status.in_(POSTABLE),
        )
        .order_by(Rendition.created_at.desc(), Rendition.id.desc())
    )
    wanted = output_profile(profile, asset.duration_s)
    newest = next(
        (r for r in candidates if r.profile_slug == profile.slug or _same_output(r, wanted, asset)),
        None,
    )
    if newest is not None:
        return Choice(newest, [])
    notice = Issue(
        field="rendition_id",
        code="plain_render",
        severity=Severity.warning,
        params={"profile": profile.name},
        message=N_(
            "No edit of this video for {profile} yet: a plain {profile} version (no "
            "subtitles, logo or music) will be made and posted. Render the edit in Produce "
            "first to post it instead."
        ),
    )
    return Choice(None, [notice])


def _same_output(rendition: Rendition, wanted: dict[str, object], asset: MediaAsset) -> bool:
    try:
        made_for = PlatformProfile.model_validate(rendition.profile or {})
    except ValidationError:  # a snapshot of another shortops version: only its slug counts
        return False
    return output_profile(made_for, asset.duration_s) == wanted


def is_plain(rendition: Rendition) -> bool:
    """Whether a rendition is the video fitted to its profile with nothing added."""
    return not (rendition.spec or {}) or EditSpec.model_validate(rendition.spec) == EditSpec()


def planned_media(
    session: Session,
    *,
    store: MediaStore,
    asset: MediaAsset,
    profile: PlatformProfile | None,
    rendition: Rendition | None = None,
) -> MediaFile:
    """The file a target will upload, as far as it is known before it exists.

    A chosen rendition: its own facts when ready, else its profile's frame. Without one and
    without a profile, the asset itself; with a profile, the plain rendition's facts when it
    exists, else the asset's duration in the profile's frame, at most the profile's size cap
    (the renderer refuses anything larger, so a bigger estimate would only raise false alarms).
    """
    if rendition is None and profile is not None:
        key = rendition_key(
            input_sha256=asset.sha256,
            profile=profile,
            spec=EditSpec(),
            inputs_sha256={},
            duration_s=asset.duration_s,
        )
        rendition = session.scalar(
            select(Rendition).where(
                Rendition.workspace_id == asset.workspace_id, Rendition.key == key
            )
        )
    if rendition is not None and rendition.status == RenditionStatus.ready:
        return rendition_media(store, rendition)
    if rendition is not None:
        frame = rendition.profile or {}
        return MediaFile(
            path=store.path(asset.storage_path),
            size_bytes=min(asset.size_bytes, int(frame.get("max_bytes") or asset.size_bytes)),
            duration_s=float(asset.duration_s or 0.0),
            width=int(frame.get("width") or 0),
            height=int(frame.get("height") or 0),
            public_url=links.pending_link(),
        )
    if profile is None:
        return asset_media(store, asset)
    return MediaFile(
        path=store.path(asset.storage_path),
        size_bytes=min(asset.size_bytes, profile.max_bytes),
        duration_s=float(asset.duration_s or 0.0),
        width=profile.width,
        height=profile.height,
        public_url=links.pending_link(),
    )


def asset_media(store: MediaStore, asset: MediaAsset) -> MediaFile:
    return MediaFile(
        path=store.path(asset.storage_path),
        size_bytes=asset.size_bytes,
        duration_s=float(asset.duration_s or 0.0),
        width=asset.width or 0,
        height=asset.height or 0,
        content_type=asset.content_type or "video/mp4",
        sha256=asset.sha256,
    )


def rendition_media(store: MediaStore, rendition: Rendition) -> MediaFile:
    facts = media_service.facts_of(rendition.output_probe)
    return MediaFile(
        path=store.path(rendition.output_path),
        size_bytes=rendition.output_size_bytes or 0,
        duration_s=float(facts.duration_s or 0.0),
        width=facts.width or 0,
        height=facts.height or 0,
        # For platforms that download the video themselves (Instagram).
        public_url=links.rendition_link(rendition.id),
    )


def rendition_cover(covers: dict[str, str], shape: str | None) -> str | None:
    """The stored path of a rendition's cover in `shape`, else its first one (None: none)."""
    if shape is not None and shape in covers:
        return covers[shape]
    return next(iter(sorted(covers.items())), ("", None))[1]


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MB blocks (renditions are tens of MB)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()
