"""Rules and queries of the media library: assets, profiles, templates and edit specs (renditions
are in rendition_service.py).

Functions take the session first and keyword arguments after; none of them commits. Every query
is scoped to one workspace.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shortops.errors import N_, Conflict, InvalidInput, NotFound
from shortops.kit.clock import utcnow
from shortops.kit.pagination import PageParams, paginate
from shortops.media.profiles import BUILTIN_PROFILES, PlatformProfile, SafeArea
from shortops.media.schemas import (
    AssetRead,
    MediaFacts,
    ProfileCreate,
    ProfileRead,
    RenditionRead,
    TemplateCreate,
    TemplateUpdate,
)
from shortops.media.spec import EditSpec
from shortops.media.store import StoredFile
from shortops.models import (
    AssetKind,
    CustomProfile,
    EditTemplate,
    MediaAsset,
    Rendition,
    RenditionStatus,
)
from shortops.workspaces.service import Actor, record

# Side files an edit spec may use, and which kinds of asset fit each.
SIDE_FILE_KINDS: dict[str, tuple[AssetKind, ...]] = {
    "subtitles": (AssetKind.subtitles,),
    "logo": (AssetKind.image,),
    "music": (AssetKind.audio, AssetKind.video),
}


@dataclass(frozen=True)
class Inspected:
    """What an imported file is, from probing it (or reading it, for subtitles)."""

    kind: AssetKind
    content_type: str
    facts: MediaFacts
    probe: dict[str, Any]


# --- assets ---------------------------------------------------------------------------------------


def get_asset_or_raise(session: Session, *, workspace_id: int, asset_id: int) -> MediaAsset:
    asset = session.scalar(
        select(MediaAsset).where(MediaAsset.id == asset_id, MediaAsset.workspace_id == workspace_id)
    )
    if asset is None:
        raise NotFound(N_("No media asset with id {id} in this workspace."), id=asset_id)
    return asset


def get_asset_by_sha256(session: Session, *, workspace_id: int, sha256: str) -> MediaAsset | None:
    return session.scalar(
        select(MediaAsset).where(
            MediaAsset.workspace_id == workspace_id, MediaAsset.sha256 == sha256
        )
    )


def list_assets(
    session: Session,
    *,
    workspace_id: int,
    params: PageParams,
    kind: AssetKind | None = None,
    search: str | None = None,
) -> tuple[list[MediaAsset], int]:
    """The workspace's assets, newest first."""
    statement = select(MediaAsset).where(MediaAsset.workspace_id == workspace_id)
    if kind is not None:
        statement = statement.where(MediaAsset.kind == kind)
    if search:
        statement = statement.where(MediaAsset.filename.ilike(f"%{_escape_like(search)}%", "\\"))
    return paginate(session, statement.order_by(MediaAsset.id.desc()), params)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def add_asset(
    session: Session,
    *,
    workspace_id: int,
    stored: StoredFile,
    filename: str,
    inspected: Inspected,
    created_by_id: int | None,
    actor: Actor | None = None,
) -> tuple[MediaAsset, bool]:
    """The asset for stored content; the same bytes twice in a workspace give the first asset."""
    existing = get_asset_by_sha256(session, workspace_id=workspace_id, sha256=stored.sha256)
    if existing is not None:
        return existing, False
    facts = inspected.facts
    asset = MediaAsset(
        workspace_id=workspace_id,
        sha256=stored.sha256,
        filename=clean_filename(filename),
        content_type=inspected.content_type,
        kind=inspected.kind,
        size_bytes=stored.size_bytes,
        storage_path=stored.relative_path,
        duration_s=facts.duration_s,
        width=facts.width,
        height=facts.height,
        probe=inspected.probe,
        created_by_id=created_by_id,
    )
    try:
        # Added inside the savepoint: begin_nested() flushes what is pending before it starts.
        with session.begin_nested():
            session.add(asset)
            session.flush()
    except IntegrityError:
        # Another request imported the same bytes a moment ago: theirs is the asset.
        raced = get_asset_by_sha256(session, workspace_id=workspace_id, sha256=stored.sha256)
        if raced is None:
            raise
        return raced, False
    record(
        session,
        action="asset.imported",
        actor=actor,
        workspace_id=workspace_id,
        target=("media_asset", asset.id),
        data={"filename": asset.filename, "sha256": asset.sha256, "size": asset.size_bytes},
    )
    return asset, True


