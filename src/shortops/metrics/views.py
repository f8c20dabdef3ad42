"""Measure pages: the overview dashboard, posts, one post, one account, the cross-platform
comparison, and importing export files (drop, preview, column mapping, report).

Pages read `dashboard` (which reads `queries`), as the REST API does; imports go through
`flows.preview_export` / `flows.import_export`, so the page's preview is the import itself,
rolled back. Every table has a CSV export (`?export=csv`).
"""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile

from shortops.errors import N_, InvalidInput, NotFound, ShortopsError
from shortops.kit.i18n import gettext
from shortops.metrics import charts, dashboard, flows, service
from shortops.metrics.errors import UnknownExportFormat
from shortops.metrics.figures import FIGURE_LABELS, RATE_FIGURES
from shortops.metrics.importers.types import METRICS, ColumnMapping, ImportOptions, SourceFile
from shortops.metrics.queries import SERIES_FIGURES, Filters
from shortops.models import Account, MetricImport, Publication, PublicationFigures
from shortops.web.csrf import csrf_protect
from shortops.web.pages import error_message, page, request_language, translate
from shortops.workspaces.deps import DbSession, web_actor
from shortops.workspaces.permissions import Permission, role_allows
from shortops.workspaces.service import Actor

log = logging.getLogger("shortops.metrics")

router = APIRouter(prefix="/measure", dependencies=[Depends(csrf_protect)], include_in_schema=False)

Analyst = Annotated[Actor, Depends(web_actor(Permission.analyze))]
Importer = Annotated[Actor, Depends(web_actor(Permission.import_metrics))]

# Identity and time fields a generic file's column can hold, besides the figures of METRICS.
MAPPING_FIELDS = ("remote_id", "url", "title", "published", "duration_s", "day", "post_type")
FIELD_LABELS = {
    "remote_id": N_("Post id"),
    "url": N_("Link"),
    "title": N_("Title"),
    "published": N_("Publish time"),
    "duration_s": N_("Duration (s)"),
    "day": N_("Day"),
    "post_type": N_("Post type"),
}


# --- filters ---------------------------------------------------------------------------------


def filters_from(request: Request, actor: Actor) -> Filters:
    """The dashboard filters in the query string (a preset range or From/To, platform,
    account, tag, pillar); anything unreadable falls back to the last 28 days."""
    params = request.query_params
    base = dashboard.default_filters(actor.workspace)
    start, end = base.start, base.end
    chosen = params.get("range", "")
    if chosen.isdigit() and int(chosen) in dashboard.RANGES:
        start = end - timedelta(days=int(chosen) - 1)
    elif chosen == "custom":
        start, end = _custom_range(params.get("start"), params.get("end"), (start, end))
    account = params.get("account", "")
    return Filters(
        start=start,
        end=end,
        platform=params.get("platform") or None,
        account_id=int(account) if account.isdigit() else None,
        tag=(params.get("tag") or "").strip() or None,
        pillar=(params.get("pillar") or "").strip() or None,
    )


def _custom_range(
    start: str | None, end: str | None, fallback: tuple[date, date]
) -> tuple[date, date]:
    try:
        first = date.fromisoformat(start or "")
        last = date.fromisoformat(end or "")
    except ValueError:
        return fallback
    return (first, last) if first <= last else (last, first)


def filter_context(
    request: Request, actor: Actor, session: Any, filters: Filters
) -> dict[str, Any]:
    accounts = session.scalars(
        select(Account).where(Account.workspace_id == actor.workspace.id).order_by(Account.handle)
    ).all()
    platforms = sorted({service.platform_key(a) for a in accounts})
    params = request.query_params
    return {
        "filters": filters,
        "range": params.get("range") or str(dashboard.DEFAULT_RANGE),
        "ranges": dashboard.RANGES,
        "filter_accounts": accounts,
        "filter_platforms": [(p, service.platform_name(p)) for p in platforms],
        "query_string": str(request.url.query),
        "platform_key": service.platform_key,
    }


