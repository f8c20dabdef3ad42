"""Settings → System: backends, queue depth, worker heartbeats."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from shortops.system.flows import current_status
from shortops.web.pages import page
from shortops.workspaces.deps import DbSession, web_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(include_in_schema=False)


@router.get("/settings/system", response_class=HTMLResponse)
def system_page(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, Depends(web_actor(Permission.manage_workspace))],
) -> HTMLResponse:
    status = current_status(session, settings=request.app.state.settings)
    return page(
        request, "settings/system.html", actor=actor, active="settings", tab="system", status=status
    )
