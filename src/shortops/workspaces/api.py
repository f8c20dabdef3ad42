"""REST: workspaces, members, API tokens and the audit log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from shortops.api.pagination import PageQuery
from shortops.kit.pagination import Page
from shortops.workspaces import service
from shortops.workspaces.deps import DbSession, api_actor, api_token_actor, authorize
from shortops.workspaces.permissions import Permission
from shortops.workspaces.schemas import (
    AuditEventRead,
    MemberCreate,
    MemberRead,
    MemberUpdate,
    TokenCreate,
    TokenCreated,
    TokenRead,
    WorkspaceCreate,
    WorkspaceRead,
    WorkspaceUpdate,
)
from shortops.workspaces.service import Actor

router = APIRouter(tags=["workspaces"])

TokenActor = Annotated[Actor, Depends(api_token_actor)]


@router.get("/workspaces", response_model=Page[WorkspaceRead])
def list_workspaces(params: PageQuery, actor: TokenActor) -> Page[WorkspaceRead]:
    """The workspace this token belongs to (a token never sees other workspaces)."""
    authorize(actor, Permission.read)
    items = [WorkspaceRead.model_validate(actor.workspace)] if params.page == 1 else []
    return Page(items=items, page=params.page, per_page=params.per_page, total=1)


@router.post("/workspaces", response_model=WorkspaceRead, status_code=201)
def create_workspace(data: WorkspaceCreate, session: DbSession, actor: TokenActor) -> WorkspaceRead:
    """A new workspace owned by the token's user (reach it with a token created there)."""
    authorize(actor, Permission.manage_workspace)
    workspace = service.create_workspace(session, owner=actor.user, data=data)
    return WorkspaceRead.model_validate(workspace)


@router.get("/workspaces/{workspace_id}", response_model=WorkspaceRead)
def get_workspace(
    actor: Annotated[Actor, Depends(api_actor(Permission.read))],
) -> WorkspaceRead:
    return WorkspaceRead.model_validate(actor.workspace)


@router.patch("/workspaces/{workspace_id}", response_model=WorkspaceRead)
def update_workspace(
    data: WorkspaceUpdate,
    session: DbSession,
    actor: Annotated[Actor, Depends(api_actor(Permission.manage_workspace))],
) -> WorkspaceRead:
    return WorkspaceRead.model_validate(service.update_workspace(session, actor=actor, data=data))


@router.get("/workspaces/{workspace_id}/members", response_model=Page[MemberRead])
def list_members(
    session: DbSession,
    params: PageQuery,
    actor: Annotated[Actor, Depends(api_actor(Permission.read))],
) -> Page[MemberRead]:
    items, total = service.list_members(session, workspace_id=actor.workspace.id, params=params)
    return Page(items=items, page=params.page, per_page=params.per_page, total=total)


@router.post("/workspaces/{workspace_id}/members", response_model=MemberRead, status_code=201)
def add_member(
    data: MemberCreate,
    session: DbSession,
    actor: Annotated[Actor, Depends(api_actor(Permission.manage_members))],
) -> MemberRead:
    """Add a member with a role, creating the user (with `password`) when the email is new."""
    return service.add_member(session, actor=actor, data=data)


@router.patch("/workspaces/{workspace_id}/members/{user_id}", response_model=MemberRead)
def change_member_role(
    user_id: int,
    data: MemberUpdate,
    session: DbSession,
    actor: Annotated[Actor, Depends(api_actor(Permission.manage_members))],
) -> MemberRead:
    return service.change_member_role(session, actor=actor, user_id=user_id, role=data.role)


@router.delete("/workspaces/{workspace_id}/members/{user_id}", status_code=204)
def remove_member(
    user_id: int,
    session: DbSession,
    actor: Annotated[Actor, Depends(api_actor(Permission.manage_members))],
) -> Response:
    service.remove_member(session, actor=actor, user_id=user_id)
    return Response(status_code=204)


@router.get("/workspaces/{workspace_id}/tokens", response_model=Page[TokenRead])
def list_tokens(
    session: DbSession,
    params: PageQuery,
    actor: Annotated[Actor, Depends(api_actor(Permission.manage_own_tokens))],
) -> Page[TokenRead]:
    rows, total = service.list_tokens(session, actor=actor, params=params)
    return Page(
        items=[TokenRead.model_validate(r) for r in rows],
        page=params.page,
        per_page=params.per_page,
        total=total,
    )


@router.post("/workspaces/{workspace_id}/tokens", response_model=TokenCreated, status_code=201)
def create_token(
    data: TokenCreate,
    session: DbSession,
    actor: Annotated[Actor, Depends(api_actor(Permission.manage_own_tokens))],
) -> TokenCreated:
    """A new token for the calling user; the secret is in the answer and never again."""
    token, secret = service.create_token(session, actor=actor, data=data)
    return TokenCreated(**TokenRead.model_validate(token).model_dump(), token=secret)


@router.delete("/workspaces/{workspace_id}/tokens/{token_id}", status_code=204)
def revoke_token(
    token_id: int,
    session: DbSession,
    actor: Annotated[Actor, Depends(api_actor(Permission.manage_own_tokens))],
) -> Response:
    service.revoke_token(session, actor=actor, token_id=token_id)
    return Response(status_code=204)


@router.get("/workspaces/{workspace_id}/audit", response_model=Page[AuditEventRead])
def list_audit(
    session: DbSession,
    params: PageQuery,
    actor: Annotated[Actor, Depends(api_actor(Permission.view_audit))],
) -> Page[AuditEventRead]:
    rows, total = service.list_audit_events(session, workspace_id=actor.workspace.id, params=params)
    return Page(
        items=[AuditEventRead.model_validate(r) for r in rows],
        page=params.page,
        per_page=params.per_page,
        total=total,
    )
