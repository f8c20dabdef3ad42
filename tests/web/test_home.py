"""First run and landing: setup asks the time zone and currency; after sign-in, Home shows what
is happening (today's queue, what needs a person, recent renders) and no page promises a control
that does not exist."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shortops.kit.clock import local_timezone_name, utcnow
from shortops.models import (
    Account,
    AccountStatus,
    MediaAsset,
    Post,
    Publication,
    PublicationStatus,
    User,
    Workspace,
)
from tests import factories


def _setup(client: TestClient, **overrides: str) -> Any:
    form = {
        "name": "Lin",
        "email": "lin@example.com",
        "password": factories.PASSWORD,
        "workspace": "星河工作室",
        "timezone": "Asia/Shanghai",
        "currency": "cny",
        "csrf_token": factories.csrf(client, "/setup"),
        **overrides,
    }
    return client.post("/setup", data=form, follow_redirects=False)


def test_setup_asks_the_time_zone_and_currency(client: TestClient, session: Session) -> None:
    page = client.get("/setup").text
    assert 'name="timezone"' in page and '<option value="Asia/Shanghai"' in page
    assert 'name="currency"' in page and 'value="USD"' in page  # English: dollars by default
    assert "/static/setup.js" in page  # picks the browser's zone
    assert client.get("/static/setup.js").status_code == 200
    chinese = client.get("/setup", headers={"Accept-Language": "zh-CN"}).text
    assert 'name="currency" list="setup-currencies" maxlength="3" required value="CNY"' in chinese

    refused = _setup(client, timezone="Mars/Olympus")
    assert refused.status_code == 422 and "is not a time zone" in refused.text
    assert 'value="星河工作室"' in refused.text  # the form comes back as typed
    assert _setup(client, currency="元").status_code == 422
    assert session.scalar(select(func.count()).select_from(User)) == 0  # nothing half-written

    done = _setup(client)
    assert done.status_code == 303 and done.headers["location"] == "/home"
    workspace = session.scalar(select(Workspace))
    assert workspace is not None
    assert (workspace.timezone, workspace.currency) == ("Asia/Shanghai", "CNY")


def test_init_takes_the_time_zone_and_currency(settings: Any, session: Session) -> None:
    from shortops.cli.main import app

    result = CliRunner().invoke(
        app,
        ["init", "--email", "cli@example.com", "--password", factories.PASSWORD,
         "--workspace", "CLI", "--timezone", "Europe/Stockholm", "--currency", "sek"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    workspace = session.scalar(select(Workspace))
    assert workspace is not None and (workspace.timezone, workspace.currency) == (
        "Europe/Stockholm",
        "SEK",
    )
    assert local_timezone_name()  # the machine's, or UTC: never empty


def test_a_new_workspace_lands_on_the_first_steps(client: TestClient) -> None:
    _setup(client)
    home = client.get("/home").text
    assert "Three steps to your first post" in home
    for link in ('href="/produce"', 'href="/accounts"', 'href="/publish/new"'):
        assert link in home, link
    assert 'data-nav="home"' in home and 'class="active" data-nav="home"' in home


def _publication(
    session: Session, workspace: Workspace, account: Account, title: str, **fields: Any
) -> Publication:
    post = Post(workspace_id=workspace.id, title=title)
    session.add(post)
    session.flush()
    publication = Publication(
        workspace_id=workspace.id,
        post_id=post.id,
        account_id=account.id,
        idempotency_key=f"key-{post.id}",
        **fields,
    )
    session.add(publication)
    session.commit()
    return publication


def test_home_shows_today_what_needs_a_person_and_recent_renders(
    app: Any, session: Session
) -> None:
    owner = factories.create_user(session, email="home@example.com")
    workspace = factories.create_workspace(session, owner=owner, name="Home WS")
    sandbox = factories.create_account(session, workspace=workspace, handle="creator")
    manual = Account(workspace_id=workspace.id, platform="manual", remote_id="xhs/shop",
                     handle="shop", platform_label="Xiaohongshu")  # fmt: skip
    expired = Account(workspace_id=workspace.id, platform="tiktok", remote_id="tt", handle="tt",
                      status=AccountStatus.needs_reauth)  # fmt: skip
    session.add_all([manual, expired])
    session.add(MediaAsset(workspace_id=workspace.id, filename="launch.mp4", kind="video",
                           sha256="a" * 64, size_bytes=10, storage_path="x"))  # fmt: skip
    session.commit()
    now = utcnow()
    S = PublicationStatus
    _publication(session, workspace, sandbox, "Morning teaser", status=S.scheduled,
                 scheduled_at=now + timedelta(minutes=5))  # fmt: skip
    _publication(session, workspace, sandbox, "Broken upload", status=S.failed,
                 scheduled_at=now - timedelta(days=2), error="The upload to TikTok broke off.",
                 error_code="upload_failed")  # fmt: skip
    _publication(session, workspace, manual, "小红书笔记", status=S.processing,
                 scheduled_at=now - timedelta(days=3))  # fmt: skip
    three_days_ago = now - timedelta(days=3)
    _publication(session, workspace, sandbox, "Last week", status=S.published,
                 scheduled_at=three_days_ago, published_at=three_days_ago)  # fmt: skip

    client = TestClient(app)
    factories.login(client, "home@example.com")
    assert client.get("/", follow_redirects=True).url.path == "/home"
    home = client.get("/home").text
    today = _section(home, "home-today")
    assert "Morning teaser" in today and "Sandbox @creator" in today
    assert "Broken upload" not in today and "Last week" not in today
    attention = _section(home, "home-attention")
    assert "Broken upload" in attention and "The upload to TikTok broke off" in attention
    assert "小红书笔记" in attention and "Xiaohongshu 小红书 @shop" in attention
    assert "TikTok @tt" in attention and "connect it again" in attention
    assert "Three steps" not in home
    assert re.search(r"<strong>1</strong><span class=\"muted\">published in the last 7 days", home)
    renders = _section(home, "home-renders")
    assert "No renders yet" in renders and 'href="/produce"' in renders

    client.post("/language", data={"language": "zh_Hans", "next": "/home",
                                   "csrf_token": factories.csrf(client, "/home")})  # fmt: skip
    chinese = client.get("/home").text
    assert "需要处理" in chinese and "今天的发布队列" in chinese


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def test_unbuilt_sections_say_so_and_link_to_what_exists(app: Any, session: Session) -> None:
    owner = factories.create_user(session, email="sections@example.com")
    factories.create_workspace(session, owner=owner, name="Sections")
    client = TestClient(app)
    factories.login(client, "sections@example.com")
    for path, link in (("/plan", "/publish/calendar"), ("/engage", "/publish"),
                       ("/earn", "/measure")):  # fmt: skip
        text = client.get(path).text
        assert "not built yet" in text and f'class="button" href="{link}"' in text, path
        assert client.get(link).status_code == 200, link
    assert session.scalar(select(func.count()).select_from(Account)) == 0
