"""Competitors as a user tracks them: add, readings typed in or imported (nothing written on a
bad row), their posts, the benchmark against own accounts, in the API, the pages and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shortops.cli.main import app as cli
from shortops.kit.clock import utcnow
from shortops.metrics import competitors, service
from shortops.metrics.competitor_files import import_file
from shortops.metrics.importers.types import SourceFile
from shortops.metrics.schemas import CompetitorIn, CompetitorPostIn, CompetitorSnapshotIn
from shortops.models import Competitor, CompetitorPost, CompetitorSnapshot, CompetitorSource, Role
from shortops.workspaces.service import Actor
from tests import factories

READINGS_CSV = (
    "日期,粉丝数,总播放量,作品数\n2026-11-01,1.2万,300万,120\n2026-11-08,13000,320万,124\n"
)
POSTS_CSV = (
    "标题,链接,发布时间,播放量,点赞量\n"
    "开箱第一弹,https://www.youtube.com/shorts/abcdefghijk,2026-11-20 18:00,12000,800\n"
    "周末探店,https://www.youtube.com/shorts/bcdefghijkl,2026-11-22 12:30,3.4万,1200\n"
)


@pytest.fixture
def actor(session: Session) -> Actor:
    owner = factories.create_user(session, email="owner@rival.example")
    workspace = factories.create_workspace(session, owner=owner, name="对标")
    return factories.actor_for(session, user=owner, workspace=workspace)


def _headers(session: Session, actor: Actor, role: Role = Role.analyst) -> dict[str, str]:
    user = factories.create_user(session, email=f"{role.value}-{utcnow().timestamp()}@r.example")
    factories.add_member(session, workspace=actor.workspace, user=user, role=role)
    _t, secret = factories.create_token(session, user=user, workspace=actor.workspace)
    return {"Authorization": f"Bearer {secret}"}


def _count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_tracking_through_the_api(client: TestClient, session: Session, actor: Actor) -> None:
    base = f"/api/v1/workspaces/{actor.workspace.id}/metrics/competitors"
    headers = _headers(session, actor)
    made = client.post(base, json={"platform": "youtube", "handle": "@MrRival"}, headers=headers)
    assert made.status_code == 201, made.text
    rival = made.json()
    assert rival["handle"] == "MrRival"
    again = client.post(base, json={"platform": "youtube", "handle": "mrrival"}, headers=headers)
    assert again.status_code == 409 and "already tracked" in again.json()["error"]["message"]
    unknown = client.post(base, json={"platform": "myspace", "handle": "x"}, headers=headers)
    assert unknown.status_code == 422 and "youtube" in unknown.json()["error"]["message"]
    nul = client.post(base, json={"platform": "youtube", "handle": "a\u0000b"}, headers=headers)
    assert nul.status_code == 422
    viewer = client.post(
        base,
        json={"platform": "tiktok", "handle": "v"},
        headers=_headers(session, actor, Role.viewer),
    )
    assert viewer.status_code == 403

    readings = f"{base}/{rival['id']}/snapshots"
    at = "2026-11-30T10:00:00+08:00"
    first = client.post(readings, json={"followers": 1500, "captured_at": at}, headers=headers)
    assert first.status_code == 201, first.text
    same = client.post(readings, json={"followers": 1500, "captured_at": at}, headers=headers)
    assert same.json()["id"] == first.json()["id"]
    assert first.json()["captured_at"].startswith("2026-11-30T02:00:00")  # stored in UTC
    empty = client.post(readings, json={}, headers=headers)
    assert empty.status_code == 422 and "at least one figure" in empty.json()["error"]["message"]
    future = (utcnow() + timedelta(days=2)).isoformat()
    ahead = client.post(readings, json={"followers": 1, "captured_at": future}, headers=headers)
    assert ahead.status_code == 422 and "future" in ahead.json()["error"]["message"]
    negative = client.post(readings, json={"followers": -5}, headers=headers)
    assert negative.status_code == 422
    listed = client.get(readings, headers=headers).json()
    assert [r["followers"] for r in listed] == [1500]

    gone = client.delete(f"{base}/{rival['id']}", headers=headers)
    assert gone.status_code == 204
    assert _count(session, CompetitorSnapshot) == 0
    assert client.get(readings, headers=headers).status_code == 404


def test_a_readings_file_in_chinese(client: TestClient, session: Session, actor: Actor) -> None:
    rival = competitors.add_competitor(
        session, actor=actor, data=CompetitorIn(platform="douyin", handle="对手")
    )
    session.commit()
    url = f"/api/v1/workspaces/{actor.workspace.id}/metrics/competitors/{rival.id}/imports"
    headers = _headers(session, actor)
    files = [("file", ("对手.csv", READINGS_CSV.encode("utf-8-sig"), "text/csv"))]
    found = client.post(url, files=files, headers=headers)
    assert found.status_code == 200, found.text
    assert found.json() == {"kind": "snapshots", "rows": 2, "created": 2, "updated": 0}
    stored = competitors.snapshots_of(session, rival.id)
    assert [(s.followers, s.total_views, s.posts_count) for s in reversed(stored)] == [
        (12000, 3_000_000, 120),
        (13000, 3_200_000, 124),
    ]
    assert client.post(url, files=files, headers=headers).json()["created"] == 0  # same file

    broken = READINGS_CSV + "2026-11-15,很多,1,1\n"
    refused = client.post(
        url, files=[("file", ("b.csv", broken.encode(), "text/csv"))], headers=headers
    )
    assert refused.status_code == 422
    message = refused.json()["error"]["message"]
    assert "line 4" in message and "粉丝数" in message and "很多" in message
    assert _count(session, CompetitorSnapshot) == 2  # nothing of the refused file
    unknown = client.post(
        url, files=[("file", ("x.csv", b"a,b\n1,2\n", "text/csv"))], headers=headers
    )
    assert (
        unknown.status_code == 422 and "columns found: a, b" in unknown.json()["error"]["message"]
    )


def test_a_posts_file_and_its_update(session: Session, actor: Actor) -> None:
    rival = competitors.add_competitor(
        session, actor=actor, data=CompetitorIn(platform="youtube", handle="rival")
    )
    tz = ZoneInfo("Asia/Shanghai")
    found = import_file(
        session, competitor=rival, file=SourceFile("p.csv", POSTS_CSV.encode()), tz=tz
    )
    assert (found.kind, found.rows, found.created) == ("posts", 2, 2)
    posts = {p.remote_id: p for p in competitors.posts_of(session, rival.id)}
    assert set(posts) == {"abcdefghijk", "bcdefghijkl"}  # ids read from the links
    assert posts["bcdefghijkl"].views == 34000
    assert posts["abcdefghijk"].published_at.replace(tzinfo=UTC) == datetime(
        2026, 11, 20, 10, 0, tzinfo=UTC
    )
    newer = POSTS_CSV.replace("12000,800", "15000,900")
    again = import_file(session, competitor=rival, file=SourceFile("p.csv", newer.encode()), tz=tz)
    assert (again.created, again.updated) == (0, 2)
    session.expire_all()
    assert {p.views for p in competitors.posts_of(session, rival.id)} == {15000, 34000}


def test_the_benchmark_sets_own_accounts_beside_competitors(session: Session, actor: Actor) -> None:
    now = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    own = service.create_import_account(session, actor=actor, platform="youtube", handle="mine")
    rival = competitors.add_competitor(
        session, actor=actor, data=CompetitorIn(platform="youtube", handle="rival")
    )
    for days_ago, followers in ((40, 900), (29, 1000), (10, 1200), (0, 1500)):
        competitors.add_snapshot(
            session,
            competitor=rival,
            data=CompetitorSnapshotIn(
                captured_at=now - timedelta(days=days_ago), followers=followers
            ),
        )
    posts = [
        CompetitorPostIn(remote_id=f"v{i}", published_at=now - timedelta(days=d), views=v)
        for i, (d, v) in enumerate([(1, 10), (5, 20), (9, 30), (20, 40), (35, 5000)])
    ]
    competitors.upsert_posts(
        session, competitor=rival, posts=posts, source=CompetitorSource.manual, seen_at=now
    )
    session.commit()
    rows = {
        r.label: r for r in competitors.benchmark(session, workspace_id=actor.workspace.id, now=now)
    }
    theirs = rows["@rival"]
    assert (theirs.kind, theirs.followers, theirs.followers_change) == ("competitor", 1500, 500)
    assert theirs.growth == pytest.approx(0.5)
    assert theirs.posts == 4 and theirs.posts_per_week == 1.0  # the 35-day-old post is out
    assert theirs.median_views == 25.0
    mine = rows["@mine"]
    assert (mine.kind, mine.id, mine.posts, mine.followers) == ("own", own.id, 0, None)


def test_the_pages(app: Any, session: Session, actor: Actor) -> None:
    client = TestClient(app)
    factories.login(client, actor.user.email)
    empty = client.get("/measure/competitors").text
    assert "No competitor tracked yet." in empty and 'action="/measure/competitors"' in empty
    token = factories.csrf(client, "/measure/competitors")
    added = client.post(
        "/measure/competitors",
        data={"platform": "douyin", "handle": "@对手号", "csrf_token": token},
        follow_redirects=False,
    )
    assert added.status_code == 303
    page_url = added.headers["location"]
    rival = session.scalar(select(Competitor).where(Competitor.handle == "对手号"))
    assert rival is not None and page_url == f"/measure/competitors/{rival.id}"
    client.post(
        f"{page_url}/snapshots",
        data={"followers": "1.2万", "captured_at": "2026-11-01T09:00", "csrf_token": token},
    )
    client.post(f"{page_url}/snapshots", data={"followers": "13,500", "csrf_token": token})
    bad = client.post(f"{page_url}/snapshots", data={"followers": "lots", "csrf_token": token})
    assert "is not a number" in bad.text
    imported = client.post(
        f"{page_url}/import",
        data={"csrf_token": token},
        files=[("file", ("posts.csv", POSTS_CSV.encode(), "text/csv"))],
    )
    assert "2 posts read: 2 new, 0 updated." in imported.text
    detail = client.get(page_url).text
    assert "@对手号" in detail and 'id="chart-followers"' in detail and "周末探店" in detail
    assert "12K" in detail and "13.5K" in detail  # both readings, as counts
    listing = client.get("/measure/competitors").text
    assert 'id="benchmark"' in listing and 'id="chart-growth"' in listing
    csv_text = client.get("/measure/competitors?export=csv&days=90").text
    assert csv_text.lstrip("\ufeff").startswith("kind,label,platform,followers")
    assert "competitor,@对手号,douyin,13500" in csv_text
    gone = client.post(f"{page_url}/delete", data={"csrf_token": token})
    assert "Stopped tracking @对手号." in gone.text
    assert _count(session, CompetitorPost) == 0


def test_the_cli(settings: Any, session: Session, actor: Actor, tmp_path: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(
        cli, ["competitors", "add", "--platform", "bilibili", "--handle", "up主", "--json"]
    )
    assert added.exit_code == 0, added.output
    rival_id = json.loads(added.stdout)["id"]
    reading = runner.invoke(cli, ["competitors", "reading", "up主", "--followers", "880"])
    assert reading.exit_code == 0, reading.output
    path = tmp_path / "readings.csv"
    path.write_text(READINGS_CSV, encoding="utf-8")
    imported = runner.invoke(cli, ["competitors", "import", "@up主", str(path), "--json"])
    assert json.loads(imported.stdout) == {
        "kind": "snapshots",
        "rows": 2,
        "created": 2,
        "updated": 0,
    }
    bench = runner.invoke(cli, ["competitors", "benchmark", "--json"])
    (row,) = [r for r in json.loads(bench.stdout) if r["kind"] == "competitor"]
    assert row["id"] == rival_id and row["followers"] == 880
    duplicate = runner.invoke(
        cli, ["competitors", "add", "--platform", "bilibili", "--handle", "UP主"]
    )
    assert duplicate.exit_code == 1 and "already tracked" in duplicate.output
    missing = runner.invoke(cli, ["competitors", "reading", "nobody", "--followers", "1"])
    assert missing.exit_code == 1 and "No competitor @nobody" in missing.output
    removed = runner.invoke(cli, ["competitors", "remove", "up主"])
    assert removed.exit_code == 0 and _count(session, Competitor) == 0
