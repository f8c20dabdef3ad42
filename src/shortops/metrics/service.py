"""Measure's rules of the database: accounts for imports, matching rows to publications, writing
snapshots, periods and days idempotently, and keeping the derived tables current.

Every write here is idempotent by the tables' natural keys, so the same file or the same poll
applied twice changes nothing the second time. Bulk paths load what exists in one query per
chunk and compare in memory (imports are hundreds of thousands of rows). Services never commit.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import case, delete, func, insert, select, update
from sqlalchemy.orm import Session

from shortops.errors import N_
from shortops.metrics.errors import ImportNeedsAccount
from shortops.metrics.figures import (
    COUNTERS,
    FIGURE_COLUMNS,
    SNAPSHOT_COLUMNS,
    Reading,
    daily_increments,
    day_end,
    published_moment,
    rounded_days,
    split_figures,
    zone,
)
from shortops.metrics.importers.types import ParsedExport
from shortops.models import (
    Account,
    AccountDay,
    AccountPeriod,
    AccountStatus,
    AudienceActivity,
    DayOrigin,
    MetricDay,
    MetricPeriod,
    MetricSnapshot,
    Post,
    Publication,
    PublicationFigures,
    PublicationStatus,
    SnapshotSource,
    Workspace,
)
from shortops.providers.manual.kit import PRESETS, preset_for
from shortops.workspaces.service import Actor, record

# Large IN lists are sent in chunks below every database's parameter limit.
CHUNK = 5_000
# Providers with an API of their own; other platform names become manual accounts.
API_PLATFORMS = frozenset({"tiktok", "youtube", "instagram", "douyin", "kuaishou", "bilibili"})


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- accounts -----------------------------------------------------------------------------------


def platform_key(account: Account) -> str:
    """The platform an account is on: its provider slug, or a manual account's preset key."""
    if account.platform == "manual":
        return preset_for(account.platform_label).key
    return account.platform


def platform_name(key: str) -> str:
    if key in PRESETS:
        return PRESETS[key].name
    from shortops.providers.registry import provider_classes

    cls = provider_classes().get(key)
    return cls.name if cls is not None else key


def import_platforms() -> list[tuple[str, str]]:
    """(key, name) of every platform an export can come from, API platforms first."""
    keys = sorted(API_PLATFORMS) + sorted(k for k in PRESETS if k not in API_PLATFORMS)
    return [(key, platform_name(key)) for key in keys]


def accounts_on(session: Session, *, workspace_id: int, platform: str) -> list[Account]:
    accounts = session.scalars(
        select(Account).where(Account.workspace_id == workspace_id).order_by(Account.id)
    ).all()
    return [a for a in accounts if platform_key(a) == platform]


def clean_handle(handle: str) -> str:
    return handle.strip().lstrip("@").strip()


def account_for_import(
    session: Session, *, actor: Actor, platform: str, handle: str | None
) -> tuple[Account, bool]:
    """The account an import's figures belong to, and whether it was created now.

    A named account that does not exist yet is created as an import-only account of that
    platform; without a name, the workspace's only account on the platform is used.
    """
    candidates = accounts_on(session, workspace_id=actor.workspace.id, platform=platform)
    if handle:
        wanted = clean_handle(handle).casefold()
        for account in candidates:
            if account.handle.casefold() == wanted or account.remote_id.casefold() == wanted:
                return account, False
        return create_import_account(session, actor=actor, platform=platform, handle=handle), True
    if len(candidates) == 1:
        return candidates[0], False
    raise ImportNeedsAccount(
        platform=platform_name(platform),
        known=", ".join(f"@{a.handle}" for a in candidates) or N_("none yet"),
    )


def create_import_account(session: Session, *, actor: Actor, platform: str, handle: str) -> Account:
    """An account that only holds imported figures (no sign-in, cannot publish)."""
    clean = clean_handle(handle)
    api = platform in API_PLATFORMS
    account = Account(
        workspace_id=actor.workspace.id,
        platform=platform if api else "manual",
        platform_label="" if api else platform_name(platform),
        remote_id=f"import:{clean}",
        handle=clean,
        display_name=clean,
        status=AccountStatus.import_only,
    )
    session.add(account)
    session.flush()
    record(
        session,
        action="account.created",
        actor=actor,
        target=("account", account.id),
        data={"platform": platform, "handle": clean, "import_only": True},
    )
    return account


