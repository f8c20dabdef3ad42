"""REST: notifications and their delivery settings under /api/v1/workspaces/{workspace_id}/…"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from shortops.api.pagination import PageQuery
from shortops.kit.i18n import gettext, negotiate
from shortops.kit.pagination import Page
from shortops.notifications import flows, service
from shortops.notifications.schemas import (
    DeliveryTest,
    MarkedRead,
    NotificationRead,
    NotificationSettingsRead,
    NotificationSettingsSaved,
    NotificationSettingsWrite,
    UnreadCount,
)
from shortops.workspaces.deps import DbSession, api_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/workspaces/{workspace_id}", tags=["notifications"])

Reader = Annotated[Actor, Depends(api_actor(Permission.read))]
Admin = Annotated[Actor, Depends(api_actor(Permission.manage_workspace))]


def _language(request: Request) -> str:
    return negotiate(request.headers.get("accept-language")) or "en"


@router.get("/notifications", response_model=Page[NotificationRead])
def list_notifications(
    request: Request,
    session: DbSession,
    params: PageQuery,
    actor: Reader,
    unread_only: bool = False,
) -> Page[NotificationRead]:
    """The token user's notifications: unread first, then newest first."""
    rows, total = service.list_notifications(
        session,
        workspace_id=actor.workspace.id,
        user_id=actor.user.id,
        params=params,
        unread_only=unread_only,
    )
    language = _language(request)
    return Page(
        items=[service.notification_read(n, lambda m: gettext(language, m)) for n in rows],
        page=params.page,
        per_page=params.per_page,
        total=total,
    )


@router.get("/notifications/unread-count", response_model=UnreadCount)
def unread_count(session: DbSession, actor: Reader) -> UnreadCount:
    return UnreadCount(
        unread=service.unread_count(session, workspace_id=actor.workspace.id, user_id=actor.user.id)
    )


@router.post("/notifications/read-all", response_model=MarkedRead)
def mark_all_read(session: DbSession, actor: Reader) -> MarkedRead:
    return MarkedRead(
        marked=service.mark_all_read(
            session, workspace_id=actor.workspace.id, user_id=actor.user.id
        )
    )


@router.post("/notifications/{notification_id}/read", response_model=NotificationRead)
def mark_read(
    notification_id: int, request: Request, session: DbSession, actor: Reader
) -> NotificationRead:
    notification = service.mark_read(
        session,
        workspace_id=actor.workspace.id,
        user_id=actor.user.id,
        notification_id=notification_id,
    )
    language = _language(request)
    return service.notification_read(notification, lambda m: gettext(language, m))


@router.get("/notification-settings", response_model=NotificationSettingsRead)
def get_settings(session: DbSession, actor: Admin) -> NotificationSettingsRead:
    """Where notifications go besides the app; secrets only say whether they are set."""
    return service.settings_read(
        service.get_notification_settings(session, workspace_id=actor.workspace.id)
    )


@router.put("/notification-settings", response_model=NotificationSettingsSaved)
def put_settings(
    data: NotificationSettingsWrite, session: DbSession, actor: Admin
) -> NotificationSettingsSaved:
    row, new_secret = service.save_notification_settings(session, actor=actor, data=data)
    return NotificationSettingsSaved(
        **service.settings_read(row).model_dump(), new_webhook_secret=new_secret
    )


@router.post("/notification-settings/test", response_model=list[DeliveryTest])
def send_test(request: Request, session: DbSession, actor: Admin) -> list[DeliveryTest]:
    """Send a test message now on every channel that is set up; each says how it went."""
    return flows.send_test(session, actor=actor, language=_language(request))
