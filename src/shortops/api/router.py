"""Every REST router, assembled under /api/v1."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from shortops.accounts.api import router as accounts_router
from shortops.api.content_type import json_bodies_only
from shortops.api.schemas import ERROR_RESPONSES
from shortops.media.api import router as media_router
from shortops.metrics.api import router as metrics_router
from shortops.metrics.competitor_api import router as competitors_router
from shortops.notifications.api import router as notifications_router
from shortops.publishing.api import router as publishing_router
from shortops.system.api import router as system_router
from shortops.workspaces.api import router as workspaces_router

API_PREFIX = "/api/v1"


def build_api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(json_bodies_only)])
    router.include_router(system_router)
    for authenticated in (
        workspaces_router,
        accounts_router,
        media_router,
        publishing_router,
        metrics_router,
        competitors_router,
        notifications_router,
    ):
        router.include_router(authenticated, responses=ERROR_RESPONSES)
    return router