# --- matching rows to publications ---------------------------------------------------------------

_TITLE_SPACE = re.compile(r"\s+")
_ID_IN_PATH = {
    "tiktok": re.compile(r"/(?:video|photo)/(\d+)"),
    "youtube": re.compile(r"/(?:shorts|embed|live)/([\w-]{6,})"),
    "instagram": re.compile(r"/(?:reel|reels|p|tv)/([\w-]+)"),
    "douyin": re.compile(r"/(?:video|note)/(\d+)"),
    "bilibili": re.compile(r"/video/((?:BV|av)\w+)"),
    "kuaishou": re.compile(r"/short-video/(\w+)"),
}


def normalise_title(title: str) -> str:
    return _TITLE_SPACE.sub(" ", title).strip().casefold()


def normalise_url(url: str) -> str:
    """Scheme, query and fragment dropped, host lower-cased, no trailing slash (YouTube's
    watch?v= id kept)."""
    parts = urlsplit(url.strip())
    video = parse_qs(parts.query).get("v", [""])[0]
    path = parts.path.rstrip("/")
    return f"{parts.netloc.lower().removeprefix('www.')}{path}" + (f"?v={video}" if video else "")


def remote_id_from_url(platform: str, url: str) -> str | None:
    """The post id a platform's public URL carries, when it carries one."""
    parts = urlsplit(url.strip())
    if platform == "youtube":
        if parts.netloc.endswith("youtu.be"):
            return parts.path.strip("/") or None
        video = parse_qs(parts.query).get("v")
        if video:
            return video[0]
    pattern = _ID_IN_PATH.get(platform)
    found = pattern.search(parts.path) if pattern else None
    return found.group(1) if found else None


@dataclass
class PostIndex:
    """An account's publications, found by remote id, URL, or title and publish day."""

    platform: str
    tz: ZoneInfo
    by_id: dict[str, Publication] = field(default_factory=dict)
    by_url: dict[str, Publication] = field(default_factory=dict)
    by_title: dict[str, list[Publication]] = field(default_factory=lambda: defaultdict(list))
    titles: dict[int, str] = field(default_factory=dict)

    def add(self, publication: Publication, title: str) -> None:
        if publication.remote_id:
            self.by_id[publication.remote_id] = publication
        if publication.url:
            self.by_url[normalise_url(publication.url)] = publication
        if title:
            self.by_title[normalise_title(title)].append(publication)
            self.titles[publication.id] = title

    def find(
        self,
        *,
        remote_id: str | None,
        url: str | None,
        title: str | None,
        published: datetime | None,
    ) -> Publication | None:
        """The publication a row describes: by id, by URL, else by title and publish day."""
        if remote_id and remote_id in self.by_id:
            return self.by_id[remote_id]
        if url:
            found = self.by_url.get(normalise_url(url))
            if found is not None:
                return found
            from_url = remote_id_from_url(self.platform, url)
            if from_url and from_url in self.by_id:
                return self.by_id[from_url]
        if title:
            return self._by_title(title, published, remote_id)
        return None

    def _by_title(
        self, title: str, published: datetime | None, remote_id: str | None
    ) -> Publication | None:
        # A post with another platform id is another post, however alike the titles.
        same = [
            p
            for p in self.by_title.get(normalise_title(title), [])
            if not (remote_id and p.remote_id and p.remote_id != remote_id)
        ]
        if published is None:
            return same[0] if len(same) == 1 else None
        day = published.astimezone(self.tz).date()
        near = [
            p
            for p in same
            if p.published_at is not None
            and abs((p.published_at.astimezone(self.tz).date() - day).days) <= 1
        ]
        return near[0] if len(near) == 1 else None


