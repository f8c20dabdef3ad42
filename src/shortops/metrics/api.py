"""REST: Measure under /api/v1/workspaces/{workspace_id}/metrics/…

Totals (the CLI's `metrics totals`), the overview dashboard, posts with their latest figures,
insights (best time, drivers, forecasts, alerts; sentences in the caller's Accept-Language),
and imports of export files (multipart; `preview=true` writes nothing).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from sqlalchemy import select

from shortops.errors import N_, InvalidInput, NotFound
from shortops.metrics import dashboard, flows, insights, queries
from shortops.metrics.importers.types import ImportOptions
from shortops.metrics.queries import Filters
from shortops.metrics.schemas import (
    AccountFigures,
    AlertRead,
    BestTimeRead,
    DayRead,
    DriversRead,
    ForecastRead,
    ImportRead,
    ImportSummary,
    KpisRead,
    OverviewRead,
    PostRead,
    Totals,
)
from shortops.models import MetricImport
from shortops.web.pages import translate
from shortops.workspaces.deps import DbSession, api_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/workspaces/{workspace_id}/metrics", tags=["metrics"])

Analyst = Annotated[Actor, Depends(api_actor(Permission.analyze))]
Importer = Annotated[Actor, Depends(api_actor(Permission.import_metrics))]


@router.get("/totals", response_model=Totals)
def get_totals(
    session: DbSession,
    actor: Analyst,
    scope: Literal["posts", "account"] = "posts",
    platform: str | None = None,
    account: str | None = Query(None, description="An account's handle."),
) -> Totals:
    """`posts`: the sum of each post's latest figures; `account`: the accounts' own figures
    (an export's Total row, over its date range), which also count posts not listed."""
    found = queries.totals(
        session, workspace_id=actor.workspace.id, scope=scope, platform=platform, handle=account
    )
    if found is None:
        raise NotFound(N_("No account matches these filters."))
    return Totals.model_validate(found)


@dataclass
class FilterParams:
    """The dashboards' filters as query parameters (local days of the workspace timezone)."""

    start: date | None = None
    end: date | None = None
    platform: str | None = None
    account_id: int | None = None
    tag: str | None = None
    pillar: str | None = None


FilterQuery = Annotated[FilterParams, Depends()]


def _filters(actor: Actor, query: FilterParams, *, default_days: int | None = None) -> Filters:
    base = dashboard.default_filters(actor.workspace, days=default_days or dashboard.DEFAULT_RANGE)
    first, last = query.start or base.start, query.end or base.end
    if last < first:
        raise InvalidInput(N_("The range ends before it starts: swap start and end."))
    return Filters(first, last, query.platform, query.account_id, query.tag, query.pillar)


@router.get("/overview", response_model=OverviewRead)
def get_overview(
    session: DbSession,
    actor: Analyst,
    query: FilterQuery,
) -> OverviewRead:
    """KPIs against the period before, per platform and account, top posts, and each
    account's days (local days of the workspace timezone; default: the last 28)."""
    filters = _filters(actor, query)
    found = dashboard.overview(session, workspace=actor.workspace, filters=filters)
    return OverviewRead(
        start=filters.start,
        end=filters.end,
        kpis=KpisRead(**asdict(found.kpis)),
        previous=KpisRead(**asdict(found.previous)),
        platforms=[_figures(r) for r in found.platforms],
        accounts=[_figures(r) for r in found.accounts],
        top=[_post(p) for p in found.top],
        days=[
            DayRead(day=d.day, account_id=d.account_id, followers=d.followers, **d.values)
            for d in found.days
        ],
    )


@router.get("/posts", response_model=list[PostRead])
def get_posts(
    session: DbSession,
    actor: Analyst,
    query: FilterQuery,
) -> list[PostRead]:
    """Posts published on those days, with their latest figures, most viewed first."""
    filters = _filters(actor, query)
    posts = dashboard.published_in(session, workspace=actor.workspace, filters=filters)
    return [_post(p) for p in sorted(posts, key=lambda p: -(p.views or 0))]


def _insight_filters(actor: Actor, query: FilterParams) -> Filters:
    """As the dashboards', but a year back when no date is given."""
    if query.start is None and query.end is None:
        return _filters(actor, query, default_days=insights.INSIGHT_RANGE)
    return _filters(actor, query)


@router.get("/best-time", response_model=list[BestTimeRead])
def get_best_time(
    request: Request,
    session: DbSession,
    actor: Analyst,
    query: FilterQuery,
    by: Literal["account", "platform"] = "account",
) -> list[BestTimeRead]:
    """Views by local weekday × hour posted, against each account's usual (default: posts
    published in the last 365 days), one grid per account or platform."""
    filters = _insight_filters(actor, query)
    return insights.best_times(
        session,
        workspace_id=actor.workspace.id,
        filters=filters,
        by=by,
        gettext=lambda text: translate(request, text),
    )


@router.get("/drivers", response_model=DriversRead)
def get_drivers(
    request: Request,
    session: DbSession,
    actor: Analyst,
    query: FilterQuery,
) -> DriversRead:
    """What goes with more views: each feature's multiplier of views with its 95% interval."""
    filters = _insight_filters(actor, query)
    return insights.drivers(
        session,
        workspace_id=actor.workspace.id,
        filters=filters,
        gettext=lambda text: translate(request, text),
    )


@router.get("/forecasts", response_model=list[ForecastRead])
def get_forecasts(
    request: Request,
    session: DbSession,
    actor: Analyst,
    platform: str | None = None,
    account_id: int | None = None,
) -> list[ForecastRead]:
    """Day-7 view forecasts of the posts younger than 7 days, with their range and verdict."""
    filters = _insight_filters(actor, FilterParams(platform=platform, account_id=account_id))
    return insights.forecasts(
        session,
        workspace_id=actor.workspace.id,
        filters=filters,
        gettext=lambda text: translate(request, text),
    )


@router.get("/alerts", response_model=list[AlertRead])
def get_alerts(
    request: Request,
    session: DbSession,
    actor: Analyst,
    days: int = Query(insights.ALERT_DAYS, ge=1, le=366),
    account_id: int | None = None,
) -> list[AlertRead]:
    """Spikes, stalls and early verdicts raised in the last `days` days, newest first."""
    return insights.recent_alerts(
        session,
        workspace_id=actor.workspace.id,
        days=days,
        account_id=account_id,
        gettext=lambda text: translate(request, text),
    )


def _figures(row: dashboard.AccountRow) -> AccountFigures:
    return AccountFigures(engagement_rate=row.engagement_rate, **asdict(row))


def _post(line: queries.PostLine) -> PostRead:
    return PostRead(
        engagement_rate=line.engagement_rate,
        **{k: v for k, v in asdict(line).items() if k in PostRead.model_fields},
    )


# --- imports ---------------------------------------------------------------------------------


@router.post("/imports", response_model=ImportSummary)
async def create_import(
    session: DbSession,
    actor: Importer,
    files: Annotated[list[UploadFile], File(description="The export: CSV, XLSX or ZIP files")],
    platform: Annotated[str | None, Form()] = None,
    account: Annotated[str | None, Form(description="Handle; a new one is created")] = None,
    year: Annotated[int | None, Form()] = None,
    start: Annotated[date | None, Form()] = None,
    end: Annotated[date | None, Form()] = None,
    preview: Annotated[bool, Form()] = False,
) -> ImportSummary:
    """Import an export file (or preview it: the same import, rolled back)."""
    sources = [await flows.source_from_upload(f) for f in files]
    if (start is None) != (end is None):
        raise InvalidInput(N_("Give both days of the export's date range (From and To)."))
    options = ImportOptions(
        platform=platform or None,
        year=year,
        period=(start, end) if start is not None and end is not None else None,
    )
    run = flows.preview_export if preview else flows.import_export
    outcome = run(session, actor=actor, files=sources, options=options, account_handle=account)
    if not preview:
        session.commit()
    parsed = outcome.parsed
    return ImportSummary(
        **outcome.summary(),
        preview=preview,
        kind=parsed.kind,
        platform=options.platform or parsed.platform,
        account_id=outcome.account.id,
        account_handle=outcome.account.handle,
        account_created=outcome.account_created,
        import_id=outcome.record.id if outcome.record is not None else None,
        repeat_of=outcome.repeat_of.id if outcome.repeat_of is not None else None,
        period_start=parsed.period[0] if parsed.period else None,
        period_end=parsed.period[1] if parsed.period else None,
        skips=[s.as_json() for s in outcome.applied.skips[: flows.REPORT_SKIPS]],
        notes=[
            {"file": n.file, "line": n.line, "reason": n.reason, "params": dict(n.params)}
            for n in parsed.notes
        ],
    )


@router.get("/imports", response_model=list[ImportRead])
def list_imports(session: DbSession, actor: Analyst) -> list[ImportRead]:
    rows = session.scalars(
        select(MetricImport)
        .where(MetricImport.workspace_id == actor.workspace.id)
        .order_by(MetricImport.id.desc())
        .limit(500)
    ).all()
    return [ImportRead.model_validate(r) for r in rows]


@router.get("/imports/{import_id}", response_model=ImportRead)
def get_import(session: DbSession, actor: Analyst, import_id: int) -> ImportRead:
    row = session.get(MetricImport, import_id)
    if row is None or row.workspace_id != actor.workspace.id:
        raise NotFound(N_("There is no such import in this workspace."))
    return ImportRead.model_validate(row)
