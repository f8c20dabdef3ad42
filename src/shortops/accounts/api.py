"""REST: accounts and platform apps under /api/v1/workspaces/{workspace_id}/…

Connecting an OAuth platform from a program: POST …/accounts/connect/{platform} answers the
platform's authorization URL; open it in a browser signed in to shortops as the token's user.
The platform sends the browser back to /accounts/callback/{platform}, which stores the account.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from shortops.accounts import flows, service
from shortops.accounts.schemas import (
    AccountRead,
    ConnectRequest,
    ConnectStart,
    ManualAccountCreate,
    PlatformAppRead,
    PlatformAppWrite,
    SandboxAccountCreate,
)
from shortops.api.pagination import PageQuery
from shortops.kit.pagination import Page
from shortops.providers.registry import provider_class
from shortops.workspaces.deps import DbSession, api_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/workspaces/{workspace_id}", tags=["accounts"])

Reader = Annotated[Actor, Depends(api_actor(Permission.read))]
Writer = Annotated[Actor, Depends(api_actor(Permission.write))]
Admin = Annotated[Actor, Depends(api_actor(Permission.manage_workspace))]


@router.get("/accounts", response_model=Page[AccountRead])
def list_accounts(
    session: DbSession, params: PageQuery, actor: Reader, platform: str | None = None
) -> Page[AccountRead]:
    """The workspace's platform accounts with their health, by platform and handle."""
    rows, total = service.list_accounts(
        session, workspace_id=actor.workspace.id, params=params, platform=platform
    )
    return Page(
        items=[service.account_read(r) for r in rows],
        page=params.page,
        per_page=params.per_page,
        total=total,
    )


@router.get("/accounts/{account_id}", response_model=AccountRead)
def get_account(account_id: int, session: DbSession, actor: Reader) -> AccountRead:
    account = service.get_account_or_raise(
        session, workspace_id=actor.workspace.id, account_id=account_id
    )
    return service.account_read(account)


@router.post("/accounts/connect/{platform}", response_model=ConnectStart)
def connect(
    platform: str, session: DbSession, actor: Writer, data: ConnectRequest | None = None
) -> ConnectStart:
    """Start signing in to an OAuth platform (or reconnecting `account_id`)."""
    return flows.start_connect(
        session, actor=actor, platform=platform, account_id=data.account_id if data else None
    )


@router.post("/accounts/sandbox", response_model=AccountRead, status_code=201)
def create_sandbox_account(
    session: DbSession, actor: Writer, data: SandboxAccountCreate | None = None
) -> AccountRead:
    """A simulated account on the sandbox platform, connected at once."""
    account = flows.connect_sandbox(session, actor=actor, handle=data.handle if data else None)
    return service.account_read(account)


@router.post("/accounts/manual", response_model=AccountRead, status_code=201)
def create_manual_account(
    data: ManualAccountCreate, session: DbSession, actor: Writer
) -> AccountRead:
    """An account on a platform posted to by hand (Xiaohongshu, WeChat Channels …)."""
    return service.account_read(flows.connect_manual(session, actor=actor, data=data))


@router.delete("/accounts/{account_id}", status_code=204)
def disconnect_account(account_id: int, session: DbSession, actor: Writer) -> Response:
    """Disconnect: the platform is asked to revoke the sign-in, which is wiped here."""
    flows.disconnect(session, actor=actor, account_id=account_id)
    return Response(status_code=204)


# --- platform apps ------------------------------------------------------------------------------


@router.get("/platform-apps", response_model=list[PlatformAppRead])
def list_platform_apps(session: DbSession, actor: Admin) -> list[PlatformAppRead]:
    """Every OAuth platform, with this workspace's app registration where there is one."""
    return service.list_platform_apps(session, workspace_id=actor.workspace.id)


@router.get("/platform-apps/{platform}", response_model=PlatformAppRead)
def get_platform_app(platform: str, session: DbSession, actor: Admin) -> PlatformAppRead:
    provider_class(platform)
    app = service.get_platform_app(session, workspace_id=actor.workspace.id, platform=platform)
    return service.platform_app_read(platform, app)


@router.put("/platform-apps/{platform}", response_model=PlatformAppRead)
def put_platform_app(
    platform: str, data: PlatformAppWrite, session: DbSession, actor: Admin
) -> PlatformAppRead:
    """Save the client id and secret (the secret is write-only) and endpoint overrides."""
    app = service.save_platform_app(session, actor=actor, platform=platform, data=data)
    return service.platform_app_read(platform, app)


@router.delete("/platform-apps/{platform}", status_code=204)
def delete_platform_app(platform: str, session: DbSession, actor: Admin) -> Response:
    service.delete_platform_app(session, actor=actor, platform=platform)
    return Response(status_code=204)