def post_index(session: Session, *, account: Account, tz: ZoneInfo) -> PostIndex:
    """Every publication of `account`, indexed for matching import rows."""
    index = PostIndex(platform=platform_key(account), tz=tz)
    rows = session.execute(
        select(Publication, Post.title)
        .outerjoin(Post, Post.id == Publication.post_id)
        .where(Publication.account_id == account.id)
    ).all()
    for publication, title in rows:
        override = (publication.overrides or {}).get("title")
        index.add(publication, str(override or title or ""))
    return index


_HASHTAG = re.compile(r"#([^\s#]+)")


def hashtags_in(text: str) -> list[str]:
    """The #hashtags of a title or caption, in order, without duplicates."""
    seen: dict[str, None] = {}
    for tag in _HASHTAG.findall(text):
        seen.setdefault(tag.rstrip(".,!?;:，。！？；：").casefold(), None)
    return [tag for tag in seen if tag]


def create_external(
    session: Session,
    *,
    account: Account,
    remote_id: str | None,
    url: str | None,
    title: str,
    published_at: datetime | None,
    precision: str,
    duration_s: float | None,
) -> Publication:
    """A publication shortops did not publish, found by an import or a poll (with its post)."""
    post = Post(workspace_id=account.workspace_id, title=title[:500], hashtags=hashtags_in(title))
    session.add(post)
    session.flush()
    identity = remote_id or url or f"{title}|{published_at.isoformat() if published_at else ''}"
    key = hashlib.sha256(f"external:{account.id}:{identity}".encode()).hexdigest()
    publication = Publication(
        workspace_id=account.workspace_id,
        post_id=post.id,
        account_id=account.id,
        status=PublicationStatus.published,
        idempotency_key=key,
        remote_id=remote_id,
        url=url,
        external=True,
        published_at=published_at,
        published_precision=precision,
        duration_s=duration_s,
    )
    session.add(publication)
    session.flush()
    return publication


# --- idempotent writes ---------------------------------------------------------------------------


@dataclass
class WriteCount:
    """What a batch of writes did: rows added, rows whose figures changed, rows already there."""

    added: int = 0
    changed: int = 0
    unchanged: int = 0

    def __iadd__(self, other: WriteCount) -> WriteCount:
        self.added += other.added
        self.changed += other.changed
        self.unchanged += other.unchanged
        return self


def upsert(
    session: Session,
    model: type[Any],
    *,
    keys: tuple[str, ...],
    rows: list[dict[str, Any]],
    compare: tuple[str, ...],
) -> WriteCount:
    """Insert `rows` new by `keys`, update those whose `compare` columns differ, keep the rest.

    The first key column selects what to load (chunks of ids); the rest filter in memory.
    """
    count = WriteCount()
    if not rows:
        return count
    first = keys[0]
    existing: dict[tuple[Any, ...], tuple[int, tuple[Any, ...]]] = {}
    columns = [getattr(model, name) for name in (*keys, *compare)]
    ids = sorted({row[first] for row in rows})
    for part in chunks(ids):
        query = select(model.id, *columns).where(getattr(model, first).in_(part))
        for found in session.execute(query):
            existing[tuple(found[1 : 1 + len(keys)])] = (found[0], tuple(found[1 + len(keys) :]))
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    added: set[tuple[Any, ...]] = set()
    for row in rows:
        key = tuple(row[name] for name in keys)
        hit = existing.get(key)
        if hit is None:
            if key in added:  # the same key twice in one batch: the first row stands
                count.unchanged += 1
                continue
            new.append(row)
            added.add(key)
        elif hit[1] != tuple(row.get(name) for name in compare):
            changed.append({"id": hit[0], **{name: row.get(name) for name in compare}})
        else:
            count.unchanged += 1
    insert_rows(session, model, new)
    for part in chunks(changed):
        session.execute(update(model), list(part))
    count.added, count.changed = len(new), len(changed)
    return count


