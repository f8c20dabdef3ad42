"""Rules and queries of the media library: assets, profiles, templates and renditions.

Functions take the session first and keyword arguments after; none of them commits. Every query
is scoped to one workspace. Renditions move through one state machine, and each move is a
conditional update, so two workers (or a worker and a cancel) never both win:

    queued ──claim──▶ rendering ──▶ ready
      │                  ├────────▶ failed ──request again──▶ queued
      └──cancel──────────┴─cancel─▶ cancelled ──request again──▶ queued
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import CursorResult, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shortops.errors import N_, Conflict, InvalidInput, NotFound, ShortopsError
from shortops.kit.clock import utcnow
from shortops.kit.pagination import PageParams, paginate
from shortops.media.profiles import BUILTIN_PROFILES, PlatformProfile, SafeArea
from shortops.media.schemas import (
    AssetRead,
    MediaFacts,
    ProfileCreate,
    ProfileRead,
    RenditionRead,
    RenditionsCreate,
    TemplateCreate,
    TemplateUpdate,
)
from shortops.media.spec import EditSpec, rendition_key
from shortops.media.store import StoredFile
from shortops.models import (
    LIVE_RENDITION_STATUSES,
    AssetKind,
    CustomProfile,
    EditTemplate,
    MediaAsset,
    Rendition,
    RenditionStatus,
)
from shortops.worker.after_commit import send_after_commit
from shortops.workspaces.service import Actor, record

# Named, not imported: the task's module imports the flows that import this one.
RENDER_TASK = "shortops.media.tasks.render_rendition"

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
    _add_or_conflict(
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
    _add_or_conflict(
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


# --- renditions -----------------------------------------------------------------------------------


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


def get_rendition_or_raise(session: Session, *, workspace_id: int, rendition_id: int) -> Rendition:
    rendition = session.scalar(
        select(Rendition).where(
            Rendition.id == rendition_id, Rendition.workspace_id == workspace_id
        )
    )
    if rendition is None:
        raise NotFound(N_("No rendition with id {id} in this workspace."), id=rendition_id)
    return rendition


def list_renditions(
    session: Session,
    *,
    workspace_id: int,
    params: PageParams,
    asset_id: int | None = None,
    status: RenditionStatus | None = None,
) -> tuple[list[Rendition], int]:
    statement = select(Rendition).where(Rendition.workspace_id == workspace_id)
    if asset_id is not None:
        statement = statement.where(Rendition.asset_id == asset_id)
    if status is not None:
        statement = statement.where(Rendition.status == status)
    return paginate(session, statement.order_by(Rendition.id.desc()), params)


def render_after_commit(session: Session, rendition_ids: list[int]) -> None:
    """Queue the renders once the renditions are committed (a worker never looks for a row
    that is not there yet)."""
    for rendition_id in rendition_ids:
        send_after_commit(session, RENDER_TASK, rendition_id)


def request_renditions(
    session: Session,
    *,
    actor: Actor,
    data: RenditionsCreate,
    file_exists: Callable[[str], bool] | None = None,
    precheck: Callable[[MediaAsset, PlatformProfile, EditSpec], None] | None = None,
) -> list[tuple[Rendition, bool]]:
    """One rendition per profile; each with whether it must be sent to a worker.

    `precheck(asset, profile, spec)` may refuse a combination before anything is queued; one
    refusal refuses the whole request, so nothing is half-queued.
    """
    workspace_id = actor.workspace.id
    asset = get_asset_or_raise(session, workspace_id=workspace_id, asset_id=data.asset_id)
    if data.template_id is not None:
        template = get_template_or_raise(
            session, workspace_id=workspace_id, template_id=data.template_id
        )
        spec = template_spec(template)
    else:
        spec = data.spec or EditSpec()
    profiles = [
        get_profile_or_raise(session, workspace_id=workspace_id, slug=slug)
        for slug in dict.fromkeys(data.profiles)
    ]
    if asset.kind == AssetKind.video:
        check_spec(session, workspace_id=workspace_id, spec=spec)
        for profile in profiles:
            if precheck is not None:
                precheck(asset, profile, spec)
    results = [
        request_rendition(
            session,
            workspace_id=workspace_id,
            asset=asset,
            profile=profile,
            spec=spec,
            created_by_id=actor.user.id,
            file_exists=file_exists,
        )
        for profile in profiles
    ]
    render_after_commit(session, [r.id for r, must_render in results if must_render])
    record(
        session,
        action="renditions.requested",
        actor=actor,
        target=("media_asset", asset.id),
        data={
            "profiles": [p.slug for p in profiles],
            "renditions": [r.id for r, _ in results],
            "template_id": data.template_id,
        },
    )
    return results


def request_rendition(
    session: Session,
    *,
    workspace_id: int,
    asset: MediaAsset,
    profile: PlatformProfile,
    spec: EditSpec,
    created_by_id: int | None,
    file_exists: Callable[[str], bool] | None = None,
) -> tuple[Rendition, bool]:
    """The rendition of `asset` for `profile` with `spec`, and whether it must be rendered.

    Asking twice costs nothing: a queued, rendering or ready rendition with the same content
    address is returned as it is. A failed or cancelled one is queued again (a retry).
    `file_exists(path)` tells whether a ready output is still on disk; a lost file is re-made.
    """
    if asset.kind != AssetKind.video:
        raise InvalidInput(
            N_("{filename} is {kind}; renditions are made from videos."),
            filename=asset.filename,
            kind=asset.kind.value,
        )
    side_files = check_spec(session, workspace_id=workspace_id, spec=spec)
    key = rendition_key(
        input_sha256=asset.sha256,
        profile=profile,
        spec=spec,
        inputs_sha256={role: side.sha256 for role, side in side_files.items()},
        duration_s=asset.duration_s,
    )
    existing = session.scalar(
        select(Rendition)
        .where(Rendition.workspace_id == workspace_id, Rendition.key == key)
        .execution_options(populate_existing=True)
    )
    if existing is not None:
        lost = (
            existing.status == RenditionStatus.ready
            and file_exists is not None
            and not file_exists(existing.output_path)
        )
        if existing.status in LIVE_RENDITION_STATUSES and not lost:
            return existing, False
        requeued = _transition(
            session,
            existing.id,
            from_statuses=(existing.status,),
            to=RenditionStatus.queued,
            values=_fresh_values(),
        )
        session.refresh(existing)
        return existing, requeued
    rendition = Rendition(
        workspace_id=workspace_id,
        asset_id=asset.id,
        profile_slug=profile.slug,
        profile=profile.model_dump(mode="json"),
        spec=spec.model_dump(mode="json"),
        key=key,
        status=RenditionStatus.queued,
        created_by_id=created_by_id,
    )
    try:
        with session.begin_nested():
            session.add(rendition)
            session.flush()
    except IntegrityError:
        # The same rendition was requested at the same moment elsewhere: share it.
        raced = session.scalar(
            select(Rendition).where(Rendition.workspace_id == workspace_id, Rendition.key == key)
        )
        if raced is None:
            raise
        return raced, False
    return rendition, True


def _fresh_values() -> dict[str, Any]:
    return {
        "progress": 0.0,
        "error": "",
        "error_code": "",
        "error_template": "",
        "error_params": {},
        "output_path": "",
        "output_size_bytes": None,
        "output_probe": {},
        "covers": {},
        "queued_at": utcnow(),
        "started_at": None,
        "finished_at": None,
    }


def _transition(
    session: Session,
    rendition_id: int,
    *,
    from_statuses: Sequence[RenditionStatus],
    to: RenditionStatus,
    values: dict[str, Any] | None = None,
    workspace_id: int | None = None,
) -> bool:
    """Move one rendition from one of `from_statuses` to `to`; False when it was not in them."""
    statement = (
        update(Rendition)
        .where(Rendition.id == rendition_id, Rendition.status.in_(list(from_statuses)))
        .values(status=to, **(values or {}))
        .execution_options(synchronize_session="fetch")
    )
    if workspace_id is not None:
        statement = statement.where(Rendition.workspace_id == workspace_id)
    result = session.execute(statement)
    return _rowcount(result) == 1


def _rowcount(result: Any) -> int:
    return int(result.rowcount) if isinstance(result, CursorResult) else 0


def claim_rendition(session: Session, *, rendition_id: int) -> Rendition | None:
    """queued → rendering; None when another worker claimed it first or it is not queued."""
    claimed = _transition(
        session,
        rendition_id,
        from_statuses=(RenditionStatus.queued,),
        to=RenditionStatus.rendering,
        values={"started_at": utcnow(), "progress": 0.0},
    )
    if not claimed:
        return None
    rendition = session.get(Rendition, rendition_id)
    if rendition is not None:
        session.refresh(rendition)
    return rendition


def record_progress(session: Session, *, rendition_id: int, progress: float) -> bool:
    """Store progress; False when the rendition is no longer rendering (cancelled or deleted)."""
    result = session.execute(
        update(Rendition)
        .where(Rendition.id == rendition_id, Rendition.status == RenditionStatus.rendering)
        .values(progress=min(max(progress, 0.0), 0.999))
        .execution_options(synchronize_session="fetch")
    )
    return _rowcount(result) == 1


def is_rendering(session: Session, *, rendition_id: int) -> bool:
    status = session.scalar(select(Rendition.status).where(Rendition.id == rendition_id))
    return status == RenditionStatus.rendering


def mark_ready(
    session: Session,
    *,
    rendition_id: int,
    output_path: str,
    output_size_bytes: int,
    output_probe: dict[str, Any],
    covers: dict[str, str],
) -> bool:
    """rendering → ready, with the output; False when it was cancelled meanwhile."""
    return _transition(
        session,
        rendition_id,
        from_statuses=(RenditionStatus.rendering,),
        to=RenditionStatus.ready,
        values={
            "progress": 1.0,
            "output_path": output_path,
            "output_size_bytes": output_size_bytes,
            "output_probe": output_probe,
            "covers": covers,
            "error": "",
            "finished_at": utcnow(),
        },
    )


def mark_failed(session: Session, *, rendition_id: int, error: ShortopsError) -> bool:
    """rendering → failed, keeping the error's message (and its template, for translation)."""
    return _transition(
        session,
        rendition_id,
        from_statuses=(RenditionStatus.rendering,),
        to=RenditionStatus.failed,
        values={
            "error": error.render(),
            "error_code": error.code,
            "error_template": error.message_template,
            "error_params": {k: _jsonable(v) for k, v in error.params.items()},
            "output_path": "",
            "finished_at": utcnow(),
        },
    )