def clean_filename(filename: str) -> str:
    """The last path component, without control characters, at most 255 characters."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    # Printable only, and no double quotes: the name goes into Content-Disposition headers.
    name = "".join(ch for ch in name if ch.isprintable()).replace('"', "'").strip() or "upload"
    if len(name) > 255:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) < 16 else name[:255]
    return name


def delete_asset(session: Session, *, actor: Actor, asset_id: int) -> list[str]:
    """Delete an asset with its renditions; returns the files nothing else uses any more.

    Delete the returned files after the commit: a rollback then leaves every file in place.
    Running renditions notice the deletion at their next progress write and stop.
    """
    asset = get_asset_or_raise(session, workspace_id=actor.workspace.id, asset_id=asset_id)
    renditions = list(session.scalars(select(Rendition).where(Rendition.asset_id == asset.id)))
    candidates = {asset.storage_path}
    for rendition in renditions:
        candidates.add(rendition.output_path)
        candidates.update(str(path) for path in rendition.covers.values())
    candidates.discard("")
    rendition_ids = [r.id for r in renditions]
    session.execute(delete(Rendition).where(Rendition.asset_id == asset.id))
    session.delete(asset)
    session.flush()
    record(
        session,
        action="asset.deleted",
        actor=actor,
        target=("media_asset", asset_id),
        data={"filename": asset.filename, "renditions": rendition_ids},
    )
    return sorted(path for path in candidates if not _path_in_use(session, path))


def _path_in_use(session: Session, path: str) -> bool:
    """Whether any row (in any workspace: files are shared by content) still uses `path`."""
    if session.scalar(select(MediaAsset.id).where(MediaAsset.storage_path == path).limit(1)):
        return True
    if session.scalar(select(Rendition.id).where(Rendition.output_path == path).limit(1)):
        return True
    if path.startswith("covers/"):
        # covers/<key>-<name>.jpg: the key is the rendition's content address.
        key = path.removeprefix("covers/").split("-", 1)[0]
        return bool(session.scalar(select(Rendition.id).where(Rendition.key == key).limit(1)))
    return False


def facts_of(probe: dict[str, Any]) -> MediaFacts:
    """The facts stored with an asset or rendition (see flows.describe)."""
    try:
        return MediaFacts.model_validate(probe.get("facts") or {})
    except ValidationError:
        return MediaFacts()


def asset_read(asset: MediaAsset, renditions: Sequence[Rendition] = ()) -> AssetRead:
    return AssetRead(
        id=asset.id,
        filename=asset.filename,
        kind=asset.kind,
        content_type=asset.content_type,
        size_bytes=asset.size_bytes,
        sha256=asset.sha256,
        facts=facts_of(asset.probe),
        created_at=asset.created_at,
        renditions=[rendition_read(r) for r in renditions],
    )


def renditions_by_asset(
    session: Session, *, workspace_id: int, asset_ids: Iterable[int]
) -> dict[int, list[Rendition]]:
    ids = list(asset_ids)
    found: dict[int, list[Rendition]] = {asset_id: [] for asset_id in ids}
    if not ids:
        return found
    rows = session.scalars(
        select(Rendition)
        .where(Rendition.workspace_id == workspace_id, Rendition.asset_id.in_(ids))
        .order_by(Rendition.id)
    )
    for rendition in rows:
        found[rendition.asset_id].append(rendition)
    return found


# --- profiles -------------------------------------------------------------------------------------


def list_profiles(session: Session, *, workspace_id: int) -> list[ProfileRead]:
    """Built-in profiles first, then the workspace's own, by name."""
    builtins = [ProfileRead(**p.model_dump()) for p in BUILTIN_PROFILES.values()]
    custom = session.scalars(
        select(CustomProfile)
        .where(CustomProfile.workspace_id == workspace_id)
        .order_by(CustomProfile.slug)
    )
    return builtins + [_profile_read(row) for row in custom]


def _profile_read(row: CustomProfile) -> ProfileRead:
    return ProfileRead(**{**row.profile, "builtin": False, "id": row.id})


def get_profile_or_raise(session: Session, *, workspace_id: int, slug: str) -> PlatformProfile:
    if slug in BUILTIN_PROFILES:
        return BUILTIN_PROFILES[slug]
    row = session.scalar(
        select(CustomProfile).where(
            CustomProfile.workspace_id == workspace_id, CustomProfile.slug == slug
        )
    )
    if row is None:
        raise NotFound(
            N_("No platform profile “{slug}”. Known profiles: {known}."),
            slug=slug,
            known=", ".join(p.slug for p in list_profiles(session, workspace_id=workspace_id)),
        )
    return PlatformProfile.model_validate({**row.profile, "builtin": False})


