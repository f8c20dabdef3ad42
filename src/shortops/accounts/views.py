"""Account pages: the Publish section's account list, the Accounts page (connect, reconnect,
disconnect, health), the platform sign-in round trip and Settings → Platforms."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from shortops.accounts import flows, service
from shortops.accounts.schemas import (
    ENDPOINT_NAMES,
    STATUS_LABELS,
    ManualAccountCreate,
    PlatformAppWrite,
)
from shortops.errors import N_, ShortopsError
from shortops.kit.pagination import PageParams
from shortops.providers.manual import PRESETS
from shortops.providers.registry import provider_classes
from shortops.web.csrf import csrf_protect
from shortops.web.pages import error_message, flash, page, redirect, translate
from shortops.workspaces.deps import DbSession, web_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor
from shortops.workspaces.views import invalid

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

Reader = Annotated[Actor, Depends(web_actor(Permission.read))]
Writer = Annotated[Actor, Depends(web_actor(Permission.write))]
Admin = Annotated[Actor, Depends(web_actor(Permission.manage_workspace))]

ACCOUNTS_SHOWN = 200


# --- the accounts page ----------------------------------------------------------------------------


@router.get("/accounts", response_class=HTMLResponse)
def accounts_page(request: Request, session: DbSession, actor: Reader) -> HTMLResponse:
    return _accounts_page(request, session, actor)


def _accounts_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    status_code: int = 200,
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    rows, total = service.list_accounts(
        session, workspace_id=actor.workspace.id, params=PageParams(per_page=ACCOUNTS_SHOWN)
    )
    configured = {
        app.platform for app in service.list_platform_apps(session, workspace_id=actor.workspace.id)
        if app.configured
    }  # fmt: skip
    oauth = [
        {"slug": slug, "name": cls.name, "configured": slug in configured}
        for slug, cls in service.oauth_platforms().items()
    ]
    return page(
        request,
        "accounts/index.html",
        actor=actor,
        active="publish",
        status_code=status_code,
        error=error,
        accounts=[service.account_read(a) for a in rows],
        total=total,
        status_labels=STATUS_LABELS,
        oauth_platforms=oauth,
        manual_presets=[p.name for p in PRESETS.values()],
        can_write=actor.can(Permission.write),
        can_admin=actor.can(Permission.manage_workspace),
        form=form or {},
    )


@router.post("/accounts/sandbox")
def add_sandbox_account(request: Request, session: DbSession, actor: Writer) -> Response:
    account = flows.connect_sandbox(session, actor=actor)
    message = translate(request, N_("Sandbox account {handle} is connected: try publishing to it."))
    flash(request, message.format(handle=account.handle), "success")
    return redirect("/accounts")


@router.post("/accounts/manual", response_class=HTMLResponse)
def add_manual_account(
    request: Request,
    session: DbSession,
    actor: Writer,
    platform_label: Annotated[str, Form()] = "",
    handle: Annotated[str, Form()] = "",
) -> Response:
    form = {"platform_label": platform_label, "handle": handle}
    try:
        data = ManualAccountCreate(platform_label=platform_label, handle=handle)
    except ValidationError as exc:
        error = invalid(request, exc)
        return _accounts_page(
            request, session, actor, status_code=error.status, error=error.render(), form=form
        )
    account = flows.connect_manual(session, actor=actor, data=data)
    message = translate(request, N_("{handle} on {platform} was added for manual publishing."))
    flash(request, message.format(handle=account.handle, platform=data.platform_label), "success")
    return redirect("/accounts")


@router.post("/accounts/connect/{platform}")
def connect(
    request: Request,
    session: DbSession,
    actor: Writer,
    platform: str,
    account_id: Annotated[str, Form()] = "",
) -> Response:
    """Send the browser to the platform's sign-in (a form post, so no other site can start it)."""
    try:
        start = flows.start_connect(
            session,
            actor=actor,
            platform=platform,
            account_id=int(account_id) if account_id.strip().isdigit() else None,
        )
    except ShortopsError as exc:
        session.rollback()
        flash(request, error_message(request, exc), "error")
        return redirect("/accounts")
    return RedirectResponse(start.authorization_url, status_code=303)


