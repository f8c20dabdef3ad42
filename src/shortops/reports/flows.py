"""Making a report (HTML and PDF kept in the media store, one row per workspace, kind, period
and language: making it again replaces it) and delivering it by e-mail and webhook."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.errors import N_, InvalidInput
from shortops.kit.clock import utcnow
from shortops.kit.i18n import gettext
from shortops.kit.outbound import PrivateTargetRefused
from shortops.media.store import MediaStore
from shortops.metrics.figures import local_day, zone
from shortops.models import Report, ReportKind, ReportSchedule, Workspace
from shortops.notifications import flows as notify
from shortops.notifications import service as notification_service
from shortops.reports import render, service
from shortops.reports.insights import insight_lines

log = logging.getLogger("shortops.reports")


def _store(settings: Settings) -> MediaStore:
    return MediaStore.from_settings(settings)


def make_report(
    session: Session,
    *,
    settings: Settings,
    workspace: Workspace,
    kind: ReportKind,
    start: date,
    end: date,
    language: str,
    user_id: int | None = None,
    pdf: bool = True,
) -> tuple[Report, service.ReportData]:
    """Build the report, write its HTML (and PDF) and keep its row; the caller commits."""
    if end < start:
        raise InvalidInput(N_("The range ends before it starts: swap From and To."))
    data = service.build(
        session,
        workspace=workspace,
        kind=kind,
        start=start,
        end=end,
        language=language,
        gettext=lambda text: gettext(language, text),
        insights=lambda filters: insight_lines(
            session, workspace=workspace, filters=filters, language=language
        ),
    )
    store = _store(settings)
    base = f"reports/{workspace.id}/{kind.value}-{start.isoformat()}-{language}"
    html_path = base + ".html"
    _write(store, html_path, render.report_html(data).encode())
    pdf_path = ""
    if pdf:
        pdf_path = base + ".pdf"
        _write(store, pdf_path, render.report_pdf(data))
    row = session.scalar(
        select(Report).where(
            Report.workspace_id == workspace.id,
            Report.kind == kind,
            Report.period_start == start,
            Report.language == language,
        )
    )
    if row is None:
        row = Report(workspace_id=workspace.id, kind=kind, period_start=start, language=language)
        session.add(row)
    row.period_end = end
    row.html_path, row.pdf_path = html_path, pdf_path
    row.summary = data.summary()
    row.created_by_id = user_id
    row.created_at = utcnow()
    session.flush()
    return row, data


def _write(store: MediaStore, relative: str, content: bytes) -> None:
    # Written beside and renamed, so a reader never sees half a report.
    target = store.path(relative)
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_suffix(target.suffix + ".part")
    temp.write_bytes(content)
    temp.replace(target)


def report_bytes(settings: Settings, report: Report, kind: str) -> bytes:
    relative = report.pdf_path if kind == "pdf" else report.html_path
    if not relative or not _store(settings).exists(relative):
        raise InvalidInput(N_("This report has no {kind} file. Make it again."), kind=kind.upper())
    return _store(settings).path(relative).read_bytes()


# --- delivery ------------------------------------------------------------------------------------


def deliver(
    session: Session,
    *,
    settings: Settings,
    report: Report,
    schedule: ReportSchedule,
    transport: httpx.BaseTransport | None = None,
) -> dict[str, Any]:
    """Send the report where the schedule says; what happened per channel is kept on the row."""
    workspace = session.get(Workspace, report.workspace_id)
    assert workspace is not None
    channels = notification_service.get_notification_settings(session, workspace_id=workspace.id)
    outcome: dict[str, Any] = {}
    recipients = list(schedule.emails) or (
        [e for e in (channels.email_to or "").split(",") if e] if channels else []
    )
    if recipients:
        outcome["email"] = _send_email(settings, workspace, report, channels, recipients)
    if schedule.webhook:
        outcome["webhook"] = _send_webhook(workspace, report, channels, transport)
    report.delivery = outcome
    if any(v == "sent" for v in outcome.values()):
        report.delivered_at = utcnow()
    session.flush()
    return outcome


def _title(report: Report) -> str:
    return gettext(report.language, service.TITLES[report.kind])


def _send_email(
    settings: Settings, workspace: Workspace, report: Report, channels: Any, to: list[str]
) -> str:
    if channels is None or not channels.smtp_host:
        return "no SMTP server set (Settings → Notifications)"
    period = f"{report.period_start} – {report.period_end}"
    subject = f"[shortops] {_title(report)} · {workspace.name} · {period}"
    body = _email_body(report, workspace)
    attachments = []
    if report.pdf_path:
        name = f"{report.kind.value}-{report.period_start}.pdf"
        attachments.append((name, report_bytes(settings, report, "pdf"), "application/pdf"))
    try:
        notify.send_email(
            config=notify.smtp_config(channels),
            to=to,
            subject=subject,
            body=body,
            message_id=f"<report-{report.id}.{workspace.id}@shortops>",
            attachments=attachments,
        )
    except (notify.DeliveryFailed, PrivateTargetRefused) as exc:
        log.warning("report %s e-mail failed: %s", report.id, exc)
        return f"failed: {exc.params.get('detail', exc)}"
    return "sent"


def _email_body(report: Report, workspace: Workspace) -> str:
    s = report.summary
    lines = [
        f"{_title(report)} · {workspace.name}",
        f"{report.period_start} – {report.period_end}",
        "",
        f"views: {s.get('views')}",
        f"engagement rate: {s.get('engagement_rate')}",
        f"followers: {s.get('followers')} ({s.get('followers_change')})",
        "",
    ]
    link = notify.absolute_link(f"/measure/reports/{report.id}")
    if link:
        lines.append(link)
    return "\n".join(lines)


def _send_webhook(
    workspace: Workspace, report: Report, channels: Any, transport: httpx.BaseTransport | None
) -> str:
    if channels is None or not channels.webhook_url or channels.webhook_secret is None:
        return "no webhook set (Settings → Notifications)"
    payload = {
        "kind": "report",
        "workspace": {"id": workspace.id, "name": workspace.name},
        "report": {
            "id": report.id,
            "kind": report.kind.value,
            "period_start": report.period_start.isoformat(),
            "period_end": report.period_end.isoformat(),
            "language": report.language,
            "summary": report.summary,
            "link": notify.absolute_link(f"/measure/reports/{report.id}"),
            "pdf": notify.absolute_link(f"/measure/reports/{report.id}/pdf"),
        },
    }
    try:
        notify.send_webhook(
            url=channels.webhook_url,
            secret=notification_service.unseal(
                channels.webhook_secret, notification_service.WEBHOOK_SECRET_PURPOSE
            ),
            payload=payload,
            idempotency_key=f"report-{report.id}",
            transport=transport,
        )
    except (notify.DeliveryFailed, PrivateTargetRefused) as exc:
        log.warning("report %s webhook failed: %s", report.id, exc)
        return f"failed: {exc.params.get('detail', exc)}"
    return "sent"


# --- schedules -----------------------------------------------------------------------------------


def due_schedules(session: Session, *, now: datetime) -> list[tuple[ReportSchedule, date, date]]:
    """Enabled schedules whose last complete period (in the workspace's timezone) is not sent."""
    due = []
    rows = session.execute(
        select(ReportSchedule, Workspace)
        .join(Workspace, Workspace.id == ReportSchedule.workspace_id)
        .where(ReportSchedule.enabled.is_(True))
    ).all()
    for schedule, workspace in rows:
        today = local_day(now, zone(workspace.timezone) or ZoneInfo("UTC"))
        start, end = service.last_period(schedule.kind, today)
        if schedule.last_period_sent is None or schedule.last_period_sent < start:
            due.append((schedule, start, end))
    return due


def send_scheduled(
    session: Session,
    *,
    settings: Settings,
    schedule: ReportSchedule,
    start: date,
    end: date,
    transport: httpx.BaseTransport | None = None,
) -> Report:
    workspace = session.get(Workspace, schedule.workspace_id)
    assert workspace is not None
    report, _data = make_report(
        session,
        settings=settings,
        workspace=workspace,
        kind=schedule.kind,
        start=start,
        end=end,
        language=schedule.language,
    )
    deliver(session, settings=settings, report=report, schedule=schedule, transport=transport)
    # Marked sent even when a channel failed: the report stays on its page, and the failure
    # is on the row; sending it again every hour would flood a broken inbox.
    schedule.last_period_sent = start
    session.flush()
    return report
