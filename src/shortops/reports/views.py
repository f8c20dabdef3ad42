"""Report pages under /measure/reports: past reports, making one now, the schedules, and each
report's HTML and PDF."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from shortops.errors import N_, InvalidInput, NotFound, ShortopsError
from shortops.metrics import dashboard
from shortops.models import Report, ReportKind
from shortops.notifications.schemas import split_emails
from shortops.reports import flows, service
from shortops.web.csrf import csrf_protect
from shortops.web.pages import error_message, flash, page, redirect, request_language, translate
from shortops.web.security_headers import DOCUMENT_ONLY_POLICY
from shortops.workspaces.deps import DbSession, web_actor
from shortops.workspaces.permissions import Permission, role_allows
from shortops.workspaces.service import Actor, record

router = APIRouter(
    prefix="/measure/reports", dependencies=[Depends(csrf_protect)], include_in_schema=False
)

Analyst = Annotated[Actor, Depends(web_actor(Permission.analyze))]
Admin = Annotated[Actor, Depends(web_actor(Permission.manage_workspace))]


@router.get("", response_class=HTMLResponse)
def reports_page(request: Request, actor: Analyst, session: DbSession) -> HTMLResponse:
    today = dashboard.default_filters(actor.workspace, days=1).end
    schedules = {
        k: service.schedule_for(session, workspace_id=actor.workspace.id, kind=k)
        for k in ReportKind
    }
    session.commit()
    return page(
        request,
        "measure/reports.html",
        actor=actor,
        active="measure",
        subnav="reports",
        reports=service.reports_of(session, workspace_id=actor.workspace.id),
        schedules=schedules,
        periods={k: service.last_period(k, today) for k in ReportKind},
        titles=service.TITLES,
        can_schedule=role_allows(actor.role, Permission.manage_workspace),
    )


@router.post("", response_class=HTMLResponse)
def make_report(
    request: Request,
    actor: Analyst,
    session: DbSession,
    kind: Annotated[str, Form()],
    start: Annotated[str, Form()] = "",
) -> Response:
    try:
        chosen = service.parse_kind(kind)
        first, last = _period(actor, chosen, start)
        report, _data = flows.make_report(
            session,
            settings=request.app.state.settings,
            workspace=actor.workspace,
            kind=chosen,
            start=first,
            end=last,
            language=request_language(request),
            user_id=actor.user.id,
        )
        record(
            session,
            action="report.made",
            actor=actor,
            target=("report", report.id),
            data={"kind": chosen.value, "start": first.isoformat()},
        )
        session.commit()
    except ShortopsError as exc:
        session.rollback()
        flash(request, error_message(request, exc), "error")
        return redirect("/measure/reports")
    return redirect(f"/measure/reports/{report.id}")


def _period(actor: Actor, kind: ReportKind, start: str) -> tuple[date, date]:
    if not start:
        today = dashboard.default_filters(actor.workspace, days=1).end
        return service.last_period(kind, today)
    try:
        day = date.fromisoformat(start)
    except ValueError:
        raise InvalidInput(N_("Write the first day like 2026-11-30.")) from None
    return service.period_containing(kind, day)


@router.post("/schedules/{kind}", response_class=HTMLResponse)
def save_schedule(
    request: Request,
    kind: str,
    actor: Admin,
    session: DbSession,
    emails: Annotated[str, Form()] = "",
    enabled: Annotated[str, Form()] = "",
    webhook: Annotated[str, Form()] = "",
    language: Annotated[str, Form()] = "en",
) -> Response:
    try:
        chosen = service.parse_kind(kind)
        addresses = split_emails(emails)
    except (ShortopsError, ValueError) as exc:
        message = error_message(request, exc) if isinstance(exc, ShortopsError) else str(exc)
        flash(request, message, "error")
        return redirect("/measure/reports")
    row = service.schedule_for(session, workspace_id=actor.workspace.id, kind=chosen)
    row.enabled, row.webhook = bool(enabled), bool(webhook)
    row.emails = addresses
    row.language = language if language in ("en", "zh_Hans") else "en"
    record(
        session,
        action="report.scheduled",
        actor=actor,
        target=("report_schedule", row.id),
        data={"kind": chosen.value, "enabled": row.enabled},
    )
    session.commit()
    flash(request, translate(request, N_("Schedule saved.")), "success")
    return redirect("/measure/reports")


def _report(session: DbSession, actor: Actor, report_id: int) -> Report:
    row = session.get(Report, report_id)
    if row is None or row.workspace_id != actor.workspace.id:
        raise NotFound(N_("There is no such report in this workspace."))
    return row


@router.get("/{report_id}", response_class=HTMLResponse)
def report_page(request: Request, report_id: int, actor: Analyst, session: DbSession) -> Response:
    row = _report(session, actor, report_id)
    html = flows.report_bytes(request.app.state.settings, row, "html")
    return HTMLResponse(html.decode(), headers={"Content-Security-Policy": DOCUMENT_ONLY_POLICY})


@router.get("/{report_id}/pdf")
def report_pdf(request: Request, report_id: int, actor: Analyst, session: DbSession) -> Response:
    row = _report(session, actor, report_id)
    pdf = flows.report_bytes(request.app.state.settings, row, "pdf")
    name = f"{row.kind.value}-{row.period_start}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )
