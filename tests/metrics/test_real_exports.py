"""Every real export in the shared data, imported end to end and checked for exactness.

The expected figures are read here straight from the files with the csv module, apart from
the importers: each video's stored figures equal its row, each day its Totals row, and the
account's figures equal the export's own Total row (which is larger than the sum of the rows:
YouTube's Total also counts videos the table does not list).
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.metrics import flows
from shortops.metrics.importers.types import ImportOptions, SourceFile
from shortops.models import (
    AccountDay,
    AccountPeriod,
    DayOrigin,
    MetricDay,
    MetricImport,
    MetricPeriod,
    Publication,
)
from shortops.workspaces.service import Actor
from tests import factories
from tests.metrics.exports import shared_exports

YOUTUBE_CHANNELS = [
    "priyankapatel05_shorts_channel",
    "oisinqueva_shorts_engagement",
    "prakashpathak111_shorts_channel",
    "ligardoisaghost_music_channel",
    "joshcirre_dev_channel_SAMPLE",
]


@pytest.fixture
def actor(session: Session) -> Actor:
    owner = factories.create_user(session)
    workspace = factories.create_workspace(session, owner=owner)
    return factories.actor_for(session, user=owner, workspace=workspace)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return [row for row in csv.DictReader(handle) if any(v.strip() for v in row.values())]


def _count(text: str) -> int | None:
    return int(text.replace(",", "")) if text.strip() else None


def _import(
    session: Session, actor: Actor, files: list[Path], **options: object
) -> flows.ImportOutcome:
    outcome = flows.import_export(
        session,
        actor=actor,
        files=[SourceFile(p.name, p.read_bytes()) for p in files],
        options=ImportOptions(**options),  # type: ignore[arg-type]
        account_handle="channel",
    )
    session.commit()
    return outcome


@pytest.mark.parametrize("channel", YOUTUBE_CHANNELS)
def test_a_real_youtube_export_is_imported_exactly(
    session: Session, actor: Actor, channel: str
) -> None:
    folder = shared_exports() / "youtube_studio" / channel
    files = sorted(folder.glob("*.csv"))
    table_file = next(p for p in files if p.name.startswith("Table data"))
    table = _rows(table_file)
    period = None
    if not any(p.name in ("Chart data.csv", "Totals.csv") for p in files):
        from datetime import date

        period = (date(2025, 1, 1), date(2025, 12, 31))
    outcome = _import(session, actor, files, period=period)
    assert outcome.record is not None

    total_row, video_rows = table[0], table[1:]
    assert total_row["Content"] == "Total"
    # Every data row of every file is accounted for, and nothing was skipped.
    rows_in_files = sum(len(_rows(p)) for p in files)
    summary = outcome.summary()
    assert summary["rows"] == rows_in_files and summary["skipped"] == 0

    by_id = {
        p.remote_id: p
        for p in session.scalars(
            select(Publication).where(Publication.account_id == outcome.account.id)
        )
    }
    # IDs YouTube prefixed with a space are stored as the platform has them.
    assert len(by_id) == len({row["Content"].strip() for row in video_rows})
    periods = {
        m.publication_id: m
        for m in session.scalars(
            select(MetricPeriod).where(MetricPeriod.import_id == outcome.record.id)
        )
    }
    for row in video_rows:
        stored = periods[by_id[row["Content"].strip()].id]
        if "Views" in row:
            assert stored.views == _count(row["Views"]), row["Content"]
        if "Likes" in row:
            assert stored.likes == _count(row["Likes"]), row["Content"]
        if row.get("Watch time (hours)"):
            expected = float(Decimal(row["Watch time (hours)"]) * 3600)
            assert stored.watch_time_s == pytest.approx(expected), row["Content"]
        if row.get("Estimated revenue (USD)"):
            assert stored.revenue == Decimal(row["Estimated revenue (USD)"])
            assert stored.currency == "USD"

    # The account's figures are the export's own Total row, kept with the export's range.
    account_total = session.scalar(
        select(AccountPeriod).where(AccountPeriod.account_id == outcome.account.id)
    )
    assert account_total is not None
    if "Views" in total_row:
        assert account_total.views == _count(total_row["Views"])
        assert account_total.views >= sum(_count(r["Views"]) or 0 for r in video_rows)
    if outcome.parsed.period is not None:
        assert (account_total.start_day, account_total.end_day) == outcome.parsed.period

    totals_file = folder / "Totals.csv"
    if totals_file.exists():
        totals = _rows(totals_file)
        metric = next(h for h in totals[0] if h != "Date")
        days = session.scalars(
            select(AccountDay)
            .where(
                AccountDay.account_id == outcome.account.id,
                AccountDay.origin == DayOrigin.import_,
            )
            .order_by(AccountDay.day)
        ).all()
        assert len(days) == len(totals)
        if metric == "Views":
            assert [d.views for d in days] == [_count(r["Views"]) for r in totals]
    chart_file = folder / "Chart data.csv"
    if chart_file.exists():
        chart = _rows(chart_file)
        stored_days = session.scalar(
            select(func.count())
            .select_from(MetricDay)
            .where(MetricDay.import_id == outcome.record.id)
        )
        assert stored_days == len(chart)


def test_re_importing_a_real_export_changes_nothing(session: Session, actor: Actor) -> None:
    folder = shared_exports() / "youtube_studio" / "priyankapatel05_shorts_channel"
    files = sorted(folder.glob("*.csv"))
    first = _import(session, actor, files)
    counts = [
        session.scalar(select(func.count()).select_from(model))
        for model in (Publication, MetricPeriod, MetricDay, AccountDay, MetricImport)
    ]
    again = _import(session, actor, files)
    assert again.repeat_of is not None and again.repeat_of.id == first.record.id  # type: ignore[union-attr]
    assert again.summary()["created"] == 0
    assert counts == [
        session.scalar(select(func.count()).select_from(model))
        for model in (Publication, MetricPeriod, MetricDay, AccountDay, MetricImport)
    ]


@pytest.mark.parametrize("name", ["Overview.csv", "Overview.xlsx", "Overview_download.zip"])
def test_real_tiktok_overview_files(session: Session, actor: Actor, name: str) -> None:
    path = shared_exports() / "tiktok_studio" / "bosszy27" / name
    outcome = _import(session, actor, [path], year=2026)
    assert outcome.parsed.kind == "tiktok_studio"
    days = session.scalars(
        select(AccountDay)
        .where(AccountDay.account_id == outcome.account.id)
        .order_by(AccountDay.day)
    ).all()
    assert len(days) == 7 and all(d.day.year == 2026 and d.day.month == 4 for d in days)
    if name == "Overview.csv":
        expected = _rows(path)
        by_day = {d.day.day: d for d in days}
        for row in expected:
            day = by_day[int(row["Date"].split()[1])]
            assert (day.views, day.likes, day.comments, day.shares) == (
                _count(row["Video Views"]),
                _count(row["Likes"]),
                _count(row["Comments"]),
                _count(row["Shares"]),
            )
