"""Measure's derived tables: each publication's days from its snapshots and periods, its latest
figures, and its account's daily post totals, kept current after every write."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, select
from sqlalchemy.orm import Session

from shortops.metrics.figures import (
    COUNTERS,
    SNAPSHOT_COLUMNS,
    Reading,
    daily_increments,
    day_end,
    rounded_days,
    zone,
)
from shortops.metrics.service import platform_key
from shortops.metrics.writes import chunks, insert_rows
from shortops.models import (
    Account,
    AccountDay,
    DayOrigin,
    MetricDay,
    MetricPeriod,
    MetricSnapshot,
    Publication,
    PublicationFigures,
    Workspace,
)

# --- derived tables ------------------------------------------------------------------------------


def refresh_derived(session: Session, *, workspace_id: int, publication_ids: Iterable[int]) -> None:
    """Bring each publication's derived days, latest figures and its account's post totals
    up to date with its snapshots and periods."""
    ids = sorted(set(publication_ids))
    if not ids:
        return
    workspace = session.get(Workspace, workspace_id)
    tz = ZoneInfo("UTC") if workspace is None else zone(workspace.timezone)
    touched: dict[int, set[date]] = defaultdict(set)
    for part in chunks(ids):
        publications = {
            p.id: p for p in session.scalars(select(Publication).where(Publication.id.in_(part)))
        }
        snapshots = _snapshots_by_publication(session, list(part))
        days = _derive_days(publications, snapshots, tz)
        for pid, per_day in days.items():
            touched[publications[pid].account_id].update(per_day)
        touched_old = _replace_derived_days(session, publications, days)
        for account_id, old_days in touched_old.items():
            touched[account_id].update(old_days)
        _refresh_figures(session, publications, snapshots)
    for account_id, changed_days in touched.items():
        rebuild_account_posts(session, account_id=account_id, days=changed_days)


def _snapshots_by_publication(session: Session, ids: list[int]) -> dict[int, list[MetricSnapshot]]:
    found: dict[int, list[MetricSnapshot]] = defaultdict(list)
    query = (
        select(MetricSnapshot)
        .where(MetricSnapshot.publication_id.in_(ids))
        .order_by(MetricSnapshot.publication_id, MetricSnapshot.captured_at)
    )
    for snapshot in session.scalars(query):
        found[snapshot.publication_id].append(snapshot)
    return found


def _derive_days(
    publications: Mapping[int, Publication],
    snapshots: Mapping[int, list[MetricSnapshot]],
    tz: ZoneInfo,
) -> dict[int, dict[date, dict[str, int | float]]]:
    result: dict[int, dict[date, dict[str, int | float]]] = {}
    for pid, publication in publications.items():
        readings = [
            Reading(s.captured_at, {name: getattr(s, name) for name in COUNTERS})
            for s in snapshots.get(pid, [])
        ]
        spread = daily_increments(readings, published_at=publication.published_at, tz=tz)
        result[pid] = rounded_days(spread)
    return result


def _replace_derived_days(
    session: Session,
    publications: Mapping[int, Publication],
    days: Mapping[int, Mapping[date, Mapping[str, int | float]]],
) -> dict[int, set[date]]:
    """Write each publication's derived days afresh; the days it had before, per account."""
    ids = list(publications)
    old: dict[int, set[date]] = defaultdict(set)
    query = select(MetricDay.publication_id, MetricDay.day).where(
        MetricDay.publication_id.in_(ids), MetricDay.origin == DayOrigin.derived
    )
    for pid, day in session.execute(query):
        old[publications[pid].account_id].add(day)
    session.execute(
        delete(MetricDay).where(
            MetricDay.publication_id.in_(ids), MetricDay.origin == DayOrigin.derived
        )
    )
    rows: list[dict[str, Any]] = [
        {
            "workspace_id": publications[pid].workspace_id,
            "publication_id": pid,
            "account_id": publications[pid].account_id,
            "day": day,
            "origin": DayOrigin.derived,
            "extra": {},
            **{name: values.get(name) for name in COUNTERS},
        }
        for pid, per_day in days.items()
        for day, values in per_day.items()
    ]
    insert_rows(session, MetricDay, rows)
    return old


