"""Accounts tests: a workspace with an owner signed in, and a fake OAuth platform."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shortops.accounts import service
from shortops.accounts.schemas import PlatformAppWrite
from shortops.models import User, Workspace
from shortops.workspaces.service import Actor
from tests import factories
from tests.accounts import oauth_fake


@dataclass
class Team:
    owner: User
    workspace: Workspace
    actor: Actor
    client: TestClient


@pytest.fixture
def team(app: Any, session: Session) -> Iterator[Team]:
    owner = factories.create_user(session, email="owner@studio.example")
    workspace = factories.create_workspace(session, owner=owner, name="Studio")
    actor = factories.actor_for(session, user=owner, workspace=workspace)
    with TestClient(app, base_url="http://testserver") as client:
        factories.login(client, owner.email)
        yield Team(owner, workspace, actor, client)


@pytest.fixture
def fake_oauth(monkeypatch: pytest.MonkeyPatch) -> Iterator[oauth_fake.FakeOAuthServer]:
    """The fake platform, installed as the provider `oauthfake`."""
    server = oauth_fake.FakeOAuthServer()
    oauth_fake.register(monkeypatch)
    yield server
    server.close()


def configure_app(session: Session, team: Team, server: oauth_fake.FakeOAuthServer) -> None:
    """Save the fake platform's app credentials in the team's workspace."""
    service.save_platform_app(
        session,
        actor=team.actor,
        platform=oauth_fake.SLUG,
        data=PlatformAppWrite(
            client_id=server.client_id,
            client_secret=server.client_secret,
            endpoints={"auth": server.url, "api": server.url},
        ),
    )
    session.commit()


@pytest.fixture
def configured(
    session: Session, team: Team, fake_oauth: oauth_fake.FakeOAuthServer
) -> oauth_fake.FakeOAuthServer:
    configure_app(session, team, fake_oauth)
    return fake_oauth
