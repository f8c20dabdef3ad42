"""Notifications tests: a workspace with an owner signed in, and local receivers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shortops.models import User, Workspace
from shortops.workspaces.service import Actor
from tests import factories
from tests.notifications.receivers import SmtpServer, WebhookReceiver, self_signed


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
def receiver() -> Iterator[WebhookReceiver]:
    found = WebhookReceiver()
    yield found
    found.close()


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    found = SmtpServer()
    yield found
    found.close()


@pytest.fixture
def tls_smtp(tmp_path: Path) -> Iterator[tuple[SmtpServer, Any]]:
    server_context, client_context = self_signed(tmp_path)
    found = SmtpServer(tls_context=server_context)
    yield found, client_context
    found.close()
