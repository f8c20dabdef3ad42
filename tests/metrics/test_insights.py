"""Measure → Insights as a user meets them: the page (heatmap, drivers, forecasts, alerts, CSV),
the REST API in both languages, the CLI, and the hourly alert run (stored and notified once).

The account's posts are planted with known effects: the Wednesday 19:00 posts get 4x the views
of the others, and posts under 20 s twice the views of longer ones, with a little noise.
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shortops.cli.main import app as cli
from shortops.kit.clock import utcnow
from shortops.metrics import insights, service
from shortops.metrics.queries import Filters
from shortops.models import Account, MetricAlert, Notification, NotificationKind, Role, Workspace
from shortops.reports.insights import insight_lines
from tests import factories
from tests.metrics.analysis.builders import add_post, refresh, shape

# (weekday, hour) of the four slots the account posts in, and each slot's multiplier of views.
SLOTS = {(0, 8): 1.0, (2, 19): 4.0, (4, 8): 1.0, (5, 12): 1.0}
WEEKS = 12
BASE_VIEWS = 1000.0


@dataclass
class InsightWorld:
    workspace: Workspace
    account: Account
    analyst: Any
    young_id: int


def _first_monday(now: datetime) -> datetime:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=today.weekday() + 7 * (WEEKS + 3))


def build(session: Session) -> InsightWorld:
    owner = factories.create_user(session, email="owner@insight.example")
    workspace = factories.create_workspace(session, owner=owner, name="洞察")
    workspace.timezone = "UTC"
    analyst = factories.create_user(session, email="analyst@insight.example")
    factories.add_member(session, workspace=workspace, user=analyst, role=Role.analyst)
    actor = factories.actor_for(session, user=owner, workspace=workspace)
    account = service.create_import_account(session, actor=actor, platform="youtube", handle="ch")
    session.commit()
    rng = random.Random(7)
    monday = _first_monday(utcnow())
    publications = []
    for week in range(WEEKS):
        for n, ((weekday, hour), lift) in enumerate(SLOTS.items()):
            short = (week + n) % 2 == 0
            final = BASE_VIEWS * lift * (2.0 if short else 1.0) * rng.uniform(0.85, 1.15)
            published = monday + timedelta(days=7 * week + weekday, hours=hour)
            publications.append(
                add_post(
                    session,
                    account,
                    published_at=published,
                    readings=[(h, final * shape(h)) for h in (6, 24, 48, 100, 168, 200)],
                    title=f"第{week}周 视频 {n}",
                    duration_s=15.0 if short else 45.0,
                )
            )
    # A post 30 hours old, far ahead of the account's usual: a "taking off" forecast.
    young_at = utcnow() - timedelta(hours=30)
    young = add_post(
        session,
        account,
        published_at=young_at,
        readings=[(h, 50 * BASE_VIEWS * shape(h)) for h in (2, 6, 12, 24, 30)],
        title="爆款预定",
    )
    refresh(session, account, [*publications, young])
    return InsightWorld(workspace, account, analyst, young.id)


@pytest.fixture
def world(session: Session) -> InsightWorld:
    return build(session)


def _login(app: Any, user: Any) -> TestClient:
    client = TestClient(app)
    factories.login(client, user.email)
    return client


def _headers(session: Session, world: InsightWorld, language: str = "en") -> dict[str, str]:
    _t, secret = factories.create_token(session, user=world.analyst, workspace=world.workspace)
    return {"Authorization": f"Bearer {secret}", "Accept-Language": language}


def test_best_time_finds_the_planted_slot(session: Session, world: InsightWorld) -> None:
    filters = insights.default_filters(world.workspace)
    (group,) = insights.best_times(session, workspace_id=world.workspace.id, filters=filters)
    assert group.posts == WEEKS * len(SLOTS) and group.claim
    assert [(s.weekday, s.hour) for s in group.top] == [(2, 19)]
    cells = {(c.weekday, c.hour): c for c in group.cells}
    assert set(cells) == set(SLOTS)
    assert all(c.posts == WEEKS for c in cells.values())
    assert cells[(2, 19)].lift > 2.0 > 1.0 > cells[(0, 8)].lift


def test_drivers_find_the_short_video_effect(session: Session, world: InsightWorld) -> None:
    filters = insights.default_filters(world.workspace)
    found = insights.drivers(session, workspace_id=world.workspace.id, filters=filters)
    assert found.enough and found.posts == WEEKS * len(SLOTS)
    (duration,) = [e for e in found.effects if e.feature == "duration"]
    assert {duration.level, duration.reference} == {"lt20", "40_60"} and duration.clear
    short_lift = duration.multiplier if duration.level == "lt20" else 1 / duration.multiplier
    assert 1.6 < short_lift < 2.5
    assert "under 20 s" in duration.label and "under 20 s" in duration.message
    hour = next(e for e in found.effects if e.feature == "hour" and e.level == "evening")
    assert hour.clear and 3 < hour.multiplier < 5.5


def test_the_page_draws_each_insight_and_exports_csv(app: Any, world: InsightWorld) -> None:
    client = _login(app, world.analyst)
    page = client.get("/measure/insights")
    assert page.status_code == 200
    html = page.text
    assert "Best time to post" in html and "What drives views" in html
    figures = re.findall(r'data-chart id="([^"]+)"></div><script type="application/json">', html)
    assert figures == ["heat-1", "drivers-chart"]
    heat = json.loads(
        re.search(
            r'id="heat-1"></div><script type="application/json">(.*?)</script>', html, re.S
        ).group(1)
    )
    z = heat["data"][0]["z"]
    assert z[2][19] > 2 and z[0][8] < 1 and z[1][3] is None  # Wednesday 19:00 stands out
    assert "爆款预定" in html and "Taking off" in html  # the young post's forecast
    table = client.get("/measure/insights?export=best_time")
    rows = list(csv.reader(io.StringIO(table.text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["group", "weekday", "hour"] and len(rows) == 1 + len(SLOTS)
    drivers = client.get("/measure/insights?export=drivers").text
    assert "duration" in drivers
    forecasts = list(csv.reader(io.StringIO(client.get("/measure/insights?export=forecasts").text)))
    assert forecasts[1][0] == "爆款预定" and int(forecasts[1][4]) > 10 * BASE_VIEWS


def test_the_page_in_chinese(app: Any, world: InsightWorld) -> None:
    client = _login(app, world.analyst)
    client.post("/language", data={"language": "zh_Hans", "next": "/measure/insights",
                                   "csrf_token": factories.csrf(client, "/measure")})  # fmt: skip
    html = client.get("/measure/insights").text
    assert "发布的最佳时间" in html or "最佳发布时间" in html
    assert "Best time to post" not in html


def test_the_api_answers_in_the_callers_language(
    client: TestClient, session: Session, world: InsightWorld
) -> None:
    base = f"/api/v1/workspaces/{world.workspace.id}/metrics"
    english = client.get(f"{base}/drivers", headers=_headers(session, world)).json()
    chinese = client.get(f"{base}/drivers", headers=_headers(session, world, "zh-CN")).json()
    assert english["effects"][0]["multiplier"] == chinese["effects"][0]["multiplier"]
    assert re.search(r"[\u4e00-\u9fff]", chinese["effects"][0]["message"])
    assert not re.search(r"[\u4e00-\u9fff]", english["messages"][0])
    best = client.get(f"{base}/best-time", headers=_headers(session, world)).json()
    assert best[0]["top"][0]["weekday"] == 2 and best[0]["top"][0]["hour"] == 19
    by_platform = client.get(
        f"{base}/best-time", params={"by": "platform"}, headers=_headers(session, world)
    ).json()
    assert [g["key"] for g in by_platform] == ["youtube"]
    forecasts = client.get(f"{base}/forecasts", headers=_headers(session, world)).json()
    assert [f["publication_id"] for f in forecasts] == [world.young_id]
    assert forecasts[0]["verdict"] == "taking_off"
    assert forecasts[0]["low"] <= forecasts[0]["expected"] <= forecasts[0]["high"]
    narrow = client.get(
        f"{base}/drivers",
        params={"start": "2000-01-01", "end": "2000-01-31"},
        headers=_headers(session, world),
    ).json()
    assert not narrow["enough"] and narrow["posts"] == 0 and narrow["effects"] == []


def test_alerts_are_raised_once_and_notified(
    app: Any, session: Session, world: InsightWorld
) -> None:
    raised = insights.raise_and_notify(session, workspace_id=world.workspace.id)
    session.commit()
    assert raised >= 1
    kinds = set(session.scalars(select(MetricAlert.kind)))
    assert "taking_off" in kinds
    notes = session.scalars(
        select(Notification).where(Notification.kind == NotificationKind.metric_alert)
    ).all()
    assert notes and any(n.link == f"/measure/posts/{world.young_id}" for n in notes)
    assert "爆款预定" in notes[0].params.get("title", "") or len(notes) > 1
    count = session.scalar(select(func.count()).select_from(MetricAlert))
    assert insights.raise_and_notify(session, workspace_id=world.workspace.id) == 0
    session.commit()
    assert session.scalar(select(func.count()).select_from(MetricAlert)) == count
    html = _login(app, world.analyst).get("/measure/insights").text
    assert 'id="alerts"' in html and "is taking off" in html


def test_the_cli_prints_insights(settings: Any, session: Session, world: InsightWorld) -> None:
    runner = CliRunner()
    best = runner.invoke(cli, ["metrics", "best-time", "--json"])
    assert best.exit_code == 0, best.output
    (group,) = json.loads(best.stdout)
    assert group["label"] == "@ch" and group["top"][0]["hour"] == 19
    drivers = runner.invoke(cli, ["metrics", "drivers", "--account", "ch", "--json"])
    assert json.loads(drivers.stdout)["enough"] is True
    forecasts = runner.invoke(cli, ["metrics", "forecasts"])
    assert forecasts.exit_code == 0 and "爆款预定" in forecasts.stdout
    alerts = runner.invoke(cli, ["metrics", "alerts", "--check", "--json"])
    assert alerts.exit_code == 0, alerts.output
    assert any(a["kind"] == "taking_off" for a in json.loads(alerts.stdout))
    unknown = runner.invoke(cli, ["metrics", "drivers", "--account", "nobody"])
    assert unknown.exit_code == 1 and "No account nobody" in unknown.output
    bad = runner.invoke(cli, ["metrics", "best-time", "--by", "hour"])
    assert bad.exit_code == 1 and "--by must be account or platform" in bad.output


def test_an_empty_workspace_says_what_to_do(app: Any, session: Session) -> None:
    owner = factories.create_user(session, email="empty@insight.example")
    factories.create_workspace(session, owner=owner, name="空")
    html = _login(app, owner).get("/measure/insights").text
    assert "No posts with figures in this range yet." in html
    assert 'href="/measure/import"' in html


def test_reports_carry_the_insights(session: Session, world: InsightWorld) -> None:
    insights.raise_and_notify(session, workspace_id=world.workspace.id)
    session.commit()
    week = insights.default_filters(world.workspace)
    week = Filters(week.end - timedelta(days=6), week.end)
    english = insight_lines(session, workspace=world.workspace, filters=week, language="en")
    assert english[0].startswith("@ch: ") and "19" in english[0]
    assert any("under 20 s" in line for line in english)
    assert any("is taking off" in line for line in english)  # the week's alert
    chinese = insight_lines(session, workspace=world.workspace, filters=week, language="zh_Hans")
    assert len(chinese) == len(english)
    assert all(re.search(r"[\u4e00-\u9fff]", line) for line in chinese)
