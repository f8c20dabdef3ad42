"""Settings pages: workspace, members, API tokens, new workspace, audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from shortops.errors import N_, InvalidInput, ShortopsError
from shortops.kit import validation
from shortops.kit.i18n import gettext
from shortops.kit.pagination import PageParams
from shortops.models import Role
from shortops.web.csrf import csrf_protect
from shortops.web.pages import (
    error_message,
    flash,
    form_error,
    page,
    redirect,
    request_language,
    translate,
)
from shortops.workspaces import audit_text, service
from shortops.workspaces.deps import DbSession, web_actor
from shortops.workspaces.permissions import ROLE_LABELS, Permission, Scope, scopes_allowed_for
from shortops.workspaces.schemas import (
    MemberCreate,
    TokenCreate,
    WorkspaceCreate,
    WorkspaceUpdate,
)
from shortops.workspaces.service import Actor

router = APIRouter(
    prefix="/settings", dependencies=[Depends(csrf_protect)], include_in_schema=False
)

Reader = Annotated[Actor, Depends(web_actor(Permission.read))]
Admin = Annotated[Actor, Depends(web_actor(Permission.manage_workspace))]
MemberManager = Annotated[Actor, Depends(web_actor(Permission.manage_members))]
TokenOwner = Annotated[Actor, Depends(web_actor(Permission.manage_own_tokens))]
Auditor = Annotated[Actor, Depends(web_actor(Permission.view_audit))]


def invalid(request: Request, exc: ValidationError) -> InvalidInput:
    """A form's validation error as one message in the user's language."""
    language = request_language(request)
    message = validation.summary(exc.errors(), lambda text: gettext(language, text))
    # Already translated; with no parameters the message is shown as it is.
    return InvalidInput(message)


def settings_page(
    request: Request, template: str, actor: Actor, *, status_code: int = 200, **context: object
) -> HTMLResponse:
    return page(
        request,
        template,
        actor=actor,
        active="settings",
        status_code=status_code,
        role_labels=ROLE_LABELS,
        **context,
    )


@router.get("", response_class=HTMLResponse)
def workspace_settings(request: Request, actor: Reader) -> HTMLResponse:
    return settings_page(request, "settings/workspace.html", actor, tab="workspace")


@router.post("", response_class=HTMLResponse)
def update_workspace(
    request: Request,
    session: DbSession,
    actor: Admin,
    name: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    currency: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = WorkspaceUpdate(name=name, timezone=timezone, currency=currency.upper())
    except ValidationError as exc:
        return _error(
            request, "settings/workspace.html", actor, invalid(request, exc), tab="workspace"
        )
    service.update_workspace(session, actor=actor, data=data)
    flash(request, translate(request, N_("Workspace saved.")), "success")
    return redirect("/settings")


@router.get("/members", response_class=HTMLResponse)
def members(request: Request, session: DbSession, actor: Reader, page_number: int = 1) -> Response:
    return _members_page(request, session, actor, page_number=page_number)


def _members_page(
    request: Request,
    session: DbSession,
    actor: Actor,
    *,
    page_number: int = 1,
    status_code: int = 200,
    **context: object,
) -> HTMLResponse:
    params = PageParams(page=max(1, page_number), per_page=100)
    rows, total = service.list_members(session, workspace_id=actor.workspace.id, params=params)
    return settings_page(
        request,
        "settings/members.html",
        actor,
        status_code=status_code,
        tab="members",
        members=rows,
        total=total,
        roles=list(Role),
        **context,
    )


@router.post("/members", response_class=HTMLResponse)
def add_member(
    request: Request,
    session: DbSession,
    actor: MemberManager,
    email: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "viewer",
    password: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = MemberCreate(email=email, name=name, role=role, password=password or None)
        service.add_member(session, actor=actor, data=data)
    except ValidationError as exc:
        return _member_error(request, session, actor, invalid(request, exc), email, name)
    except ShortopsError as exc:
        session.rollback()
        return _member_error(request, session, actor, exc, email, name)
    flash(request, translate(request, N_("{email} was added.")).format(email=data.email), "success")
    return redirect("/settings/members")


def _member_error(
    request: Request, session: DbSession, actor: Actor, exc: ShortopsError, email: str, name: str
) -> HTMLResponse:
    return _members_page(
        request,
        session,
        actor,
        status_code=exc.status,
        error=error_message(request, exc),
        form={"email": email, "name": name},
    )


@router.post("/members/{user_id}/role")
def change_role(
    request: Request,
    session: DbSession,
    actor: MemberManager,
    user_id: int,
    role: Annotated[str, Form()],
) -> Response:
    try:
        service.change_member_role(session, actor=actor, user_id=user_id, role=Role(role))
    except ValueError:
        raise InvalidInput(N_("Unknown role {role}."), role=role) from None
    flash(request, translate(request, N_("Role changed.")), "success")
    return redirect("/settings/members")


@router.post("/members/{user_id}/remove")
def remove_member(
    request: Request, session: DbSession, actor: MemberManager, user_id: int
) -> Response:
    service.remove_member(session, actor=actor, user_id=user_id)
    flash(request, translate(request, N_("Member removed.")), "success")
    return redirect("/settings/members")


@router.get("/tokens", response_class=HTMLResponse)
def tokens(request: Request, session: DbSession, actor: TokenOwner) -> HTMLResponse:
    return _tokens_page(request, session, actor)


def _tokens_page(
    request: Request, session: DbSession, actor: Actor, *, status_code: int = 200, **context: object
) -> HTMLResponse:
    rows, _total = service.list_tokens(session, actor=actor, params=PageParams(per_page=200))
    return settings_page(
        request,
        "settings/tokens.html",
        actor,
        status_code=status_code,
        tab="tokens",
        tokens=rows,
        allowed_scopes=sorted(scopes_allowed_for(actor.role)),
        all_scopes=list(Scope),
        **context,
    )


@router.post("/tokens", response_class=HTMLResponse)
def create_token(
    request: Request,
    session: DbSession,
    actor: TokenOwner,
    name: Annotated[str, Form()] = "",
    scopes: Annotated[list[str] | None, Form()] = None,
    expires_in_days: Annotated[str, Form()] = "",
) -> Response:
    try:
        data = TokenCreate(
            name=name,
            scopes=scopes or [],
            expires_in_days=int(expires_in_days) if expires_in_days.strip() else None,
        )
        _token, secret = service.create_token(session, actor=actor, data=data)
    except ValidationError as exc:
        return _tokens_error(request, session, actor, invalid(request, exc))
    except ValueError:
        return _tokens_error(
            request, session, actor, InvalidInput(N_("Expiry must be a number of days."))
        )
    except ShortopsError as exc:
        return _tokens_error(request, session, actor, exc)
    session.flush()
    return _tokens_page(request, session, actor, new_secret=secret, status_code=201)


def _tokens_error(
    request: Request, session: DbSession, actor: Actor, exc: ShortopsError
) -> HTMLResponse:
    return _tokens_page(
        request, session, actor, status_code=exc.status, error=error_message(request, exc)
    )


@router.post("/tokens/{token_id}/revoke")
def revoke_token(
    request: Request, session: DbSession, actor: TokenOwner, token_id: int
) -> Response:
    service.revoke_token(session, actor=actor, token_id=token_id)
    flash(request, translate(request, N_("Token revoked.")), "success")
    return redirect("/settings/tokens")


@router.get("/workspaces/new", response_class=HTMLResponse)
def new_workspace(request: Request, actor: Admin) -> HTMLResponse:
    return settings_page(request, "settings/new_workspace.html", actor, tab="workspaces", form={})


@router.post("/workspaces", response_class=HTMLResponse)
def create_workspace(
    request: Request,
    session: DbSession,
    actor: Admin,
    name: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "UTC",
    currency: Annotated[str, Form()] = "USD",
) -> Response:
    """Owners and admins of the current workspace may create another; they become its owner
    (the same rule as the API: a viewer must not become an owner of anything by themselves)."""
    try:
        data = WorkspaceCreate(name=name, timezone=timezone, currency=currency.upper())
    except ValidationError as exc:
        return _error(
            request,
            "settings/new_workspace.html",
            actor,
            invalid(request, exc),
            tab="workspaces",
            form={"name": name, "timezone": timezone, "currency": currency},
        )
    workspace = service.create_workspace(session, owner=actor.user, data=data)
    request.session["ws"] = workspace.id
    flash(
        request,
        translate(request, N_("Workspace {name} created.")).format(name=workspace.name),
        "success",
    )
    return redirect("/plan")


@router.get("/audit", response_class=HTMLResponse)
def audit(request: Request, session: DbSession, actor: Auditor, page_number: int = 1) -> Response:
    params = PageParams(page=max(1, page_number), per_page=100)
    events, total = service.list_audit_events(
        session, workspace_id=actor.workspace.id, params=params
    )
    return settings_page(
        request,
        "settings/audit.html",
        actor,
        tab="audit",
        events=events,
        lines={e.id: audit_text.describe(e, lambda text: translate(request, text)) for e in events},
        actor_emails=service.user_emails(
            session, user_ids={e.actor_user_id for e in events if e.actor_user_id is not None}
        ),
        total=total,
        page_number=params.page,
        per_page=params.per_page,
    )


def _error(
    request: Request, template: str, actor: Actor, exc: ShortopsError, **context: object
) -> HTMLResponse:
    return form_error(
        request, template, exc, actor=actor, active="settings", role_labels=ROLE_LABELS, **context
    )
