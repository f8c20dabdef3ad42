"""Plain functions that build test data through the real services (each commits)."""

from __future__ import annotations

import re
from itertools import count

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shortops.models import Account, ApiToken, Membership, Role, User, Workspace
from shortops.workspaces import service
from shortops.workspaces.permissions import Scope, scopes_allowed_for
from shortops.workspaces.schemas import TokenCreate, WorkspaceCreate
from shortops.workspaces.service import Actor

PASSWORD = "Correct-horse-42"
_seq = count(1)


def create_user(session: Session, **overrides: str) -> User:
    n = next(_seq)
    user = service.create_user(
        session,
        email=overrides.get("email", f"user{n}@example.com"),
        password=overrides.get("password", PASSWORD),
        name=overrides.get("name", f"User {n}"),
    )
    session.commit()
    return user


def create_workspace(session: Session, *, owner: User, name: str = "Workspace") -> Workspace:
    workspace = service.create_workspace(session, owner=owner, data=WorkspaceCreate(name=name))
    session.commit()
    return workspace


def add_member(session: Session, *, workspace: Workspace, user: User, role: Role) -> None:
    session.add(Membership(workspace_id=workspace.id, user_id=user.id, role=role))
    session.commit()


def actor_for(session: Session, *, user: User, workspace: Workspace) -> Actor:
    membership = service.get_membership(session, user_id=user.id, workspace_id=workspace.id)
    assert membership is not None
    return Actor(user=user, workspace=workspace, role=membership.role)


def create_token(
    session: Session, *, user: User, workspace: Workspace, scopes: list[Scope] | None = None
) -> tuple[ApiToken, str]:
    actor = actor_for(session, user=user, workspace=workspace)
    if scopes is None:
        scopes = sorted(scopes_allowed_for(actor.role))
    token, secret = service.create_token(
        session, actor=actor, data=TokenCreate(name="test", scopes=scopes)
    )
    session.commit()
    return token, secret


def create_account(session: Session, *, workspace: Workspace, handle: str = "acct") -> Account:
    account = Account(
        workspace_id=workspace.id, platform="sandbox", remote_id=handle, handle=handle
    )
    session.add(account)
    session.commit()
    return account


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF field"
    return match.group(1)


def login(client: TestClient, email: str, password: str = PASSWORD) -> None:
    """Sign `client` in through the real login form."""
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def csrf(client: TestClient, path: str = "/settings") -> str:
    return csrf_from(client.get(path).text)