def csv_response(filename: str, header: Sequence[str], rows: Sequence[Sequence[Any]]) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    # A BOM so Excel opens Chinese titles as UTF-8.
    return Response(
        "\ufeff" + buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def chart_json(figure: dict[str, Any]) -> str:
    return json.dumps(figure, default=str, ensure_ascii=False)


# --- overview --------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def overview_page(request: Request, actor: Analyst, session: DbSession) -> Response:
    filters = filters_from(request, actor)
    found = dashboard.overview(session, workspace=actor.workspace, filters=filters)
    export = request.query_params.get("export")
    if export == "posts":
        rows = dashboard.csv_rows_posts(found.top + found.bottom, found.names)
        return csv_response("top-posts.csv", dashboard.POST_CSV_HEADER, rows)
    if export == "accounts":
        rows = dashboard.csv_rows_accounts(found.accounts)
        return csv_response("accounts.csv", dashboard.ACCOUNT_CSV_HEADER, rows)
    _ = lambda text: translate(request, text)  # noqa: E731
    platform_of = found.platforms_of.get
    names = {k: service.platform_name(k) for k in set(found.platforms_of.values())}
    figures = {
        "views": charts.stacked_days(
            _("Views per day, by platform"),
            start=filters.start,
            end=filters.end,
            series=dashboard.day_series(found.days, platform_of, "views"),
            names=names,
        ),
        "followers": charts.stacked_days(
            _("Followers, by account"),
            start=filters.start,
            end=filters.end,
            series=dashboard.day_series(found.days, found.names.get, "followers"),
            names={},
            kind="line",
        ),
        "watch": charts.stacked_days(
            _("Watch time per day (hours), by platform"),
            start=filters.start,
            end=filters.end,
            series={
                k: {d: v / 3600 for d, v in s.items()}
                for k, s in dashboard.day_series(found.days, platform_of, "watch_time_s").items()
            },
            names=names,
        ),
        "engagement": _engagement_chart(found, _),
    }
    return page(
        request,
        "measure/overview.html",
        actor=actor,
        active="measure",
        subnav="overview",
        found=found,
        charts={k: chart_json(v) for k, v in figures.items() if v["data"]},
        can_import=role_allows(actor.role, Permission.import_metrics),
        **filter_context(request, actor, session, filters),
    )


def _engagement_chart(found: dashboard.Overview, _: Any) -> dict[str, Any]:
    per_day: dict[date, list[float]] = {}
    for row in found.days:
        values = row.values
        if values.get("views"):
            parts = [values.get(n) for n in ("likes", "comments", "shares", "saves")]
            engaged = sum(v for v in parts if v is not None)
            bucket = per_day.setdefault(row.day, [0.0, 0.0])
            bucket[0] += engaged
            bucket[1] += float(values["views"] or 0)
    axis = charts.day_axis(found.filters.start, found.filters.end)
    rates = {d.isoformat(): e / v for d, (e, v) in per_day.items() if v}
    if not rates:
        return {"data": []}
    return charts.lines(
        _("Engagement rate per day"),
        x=axis,
        series={_("Engagement rate"): [rates.get(d) for d in axis]},
        y_format=".1%",
    )


# --- posts -----------------------------------------------------------------------------------

POSTS_SHOWN = 500  # the rest are in the CSV export
# Both a post's full line and its counts (`PostViews`) have these.
SORTS: dict[str, Callable[[Any], float]] = {
    "views": lambda p: p.views or 0,
    "likes": lambda p: p.likes or 0,
    "comments": lambda p: p.comments or 0,
    "shares": lambda p: p.shares or 0,
    "engagement": lambda p: p.engagement_rate or 0,
    "published": lambda p: p.published_at.timestamp() if p.published_at else 0,
}


@router.get("/posts", response_class=HTMLResponse)
def posts_page(request: Request, actor: Analyst, session: DbSession) -> Response:
    filters = filters_from(request, actor)
    sort = request.query_params.get("sort", "views")
    key = SORTS.get(sort, SORTS["views"])
    names, _platforms = dashboard.account_labels(session, actor.workspace.id)
    if request.query_params.get("export") == "csv":
        every = dashboard.published_in(session, workspace=actor.workspace, filters=filters)
        every.sort(key=key, reverse=True)
        rows = dashboard.csv_rows_posts(every, names)
        return csv_response("posts.csv", dashboard.POST_CSV_HEADER, rows)
    posts, total = dashboard.published_page(
        session, workspace=actor.workspace, filters=filters, sort=key, limit=POSTS_SHOWN
    )
    return page(
        request,
        "measure/posts.html",
        actor=actor,
        active="measure",
        subnav="posts",
        posts=posts,
        total=total,
        sort=sort,
        names=names,
        **filter_context(request, actor, session, filters),
    )


@router.get("/posts/{publication_id}", response_class=HTMLResponse)
def post_page(
    request: Request, publication_id: int, actor: Analyst, session: DbSession
) -> Response:
    publication = session.get(Publication, publication_id)
    if publication is None or publication.workspace_id != actor.workspace.id:
        raise NotFound(N_("There is no such post in this workspace."))
    figures = session.get(PublicationFigures, publication_id)
    account = session.get(Account, publication.account_id)
    found = dashboard.growth(session, publication=publication)
    _ = lambda text: translate(request, text)  # noqa: E731
    chart = charts.lines(
        _("Views by age"),
        x=found.ages,
        series={
            _("This post"): found.views,
            _("Median of the account's other posts"): found.median,
        },
        colours={_("This post"): "#2f6fed", _("Median of the account's other posts"): "#9aa4b2"},
        dashed=[_("Median of the account's other posts")],
        x_title=_("Hours since publishing"),
    )
    snapshots = service.snapshots_of(session, publication_id=publication_id)
    if request.query_params.get("export") == "csv":
        return csv_response(
            f"post-{publication_id}.csv",
            ["captured_at_utc", "source", "views", "likes", "comments", "shares", "saves"],
            [
                [
                    s.captured_at.isoformat(),
                    s.source.value,
                    s.views,
                    s.likes,
                    s.comments,
                    s.shares,
                    s.saves,
                ]
                for s in snapshots
            ],
        )
    return page(
        request,
        "measure/post.html",
        actor=actor,
        active="measure",
        subnav="posts",
        publication=publication,
        figures=figures,
        account=account,
        growth=found,
        chart=chart_json(chart) if any(v is not None for v in found.views) else None,
        snapshots=snapshots[-50:],
        title=service.publication_title(session, publication),
    )


# --- one account and the comparison ----------------------------------------------------------


@router.get("/accounts/{account_id}", response_class=HTMLResponse)
def account_page(request: Request, account_id: int, actor: Analyst, session: DbSession) -> Response:
    account = session.get(Account, account_id)
    if account is None or account.workspace_id != actor.workspace.id:
        raise NotFound(N_("There is no such account in this workspace."))
    base = filters_from(request, actor)
    filters = Filters(start=base.start, end=base.end, account_id=account.id)
    found = dashboard.overview(session, workspace=actor.workspace, filters=filters)
    posts = dashboard.published_in(session, workspace=actor.workspace, filters=filters)
    if request.query_params.get("export") == "csv":
        return csv_response(
            f"account-{account.id}-days.csv",
            ["day", "views", "likes", "comments", "shares", "saves", "watch_time_s", "followers"],
            [
                [
                    d.day.isoformat(),
                    *[d.values.get(n) for n in SERIES_FIGURES],
                    d.followers,
                ]
                for d in found.days
            ],
        )
    _ = lambda text: translate(request, text)  # noqa: E731
    axis = charts.day_axis(filters.start, filters.end)
    by_day = {d.day.isoformat(): d for d in found.days}
    chart = charts.lines(
        _("Views and followers per day"),
        x=axis,
        series={
            _("Views"): [(by_day[d].values.get("views") if d in by_day else None) for d in axis],
        },
    )
    followers = [(by_day[d].followers if d in by_day else None) for d in axis]
    if any(v is not None for v in followers):
        chart["data"].append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": _("Followers"),
                "x": axis,
                "y": followers,
                "yaxis": "y2",
                "line": {"color": "#0f9d58"},
            }
        )
        chart["layout"]["yaxis2"] = {"overlaying": "y", "side": "right", "showgrid": False}
    imports = session.scalars(
        select(MetricImport)
        .where(MetricImport.account_id == account.id)
        .order_by(MetricImport.id.desc())
        .limit(20)
    ).all()
    return page(
        request,
        "measure/account.html",
        actor=actor,
        active="measure",
        subnav="overview",
        account=account,
        found=found,
        posts=sorted(posts, key=lambda p: -(p.views or 0))[:20],
        chart=chart_json(chart) if found.days else None,
        imports=imports,
        platform=service.platform_name(service.platform_key(account)),
        **filter_context(request, actor, session, filters),
    )


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, actor: Analyst, session: DbSession) -> Response:
    filters = filters_from(request, actor)
    found = dashboard.overview(session, workspace=actor.workspace, filters=filters)
    by = request.query_params.get("by", "platform")
    rows = found.accounts if by == "account" else found.platforms
    if request.query_params.get("export") == "csv":
        return csv_response(
            f"compare-{by}.csv", dashboard.ACCOUNT_CSV_HEADER, dashboard.csv_rows_accounts(rows)
        )
    _ = lambda text: translate(request, text)  # noqa: E731
    labels = [r.label for r in rows]
    colours = [charts.colour_for(r.platform, i) for i, r in enumerate(rows)]
    figures = {
        "views": charts.bars(
            _("Views"),
            labels=labels,
            values=[r.views for r in rows],
            colours=colours,
            horizontal=True,
        ),
        "engagement": charts.bars(
            _("Engagement rate"),
            labels=labels,
            values=[r.engagement_rate for r in rows],
            colours=colours,
            horizontal=True,
            x_format=".1%",
        ),
        "median": charts.bars(
            _("Median views per post"),
            labels=labels,
            values=[r.median_views for r in rows],
            colours=colours,
            horizontal=True,
        ),
    }
    return page(
        request,
        "measure/compare.html",
        actor=actor,
        active="measure",
        subnav="compare",
        rows=rows,
        by=by,
        found=found,
        charts={k: chart_json(v) for k, v in figures.items()} if rows else {},
        **filter_context(request, actor, session, filters),
    )


