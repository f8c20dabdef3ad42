"""Measure → Competitors: the benchmark of own accounts against tracked public accounts, and one
competitor's page (followers over time, readings, posts, a reading typed in, a file imported).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from shortops.errors import N_, InvalidInput, ShortopsError
from shortops.metrics import charts, competitor_files, competitor_polling, competitors, service
from shortops.metrics.analysis.loaders import workspace_zone
from shortops.metrics.importers.types import SourceFile
from shortops.metrics.importers.values import BadValue, count
from shortops.metrics.schemas import BenchmarkRow, CompetitorIn, CompetitorSnapshotIn
from shortops.metrics.views import Analyst, Importer, chart_json, csv_response
from shortops.models import Competitor
from shortops.web.csrf import csrf_protect
from shortops.web.pages import error_message, flash, page, redirect, translate
from shortops.workspaces.deps import DbSession
from shortops.workspaces.permissions import Permission, role_allows
from shortops.workspaces.service import Actor
from shortops.workspaces.views import invalid

router = APIRouter(prefix="/measure", dependencies=[Depends(csrf_protect)], include_in_schema=False)

WINDOWS = (7, 28, 90)
OWN_COLOUR, COMPETITOR_COLOUR = "#e8453c", "#5b6b7f"
BENCHMARK_HEADER = (
    "kind", "label", "platform", "followers", "followers_change", "growth", "posts",
    "posts_per_week", "median_views",
)  # fmt: skip


def _window(request: Request) -> int:
    raw = request.query_params.get("days", "")
    return int(raw) if raw.isdigit() and int(raw) in WINDOWS else competitors.BENCHMARK_DAYS


def _refused(
    request: Request, session: DbSession, exc: ValidationError | ShortopsError, back: str
) -> Response:
    """A form that could not be done: nothing of it kept, the reason flashed, back to `back`."""
    if isinstance(exc, ValidationError):
        exc = invalid(request, exc)
    session.rollback()
    flash(request, error_message(request, exc), "error")
    return redirect(back)


def _done(request: Request, template: str, back: str, **params: Any) -> Response:
    flash(request, translate(request, template).format(**params), "success")
    return redirect(back)


@router.get("/competitors", response_class=HTMLResponse)
def competitors_page(request: Request, actor: Analyst, session: DbSession) -> Response:
    days = _window(request)
    rows = competitors.benchmark(session, workspace_id=actor.workspace.id, days=days)
    if request.query_params.get("export") == "csv":
        table = [[getattr(r, name) for name in BENCHMARK_HEADER] for r in rows]
        return csv_response(f"benchmark-{days}d.csv", BENCHMARK_HEADER, table)
    tracked = competitors.list_competitors(session, workspace_id=actor.workspace.id)
    _ = lambda text: translate(request, text)  # noqa: E731
    return page(
        request,
        "measure/competitors.html",
        actor=actor,
        active="measure",
        subnav="competitors",
        rows=rows,
        days=days,
        windows=WINDOWS,
        tracked=[(c, competitors.summary(session, c)) for c in tracked],
        charts={k: chart_json(v) for k, v in _benchmark_charts(rows, _).items()}
        if any(r.kind == "competitor" for r in rows)
        else {},
        platforms=competitors.known_platforms(),
        can_edit=role_allows(actor.role, Permission.import_metrics),
        platform_name=service.platform_name,
    )


def _benchmark_charts(rows: Sequence[BenchmarkRow], _: Any) -> dict[str, dict[str, Any]]:
    labels = [r.label for r in rows]
    colours = [OWN_COLOUR if r.kind == "own" else COMPETITOR_COLOUR for r in rows]

    def bars(title: str, values: list[float | None], **extra: Any) -> dict[str, Any]:
        return charts.bars(
            title, labels=labels, values=values, colours=colours, horizontal=True, **extra
        )

    return {
        "growth": bars(_("Follower growth"), [r.growth for r in rows], x_format=".1%"),
        "frequency": bars(_("Posts per week"), [r.posts_per_week for r in rows]),
        "median": bars(_("Median views per post"), [r.median_views for r in rows]),
    }


@router.post("/competitors", response_class=HTMLResponse)
def add_competitor(
    request: Request,
    actor: Importer,
    session: DbSession,
    platform: Annotated[str, Form()] = "",
    handle: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = CompetitorIn(
            platform=platform, handle=handle, display_name=display_name, url=url.strip() or None
        )
        competitor = competitors.add_competitor(session, actor=actor, data=data)
        session.commit()
    except (ValidationError, ShortopsError) as exc:
        return _refused(request, session, exc, "/measure/competitors")
    back = f"/measure/competitors/{competitor.id}"
    return _done(request, N_("Now tracking @{handle}."), back, handle=competitor.handle)


def _competitor(session: DbSession, actor: Actor, competitor_id: int) -> Competitor:
    return competitors.get_competitor(
        session, workspace_id=actor.workspace.id, competitor_id=competitor_id
    )


@router.get("/competitors/{competitor_id}", response_class=HTMLResponse)
def competitor_page(
    request: Request, competitor_id: int, actor: Analyst, session: DbSession
) -> Response:
    competitor = _competitor(session, actor, competitor_id)
    _ = lambda text: translate(request, text)  # noqa: E731
    series = competitors.followers_over_time(session, [competitor])
    chart = None
    if series:
        followers = next(iter(series.values()))
        chart = charts.lines(
            _("Followers"),
            x=[at.isoformat() for at, _value in followers],
            series={f"@{competitor.handle}": [value for _at, value in followers]},
        )
    return page(
        request,
        "measure/competitor.html",
        actor=actor,
        active="measure",
        subnav="competitors",
        competitor=competitor,
        snapshots=competitors.snapshots_of(session, competitor.id, limit=100),
        posts=sorted(competitors.posts_of(session, competitor.id), key=lambda p: -(p.views or 0))[
            :50
        ],
        chart=chart_json(chart) if chart else None,
        can_edit=role_allows(actor.role, Permission.import_metrics),
        api_platform=competitor.platform in competitor_polling.API_PLATFORMS,
        can_refresh=competitor_polling.can_refresh(request.app.state.settings, competitor),
        platform_name=service.platform_name,
    )


@router.post("/competitors/{competitor_id}/snapshots", response_class=HTMLResponse)
def add_snapshot(
    request: Request,
    competitor_id: int,
    actor: Importer,
    session: DbSession,
    followers: Annotated[str, Form()] = "",
    total_views: Annotated[str, Form()] = "",
    posts_count: Annotated[str, Form()] = "",
    captured_at: Annotated[str, Form()] = "",
) -> Response:
    competitor = _competitor(session, actor, competitor_id)
    back = f"/measure/competitors/{competitor.id}"
    try:
        data = CompetitorSnapshotIn(
            captured_at=_local_moment(captured_at, workspace_zone(session, actor.workspace.id)),
            followers=_count(followers),
            total_views=_count(total_views),
            posts_count=_count(posts_count),
        )
        competitors.add_snapshot(session, competitor=competitor, data=data)
        session.commit()
    except (ValidationError, ShortopsError) as exc:
        return _refused(request, session, exc, back)
    return _done(request, N_("Reading saved."), back)


def _count(raw: str) -> int | None:
    """A count as people type it: 12,300 · 1.2万 · 13.9M."""
    try:
        return count(raw)
    except BadValue:
        raise InvalidInput(
            N_("“{value}” is not a number: write it like 12300, 12,300, 1.2万 or 13.9M."),
            value=raw,
        ) from None


def _local_moment(raw: str, tz: ZoneInfo) -> datetime | None:
    if not raw.strip():
        return None
    try:
        return datetime.fromisoformat(raw.strip()).replace(tzinfo=tz)
    except ValueError:
        raise InvalidInput(N_("Write the moment like 2026-12-01 18:00.")) from None


@router.post("/competitors/{competitor_id}/import", response_class=HTMLResponse)
async def import_file(
    request: Request, competitor_id: int, actor: Importer, session: DbSession
) -> Response:
    competitor = _competitor(session, actor, competitor_id)
    back = f"/measure/competitors/{competitor.id}"
    form = await request.form()
    upload = form.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        flash(request, translate(request, N_("Choose a CSV or XLSX file first.")), "error")
        return redirect(back)
    source = SourceFile(upload.filename, await upload.read())
    try:
        tz = workspace_zone(session, actor.workspace.id)
        found = competitor_files.import_file(session, competitor=competitor, file=source, tz=tz)
        session.commit()
    except ShortopsError as exc:
        return _refused(request, session, exc, back)
    template = (
        N_("{rows} readings read: {created} new.")
        if found.kind == "snapshots"
        else N_("{rows} posts read: {created} new, {updated} updated.")
    )
    return _done(
        request, template, back, rows=found.rows, created=found.created, updated=found.updated
    )


@router.post("/competitors/{competitor_id}/refresh", response_class=HTMLResponse)
def refresh_competitor(
    request: Request, competitor_id: int, actor: Importer, session: DbSession
) -> Response:
    competitor = _competitor(session, actor, competitor_id)
    back = f"/measure/competitors/{competitor.id}"
    try:
        found = competitor_polling.refresh(session, request.app.state.settings, competitor)
    except ShortopsError as exc:
        session.commit()  # the reason it failed, shown on the page
        flash(request, error_message(request, exc), "error")
        return redirect(back)
    session.commit()
    return _done(request, N_("Read from YouTube: {videos} recent videos."), back,
                 videos=found.videos_read)  # fmt: skip


@router.post("/competitors/{competitor_id}/delete", response_class=HTMLResponse)
def remove_competitor(
    request: Request, competitor_id: int, actor: Importer, session: DbSession
) -> Response:
    competitor = _competitor(session, actor, competitor_id)
    handle = competitor.handle
    competitors.remove_competitor(session, actor=actor, competitor=competitor)
    session.commit()
    return _done(request, N_("Stopped tracking @{handle}."), "/measure/competitors", handle=handle)
