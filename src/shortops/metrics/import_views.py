"""Measure → Import: drop export files, preview them, map the columns of a generic file, import;
the list of past imports and each one's report (rows read, matched, created, skipped and why)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from starlette.datastructures import FormData, UploadFile

from shortops.errors import N_, InvalidInput, NotFound, ShortopsError
from shortops.kit.i18n import gettext
from shortops.metrics import dashboard, flows, service
from shortops.metrics.errors import UnknownExportFormat
from shortops.metrics.figures import FIGURE_LABELS, RATE_FIGURES
from shortops.metrics.importers.types import METRICS, ColumnMapping, ImportOptions, SourceFile
from shortops.metrics.views import Analyst, Importer
from shortops.models import Account, MetricImport
from shortops.web.csrf import csrf_protect
from shortops.web.pages import error_message, page, request_language
from shortops.workspaces.deps import DbSession
from shortops.workspaces.permissions import Permission, role_allows
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/measure", dependencies=[Depends(csrf_protect)], include_in_schema=False)


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