def _refresh_figures(
    session: Session,
    publications: Mapping[int, Publication],
    snapshots: Mapping[int, list[MetricSnapshot]],
) -> None:
    """Each publication's latest figures: its newest snapshot, else its newest period."""
    ids = list(publications)
    periods: dict[int, MetricPeriod] = {}
    query = select(MetricPeriod).where(MetricPeriod.publication_id.in_(ids))
    for period in session.scalars(query):
        best = periods.get(period.publication_id)
        if best is None or (period.end_day, -period.start_day.toordinal()) > (
            best.end_day,
            -best.start_day.toordinal(),
        ):
            periods[period.publication_id] = period
    session.execute(delete(PublicationFigures).where(PublicationFigures.publication_id.in_(ids)))
    accounts = {
        a.id: a
        for a in session.scalars(
            select(Account).where(Account.id.in_({p.account_id for p in publications.values()}))
        )
    }
    rows = []
    for pid, publication in publications.items():
        figures = _latest_figures(snapshots.get(pid), periods.get(pid))
        if figures is None:
            continue
        rows.append(
            {
                "publication_id": pid,
                "workspace_id": publication.workspace_id,
                "account_id": publication.account_id,
                "platform": platform_key(accounts[publication.account_id]),
                "published_at": publication.published_at,
                **figures,
            }
        )
    insert_rows(session, PublicationFigures, rows)


def _latest_figures(
    snapshots: list[MetricSnapshot] | None, period: MetricPeriod | None
) -> dict[str, Any] | None:
    if snapshots:
        latest = snapshots[-1]
        return {
            "basis": "snapshot",
            "as_of": latest.captured_at,
            "period_start": None,
            "source": latest.source,
            **{name: getattr(latest, name) for name in SNAPSHOT_COLUMNS},
        }
    if period is not None:
        return {
            "basis": "period",
            "as_of": day_end(period.end_day, ZoneInfo("UTC")),
            "period_start": period.start_day,
            "source": period.source,
            **{name: getattr(period, name) for name in SNAPSHOT_COLUMNS},
        }
    return None


def rebuild_account_posts(session: Session, *, account_id: int, days: Iterable[date]) -> None:
    """An account's `posts` days: the sum of its posts' days, an imported day (a file's figure
    for that post and day) taking the place of the derived one."""
    wanted = sorted(set(days))
    if not wanted:
        return
    session.execute(
        delete(AccountDay).where(
            AccountDay.account_id == account_id,
            AccountDay.origin == DayOrigin.posts,
            AccountDay.day.in_(wanted),
        )
    )
    per_post = (
        select(
            MetricDay.publication_id,
            MetricDay.day,
            *[
                func.coalesce(
                    func.max(_when(MetricDay.origin == DayOrigin.import_, getattr(MetricDay, n))),
                    func.max(_when(MetricDay.origin == DayOrigin.derived, getattr(MetricDay, n))),
                ).label(n)
                for n in COUNTERS
            ],
        )
        .where(MetricDay.account_id == account_id, MetricDay.day.in_(wanted))
        .group_by(MetricDay.publication_id, MetricDay.day)
        .subquery()
    )
    totals = session.execute(
        select(per_post.c.day, *[func.sum(per_post.c[n]).label(n) for n in COUNTERS]).group_by(
            per_post.c.day
        )
    ).all()
    account = session.get(Account, account_id)
    assert account is not None
    rows = [
        {
            "workspace_id": account.workspace_id,
            "account_id": account_id,
            "day": row.day,
            "origin": DayOrigin.posts,
            "extra": {},
            **{n: _number(getattr(row, n), n) for n in COUNTERS},
        }
        for row in totals
    ]
    insert_rows(session, AccountDay, rows)


def _when(condition: Any, value: Any) -> Any:
    return case((condition, value), else_=None)


def _number(value: Any, name: str) -> int | float | None:
    if value is None:
        return None
    return float(value) if name == "watch_time_s" else int(value)