@router.get("/accounts/callback/{platform}")
def callback(
    request: Request,
    session: DbSession,
    actor: Writer,
    platform: str,
    state: str = "",
    code: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
) -> Response:
    """Where the platform sends the browser back after sign-in."""
    try:
        account, reconnected = flows.finish_connect(
            session,
            actor=actor,
            platform=platform,
            state=state,
            code=code,
            error=error,
            error_description=error_description,
        )
    except ShortopsError as exc:
        # Keep what is already done (the sign-in attempt is used up), show why it failed.
        session.commit()
        flash(request, error_message(request, exc), "error")
        return redirect("/accounts")
    message = (
        N_("{handle} on {platform} is reconnected.")
        if reconnected
        else N_("{handle} on {platform} is connected.")
    )
    text = translate(request, message).format(
        handle=account.handle, platform=service.platform_name(platform)
    )
    flash(request, text, "success")
    return redirect("/accounts")


@router.post("/accounts/{account_id}/disconnect")
def disconnect(request: Request, session: DbSession, actor: Writer, account_id: int) -> Response:
    account = flows.disconnect(session, actor=actor, account_id=account_id)
    message = translate(request, N_("{handle} is disconnected; its sign-in was deleted."))
    flash(request, message.format(handle=account.handle), "success")
    return redirect("/accounts")


# --- Settings → Platforms -------------------------------------------------------------------------


@router.get("/settings/platforms", response_class=HTMLResponse)
def platforms_page(request: Request, session: DbSession, actor: Admin) -> HTMLResponse:
    return _platforms_page(request, session, actor)


def _platforms_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    status_code: int = 200,
    error: str | None = None,
    failed: str | None = None,
    form: dict[str, str] | None = None,
) -> HTMLResponse:
    others = [
        {"slug": slug, "name": cls.name, "sandbox": cls.is_sandbox}
        for slug, cls in provider_classes().items()
        if not cls.uses_oauth
    ]
    return page(
        request,
        "settings/platforms.html",
        actor=actor,
        active="settings",
        tab="platforms",
        status_code=status_code,
        error=error,
        apps=service.list_platform_apps(session, workspace_id=actor.workspace.id),
        other_platforms=others,
        endpoint_names=ENDPOINT_NAMES,
        failed=failed,
        form=form or {},
    )


@router.post("/settings/platforms/{platform}", response_class=HTMLResponse)
async def save_platform(
    request: Request, session: DbSession, actor: Admin, platform: str
) -> Response:
    submitted = await request.form()
    fields = {k: str(v) for k, v in submitted.items() if isinstance(v, str)}
    secret = fields.get("client_secret", "").strip()
    try:
        data = PlatformAppWrite(
            client_id=fields.get("client_id", ""),
            client_secret=secret or None,
            endpoints={name: fields.get(f"endpoint_{name}", "") for name in ENDPOINT_NAMES},
        )
        service.save_platform_app(session, actor=actor, platform=platform, data=data)
    except (ValidationError, ShortopsError) as exc:
        session.rollback()
        error = invalid(request, exc) if isinstance(exc, ValidationError) else exc
        fields.pop("client_secret", None)
        return _platforms_page(
            request,
            session,
            actor,
            status_code=error.status,
            error=error_message(request, error),
            failed=platform,
            form=fields,
        )
    name = service.platform_name(platform)
    text = translate(request, N_("{platform} app credentials saved.")).format(platform=name)
    flash(request, text, "success")
    return redirect("/settings/platforms")


@router.post("/settings/platforms/{platform}/delete")
def delete_platform(request: Request, session: DbSession, actor: Admin, platform: str) -> Response:
    service.delete_platform_app(session, actor=actor, platform=platform)
    name = service.platform_name(platform)
    flash(
        request,
        translate(request, N_("{platform} app credentials deleted.")).format(platform=name),
        "success",
    )
    return redirect("/settings/platforms")