def _jsonable(value: object) -> object:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def cancel_rendition(session: Session, *, actor: Actor, rendition_id: int) -> Rendition:
    """queued/rendering → cancelled; a worker rendering it stops at its next progress write."""
    rendition = get_rendition_or_raise(
        session, workspace_id=actor.workspace.id, rendition_id=rendition_id
    )
    cancelled = _transition(
        session,
        rendition.id,
        from_statuses=(RenditionStatus.queued, RenditionStatus.rendering),
        to=RenditionStatus.cancelled,
        values={"finished_at": utcnow()},
        workspace_id=actor.workspace.id,
    )
    session.refresh(rendition)
    if not cancelled:
        raise Conflict(
            N_("Rendition {id} is already {status}; only queued or rendering ones can stop."),
            id=rendition.id,
            status=rendition.status.value,
        )
    record(
        session,
        action="rendition.cancelled",
        actor=actor,
        target=("rendition", rendition.id),
        data={"profile": rendition.profile_slug},
    )
    return rendition


def abandon_rendition(session: Session, *, rendition_id: int) -> bool:
    """queued/rendering → cancelled, for a renderer that stops on its own (e.g. Ctrl-C)."""
    return _transition(
        session,
        rendition_id,
        from_statuses=(RenditionStatus.queued, RenditionStatus.rendering),
        to=RenditionStatus.cancelled,
        values={"finished_at": utcnow()},
    )


