"""Notification pages: the bell (an htmx fragment), the list, and Settings → Notifications."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from shortops.errors import N_, ShortopsError
from shortops.kit.i18n import gettext
from shortops.kit.pagination import PageParams
from shortops.models import NotificationKind
from shortops.notifications import flows, service
from shortops.notifications.schemas import KIND_LABELS, NotificationSettingsWrite
from shortops.web.csrf import csrf_protect
from shortops.web.pages import (
    error_message,
    flash,
    page,
    redirect,
    request_language,
    safe_next,
    translate,
)
from shortops.workspaces.deps import DbSession, web_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor
from shortops.workspaces.views import invalid

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

Reader = Annotated[Actor, Depends(web_actor(Permission.read))]
Admin = Annotated[Actor, Depends(web_actor(Permission.manage_workspace))]

PER_PAGE = 50
BELL_POLL_S = 30


@router.get("/notifications/bell", response_class=HTMLResponse)
def bell(request: Request, session: DbSession, actor: Reader) -> HTMLResponse:
    """The top bar's bell with the unread count (htmx polls it)."""
    count = service.unread_count(session, workspace_id=actor.workspace.id, user_id=actor.user.id)
    return page(request, "notifications/_bell.html", actor=actor, unread=count, poll_s=BELL_POLL_S)


@router.get("/notifications", response_class=HTMLResponse)
def notifications_page(
    request: Request, session: DbSession, actor: Reader, page_number: int = 1
) -> HTMLResponse:
    params = PageParams(page=max(1, page_number), per_page=PER_PAGE)
    rows, total = service.list_notifications(
        session, workspace_id=actor.workspace.id, user_id=actor.user.id, params=params
    )
    language = request_language(request)
    return page(
        request,
        "notifications/index.html",
        actor=actor,
        items=[service.notification_read(n, lambda m: gettext(language, m)) for n in rows],
        total=total,
        unread=service.unread_count(
            session, workspace_id=actor.workspace.id, user_id=actor.user.id
        ),
        page_number=params.page,
        per_page=params.per_page,
        kind_labels=KIND_LABELS,
    )


@router.post("/notifications/read-all")
def read_all(request: Request, session: DbSession, actor: Reader) -> Response:
    service.mark_all_read(session, workspace_id=actor.workspace.id, user_id=actor.user.id)
    flash(request, translate(request, N_("Every notification is marked read.")), "success")
    return redirect("/notifications")


@router.post("/notifications/{notification_id}/read")
def read_one(
    request: Request,
    session: DbSession,
    actor: Reader,
    notification_id: int,
    next: Annotated[str, Form()] = "/notifications",
) -> Response:
    """Mark read, then go where the notification points (or back to the list)."""
    service.mark_read(
        session,
        workspace_id=actor.workspace.id,
        user_id=actor.user.id,
        notification_id=notification_id,
    )
    return redirect(safe_next(next, "/notifications"))


# --- Settings → Notifications ---------------------------------------------------------------------


@router.get("/settings/notifications", response_class=HTMLResponse)
def settings_page(request: Request, session: DbSession, actor: Admin) -> HTMLResponse:
    return _settings_page(request, session, actor)


def _settings_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    status_code: int = 200,
    **context: object,
) -> HTMLResponse:
    current = service.settings_read(
        service.get_notification_settings(session, workspace_id=actor.workspace.id)
    )
    return page(
        request,
        "settings/notifications.html",
        actor=actor,
        active="settings",
        tab="notifications",
        status_code=status_code,
        current=current,
        kinds=list(NotificationKind),
        kind_labels=KIND_LABELS,
        **context,
    )


@router.post("/settings/notifications", response_class=HTMLResponse)
def save_settings(
    request: Request,
    session: DbSession,
    actor: Admin,
    webhook_url: Annotated[str, Form()] = "",
    webhook_secret: Annotated[str, Form()] = "",
    rotate_webhook_secret: Annotated[str, Form()] = "",
    email_to: Annotated[str, Form()] = "",
    smtp_host: Annotated[str, Form()] = "",
    smtp_port: Annotated[str, Form()] = "587",
    smtp_username: Annotated[str, Form()] = "",
    smtp_password: Annotated[str, Form()] = "",
    clear_smtp_password: Annotated[str, Form()] = "",
    smtp_from: Annotated[str, Form()] = "",
    smtp_starttls: Annotated[str, Form()] = "",
    kinds: Annotated[list[str] | None, Form()] = None,
) -> Response:
    password: str | None = smtp_password or None
    if clear_smtp_password:
        password = ""
    try:
        data = NotificationSettingsWrite.model_validate(
            {
                "webhook_url": webhook_url,
                "webhook_secret": webhook_secret.strip() or None,
                "rotate_webhook_secret": bool(rotate_webhook_secret),
                "email_to": email_to,
                "smtp_host": smtp_host,
                "smtp_port": smtp_port.strip() or "587",
                "smtp_username": smtp_username,
                "smtp_password": password,
                "smtp_from": smtp_from,
                "smtp_starttls": bool(smtp_starttls),
                "kinds": kinds or [],
            }
        )
    except ValidationError as exc:
        return _settings_page(
            request,
            session,
            actor,
            status_code=422,
            error=invalid(request, exc).render(),
        )
    _row, new_secret = service.save_notification_settings(session, actor=actor, data=data)
    if new_secret:
        # Shown once, on this page: like an API token, it is not stored anywhere readable.
        session.flush()
        return _settings_page(request, session, actor, new_secret=new_secret, saved=True)
    flash(request, translate(request, N_("Notification settings saved.")), "success")
    return redirect("/settings/notifications")


@router.post("/settings/notifications/test", response_class=HTMLResponse)
def send_test(request: Request, session: DbSession, actor: Admin) -> Response:
    try:
        results = flows.send_test(session, actor=actor, language=request_language(request))
    except ShortopsError as exc:
        return _settings_page(
            request, session, actor, status_code=exc.status, error=error_message(request, exc)
        )
    return _settings_page(request, session, actor, test_results=results)
