"""Parallel requests for the same thing (issue "Security and robustness"): parallel creations of
one workspace name, parallel invitations of one email, parallel uploads of one file. None may
answer 500, say "database is locked", or leave a duplicate — on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.db.session import get_engine, session_factory
from shortops.errors import ShortopsError
from shortops.models import MediaAsset, Membership, User, Workspace
from shortops.workspaces import service
from shortops.workspaces.schemas import MemberCreate, WorkspaceCreate
from tests import factories
from tests.media_library.conftest import Media, Team, api_headers, upload_bytes

PARALLEL = 6


def _all_at_once(work: Callable[[int], str], n: int = PARALLEL) -> Counter[str]:
    start = threading.Barrier(n)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def run(i: int) -> None:
        start.wait()
        try:
            outcome = work(i)
        except Exception as exc:  # the test reports any crash by its type
            outcome = f"crash {type(exc).__name__}: {str(exc)[:160]}"
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(outcomes.values()) == n, outcomes
    return outcomes


def test_parallel_workspaces_of_one_name_get_distinct_slugs(
    settings: Settings, session: Session
) -> None:
    owner = factories.create_user(session, email="slugs@example.com")
    factory = session_factory(get_engine(settings))

    def create(_i: int) -> str:
        with factory() as own:
            user = own.get(User, owner.id)
            assert user is not None
            service.create_workspace(own, owner=user, data=WorkspaceCreate(name="Same Name"))
            own.commit()
        return "created"

    assert _all_at_once(create) == Counter({"created": PARALLEL})
    session.expire_all()
    slugs = sorted(session.scalars(select(Workspace.slug).where(Workspace.name == "Same Name")))
    assert len(slugs) == len(set(slugs)) == PARALLEL
    assert slugs[0] == "same-name"


def test_parallel_invitations_of_one_email_make_one_member(
    settings: Settings, session: Session
) -> None:
    owner = factories.create_user(session, email="inviter@example.com")
    workspace = factories.create_workspace(session, owner=owner, name="Invites")
    factory = session_factory(get_engine(settings))

    def invite(_i: int) -> str:
        with factory() as own:
            user = own.get(User, owner.id)
            place = own.get(Workspace, workspace.id)
            assert user is not None and place is not None
            actor = factories.actor_for(own, user=user, workspace=place)
            try:
                service.add_member(
                    own,
                    actor=actor,
                    data=MemberCreate(email="twin@example.com", password=factories.PASSWORD),
                )
                own.commit()
            except ShortopsError as exc:
                own.rollback()
                return exc.code
        return "added"

    outcomes = _all_at_once(invite)
    assert not [o for o in outcomes if o.startswith("crash")], outcomes
    assert outcomes["added"] >= 1
    session.expire_all()
    users = session.scalars(select(User.id).where(User.email == "twin@example.com")).all()
    assert len(users) == 1
    members = session.scalar(
        select(func.count()).select_from(Membership).where(Membership.user_id == users[0])
    )
    assert members == 1


def test_parallel_uploads_of_one_file_make_one_asset(
    app: Any, session: Session, team: Team, media: Media
) -> None:
    headers = api_headers(session, team.editor, team.workspace)
    base = f"/api/v1/workspaces/{team.workspace.id}"
    data = media.video.read_bytes()

    def upload(i: int) -> str:
        with TestClient(app) as client:
            answer = upload_bytes(
                client, base, headers, data, filename=f"take-{i}.mp4", chunk=len(data) // 3 + 1
            )
        return str(answer.status_code)

    outcomes = _all_at_once(upload, n=4)
    assert set(outcomes) <= {"200", "201"}, outcomes
    session.expire_all()
    assets = session.scalars(
        select(MediaAsset).where(MediaAsset.workspace_id == team.workspace.id)
    ).all()
    assert len(assets) == 1 and assets[0].size_bytes == len(data)