def queued_without_worker(session: Session, *, queued_before: datetime) -> list[int]:
    """Queued renditions old enough that their queue message may have been lost."""
    return list(
        session.scalars(
            select(Rendition.id)
            .where(Rendition.status == RenditionStatus.queued, Rendition.queued_at < queued_before)
            .order_by(Rendition.id)
        )
    )


def touch_queued(session: Session, *, rendition_ids: Sequence[int]) -> None:
    if rendition_ids:
        session.execute(
            update(Rendition)
            .where(Rendition.id.in_(rendition_ids), Rendition.status == RenditionStatus.queued)
            .values(queued_at=utcnow())
            .execution_options(synchronize_session="fetch")
        )


def fail_stalled(session: Session, *, started_before: datetime, error: ShortopsError) -> int:
    """Renditions still 'rendering' long after any worker would have stopped them: failed."""
    stalled = list(
        session.scalars(
            select(Rendition.id).where(
                Rendition.status == RenditionStatus.rendering,
                Rendition.started_at < started_before,
            )
        )
    )
    return sum(mark_failed(session, rendition_id=rid, error=error) for rid in stalled)


def count_active_renditions(session: Session, *, workspace_id: int, asset_id: int | None) -> int:
    statement = select(func.count()).where(
        Rendition.workspace_id == workspace_id,
        Rendition.status.in_([RenditionStatus.queued, RenditionStatus.rendering]),
    )
    if asset_id is not None:
        statement = statement.where(Rendition.asset_id == asset_id)
    return int(session.scalar(statement) or 0)


def _add_or_conflict(session: Session, row: object, message: str, **params: object) -> None:
    """Insert `row`; a unique constraint it breaks becomes a Conflict with `message`."""
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(message, **params) from exc


def download_stem(session: Session, rendition: Rendition) -> str:
    """The name a rendition's file is downloaded under, without extension: "launch-tiktok"."""
    asset = session.get(MediaAsset, rendition.asset_id)
    stem = Path(asset.filename).stem if asset else "video"
    return f"{stem}-{rendition.profile_slug}"
