"""Rules and queries of renditions: requesting them, and the state machine their renders move
through. Functions take the session first and keyword arguments after; none of them commits.
Each move is a conditional update, so two workers (or a worker and a cancel) never both win:

    queued ──claim──▶ rendering ──▶ ready
      │                  ├────────▶ failed ──request again──▶ queued
      └──cancel──────────┴─cancel─▶ cancelled ──request again──▶ queued
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shortops.errors import N_, Conflict, InvalidInput, NotFound, ShortopsError
from shortops.kit.clock import utcnow
from shortops.kit.pagination import PageParams, paginate
from shortops.media.profiles import PlatformProfile
from shortops.media.schemas import (
    RenditionsCreate,
)
from shortops.media.service import (
    check_spec,
    get_asset_or_raise,
    get_profile_or_raise,
    get_template_or_raise,
    template_spec,
)
from shortops.media.spec import EditSpec, rendition_key
from shortops.models import (
    LIVE_RENDITION_STATUSES,
    AssetKind,
    MediaAsset,
    Rendition,
    RenditionStatus,
)
from shortops.worker.after_commit import send_after_commit
from shortops.workspaces.service import Actor, record

# Named, not imported: the task's module imports the flows that import this one.
RENDER_TASK = "shortops.media.tasks.render_rendition"


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


def download_stem(session: Session, rendition: Rendition) -> str:
    """The name a rendition's file is downloaded under, without extension: "launch-tiktok"."""
    asset = session.get(MediaAsset, rendition.asset_id)
    stem = Path(asset.filename).stem if asset else "video"
    return f"{stem}-{rendition.profile_slug}"
