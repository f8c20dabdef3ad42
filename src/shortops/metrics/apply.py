"""Applying a parsed export onto one account: each row matched to its publication (or a new
external one), written idempotently, the derived tables refreshed; every row accounted for as
matched, created or skipped with its reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from shortops.errors import N_
from shortops.metrics.derive import rebuild_account_posts, refresh_derived
from shortops.metrics.figures import (
    FIGURE_COLUMNS,
    published_moment,
)
from shortops.metrics.importers.types import ParsedExport
from shortops.metrics.service import add_externals, new_external, post_index, remote_id_from_url
from shortops.metrics.writes import (
    WriteCount,
    add_snapshots,
    figure_row,
    figure_rows,
    snapshot_row,
    upsert,
)
from shortops.models import (
    Account,
    AccountDay,
    AccountPeriod,
    AudienceActivity,
    DayOrigin,
    MetricDay,
    MetricPeriod,
    Post,
    Publication,
    SnapshotSource,
)

# --- applying an export ---------------------------------------------------------------------------


@dataclass
class Skip:
    """A row left out, and why (English template + params, translated where shown)."""

    file: str
    line: int
    reason: str
    params: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "reason": self.reason, "params": self.params}


@dataclass
class Applied:
    """What applying one export did. rows = matched + created + skipped, always."""

    matched: int = 0
    created: int = 0
    skips: list[Skip] = field(default_factory=list)
    writes: WriteCount = field(default_factory=WriteCount)
    publications: set[int] = field(default_factory=set)

    @property
    def skipped(self) -> int:
        return len(self.skips)

    @property
    def rows(self) -> int:
        return self.matched + self.created + self.skipped


NO_POST = N_("the row names no post (no id, link or title)")


class ExportApplier:
    """Writes one parsed export onto one account; see `apply_export`."""

    def __init__(
        self,
        session: Session,
        *,
        account: Account,
        tz: ZoneInfo,
        import_id: int | None,
        captured_at: datetime,
    ) -> None:
        self.session = session
        self.account = account
        self.tz = tz
        self.import_id = import_id
        self.captured_at = captured_at
        self.index = post_index(session, account=account, tz=tz)
        self.applied = Applied()
        # Each publication a row named (new ones have no id until `write_created`), with the
        # file and line that first did.
        self.first_line: dict[Publication, tuple[str, int]] = {}
        self.created: list[tuple[Post, Publication]] = []

    def publication_for(
        self,
        *,
        file: str,
        line: int,
        remote_id: str | None,
        url: str | None,
        title: str | None,
        published: date | datetime | None,
        duration_s: float | None,
        once: bool,
    ) -> Publication | None:
        """The row's publication, created as external when new; None (skipped) when `once`
        and an earlier row of this file already described it."""
        moment, precision = (None, "minute")
        if published is not None:
            moment, precision = published_moment(published, self.tz)
        found = self.index.find(remote_id=remote_id, url=url, title=title, published=moment)
        if found is None:
            if not (remote_id or url or title):
                self.skip(file, line, NO_POST)
                return None
            post, found = new_external(
                account=self.account,
                remote_id=remote_id
                or (remote_id_from_url(self.index.platform, url) if url else None),
                url=url,
                title=title or "",
                published_at=moment,
                precision=precision,
                duration_s=duration_s,
            )
            self.created.append((post, found))
            self.index.add(found, title or "")
            self.applied.created += 1
        else:
            if once and found in self.first_line:
                _, first = self.first_line[found]
                self.skip(file, line, N_("the same post as line {first}"), first=first)
                return None
            self._fill_in(found, moment, precision, duration_s)
            self.applied.matched += 1
        self.first_line.setdefault(found, (file, line))
        return found

    def write_created(self) -> None:
        """Insert the external posts met since the last call, all at once (they get ids)."""
        add_externals(self.session, self.created)
        self.created.clear()

    def touched(self) -> set[int]:
        """The ids of every publication a row named (after `write_created`)."""
        return {publication.id for publication in self.first_line}

    def _id_in(self, url: str | None) -> str | None:
        return remote_id_from_url(self.index.platform, url) if url else None

    def _fill_in(
        self, found: Publication, moment: datetime | None, precision: str, duration: float | None
    ) -> None:
        """What the file knows and the publication did not (an external post's times)."""
        if found.published_at is None and moment is not None:
            found.published_at, found.published_precision = moment, precision
        if found.duration_s is None and duration is not None:
            found.duration_s = duration

    def skip(self, file: str, line: int, reason: str, **params: Any) -> None:
        self.applied.skips.append(Skip(file, line, reason, params))

    def count_account_row(self) -> None:
        self.applied.matched += 1


def apply_export(
    session: Session,
    *,
    parsed: ParsedExport,
    account: Account,
    tz: ZoneInfo,
    captured_at: datetime,
    import_id: int | None,
) -> Applied:
    """Write every figure of `parsed` on `account`, idempotently; the caller commits or rolls
    back as one (a failed import leaves nothing)."""
    applier = ExportApplier(
        session, account=account, tz=tz, import_id=import_id, captured_at=captured_at
    )
    applied = applier.applied
    applied.skips += [
        Skip(s.file or parsed.name, s.line, s.reason, dict(s.params)) for s in parsed.skipped
    ]
    snapshots: list[dict[str, Any]] = []
    periods: list[dict[str, Any]] = []
    named = [
        (
            row,
            applier.publication_for(
                file=row.file or parsed.name,
                line=row.line,
                remote_id=row.remote_id,
                url=row.url,
                title=row.title,
                published=row.published,
                duration_s=row.duration_s,
                once=True,
            ),
        )
        for row in parsed.posts
    ]
    applier.write_created()
    for row, publication in named:
        if publication is None:
            continue
        keys = {"workspace_id": account.workspace_id, "publication_id": publication.id}
        if parsed.cumulative:
            snapshots.append(
                snapshot_row(
                    row.metrics,
                    **keys,
                    captured_at=captured_at,
                    source=SnapshotSource.import_,
                    import_id=import_id,
                )
            )
        else:
            assert parsed.period is not None, "a period export without its dates is refused earlier"
            periods.append(
                figure_row(
                    row.metrics,
                    row.currency,
                    **keys,
                    start_day=parsed.period[0],
                    end_day=parsed.period[1],
                    source=SnapshotSource.import_,
                    import_id=import_id,
                )
            )
    applied.writes += add_snapshots(session, snapshots)
    applied.writes += upsert(
        session,
        MetricPeriod,
        keys=("publication_id", "start_day", "end_day", "source"),
        rows=periods,
        compare=_COMPARED,
    )
    post_days = _post_days(applier, parsed)
    applied.writes += upsert(
        session,
        MetricDay,
        keys=("publication_id", "day", "origin"),
        rows=post_days,
        compare=_COMPARED,
    )
    applied.writes += _account_figures(applier, parsed)
    applied.publications = applier.touched()
    refresh_derived(
        session, workspace_id=account.workspace_id, publication_ids=applied.publications
    )
    days = {row["day"] for row in post_days}
    if days:
        rebuild_account_posts(session, account_id=account.id, days=days)
    return applied


_COMPARED = (*FIGURE_COLUMNS, "revenue", "currency", "extra")


def _post_days(applier: ExportApplier, parsed: ParsedExport) -> list[dict[str, Any]]:
    account = applier.account
    # Chart data repeats a video on every day: look each one up once.
    seen: dict[tuple[str | None, str | None], Publication | None] = {}
    repeats = 0  # rows of a post met before: matched
    for row in parsed.post_days:
        key = (row.remote_id, row.title)
        if key not in seen:
            seen[key] = applier.publication_for(
                file=row.file or parsed.name,
                line=row.line,
                remote_id=row.remote_id,
                url=None,
                title=row.title,
                published=row.published,
                duration_s=row.duration_s,
                once=False,
            )
        elif seen[key] is None:
            applier.skip(row.file or parsed.name, row.line, NO_POST)
        else:
            repeats += 1
    applier.applied.matched += repeats
    applier.write_created()
    ids = {key: publication.id for key, publication in seen.items() if publication is not None}
    day_row = figure_rows(
        workspace_id=account.workspace_id,
        account_id=account.id,
        origin=DayOrigin.import_,
        import_id=applier.import_id,
    )
    return [
        day_row(row.metrics, publication_id=ids[key], day=row.day)
        for row in parsed.post_days
        if (key := (row.remote_id, row.title)) in ids
    ]


def _account_figures(applier: ExportApplier, parsed: ParsedExport) -> WriteCount:
    session, account = applier.session, applier.account
    count = WriteCount()
    days = []
    for row in parsed.account_days:
        metrics = dict(row.metrics)
        followers = metrics.pop("followers", None)
        days.append(
            {
                **figure_row(
                    metrics,
                    row.currency,
                    workspace_id=account.workspace_id,
                    account_id=account.id,
                    day=row.day,
                    origin=DayOrigin.import_,
                    import_id=applier.import_id,
                ),
                "followers": int(followers) if followers is not None else None,
                "posts_published": None,
            }
        )
        applier.count_account_row()
    count += upsert(
        session,
        AccountDay,
        keys=("account_id", "day", "origin"),
        rows=days,
        compare=(*_COMPARED, "followers"),
    )
    if parsed.account_total is not None and parsed.period is not None:
        total = figure_row(
            parsed.account_total,
            _export_currency(parsed),
            workspace_id=account.workspace_id,
            account_id=account.id,
            start_day=parsed.period[0],
            end_day=parsed.period[1],
            source=SnapshotSource.import_,
            import_id=applier.import_id,
        )
        count += upsert(
            session,
            AccountPeriod,
            keys=("account_id", "start_day", "end_day", "source"),
            rows=[total],
            compare=_COMPARED,
        )
        applier.count_account_row()
    activity = [
        {
            "workspace_id": account.workspace_id,
            "account_id": account.id,
            "day": row.day,
            "hour": row.hour,
            "active_followers": row.active_followers,
            "import_id": applier.import_id,
        }
        for row in parsed.activity
    ]
    count += upsert(
        session,
        AudienceActivity,
        keys=("account_id", "day", "hour"),
        rows=activity,
        compare=("active_followers",),
    )
    applier.applied.matched += len(activity)
    return count


def _export_currency(parsed: ParsedExport) -> str | None:
    """The currency of an export's revenue figures (the posts' rows say it; the Total row not)."""
    return next((row.currency for row in parsed.posts if row.currency), None)
