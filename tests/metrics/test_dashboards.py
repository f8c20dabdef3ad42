"""Measure pages and REST: overview KPIs against the week before, tables and their CSV, posts,
one post's growth, accounts, comparison, permissions and the empty state."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.metrics import dashboard
from shortops.models import MetricSnapshot, Post, Publication, PublicationStatus, SnapshotSource
from tests import factories
from tests.metrics.world import (
    POSTS,
    TIKTOK_DAY_VIEWS,
    WEEK_A,
    WEEK_B,
    YOUTUBE_DAY_VIEWS,
    MeasureWorld,
    build,
    week_views,
)

WEEK_B_QUERY = f"range=custom&start={WEEK_B[0]}&end={WEEK_B[1]}"


@pytest.fixture
def world(session: Session) -> MeasureWorld:
    return build(session)


def _client(app: Any, user: Any) -> TestClient:
    client = TestClient(app)
    factories.login(client, user.email)
    return client


def _token(session: Session, world: MeasureWorld) -> dict[str, str]:
    _t, secret = factories.create_token(session, user=world.analyst, workspace=world.workspace)
    return {"Authorization": f"Bearer {secret}"}


def test_overview_api_compares_the_week_with_the_week_before(
    client: TestClient, session: Session, world: MeasureWorld
) -> None:
    response = client.get(
        f"/api/v1/workspaces/{world.workspace.id}/metrics/overview",
        params={"start": str(WEEK_B[0]), "end": str(WEEK_B[1])},
        headers=_token(session, world),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    now = week_views(YOUTUBE_DAY_VIEWS, WEEK_B) + week_views(TIKTOK_DAY_VIEWS, WEEK_B)
    before = week_views(YOUTUBE_DAY_VIEWS, WEEK_A) + week_views(TIKTOK_DAY_VIEWS, WEEK_A)
    assert body["kpis"]["views"] == now and body["previous"]["views"] == before
    by_platform = {row["platform"]: row for row in body["platforms"]}
    assert by_platform["youtube"]["views"] == week_views(YOUTUBE_DAY_VIEWS, WEEK_B)
    assert by_platform["youtube"]["posts"] == len(POSTS)
    assert by_platform["tiktok"]["posts"] == 0
    assert [p["title"] for p in body["top"]] == [p[1] for p in POSTS]  # most viewed first
    assert len(body["days"]) == 14  # 7 days x 2 accounts


def test_overview_page_draws_charts_and_exports_csv(
    app: Any, session: Session, world: MeasureWorld
) -> None:
    client = _client(app, world.analyst)
    page = client.get(f"/measure?{WEEK_B_QUERY}")
    assert page.status_code == 200
    charts = re.findall(r'<script type="application/json">(.*?)</script>', page.text, re.S)
    figures = [json.loads(c) for c in charts]
    views = next(f for f in figures if "Views per day" in f["layout"]["title"]["text"])
    youtube = next(t for t in views["data"] if t["name"] == "YouTube")
    assert youtube["x"][0] == str(WEEK_B[0]) and sum(youtube["y"]) == week_views(
        YOUTUBE_DAY_VIEWS, WEEK_B
    )
    assert "周末探店" in page.text
    exported = client.get(f"/measure?{WEEK_B_QUERY}&export=accounts")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    chan = next(r for r in rows if r["account"] == "@chan")
    assert float(chan["views"]) == week_views(YOUTUBE_DAY_VIEWS, WEEK_B)


def test_filters_narrow_to_one_platform(app: Any, session: Session, world: MeasureWorld) -> None:
    client = _client(app, world.analyst)
    exported = client.get(f"/measure?{WEEK_B_QUERY}&platform=tiktok&export=accounts")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["account"] for r in rows] == ["@tt"]


def test_posts_page_sorts_and_exports_every_post(
    app: Any, session: Session, world: MeasureWorld
) -> None:
    client = _client(app, world.analyst)
    page = client.get(f"/measure/posts?{WEEK_B_QUERY}&sort=likes")
    assert page.status_code == 200
    order = [page.text.index(title) for _id, title, *_ in POSTS]
    assert order == sorted(order)  # likes follow the same order as views here
    exported = client.get(f"/measure/posts?{WEEK_B_QUERY}&export=csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert {r["title"]: int(r["views"]) for r in rows} == {p[1]: p[3] for p in POSTS}


def test_the_posts_page_shows_the_first_posts_by_the_sort_and_counts_them_all(
    app: Any, session: Session, world: MeasureWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shortops.metrics import views

    monkeypatch.setattr(views, "POSTS_SHOWN", 2)
    page = _client(app, world.analyst).get(f"/measure/posts?{WEEK_B_QUERY}&sort=views")
    assert POSTS[0][1] in page.text and POSTS[1][1] in page.text
    assert POSTS[2][1] not in page.text  # the least viewed: only in the CSV
    assert "Posts published in this range: 3" in page.text
    assert "The first 2 are shown" in page.text
    newest = _client(app, world.analyst).get(f"/measure/posts?{WEEK_B_QUERY}&sort=published")
    assert POSTS[2][1] in newest.text and POSTS[0][1] not in newest.text


def test_a_viewer_cannot_see_figures_and_an_analyst_may_import(
    app: Any, session: Session, world: MeasureWorld
) -> None:
    viewer = _client(app, world.viewer)
    assert viewer.get("/measure").status_code == 403
    assert viewer.get("/measure/import").status_code == 403
    analyst = _client(app, world.analyst)
    assert analyst.get("/measure/import").status_code == 200


def test_account_and_compare_pages(app: Any, session: Session, world: MeasureWorld) -> None:
    client = _client(app, world.analyst)
    page = client.get(f"/measure/accounts/{world.youtube.id}?{WEEK_B_QUERY}")
    assert page.status_code == 200 and "@chan" in page.text and "data-chart" in page.text
    days = client.get(f"/measure/accounts/{world.youtube.id}?{WEEK_B_QUERY}&export=csv")
    rows = list(csv.DictReader(io.StringIO(days.content.decode("utf-8-sig"))))
    assert sum(float(r["views"]) for r in rows) == week_views(YOUTUBE_DAY_VIEWS, WEEK_B)
    compare = client.get(f"/measure/compare?{WEEK_B_QUERY}&by=account&export=csv")
    rows = list(csv.DictReader(io.StringIO(compare.content.decode("utf-8-sig"))))
    medians = {r["account"]: r["median_views"] for r in rows}
    assert float(medians["@chan"]) == sorted(p[3] for p in POSTS)[1]
    other = factories.create_workspace(session, owner=world.owner, name="Other")
    foreign = factories.create_account(session, workspace=other, handle="theirs")
    assert client.get(f"/measure/accounts/{foreign.id}").status_code == 404


def test_an_empty_workspace_says_what_to_do(app: Any, session: Session) -> None:
    owner = factories.create_user(session, email="new@m.example")
    factories.create_workspace(session, owner=owner, name="Fresh")
    page = _client(app, owner).get("/measure")
    assert page.status_code == 200
    assert "No figures for these days yet." in page.text and 'href="/measure/import"' in page.text


def test_growth_is_compared_with_the_median_of_the_other_posts(
    session: Session, world: MeasureWorld
) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    publications = []
    for n, per_hour in enumerate((10, 20, 30, 40)):
        post = Post(workspace_id=world.workspace.id, title=f"p{n}")
        session.add(post)
        session.flush()
        publication = Publication(
            workspace_id=world.workspace.id,
            post_id=post.id,
            account_id=world.youtube.id,
            status=PublicationStatus.published,
            published_at=start,
            external=True,
            remote_id=f"g{n}",
            idempotency_key=f"g{n}",
        )
        session.add(publication)
        session.flush()
        for hours in (2, 24, 48):
            session.add(
                MetricSnapshot(
                    workspace_id=world.workspace.id,
                    publication_id=publication.id,
                    captured_at=start + timedelta(hours=hours),
                    source=SnapshotSource.api,
                    views=per_hour * hours,
                )
            )
        publications.append(publication)
    session.commit()
    found = dashboard.growth(session, publication=publications[-1])
    at = dict(zip(found.ages, zip(found.views, found.median, strict=True), strict=True))
    assert at[24] == (40 * 24, 20 * 24)  # the others: 10, 20, 30 per hour -> median 20
    assert at[1] == (40.0, 20.0)  # interpolated from 0 at publishing to the 2 h snapshot
    assert at[36][0] == 40 * 36
    # The world's YouTube posts were first seen days after publishing: not at 24 h, but by 48 h
    # the newest (first snapshot at 72 h) counts.
    assert found.compared == 3 + len(POSTS)


def test_value_at_does_not_extrapolate() -> None:
    curve = [(2.0, 20.0), (10.0, 100.0)]
    assert dashboard.value_at(curve, 1) == 10.0
    assert dashboard.value_at([(30.0, 300.0)], 10) is None  # first seen long after
    assert dashboard.value_at(curve, 6) == 60.0
    assert dashboard.value_at(curve, 11) is None
    assert dashboard.value_at([], 1) is None
    # At a snapshot's own age, that snapshot; between two at one age, the first of them.
    assert dashboard.value_at(curve, 10) == 100.0
    assert dashboard.value_at([(2.0, 20.0), (4.0, 40.0), (4.0, 45.0), (8.0, 80.0)], 4) == 40.0
    assert dashboard.value_at([(2.0, 20.0), (4.0, 40.0), (4.0, 45.0), (8.0, 80.0)], 5) == 53.75


def test_totals_api_matches_the_cli_contract(
    client: TestClient, session: Session, world: MeasureWorld
) -> None:
    base = f"/api/v1/workspaces/{world.workspace.id}/metrics/totals"
    posts = client.get(base, params={"platform": "youtube"}, headers=_token(session, world))
    assert posts.status_code == 200
    assert posts.json()["views"] == sum(p[3] for p in POSTS) and posts.json()["scope"] == "posts"
    account = client.get(
        base, params={"scope": "account", "account": "tt"}, headers=_token(session, world)
    )
    assert account.json()["views"] == sum(TIKTOK_DAY_VIEWS.values())
    missing = client.get(base, params={"account": "nobody"}, headers=_token(session, world))
    assert missing.status_code == 404
    assert session.scalar(select(Publication.id).where(Publication.remote_id == "vid1"))


@pytest.mark.parametrize(
    ("value", "language", "shown"),
    [
        (None, "en", "—"),
        (987, "en", "987"),
        (9_999, "en", "9,999"),
        (14_091, "en", "14.1K"),
        (2_500_000, "en", "2.5M"),
        (14_091, "zh_Hans", "1.4万"),
        (350_000_000, "zh_Hans", "3.5亿"),
        (12.25, "en", "12.2"),
    ],
)
def test_dashboard_numbers_read_like_the_platforms_write_them(
    value: float | None, language: str, shown: str
) -> None:
    from shortops.web.templating import environment

    assert environment(language).filters["number"](value) == shown


def test_a_tag_filter_keeps_only_those_posts(
    app: Any, session: Session, world: MeasureWorld
) -> None:
    client = _client(app, world.analyst)
    exported = client.get(f"/measure/posts?{WEEK_B_QUERY}&tag=%23美食&export=csv")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == [POSTS[0][1]]
    ascii_tag = client.get(f"/measure/posts?{WEEK_B_QUERY}&tag=tips&export=csv")
    rows = list(csv.DictReader(io.StringIO(ascii_tag.content.decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == [POSTS[1][1]]  # #Tips: case does not matter
    overview = client.get(f"/measure?{WEEK_B_QUERY}&tag=nothing-has-this&export=posts")
    assert list(csv.DictReader(io.StringIO(overview.content.decode("utf-8-sig")))) == []


def test_a_tagged_day_takes_the_import_and_fills_in_from_derived(
    session: Session, world: MeasureWorld
) -> None:
    from shortops.metrics import queries
    from shortops.models import DayOrigin, MetricDay

    publication = session.scalar(select(Publication).where(Publication.remote_id == "vid1"))
    assert publication is not None
    day = WEEK_A[0] - timedelta(days=30)  # a day no other figure of the world falls on
    for origin, views, likes in ((DayOrigin.derived, 10, 2), (DayOrigin.import_, 15, None)):
        session.add(
            MetricDay(
                workspace_id=world.workspace.id,
                publication_id=publication.id,
                account_id=world.youtube.id,
                day=day,
                origin=origin,
                views=views,
                likes=likes,
            )
        )
    session.commit()
    filters = queries.Filters(start=day, end=day, tag="美食")
    scope = queries.scope_for(session, workspace_id=world.workspace.id, filters=filters)
    [found] = queries.daily_figures(session, scope=scope, filters=filters)
    assert (found.values["views"], found.values["likes"]) == (15.0, 2.0)
    other = queries.Filters(start=day, end=day, tag="tips")  # another post's tag
    assert queries.daily_figures(session, scope=scope, filters=other) == []


def test_every_measure_tab_leads_to_a_page(app: Any, session: Session, world: MeasureWorld) -> None:
    client = _client(app, world.analyst)
    page = client.get("/measure").text
    tabs = re.findall(r'<nav class="tabs"[^>]*>(.*?)</nav>', page, re.S)[0]
    for href in re.findall(r'href="([^"]+)"', tabs):
        assert client.get(href).status_code == 200, href