# --- imports ---------------------------------------------------------------------------------


def _import_context(session: Any, actor: Actor, **extra: Any) -> dict[str, Any]:
    accounts = session.scalars(
        select(Account).where(Account.workspace_id == actor.workspace.id).order_by(Account.handle)
    ).all()
    return {
        "accounts": accounts,
        "platform_key": service.platform_key,
        "platform_choices": service.import_platforms(),
        "known_formats": flows.known_formats(),
        "figure_labels": FIGURE_LABELS,
        "rate_figures": RATE_FIGURES,
        **extra,
    }


@router.get("/import", response_class=HTMLResponse)
def import_page(request: Request, actor: Importer, session: DbSession) -> HTMLResponse:
    return page(
        request,
        "measure/import.html",
        actor=actor,
        active="measure",
        subnav="import",
        form={},
        **_import_context(session, actor),
    )


@router.post("/import", response_class=HTMLResponse)
async def import_post(request: Request, actor: Importer, session: DbSession) -> HTMLResponse:
    form = await request.form()
    mode = str(form.get("mode") or "preview")
    fields = {k: str(v) for k, v in form.items() if isinstance(v, str)}
    context: dict[str, Any] = {"form": fields}
    files: list[SourceFile] = []
    try:
        files = await _uploaded(form)
        options = _options(form)
        handle = (fields.get("new_account") or fields.get("account") or "").strip() or None
        if mode == "import":
            outcome = flows.import_export(
                session, actor=actor, files=files, options=options, account_handle=handle
            )
            _save_mapping_if_asked(session, actor, form, files, options)
            session.commit()
            context.update(outcome=outcome, imported=True)
        else:
            outcome = flows.preview_export(
                session, actor=actor, files=files, options=options, account_handle=handle
            )
            context.update(outcome=outcome, imported=False)
    except UnknownExportFormat as exc:
        session.rollback()
        context.update(error=error_message(request, exc), mapping=_mapping_screen(form, files))
    except ShortopsError as exc:
        session.rollback()
        context.update(error=error_message(request, exc))
    template = (
        "measure/_import_result.html"
        if request.headers.get("hx-request")
        else "measure/import.html"
    )
    status = 422 if "error" in context and not request.headers.get("hx-request") else 200
    return page(
        request,
        template,
        actor=actor,
        active="measure",
        subnav="import",
        status_code=status,
        metric_names=METRICS,
        **_import_context(session, actor, **context),
    )