def build_profile(data: ProfileCreate) -> PlatformProfile:
    """A custom profile from its built-in base and the changed values, checked for sense."""
    if data.slug in BUILTIN_PROFILES:
        raise Conflict(
            N_("“{slug}” is a built-in profile; choose another slug for your own."),
            slug=data.slug,
        )
    base = BUILTIN_PROFILES.get(data.based_on)
    if base is None:
        raise InvalidInput(
            N_("based_on must be a built-in profile: {known}."),
            known=", ".join(BUILTIN_PROFILES),
        )
    changes = data.model_dump(exclude={"based_on"}, exclude_none=True)
    if "safe_area" not in changes:  # the base's zones, resized with the frame
        changes["safe_area"] = scaled_safe_area(
            base, data.width or base.width, data.height or base.height
        ).model_dump()
    try:
        profile = PlatformProfile.model_validate({**base.model_dump(), **changes, "builtin": False})
    except ValidationError as exc:
        raise InvalidInput(N_("The profile is not valid: {problem}"), problem=str(exc)) from None
    # H.264 in 4:2:0 needs even sides; odd ones fail inside FFmpeg with a cryptic message.
    if profile.width % 2 or profile.height % 2:
        raise InvalidInput(
            N_("Width and height must be even numbers (H.264 needs them); got {width}×{height}."),
            width=profile.width,
            height=profile.height,
        )
    if profile.width < 128 or profile.height < 128:
        raise InvalidInput(N_("Width and height must be at least 128 pixels."))
    safe = profile.safe_area
    too_tall = safe.top + safe.bottom >= profile.height * 0.8
    if too_tall or safe.left + safe.right >= profile.width * 0.8:
        raise InvalidInput(
            N_("The safe area leaves too little of the frame free: its zones may cover at most "
               "four fifths of the width and of the height."),
        )  # fmt: skip
    if profile.min_duration_s >= profile.max_duration_s:
        raise InvalidInput(
            N_("The shortest duration ({min} s) must be below the longest ({max} s)."),
            min=profile.min_duration_s,
            max=profile.max_duration_s,
        )
    return profile


def scaled_safe_area(base: PlatformProfile, width: int, height: int) -> SafeArea:
    """`base`'s overlay zones on a `width`×`height` frame: the platform's buttons take the same
    share of the screen whatever the video's size."""
    safe = base.safe_area
    return SafeArea(
        top=round(safe.top * height / base.height),
        right=round(safe.right * width / base.width),
        bottom=round(safe.bottom * height / base.height),
        left=round(safe.left * width / base.width),
    )


def create_profile(session: Session, *, actor: Actor, data: ProfileCreate) -> ProfileRead:
    profile = build_profile(data)
    row = CustomProfile(
        workspace_id=actor.workspace.id, slug=profile.slug, profile=profile.model_dump(mode="json")
    )
    add_or_conflict(
        session, row, N_("A profile with the slug {slug} already exists."), slug=profile.slug
    )
    record(
        session,
        action="profile.created",
        actor=actor,
        target=("custom_profile", row.id),
        data={"slug": profile.slug},
    )
    return _profile_read(row)


def delete_profile(session: Session, *, actor: Actor, slug: str) -> None:
    if slug in BUILTIN_PROFILES:
        raise Conflict(N_("Built-in profiles cannot be deleted."))
    row = session.scalar(
        select(CustomProfile).where(
            CustomProfile.workspace_id == actor.workspace.id, CustomProfile.slug == slug
        )
    )
    if row is None:
        raise NotFound(N_("No custom profile “{slug}” in this workspace."), slug=slug)
    # Renditions keep their own snapshot of the profile, so they stay valid.
    session.delete(row)
    record(
        session,
        action="profile.deleted",
        actor=actor,
        target=("custom_profile", row.id),
        data={"slug": slug},
    )


# --- templates ------------------------------------------------------------------------------------


def list_templates(
    session: Session, *, workspace_id: int, params: PageParams
) -> tuple[list[EditTemplate], int]:
    statement = (
        select(EditTemplate)
        .where(EditTemplate.workspace_id == workspace_id)
        .order_by(EditTemplate.name, EditTemplate.id)
    )
    return paginate(session, statement, params)


def get_template_or_raise(session: Session, *, workspace_id: int, template_id: int) -> EditTemplate:
    template = session.scalar(
        select(EditTemplate).where(
            EditTemplate.id == template_id, EditTemplate.workspace_id == workspace_id
        )
    )
    if template is None:
        raise NotFound(N_("No edit template with id {id} in this workspace."), id=template_id)
    return template


