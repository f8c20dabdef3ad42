"""REST: /api/v1/workspaces/{workspace_id}/accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from shortops.accounts import service
from shortops.accounts.schemas import AccountRead
from shortops.api.pagination import PageQuery
from shortops.kit.pagination import Page
from shortops.workspaces.deps import DbSession, api_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/workspaces/{workspace_id}/accounts", tags=["accounts"])


@router.get("", response_model=Page[AccountRead])
def list_accounts(
    session: DbSession,
    params: PageQuery,
    actor: Annotated[Actor, Depends(api_actor(Permission.read))],
    platform: str | None = None,
) -> Page[AccountRead]:
    """Connected platform accounts of the workspace (connecting arrives with Publish)."""
    rows, total = service.list_accounts(
        session, workspace_id=actor.workspace.id, params=params, platform=platform
    )
    return Page(
        items=[AccountRead.model_validate(r) for r in rows],
        page=params.page,
        per_page=params.per_page,
        total=total,
    )
