"""YouTube competitors read from the public Data API with a key, against the fake YouTube: the
channel by its handle, then by its id; its counters and latest videos stored; a refused key,
an unknown channel and a missing key each said clearly, nothing stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shortops.cli.main import app as cli
from shortops.metrics import competitors, tasks
from shortops.metrics.schemas import CompetitorIn
from shortops.models import Competitor, CompetitorPost, CompetitorSnapshot, CompetitorSource
from shortops.worker.queue import get_queue
from shortops.workspaces.service import Actor
from tests import factories
from tests.fakes.youtube import FakeYouTube

KEY = "AIzaSy-test-key-0123456789"


@pytest.fixture
def youtube(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeYouTube]:
    """The fake YouTube with three public videos, and shortops pointed at it with a key
    (before `settings` reads the environment)."""
    server = FakeYouTube()
    server.api_keys.add(KEY)
    server.seed_videos(3, duration_s=42)
    monkeypatch.setenv("SHORTOPS_YOUTUBE_API_KEY", KEY)
    monkeypatch.setenv("SHORTOPS_YOUTUBE_API_URL", server.url)
    yield server
    server.close()


@pytest.fixture
def actor(youtube: FakeYouTube, session: Session) -> Actor:
    owner = factories.create_user(session, email="owner@yt-rival.example")
    workspace = factories.create_workspace(session, owner=owner, name="Rivals")
    return factories.actor_for(session, user=owner, workspace=workspace)


def _rival(
    session: Session, actor: Actor, handle: str = "@HookLab", platform: str = "youtube"
) -> Competitor:
    found = competitors.add_competitor(
        session, actor=actor, data=CompetitorIn(platform=platform, handle=handle)
    )
    session.commit()
    return found


def _headers(session: Session, actor: Actor) -> dict[str, str]:
    _t, secret = factories.create_token(session, user=actor.user, workspace=actor.workspace)
    return {"Authorization": f"Bearer {secret}"}


def _count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_channel_is_read_by_handle_then_by_id(
    youtube: FakeYouTube, client: TestClient, session: Session, actor: Actor
) -> None:
    rival = _rival(session, actor)
    url = f"/api/v1/workspaces/{actor.workspace.id}/metrics/competitors/{rival.id}/refresh"
    answer = client.post(url, headers=_headers(session, actor))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["videos_read"] == 3 and body["followers"] >= 1000
    session.expire_all()
    assert (rival.remote_id, rival.display_name) == ("UCfakeChannel0000000001", "Hook Lab")
    (reading,) = competitors.snapshots_of(session, rival.id)
    assert reading.source == CompetitorSource.api and reading.posts_count == 3
    assert reading.followers == body["followers"]
    posts = competitors.posts_of(session, rival.id)
    assert {p.remote_id for p in posts} == set(youtube.videos)
    assert all(p.duration_s == 42 and p.views is not None for p in posts)
    assert posts[0].url.startswith("https://www.youtube.com/watch?v=")
    # The second read asks by id: the handle may change, the id does not.
    youtube.channel["customUrl"] = "@renamed"
    again = client.post(url, headers=_headers(session, actor))
    assert again.status_code == 200, again.text
    assert _count(session, CompetitorPost) == 3  # the same videos, updated


def test_refusals_are_said_and_nothing_is_stored(
    youtube: FakeYouTube, app: Any, client: TestClient, session: Session, actor: Actor
) -> None:
    unknown = _rival(session, actor, "@nobody_here")
    base = f"/api/v1/workspaces/{actor.workspace.id}/metrics/competitors"
    missing = client.post(f"{base}/{unknown.id}/refresh", headers=_headers(session, actor))
    assert missing.status_code == 502
    assert "no public channel @nobody_here" in missing.json()["error"]["message"]

    rival = _rival(session, actor)
    youtube.api_keys.clear()  # the key was deleted in the Google console
    refused = client.post(f"{base}/{rival.id}/refresh", headers=_headers(session, actor))
    assert refused.status_code == 502 and "keyInvalid" in refused.json()["error"]["message"]
    assert _count(session, CompetitorSnapshot) == 0 and _count(session, CompetitorPost) == 0
    browser = TestClient(app)
    factories.login(browser, actor.user.email)
    page = browser.get(f"/measure/competitors/{rival.id}").text
    assert 'id="competitor-error"' in page and "keyInvalid" in page

    douyin = _rival(session, actor, "对手", platform="douyin")
    no_api = client.post(f"{base}/{douyin.id}/refresh", headers=_headers(session, actor))
    assert (
        no_api.status_code == 422 and "no public API of douyin" in no_api.json()["error"]["message"]
    )


def test_without_a_key_the_page_says_how_to_get_one(
    monkeypatch: pytest.MonkeyPatch, client: TestClient, app: Any, session: Session
) -> None:
    owner = factories.create_user(session, email="nokey@yt-rival.example")
    workspace = factories.create_workspace(session, owner=owner, name="No key")
    actor = factories.actor_for(session, user=owner, workspace=workspace)
    rival = _rival(session, actor)
    url = f"/api/v1/workspaces/{workspace.id}/metrics/competitors/{rival.id}/refresh"
    answer = client.post(url, headers=_headers(session, actor))
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "no_api_key"
    browser = TestClient(app)
    factories.login(browser, owner.email)
    page = browser.get(f"/measure/competitors/{rival.id}").text
    assert "SHORTOPS_YOUTUBE_API_KEY" in page and 'id="refresh-form"' not in page


def test_the_page_button_the_cli_and_the_daily_task(
    youtube: FakeYouTube, app: Any, settings: Any, session: Session, actor: Actor
) -> None:
    rival = _rival(session, actor)
    browser = TestClient(app)
    factories.login(browser, actor.user.email)
    page = browser.get(f"/measure/competitors/{rival.id}").text
    assert 'id="refresh-form"' in page
    done = browser.post(
        f"/measure/competitors/{rival.id}/refresh",
        data={"csrf_token": factories.csrf(browser, f"/measure/competitors/{rival.id}")},
    )
    assert "Read from YouTube: 3 recent videos." in done.text

    youtube.seed_videos(2)
    result = CliRunner().invoke(cli, ["competitors", "refresh"])
    assert result.exit_code == 0, result.output
    assert "@HookLab:" in result.output and "5 recent videos read" in result.output
    assert _count(session, CompetitorPost) == 5

    before = _count(session, CompetitorSnapshot)
    tasks.refresh_competitors()
    assert get_queue().drain() == 1
    assert _count(session, CompetitorSnapshot) == before + 1
    bench = json.loads(CliRunner().invoke(cli, ["competitors", "benchmark", "--json"]).stdout)
    (theirs,) = [r for r in bench if r["kind"] == "competitor"]
    assert theirs["followers"] is not None and theirs["posts"] == 5
