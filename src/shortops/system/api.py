"""REST: /api/v1/health (no token needed: load balancers and `curl` use it)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

from shortops.system.flows import current_status
from shortops.workspaces.deps import DbSession

router = APIRouter(tags=["system"])


class HealthRead(BaseModel):
    status: str
    version: str
    database: str
    database_current: bool
    queue: str
    queue_pending: int | None
    last_heartbeat: datetime | None


@router.get("/health", response_model=HealthRead, responses={503: {"model": HealthRead}})
def health(request: Request, response: Response, session: DbSession) -> HealthRead:
    """200 ok when the database is migrated and the queue answers; 503 degraded otherwise."""
    status = current_status(session, settings=request.app.state.settings)
    healthy = status.database_current and status.queue_error is None
    if not healthy:
        response.status_code = 503
    return HealthRead(
        status="ok" if healthy else "degraded",
        version=status.version,
        database=status.database_backend,
        database_current=status.database_current,
        queue=status.queue_backend,
        queue_pending=status.queue_pending,
        last_heartbeat=status.last_heartbeat,
    )
