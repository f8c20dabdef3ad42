"""REST: competitors under /api/v1/workspaces/{workspace_id}/metrics/competitors…

Track a public account, add readings of its counters (or a file of readings or posts), and
benchmark own accounts against the competitors.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile

from shortops.metrics import competitor_files, competitor_polling, competitors
from shortops.metrics.analysis.loaders import workspace_zone
from shortops.metrics.importers.types import SourceFile
from shortops.metrics.schemas import (
    BenchmarkRow,
    CompetitorImportRead,
    CompetitorIn,
    CompetitorRead,
    CompetitorRefreshRead,
    CompetitorSnapshotIn,
    CompetitorSnapshotRead,
)
from shortops.workspaces.deps import DbSession, api_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/workspaces/{workspace_id}/metrics", tags=["metrics"])

Analyst = Annotated[Actor, Depends(api_actor(Permission.analyze))]
Importer = Annotated[Actor, Depends(api_actor(Permission.import_metrics))]


@router.get("/competitors", response_model=list[CompetitorRead])
def list_competitors(session: DbSession, actor: Analyst) -> list[CompetitorRead]:
    """The public accounts this workspace tracks."""
    found = competitors.list_competitors(session, workspace_id=actor.workspace.id)
    return [CompetitorRead.model_validate(c) for c in found]


@router.post("/competitors", response_model=CompetitorRead, status_code=201)
def add_competitor(session: DbSession, actor: Importer, body: CompetitorIn) -> CompetitorRead:
    """Track a public account (a platform and a handle); 409 when it is tracked already."""
    competitor = competitors.add_competitor(session, actor=actor, data=body)
    session.commit()
    return CompetitorRead.model_validate(competitor)


@router.delete("/competitors/{competitor_id}", status_code=204)
def remove_competitor(session: DbSession, actor: Importer, competitor_id: int) -> None:
    """Stop tracking it; its readings and posts go with it."""
    competitor = competitors.get_competitor(
        session, workspace_id=actor.workspace.id, competitor_id=competitor_id
    )
    competitors.remove_competitor(session, actor=actor, competitor=competitor)
    session.commit()


@router.get("/competitors/{competitor_id}/snapshots", response_model=list[CompetitorSnapshotRead])
def list_snapshots(
    session: DbSession, actor: Analyst, competitor_id: int
) -> list[CompetitorSnapshotRead]:
    """Its readings, newest first."""
    competitor = competitors.get_competitor(
        session, workspace_id=actor.workspace.id, competitor_id=competitor_id
    )
    found = competitors.snapshots_of(session, competitor.id)
    return [CompetitorSnapshotRead.model_validate(s) for s in found]


@router.post(
    "/competitors/{competitor_id}/snapshots",
    response_model=CompetitorSnapshotRead,
    status_code=201,
)
def add_snapshot(
    session: DbSession, actor: Importer, competitor_id: int, body: CompetitorSnapshotIn
) -> CompetitorSnapshotRead:
    """A reading of its counters (at least one; `captured_at` defaults to now). The same
    moment again stores nothing new."""
    competitor = competitors.get_competitor(
        session, workspace_id=actor.workspace.id, competitor_id=competitor_id
    )
    snapshot = competitors.add_snapshot(session, competitor=competitor, data=body)
    session.commit()
    return CompetitorSnapshotRead.model_validate(snapshot)


@router.post("/competitors/{competitor_id}/imports", response_model=CompetitorImportRead)
async def import_competitor_file(
    session: DbSession,
    actor: Importer,
    competitor_id: int,
    file: Annotated[UploadFile, File(description="A CSV/XLSX of readings or of posts.")],
) -> CompetitorImportRead:
    """Readings (a date with followers, views or posts) or posts (title or link, views …),
    English or Chinese headers. A bad row refuses the whole file."""
    competitor = competitors.get_competitor(
        session, workspace_id=actor.workspace.id, competitor_id=competitor_id
    )
    source = SourceFile(file.filename or "upload", await file.read())
    tz = workspace_zone(session, actor.workspace.id)
    found = competitor_files.import_file(session, competitor=competitor, file=source, tz=tz)
    session.commit()
    return CompetitorImportRead(kind=found.kind, rows=found.rows, created=found.created,
                                updated=found.updated)  # fmt: skip


@router.post("/competitors/{competitor_id}/refresh", response_model=CompetitorRefreshRead)
def refresh_competitor(
    request: Request, session: DbSession, actor: Importer, competitor_id: int
) -> CompetitorRefreshRead:
    """Read a YouTube competitor's channel and latest videos from the public Data API now
    (the worker does it daily). 409 `no_api_key` without SHORTOPS_YOUTUBE_API_KEY; 502
    `competitor_read_failed` when YouTube refuses (nothing stored, the reason kept)."""
    competitor = competitors.get_competitor(
        session, workspace_id=actor.workspace.id, competitor_id=competitor_id
    )
    try:
        found = competitor_polling.refresh(session, request.app.state.settings, competitor)
    finally:
        session.commit()  # the reading, or the reason it failed
    return CompetitorRefreshRead(
        followers=found.followers, total_views=found.total_views, videos_read=found.videos_read
    )


@router.get("/benchmark", response_model=list[BenchmarkRow])
def get_benchmark(
    session: DbSession,
    actor: Analyst,
    days: int = Query(competitors.BENCHMARK_DAYS, ge=1, le=366),
) -> list[BenchmarkRow]:
    """Own accounts and competitors over the last `days` days: followers and their change,
    posts per week, median views of the posts published in the window."""
    return competitors.benchmark(session, workspace_id=actor.workspace.id, days=days)
