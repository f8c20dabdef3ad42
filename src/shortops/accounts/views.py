"""Publish section page: the connected accounts (publishing itself arrives with Publish)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from shortops.accounts import service
from shortops.accounts.schemas import STATUS_LABELS
from shortops.kit.pagination import PageParams
from shortops.web.csrf import csrf_protect
from shortops.web.pages import page
from shortops.web.views import SECTIONS
from shortops.workspaces.deps import DbSession, web_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.get("/publish", response_class=HTMLResponse)
def publish(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, Depends(web_actor(Permission.read))],
    page_number: int = 1,
) -> HTMLResponse:
    params = PageParams(page=max(1, page_number), per_page=50)
    accounts, total = service.list_accounts(session, workspace_id=actor.workspace.id, params=params)
    title, what, next_step = SECTIONS["publish"]
    return page(
        request,
        "publish.html",
        actor=actor,
        active="publish",
        title=title,
        what=what,
        next_step=next_step,
        accounts=accounts,
        status_labels=STATUS_LABELS,
        total=total,
    )
