"""REST: posts and publications, with the composer's dry run and the queue's changes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shortops.accounts.credentials import store_tokens
from shortops.kit.clock import utcnow
from shortops.models import Account, Post
from shortops.providers.types import Tokens
from shortops.worker.queue import get_queue
from tests import factories
from tests.publishing.conftest import World


@pytest.fixture
def api(client: TestClient, world: World) -> Any:
    _token, secret = factories.create_token(
        world.session, user=world.owner, workspace=world.workspace
    )
    base = f"/api/v1/workspaces/{world.workspace.id}"

    class Api:
        def post(self, path: str, body: Any = None, **headers: str) -> Any:
            return client.post(
                base + path, json=body, headers={"Authorization": f"Bearer {secret}", **headers}
            )

        def get(self, path: str, **params: Any) -> Any:
            return client.get(
                base + path, params=params, headers={"Authorization": f"Bearer {secret}"}
            )

    return Api()


def _body(world: World, *accounts: Account, **fields: Any) -> dict[str, Any]:
    return {
        "title": "Three tips",
        "caption": "Hooks that work",
        "hashtags": ["#tips"],
        "asset_id": world.asset.id,
        "targets": [{"account_id": a.id} for a in (accounts or (world.account,))],
        "schedule": {"at": "now"},
        **fields,
    }


def test_create_schedules_and_queues_every_target(api: Any, world: World) -> None:
    other = world.add_account()
    response = api.post("/posts", _body(world, world.account, other))
    assert response.status_code == 201, response.text
    post = response.json()
    assert post["hashtags"] == ["tips"]
    assert [p["status"] for p in post["publications"]] == ["scheduled", "scheduled"]
    assert [p["account_handle"] for p in post["publications"]] == ["creator", other.handle]
    assert get_queue().pending_count() == 2
    assert api.get(f"/posts/{post['id']}").json() == post
    listed = api.get("/posts").json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == post["id"]


def test_an_invalid_post_answers_422_with_every_issue(api: Any, world: World) -> None:
    body = _body(world, caption="x" * 200, schedule={"at": "2001-01-01T00:00:00Z"})
    response = api.post("/posts", body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "post_invalid"
    assert error["message"].startswith("The post cannot be scheduled: 2001-01-01 00:00 (UTC)")
    report = error["report"]
    assert [i["code"] for i in report["issues"]] == ["in_past"]
    assert [i["code"] for i in report["targets"][0]["issues"]] == ["too_long"]
    assert world.session.scalar(select(func.count()).select_from(Post)) == 0


def test_validate_is_a_dry_run_for_the_composer(api: Any, world: World) -> None:
    response = api.post("/posts/validate", _body(world, title="t" * 120))
    assert response.status_code == 200
    report = response.json()
    assert report["ok"] is False
    (issue,) = report["targets"][0]["issues"]
    assert issue == {
        "field": "title",
        "code": "too_long",
        "severity": "error",
        "message": "The title has 120 characters; the platform allows 100.",
        "template": "The {field} has {length} characters; the platform allows {limit}.",
        "params": {"field": "title", "length": 120, "limit": 100},
    }
    assert api.post("/posts/validate", _body(world)).json()["ok"] is True
    assert world.session.scalar(select(func.count()).select_from(Post)) == 0


def test_publications_list_filters_and_one_has_its_timeline(api: Any, world: World) -> None:
    later = (utcnow() + timedelta(days=2)).isoformat()
    first = api.post("/posts", _body(world)).json()["publications"][0]
    second = api.post("/posts", _body(world, schedule={"at": later})).json()["publications"][0]
    everything = api.get("/publications").json()
    assert [p["id"] for p in everything["items"]] == [first["id"], second["id"]]
    window = api.get(
        "/publications",
        **{"from": (utcnow() + timedelta(days=1)).isoformat(), "to": "2100-01-01T00:00:00"},
    )
    assert [p["id"] for p in window.json()["items"]] == [second["id"]]
    by_status = api.get("/publications", status=["published", "failed"]).json()
    assert by_status["items"] == []
    one = api.get(f"/publications/{first['id']}").json()
    assert [e["status"] for e in one["timeline"]] == ["scheduled"]
    assert one["timeline"][0]["message"].startswith("Scheduled for ")


def test_cancel_and_reschedule(api: Any, world: World) -> None:
    later = (utcnow() + timedelta(days=2)).isoformat()
    publication = api.post("/posts", _body(world, schedule={"at": later})).json()["publications"][0]
    path = f"/publications/{publication['id']}"
    moved = api.post(f"{path}/reschedule", {"at": "2099-05-01T12:00:00+08:00"})
    assert moved.status_code == 200, moved.text
    assert moved.json()["scheduled_at"].startswith("2099-05-01T04:00:00")
    past = api.post(f"{path}/reschedule", {"at": "2001-01-01T00:00:00"})
    assert past.status_code == 422 and past.json()["error"]["code"] == "invalid_input"
    assert api.post(f"{path}/cancel").json()["status"] == "cancelled"
    again = api.post(f"{path}/cancel")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "publication_locked"


def test_duplicate_makes_a_new_post(api: Any, world: World) -> None:
    post = api.post("/posts", _body(world)).json()
    copy = api.post(f"/posts/{post['id']}/duplicate", {"at": "now"})
    assert copy.status_code == 201, copy.text
    assert copy.json()["id"] != post["id"]
    assert copy.json()["title"] == post["title"]


def test_complete_a_manual_publication(api: Any, world: World) -> None:
    manual = Account(
        workspace_id=world.workspace.id,
        platform="manual",
        remote_id="weibo/shop",
        handle="shop",
        platform_label="Weibo",
    )
    store_tokens(manual, Tokens(access_token="manual"))
    world.session.add(manual)
    world.session.commit()
    publication = api.post("/posts", _body(world, manual)).json()["publications"][0]
    path = f"/publications/{publication['id']}/complete"
    bad = api.post(path, {"url": "not a link"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid_input"
    done = api.post(path, {"url": "https://weibo.com/123/abc"})
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "published"
    assert done.json()["url"] == "https://weibo.com/123/abc"


def test_messages_follow_accept_language(api: Any, world: World) -> None:
    body = _body(world, schedule={"at": "2001-01-01T00:00:00Z"})
    response = api.post("/posts", body, **{"Accept-Language": "zh-CN"})
    error = response.json()["error"]
    assert error["message"] == (
        "无法定时发布该作品：2001-01-01 00:00 (UTC) 已经过去（现在是 "
        + error["report"]["issues"][0]["params"]["now"]
        + "）。请选择更晚的时间，或立即发布。"
    )