async def _uploaded(form: FormData) -> list[SourceFile]:
    files = [
        await flows.source_from_upload(item)
        for item in form.getlist("files")
        if isinstance(item, UploadFile) and item.filename
    ]
    if not files:
        raise InvalidInput(N_("Choose or drop the export file(s) first."))
    return files


def _options(form: FormData) -> ImportOptions:
    year_text = str(form.get("year") or "").strip()
    if year_text and not (year_text.isdigit() and 2000 <= int(year_text) <= 2100):
        raise InvalidInput(N_("The year must be written like 2026."))
    period = None
    start, end = str(form.get("start") or ""), str(form.get("end") or "")
    if start or end:
        try:
            period = (date.fromisoformat(start), date.fromisoformat(end))
        except ValueError:
            raise InvalidInput(
                N_("Give both days of the export's date range (From and To).")
            ) from None
        if period[1] < period[0]:
            raise InvalidInput(N_("The range ends before it starts: swap From and To."))
    platform = str(form.get("platform") or "").strip() or None
    return ImportOptions(
        platform=platform,
        year=int(year_text) if year_text else None,
        period=period,
        mapping=_mapping_from(form, platform),
    )


def _mapping_from(form: FormData, platform: str | None) -> ColumnMapping | None:
    """The column-mapping screen's answer: `map:<header>` = canonical name (or empty)."""
    columns = {
        key[4:]: str(value)
        for key, value in form.items()
        if key.startswith("map:") and isinstance(value, str) and value
    }
    if not columns:
        return None
    if not platform:
        raise InvalidInput(N_("Choose the platform these figures come from."))
    order = str(form.get("date_order") or "ymd")
    return ColumnMapping(
        platform=platform,
        columns=columns,
        cumulative=form.get("cumulative") != "period",
        date_order=order if order in ("ymd", "dmy", "mdy") else "ymd",  # type: ignore[arg-type]
        currency=str(form.get("currency") or "").strip().upper() or None,
    )


