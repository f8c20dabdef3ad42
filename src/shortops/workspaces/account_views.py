"""Your account: change the password, see where you are signed in, sign out elsewhere."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from shortops.errors import N_, ShortopsError
from shortops.web.csrf import csrf_protect
from shortops.web.pages import error_message, flash, redirect, translate
from shortops.workspaces import web_sessions
from shortops.workspaces.deps import DbSession, client_ip, web_actor_any
from shortops.workspaces.service import Actor
from shortops.workspaces.views import settings_page

router = APIRouter(
    prefix="/settings/account", dependencies=[Depends(csrf_protect)], include_in_schema=False
)

SignedIn = Annotated[Actor, Depends(web_actor_any)]


def _account_page(
    request: Request, session: DbSession, actor: Actor, *, status_code: int = 200, **context: object
) -> HTMLResponse:
    secret = request.session.get("sid", "")
    rows = web_sessions.list_for_user(session, user=actor.user)
    return settings_page(
        request,
        "settings/account.html",
        actor,
        status_code=status_code,
        tab="account",
        sessions=[(row, web_sessions.is_current(row, secret)) for row in rows],
        **context,
    )


@router.get("", response_class=HTMLResponse)
def account(request: Request, session: DbSession, actor: SignedIn) -> HTMLResponse:
    return _account_page(request, session, actor)


@router.post("/password", response_class=HTMLResponse)
def change_password(
    request: Request,
    session: DbSession,
    actor: SignedIn,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    try:
        ended = web_sessions.change_password(
            session,
            user=actor.user,
            current=current,
            new=new,
            confirm=confirm,
            keep_secret=request.session.get("sid", ""),
            ip=client_ip(request),
        )
    except ShortopsError as exc:
        return _account_page(
            request, session, actor, status_code=exc.status, error=error_message(request, exc)
        )
    message = translate(request, N_("Password changed. Other sessions signed out: {count}."))
    flash(request, message.format(count=ended), "success")
    return redirect("/settings/account")


@router.post("/sessions/end-others")
def end_other_sessions(request: Request, session: DbSession, actor: SignedIn) -> Response:
    ended = web_sessions.end_elsewhere(
        session,
        user=actor.user,
        keep_secret=request.session.get("sid", ""),
        ip=client_ip(request),
    )
    message = translate(request, N_("Other sessions signed out: {count}."))
    flash(request, message.format(count=ended), "success")
    return redirect("/settings/account")
