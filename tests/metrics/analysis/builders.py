"""Synthetic posts for the insight tests: pure samples, and the same through the database."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from sqlalchemy.orm import Session

from shortops.metrics import derive, writes
from shortops.metrics.analysis.common import PostHistory, PostSample, ViewReading
from shortops.models import Account, Post, Publication, PublicationStatus, SnapshotSource

_ids = count(1)


def sample(
    published_at: datetime,
    views: float,
    *,
    account_id: int = 1,
    platform: str = "sandbox",
    **fields: Any,
) -> PostSample:
    """A post 7 days old with `views` at day 7."""
    return PostSample(
        publication_id=next(_ids),
        account_id=account_id,
        platform=platform,
        published_at=published_at,
        views=views,
        basis=fields.pop("basis", "day7"),
        age_days=fields.pop("age_days", 7.0),
        **fields,
    )


def shape(hours: float, tau: float = 30.0) -> float:
    """A known growth curve: the share of its day-7 views a post has at `hours`."""
    return (1 - math.exp(-hours / tau)) / (1 - math.exp(-168 / tau))


# Hourly for two days, then daily to day 10: how polling reads a post.
POLL_HOURS = (*range(1, 49), *range(72, 241, 24))


def history(
    published_at: datetime,
    final: float,
    *,
    account_id: int = 1,
    hours: Sequence[float] = POLL_HOURS,
    tau: float = 30.0,
    title: str = "",
) -> PostHistory:
    """A post whose cumulative views follow `shape` up to `final` at day 7 (and on after)."""
    readings = tuple(
        ViewReading(published_at + timedelta(hours=h), final * shape(h, tau)) for h in hours
    )
    return PostHistory(next(_ids), account_id, published_at, readings, title)


def moment(day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC moment `day` days into 2026 (counting from 1; the 5th of January is a Monday)."""
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day - 1, hours=hour, minutes=minute)


# --- through the database -----------------------------------------------------------------------


def add_post(
    session: Session,
    account: Account,
    *,
    published_at: datetime,
    readings: Sequence[tuple[float, float]],
    title: str = "a post",
    duration_s: float | None = 30.0,
    pillar: str = "",
    hashtags: Sequence[str] = (),
    precision: str = "minute",
) -> Publication:
    """A published post with snapshots of views at (age in hours, views); derived tables are
    left to `refresh` (one call for many posts is faster)."""
    post = Post(
        workspace_id=account.workspace_id, title=title, pillar=pillar, hashtags=list(hashtags)
    )
    session.add(post)
    session.flush()
    key = hashlib.sha256(f"test:{account.id}:{post.id}".encode()).hexdigest()
    publication = Publication(
        workspace_id=account.workspace_id,
        post_id=post.id,
        account_id=account.id,
        status=PublicationStatus.published,
        idempotency_key=key,
        remote_id=f"r{post.id}",
        published_at=published_at,
        published_precision=precision,
        duration_s=duration_s,
    )
    session.add(publication)
    session.flush()
    writes.add_snapshots(
        session,
        [
            writes.snapshot_row(
                {"views": round(views)},
                workspace_id=account.workspace_id,
                publication_id=publication.id,
                captured_at=published_at + timedelta(hours=hours),
                source=SnapshotSource.api,
            )
            for hours, views in readings
        ],
    )
    return publication


def refresh(session: Session, account: Account, publications: Sequence[Publication]) -> None:
    derive.refresh_derived(
        session, workspace_id=account.workspace_id, publication_ids=[p.id for p in publications]
    )
    session.commit()
