"""Imports as a user runs them: preview (nothing written), import, re-import (nothing changed),
a failed import (nothing written), the column mapping saved for the next file, the page, the
API and the `shortops import` / `shortops metrics totals` contract."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shortops.cli.main import app as cli
from shortops.config import Settings
from shortops.metrics import flows
from shortops.metrics.errors import UnknownExportFormat, UnreadableExport
from shortops.metrics.importers.types import ColumnMapping, SourceFile
from shortops.models import (
    Account,
    AccountDay,
    ImportMapping,
    MetricImport,
    MetricPeriod,
    MetricSnapshot,
    Publication,
    Role,
)
from shortops.workspaces.service import Actor
from tests import factories
from tests.metrics import exports as ex

MODELS = (Account, Publication, MetricPeriod, MetricSnapshot, AccountDay, MetricImport)


@pytest.fixture
def actor(session: Session) -> Actor:
    owner = factories.create_user(session)
    workspace = factories.create_workspace(session, owner=owner, name="星光")
    return factories.actor_for(session, user=owner, workspace=workspace)


def _counts(session: Session) -> list[int | None]:
    return [session.scalar(select(func.count()).select_from(m)) for m in MODELS]


def _youtube_files() -> list[SourceFile]:
    return [
        SourceFile("Table data.csv", ex.csv_bytes(ex.YOUTUBE_TABLE)),
        SourceFile("Chart data.csv", ex.csv_bytes(ex.YOUTUBE_CHART)),
        SourceFile("Totals.csv", ex.csv_bytes(ex.YOUTUBE_TOTALS)),
    ]


def test_preview_says_what_the_import_does_and_writes_nothing(
    session: Session, actor: Actor
) -> None:
    before = _counts(session)
    preview = flows.preview_export(
        session, actor=actor, files=_youtube_files(), account_handle="chan"
    )
    session.commit()
    assert _counts(session) == before
    assert preview.record is None and preview.account_created
    assert preview.sample and preview.sample[0]["label"] == "早餐 vlog #日常"
    done = flows.import_export(session, actor=actor, files=_youtube_files(), account_handle="chan")
    session.commit()
    assert done.summary() == preview.summary() == {
        "rows": 9, "matched": 7, "created": 2, "skipped": 0,
    }  # fmt: skip


def test_re_import_changes_nothing_and_a_newer_export_updates(
    session: Session, actor: Actor
) -> None:
    rows = [ex.DOUYIN_HEADER, *ex.DOUYIN_ROWS]
    first = flows.import_export(
        session, actor=actor, files=[SourceFile("a.csv", ex.csv_bytes(rows))], account_handle="dy"
    )
    session.commit()
    assert first.summary()["created"] == 2
    before = _counts(session)
    again = flows.import_export(
        session, actor=actor, files=[SourceFile("a.csv", ex.csv_bytes(rows))], account_handle="dy"
    )
    session.commit()
    assert again.repeat_of is not None and _counts(session) == before
    newer = [ex.DOUYIN_HEADER, [*ex.DOUYIN_ROWS[0][:4], "2万", *ex.DOUYIN_ROWS[0][5:]]]
    update = flows.import_export(
        session, actor=actor, files=[SourceFile("b.csv", ex.csv_bytes(newer))], account_handle="dy"
    )
    session.commit()
    assert update.summary() == {"rows": 1, "matched": 1, "created": 0, "skipped": 0}
    latest = session.scalars(
        select(MetricSnapshot).order_by(MetricSnapshot.captured_at.desc())
    ).first()
    assert latest is not None and latest.views == 20_000


def test_a_failed_import_writes_nothing(session: Session, actor: Actor) -> None:
    before = _counts(session)
    broken = SourceFile("Totals.csv", b"PK\x03\x04not a zip")
    with pytest.raises(UnreadableExport):
        flows.import_export(
            session, actor=actor, files=[*_youtube_files()[:2], broken], account_handle="new"
        )
    session.rollback()
    assert _counts(session) == before


def test_a_saved_mapping_reads_the_next_file_with_those_headers(
    session: Session, actor: Actor
) -> None:
    rows = [["标题", "发布日期", "播放数", "点赞数"], ["第一条", "2026-10-01", "1.1万", "300"]]
    file = SourceFile("快手.csv", ex.csv_bytes(rows))
    with pytest.raises(UnknownExportFormat):
        flows.import_export(session, actor=actor, files=[file], account_handle="ks")
    session.rollback()
    screen = flows.mapping_screen(file, "kuaishou")
    assert screen.guess == {"标题": "title", "发布日期": "published", "播放数": "views",
                            "点赞数": "likes"}  # fmt: skip
    mapping = ColumnMapping(platform="kuaishou", columns=screen.guess)
    flows.save_mapping(session, actor=actor, file=file, mapping=mapping, name="快手作品")
    session.commit()
    later = SourceFile(
        "快手 11月.csv", ex.csv_bytes([rows[0], ["第二条", "2026-11-02", "900", "8"]])
    )
    outcome = flows.import_export(session, actor=actor, files=[later], account_handle="ks")
    session.commit()
    assert outcome.parsed.platform == "kuaishou" and outcome.summary()["created"] == 1
    assert outcome.account.platform == "kuaishou" or outcome.account.platform_label == "kuaishou"
    assert session.scalar(select(func.count()).select_from(ImportMapping)) == 1


def _client(app: Any, session: Session, actor: Actor, role: Role) -> TestClient:
    user = factories.create_user(session, email=f"{role.value}@i.example")
    factories.add_member(session, workspace=actor.workspace, user=user, role=role)
    client = TestClient(app)
    factories.login(client, user.email)
    return client


def test_the_import_page_previews_then_imports(app: Any, session: Session, actor: Actor) -> None:
    client = _client(app, session, actor, Role.analyst)
    token = factories.csrf(client, "/measure/import")
    files = [("files", (f.name, f.data, "text/csv")) for f in _youtube_files()]
    form = {"csrf_token": token, "new_account": "chan", "mode": "preview"}
    preview = client.post("/measure/import", data=form, files=files)
    assert preview.status_code == 200, preview.text
    assert (
        "早餐 vlog #日常" in preview.text
        and session.scalar(select(func.count()).select_from(MetricImport)) == 0
    )
    done = client.post("/measure/import", data={**form, "mode": "import"}, files=files)
    assert done.status_code == 200
    row = session.scalars(select(MetricImport)).one()
    assert (row.rows, row.matched, row.created, row.skipped) == (9, 7, 2, 0)
    report = client.get(f"/measure/imports/{row.id}")
    assert report.status_code == 200 and "Table data.csv" in report.text
    unknown = [("files", ("orders.csv", b"order,amount\n1,2\n", "text/csv"))]
    refused = client.post("/measure/import", data=form, files=unknown)
    assert refused.status_code == 422 and "order, amount" in refused.text
    assert 'name="map:order"' in refused.text  # the mapping screen opens for it


def test_the_api_imports_with_an_analyst_token(
    client: TestClient, session: Session, actor: Actor
) -> None:
    analyst = factories.create_user(session, email="api@i.example")
    factories.add_member(session, workspace=actor.workspace, user=analyst, role=Role.analyst)
    _t, secret = factories.create_token(session, user=analyst, workspace=actor.workspace)
    overview = ex.csv_bytes(ex.TIKTOK_OVERVIEW, bom=True, quote_all=True)
    response = client.post(
        f"/api/v1/workspaces/{actor.workspace.id}/metrics/imports",
        headers={"Authorization": f"Bearer {secret}"},
        data={"account": "tt", "platform": "tiktok", "year": "2025"},
        files=[("files", ("Overview.csv", overview, "text/csv"))],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rows"] == 3 and body["kind"] == "tiktok_studio" and body["account_created"]
    assert body["period_start"] == "2025-01-01"


def test_cli_import_and_totals_contract(
    settings: Settings, session: Session, actor: Actor, tmp_path: Path
) -> None:
    runner = CliRunner()
    paths = []
    for file in _youtube_files():
        path = tmp_path / file.name
        path.write_bytes(file.data)
        paths.append(str(path))
    result = runner.invoke(cli, ["import", *paths, "--account", "chan", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"rows": 9, "matched": 7, "created": 2, "skipped": 0}
    posts = runner.invoke(cli, ["metrics", "totals", "--platform", "youtube", "--json"])
    assert posts.exit_code == 0, posts.output
    body = json.loads(posts.stdout)
    assert body["scope"] == "posts" and body["views"] == 1400  # the sum of the two rows
    account = runner.invoke(
        cli, ["metrics", "totals", "--account", "chan", "--scope", "account", "--json"]
    )
    assert json.loads(account.stdout)["views"] == 1500  # the export's own Total row
    bad = tmp_path / "notes.csv"
    bad.write_text("a,b\n1,2\n")
    refused = runner.invoke(cli, ["import", str(bad), "--json"])
    assert refused.exit_code == 1 and "Columns found: a, b" in refused.output
