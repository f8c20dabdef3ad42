"""Measure pages: the overview dashboard, posts, one post, one account, the cross-platform
comparison (importing export files is import_views.py).

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

from shortops.errors import N_, NotFound
from shortops.metrics import charts, dashboard, service
from shortops.metrics.queries import SERIES_FIGURES, Filters
from shortops.models import Account, MetricImport, Publication, PublicationFigures
from shortops.web.csrf import csrf_protect
from shortops.web.pages import page, translate
from shortops.workspaces.deps import DbSession, web_actor
from shortops.workspaces.permissions import Permission, role_allows
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/measure", dependencies=[Depends(csrf_protect)], include_in_schema=False)


log = logging.getLogger("shortops.metrics")


Analyst = Annotated[Actor, Depends(web_actor(Permission.analyze))]


Importer = Annotated[Actor, Depends(web_actor(Permission.import_metrics))]


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