def _save_mapping_if_asked(
    session: Any, actor: Actor, form: FormData, files: list[SourceFile], options: ImportOptions
) -> None:
    name = str(form.get("save_mapping") or "").strip()
    if options.mapping is not None and name and len(files) == 1:
        flows.save_mapping(session, actor=actor, file=files[0], mapping=options.mapping, name=name)


def _mapping_screen(form: FormData, files: list[SourceFile]) -> dict[str, Any] | None:
    """Headers of the one unknown file and a guess for each, so the user can map it."""
    if len(files) != 1:
        return None
    try:
        screen = flows.mapping_screen(files[0], str(form.get("platform") or "") or None)
    except ShortopsError:
        return None
    chosen = {h: str(form.get("map:" + h) or screen.guess.get(h, "")) for h in screen.headers}
    return {
        "headers": screen.headers,
        "chosen": chosen,
        "sample": screen.sample,
        "fields": [(f, FIELD_LABELS[f]) for f in MAPPING_FIELDS],
    }


@router.get("/imports", response_class=HTMLResponse)
def imports_page(request: Request, actor: Analyst, session: DbSession) -> HTMLResponse:
    rows = session.scalars(
        select(MetricImport)
        .where(MetricImport.workspace_id == actor.workspace.id)
        .order_by(MetricImport.id.desc())
        .limit(200)
    ).all()
    names, _platforms = dashboard.account_labels(session, actor.workspace.id)
    return page(
        request,
        "measure/imports.html",
        actor=actor,
        active="measure",
        subnav="imports",
        imports=rows,
        names=names,
        can_import=role_allows(actor.role, Permission.import_metrics),
    )


@router.get("/imports/{import_id}", response_class=HTMLResponse)
def import_report_page(
    request: Request, import_id: int, actor: Analyst, session: DbSession
) -> HTMLResponse:
    row = session.get(MetricImport, import_id)
    if row is None or row.workspace_id != actor.workspace.id:
        raise NotFound(N_("There is no such import in this workspace."))
    language = request_language(request)
    skips = [
        {**s, "text": _reason(language, s.get("reason", ""), s.get("params") or {})}
        for s in row.report.get("skips", [])
    ]
    notes = [
        {**n, "text": _reason(language, n.get("reason", ""), n.get("params") or {})}
        for n in row.report.get("notes", [])
    ]
    names, _platforms = dashboard.account_labels(session, actor.workspace.id)
    return page(
        request,
        "measure/import_report.html",
        actor=actor,
        active="measure",
        subnav="imports",
        row=row,
        skips=skips,
        notes=notes,
        names=names,
    )


def _reason(language: str, template: str, params: dict[str, Any]) -> str:
    text = gettext(language, template)
    try:
        return text.format(**params) if params else text
    except (KeyError, IndexError, ValueError):
        return text