def create_template(session: Session, *, actor: Actor, data: TemplateCreate) -> EditTemplate:
    check_spec(session, workspace_id=actor.workspace.id, spec=data.spec)
    template = EditTemplate(
        workspace_id=actor.workspace.id, name=data.name, spec=data.spec.model_dump(mode="json")
    )
    add_or_conflict(
        session, template, N_("A template named {name} already exists."), name=data.name
    )
    record(
        session,
        action="template.created",
        actor=actor,
        target=("edit_template", template.id),
        data={"name": template.name},
    )
    return template


def update_template(
    session: Session, *, actor: Actor, template_id: int, data: TemplateUpdate
) -> EditTemplate:
    template = get_template_or_raise(
        session, workspace_id=actor.workspace.id, template_id=template_id
    )
    if data.name is not None and data.name != template.name:
        taken = session.scalar(
            select(EditTemplate.id).where(
                EditTemplate.workspace_id == actor.workspace.id, EditTemplate.name == data.name
            )
        )
        if taken is not None:
            raise Conflict(N_("A template named {name} already exists."), name=data.name)
    if data.spec is not None:
        check_spec(session, workspace_id=actor.workspace.id, spec=data.spec)
        template.spec = data.spec.model_dump(mode="json")
    if data.name is not None:
        template.name = data.name
    template.updated_at = utcnow()
    record(
        session,
        action="template.updated",
        actor=actor,
        target=("edit_template", template.id),
        data={"name": template.name},
    )
    return template


def delete_template(session: Session, *, actor: Actor, template_id: int) -> None:
    template = get_template_or_raise(
        session, workspace_id=actor.workspace.id, template_id=template_id
    )
    session.delete(template)
    record(
        session,
        action="template.deleted",
        actor=actor,
        target=("edit_template", template_id),
        data={"name": template.name},
    )


def template_spec(template: EditTemplate) -> EditSpec:
    return EditSpec.model_validate(template.spec)


# --- edit specs -----------------------------------------------------------------------------------


def check_spec(session: Session, *, workspace_id: int, spec: EditSpec) -> dict[str, MediaAsset]:
    """The side files (subtitles, logo, music) the spec uses, each checked to fit its role.

    Side files are library assets referred to by id: a spec from a user never names a path on
    the server, so nobody can burn /etc/passwd into a video.
    """
    found: dict[str, MediaAsset] = {}
    for role, kinds in SIDE_FILE_KINDS.items():
        part = getattr(spec, role)
        if part is None:
            continue
        if part.path is not None:
            raise InvalidInput(
                N_(
                    "Refer to the {role} file by asset_id: upload it to the media library first. "
                    "Paths on the server are not accepted."
                ),
                role=role,
            )
        if part.asset_id is None:
            raise InvalidInput(N_("The {role} needs an asset_id."), role=role)
        asset = session.scalar(
            select(MediaAsset).where(
                MediaAsset.id == part.asset_id, MediaAsset.workspace_id == workspace_id
            )
        )
        if asset is None:
            raise InvalidInput(
                N_("The {role} file (asset {id}) is not in this workspace's library."),
                role=role,
                id=part.asset_id,
            )
        if asset.kind not in kinds or (role == "music" and not facts_of(asset.probe).has_audio):
            raise InvalidInput(
                N_("{filename} cannot be used as {role}: it is {kind}."),
                filename=asset.filename,
                role=role,
                kind=asset.kind.value,
            )
        found[role] = asset
    return found


def rendition_read(rendition: Rendition) -> RenditionRead:
    ready = rendition.status == RenditionStatus.ready
    return RenditionRead(
        id=rendition.id,
        asset_id=rendition.asset_id,
        profile_slug=rendition.profile_slug,
        profile_name=str(rendition.profile.get("name") or rendition.profile_slug),
        key=rendition.key,
        status=rendition.status,
        progress=rendition.progress,
        error=rendition.error,
        output=facts_of(rendition.output_probe) if ready else None,
        output_size_bytes=rendition.output_size_bytes if ready else None,
        covers=sorted(rendition.covers) if ready else [],
        warnings=[str(w) for w in rendition.output_probe.get("warnings", [])] if ready else [],
        spec=rendition.spec,
        created_at=rendition.created_at,
        started_at=rendition.started_at,
        finished_at=rendition.finished_at,
    )


def add_or_conflict(session: Session, row: object, message: str, **params: object) -> None:
    """Insert `row`; a unique constraint it breaks becomes a Conflict with `message`."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(message, **params) from exc
