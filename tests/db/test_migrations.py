"""Migrations produce exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.db.base import Base
from shortops.db.migrate import current_revision, head_revision, upgrade
from shortops.db.session import get_engine
from shortops.models import DayOrigin, MetricDay, MetricSnapshot, Publication, SnapshotSource
from tests import factories


def test_migrated_schema_matches_the_models(settings: Settings) -> None:
    engine = get_engine(settings)
    upgrade(engine)  # idempotent on an up-to-date database
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_datetimes_come_back_in_utc(session: Session) -> None:
    owner = factories.create_user(session)
    ws = factories.create_workspace(session, owner=owner)
    account = factories.create_account(session, workspace=ws)
    shanghai = timezone(timedelta(hours=8))
    publication = Publication(
        workspace_id=ws.id,
        account_id=account.id,
        idempotency_key="k1",
        scheduled_at=datetime(2026, 11, 23, 20, 0, tzinfo=shanghai),
    )
    session.add(publication)
    session.commit()
    session.expire_all()
    stored = session.get(Publication, publication.id)
    assert stored.scheduled_at == datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert stored.scheduled_at.tzinfo is not None


def test_naive_datetimes_are_refused(session: Session) -> None:
    owner = factories.create_user(session)
    ws = factories.create_workspace(session, owner=owner)
    account = factories.create_account(session, workspace=ws)
    session.add(
        Publication(
            workspace_id=ws.id,
            account_id=account.id,
            idempotency_key="k2",
            scheduled_at=datetime(2026, 1, 1),
        )
    )
    with pytest.raises(Exception, match="naive datetime"):
        session.commit()


def test_snapshots_are_unique_per_publication_time_and_source(session: Session) -> None:
    owner = factories.create_user(session)
    ws = factories.create_workspace(session, owner=owner)
    account = factories.create_account(session, workspace=ws)
    publication = Publication(workspace_id=ws.id, account_id=account.id, idempotency_key="k3")
    session.add(publication)
    session.commit()
    at = datetime(2026, 11, 1, tzinfo=UTC)
    for source in (SnapshotSource.api, SnapshotSource.import_):
        session.add(
            MetricSnapshot(
                workspace_id=ws.id,
                publication_id=publication.id,
                captured_at=at,
                source=source,
                views=10,
            )
        )
    session.commit()
    assert (
        session.scalar(
            select(MetricSnapshot.source).where(MetricSnapshot.source == SnapshotSource.import_)
        )
        == SnapshotSource.import_
    )
    session.add(
        MetricSnapshot(
            workspace_id=ws.id,
            publication_id=publication.id,
            captured_at=at,
            source=SnapshotSource.api,
            views=11,
        )
    )
    with pytest.raises(IntegrityError):
        session.commit()


def test_foreign_keys_are_enforced(session: Session) -> None:
    session.add(Publication(workspace_id=999, account_id=999, idempotency_key="orphan"))
    with pytest.raises(IntegrityError):
        session.commit()


def test_a_days_rows_go_with_its_account_and_workspace_through_the_publication(
    session: Session,
) -> None:
    """metric_day's only foreign key is its publication's: deleting an account or a workspace
    still takes the days with it (docs/decisions/0009-metric-day-keys.md)."""
    owner = factories.create_user(session)
    days_left = []
    for deleted in ("account", "workspace"):
        ws = factories.create_workspace(session, owner=owner, name=deleted)
        account = factories.create_account(session, workspace=ws)
        publication = Publication(
            workspace_id=ws.id, account_id=account.id, idempotency_key=deleted
        )
        session.add(publication)
        session.flush()
        session.add(
            MetricDay(
                workspace_id=ws.id,
                publication_id=publication.id,
                account_id=account.id,
                day=date(2026, 11, 1),
                origin=DayOrigin.import_,
                views=5,
            )
        )
        session.commit()
        session.delete(account if deleted == "account" else ws)
        session.commit()
        session.expunge_all()
        days_left.append(session.scalar(select(func.count()).select_from(MetricDay)))
    assert days_left == [0, 0]


def test_head_read_from_files_is_alembics_head() -> None:
    from shortops.db.migrate import head_revision_from_files

    assert head_revision_from_files() == head_revision()


def test_fresh_database_is_migrated_and_a_current_one_left_alone(tmp_path: Path) -> None:
    from shortops.db.migrate import stored_revision
    from shortops.db.session import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert stored_revision(engine) is None
    upgrade(engine)
    assert stored_revision(engine) == head_revision()
    upgrade(engine)  # the fast path: nothing to do
    assert current_revision(engine) == head_revision()
    engine.dispose()