def add_snapshots(session: Session, rows: list[dict[str, Any]]) -> WriteCount:
    """Append snapshots; one already recorded for (publication, captured_at, source) stays."""
    count = WriteCount()
    if not rows:
        return count
    seen: set[tuple[int, datetime, str]] = set()
    ids = sorted({row["publication_id"] for row in rows})
    for part in chunks(ids):
        query = select(
            MetricSnapshot.publication_id, MetricSnapshot.captured_at, MetricSnapshot.source
        ).where(MetricSnapshot.publication_id.in_(part))
        seen.update((pid, at, str(src)) for pid, at, src in session.execute(query))
    new = []
    for row in rows:
        key = (row["publication_id"], row["captured_at"], str(row["source"]))
        if key in seen:
            count.unchanged += 1
            continue
        seen.add(key)
        new.append(row)
    insert_rows(session, MetricSnapshot, new)
    count.added = len(new)
    return count


def insert_rows(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """INSERT many rows: imports write a million, so the ORM's per-row bookkeeping, and even
    Core's per-row parameter building, would cost more than the database does.

    Rows that all give the same columns (as imports' figure rows do) go straight to the
    driver's `executemany`, each value passed through its column's own bind processor (JSON,
    enums, dates), computed once per distinct value; anything else goes through Core.
    """
    if not rows:
        return
    connection = session.connection()
    statement = _direct_insert(connection, model, rows)
    if statement is None:
        for part in chunks(rows):
            connection.execute(insert(model.__table__), list(part))
        return
    sql, convert, columns = statement
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if connection.dialect.name == "postgresql":
            # COPY: PostgreSQL's own bulk path, several times faster than row INSERTs.
            names = ", ".join(columns)
            with cursor.copy(f"COPY {model.__table__.name} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(convert(row))
            return
        for part in chunks(rows, DIRECT_CHUNK):
            cursor.executemany(sql, [convert(row) for row in part])
    finally:
        cursor.close()


# Rows per executemany call of the direct path.
DIRECT_CHUNK = 20_000


def _direct_insert(
    connection: Any, model: type[Any], rows: list[dict[str, Any]]
) -> tuple[str, Callable[[dict[str, Any]], Any], list[str]] | None:
    """The driver-level INSERT and a row converter, or None when Core must do it (rows of
    differing columns, or a column the rows leave to a Python-side default)."""
    names = list(rows[0])
    first = rows[0].keys()
    if any(row.keys() != first for row in rows):
        return None
    compiled = insert(model.__table__).compile(dialect=connection.dialect, column_keys=names)
    order = list(compiled.positiontup or ()) if compiled.positional else list(compiled.binds)
    if sorted(order) != sorted(names):
        return None
    processors: Mapping[str, Any] = compiled._bind_processors
    if any(not callable(p) for p in processors.values()):
        return None  # a tuple-valued bind (expanding IN): not an INSERT's
    # Only a few columns need converting (JSON, enums, dates); the rest pass as they are.
    converted = [
        (index, _cached(processors[name]))
        for index, name in enumerate(order)
        if processors.get(name) is not None
    ]
    values_of = itemgetter(*order)

    def values(row: dict[str, Any]) -> list[Any]:
        found = list(values_of(row)) if len(order) > 1 else [row[order[0]]]
        for index, convert_value in converted:
            found[index] = convert_value(found[index])
        return found

    if compiled.positional or connection.dialect.name == "postgresql":
        convert: Callable[[dict[str, Any]], Any] = values
    else:

        def convert(row: dict[str, Any]) -> Any:
            return dict(zip(order, values(row), strict=True))

    return str(compiled), convert, order


def _cached(processor: Callable[[Any], Any] | None) -> Callable[[Any], Any]:
    """`processor` remembered per distinct hashable value (days and origins repeat a million
    times); an empty dict (most rows' `extra`) is converted once."""
    if processor is None:
        return _same
    seen: dict[Any, Any] = {}
    # Computed on first use: a DATE column's processor refuses anything but dates.
    once: dict[str, Any] = {}

    def convert(value: Any) -> Any:
        if value is None or (isinstance(value, dict) and not value):
            kind = "none" if value is None else "empty"
            if kind not in once:
                once[kind] = processor(value)
            return once[kind]
        if isinstance(value, dict):
            return processor(value)
        try:
            return seen[value]
        except KeyError:
            found = seen[value] = processor(value)
            return found
        except TypeError:  # unhashable
            return processor(value)

    return convert


def _same(value: Any) -> Any:
    return value


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
_EMPTY_FIGURES: dict[str, Any] = {
    **dict.fromkeys(FIGURE_COLUMNS),
    "revenue": None,
    "currency": None,
    "extra": {},
}


def figure_row(
    metrics: Mapping[str, Any], currency: str | None = None, **keys: Any
) -> dict[str, Any]:
    """A full row for a period/day table: every figure column present (None where not said)."""
    values, extra = split_figures(metrics, FIGURE_COLUMNS)
    row = {**_EMPTY_FIGURES, **keys, **values, "extra": extra}
    if row["revenue"] is not None:
        row["currency"] = currency
    return row


def snapshot_row(metrics: Mapping[str, Any], **keys: Any) -> dict[str, Any]:
    values, extra = split_figures(metrics, SNAPSHOT_COLUMNS, money=False)
    return {**dict.fromkeys(SNAPSHOT_COLUMNS), **keys, **values, "extra": extra}


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
        self.first_line: dict[int, tuple[str, int]] = {}

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
            found = create_external(
                self.session,
                account=self.account,
                remote_id=remote_id
                or (remote_id_from_url(self.index.platform, url) if url else None),
                url=url,
                title=title or "",
                published_at=moment,
                precision=precision,
                duration_s=duration_s,
            )
            self.index.add(found, title or "")
            self.applied.created += 1
        else:
            if once and found.id in self.first_line:
                _, first = self.first_line[found.id]
                self.skip(file, line, N_("the same post as line {first}"), first=first)
                return None
            self._fill_in(found, moment, precision, duration_s)
            self.applied.matched += 1
        self.first_line.setdefault(found.id, (file, line))
        self.applied.publications.add(found.id)
        return found

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
    for row in parsed.posts:
        publication = applier.publication_for(
            file=row.file or parsed.name,
            line=row.line,
            remote_id=row.remote_id,
            url=row.url,
            title=row.title,
            published=row.published,
            duration_s=row.duration_s,
            once=True,
        )
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
    refresh_derived(
        session, workspace_id=account.workspace_id, publication_ids=applied.publications
    )
    days = {row["day"] for row in post_days}
    if days:
        rebuild_account_posts(session, account_id=account.id, days=days)
    return applied


_COMPARED = (*FIGURE_COLUMNS, "revenue", "currency", "extra")


def _post_days(applier: ExportApplier, parsed: ParsedExport) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    account = applier.account
    # Chart data repeats a video on every day: look each one up once.
    seen: dict[tuple[str | None, str | None], Publication | None] = {}
    for row in parsed.post_days:
        key = (row.remote_id, row.title)
        if key in seen:
            publication = seen[key]
            if publication is None:
                applier.skip(row.file or parsed.name, row.line, NO_POST)
            else:
                applier.applied.matched += 1
        else:
            publication = applier.publication_for(
                file=row.file or parsed.name,
                line=row.line,
                remote_id=row.remote_id,
                url=None,
                title=row.title,
                published=row.published,
                duration_s=row.duration_s,
                once=False,
            )
            seen[key] = publication
        if publication is None:
            continue
        rows.append(
            figure_row(
                row.metrics,
                workspace_id=account.workspace_id,
                publication_id=publication.id,
                account_id=account.id,
                day=row.day,
                origin=DayOrigin.import_,
                import_id=applier.import_id,
            )
        )
    return rows


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


# --- one post's history ---------------------------------------------------------------------


def snapshots_of(session: Session, *, publication_id: int) -> list[MetricSnapshot]:
    return list(
        session.scalars(
            select(MetricSnapshot)
            .where(MetricSnapshot.publication_id == publication_id)
            .order_by(MetricSnapshot.captured_at)
        )
    )


def publication_title(session: Session, publication: Publication) -> str:
    """What the post is called: its title override, its post's title, else its platform id."""
    title = (publication.overrides or {}).get("title")
    if not title and publication.post_id is not None:
        post = session.get(Post, publication.post_id)
        title = post.title if post else None
    return str(title or publication.remote_id or publication.id)
