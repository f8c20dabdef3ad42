"""Polling the platforms' read APIs: fresh posts often, old posts rarely, accounts daily.

Cadence by a post's age (DESIGN.md, issue 5): hourly for its first 48 hours, then daily until 30
days, then weekly. Each account is polled in its own task holding no transaction while the
platform answers; its posts' `next_poll_at` says when each is due again. A platform's rate
limit or quota (RateLimited) postpones the rest of that account's posts by the time the platform
asked for; nothing else is held up. Reads are retried by the provider's Http already, so an
error here means the platform really did not answer: the posts are tried again later.

Once a day per account: its follower and total counters, and a look at its newest posts, so
posts published outside shortops become external publications with their counters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from shortops.accounts import credentials
from shortops.accounts import flows as account_flows
from shortops.accounts import service as accounts_service
from shortops.config import Settings
from shortops.db.session import session_scope
from shortops.kit.clock import utcnow
from shortops.metrics import derive, service, writes
from shortops.metrics.figures import SNAPSHOT_COLUMNS, local_day, zone
from shortops.models import (
    Account,
    AccountDay,
    AccountSnapshot,
    AccountStatus,
    DayOrigin,
    Publication,
    PublicationStatus,
    SnapshotSource,
    Workspace,
)
from shortops.providers.base import Provider
from shortops.providers.errors import (
    AuthExpired,
    ProviderError,
    RateLimited,
    ReauthRequired,
)
from shortops.providers.http import Http
from shortops.providers.types import AccountMetrics, Capability, PostMetrics, RemotePost, Tokens

log = logging.getLogger("shortops.metrics")
T = TypeVar("T")

FRESH_FOR = timedelta(hours=48)
FRESH_EVERY = timedelta(hours=1)
YOUNG_FOR = timedelta(days=30)
YOUNG_EVERY = timedelta(days=1)
OLD_EVERY = timedelta(days=7)
ACCOUNT_EVERY = timedelta(hours=23)  # daily, a little early so the hour drifts no later
# After a platform error that is not a rate limit, the posts wait this long.
ERROR_BACKOFF = timedelta(minutes=30)
# At most this many of an account's due posts per run; the rest follow in the next run.
MAX_POSTS_PER_RUN = 2_000
# Newest posts looked at once a day for posts published outside shortops (pages of the list).
DISCOVERY_PAGES = 3


def next_poll_after(published_at: datetime | None, now: datetime) -> datetime:
    """When a post is due again: hourly while fresh, daily while young, weekly after."""
    age = now - published_at if published_at is not None else YOUNG_FOR
    if age < FRESH_FOR:
        return now + FRESH_EVERY
    if age < YOUNG_FOR:
        return now + YOUNG_EVERY
    return now + OLD_EVERY


def reads_metrics(account: Account) -> bool:
    """Whether shortops can poll this account (a signed-in account on a platform with reads)."""
    from shortops.providers.registry import provider_classes

    cls = provider_classes().get(account.platform)
    return (
        cls is not None
        and account.status == AccountStatus.connected
        and bool({Capability.post_metrics, Capability.account_metrics} & cls.capabilities)
    )


def accounts_due(session: Session, *, now: datetime) -> list[int]:
    """Accounts with a post due for polling, or whose daily account read is due."""
    accounts = session.scalars(
        select(Account).where(Account.status == AccountStatus.connected).order_by(Account.id)
    ).all()
    pollable = [a.id for a in accounts if reads_metrics(a)]
    if not pollable:
        return []
    with_posts = set(
        session.scalars(
            select(Publication.account_id)
            .where(Publication.account_id.in_(pollable), *_due_post(now))
            .distinct()
        )
    )
    last_read: dict[int, datetime] = dict(
        session.execute(
            select(AccountSnapshot.account_id, func.max(AccountSnapshot.captured_at))
            .where(AccountSnapshot.account_id.in_(pollable))
            .group_by(AccountSnapshot.account_id)
        )
        .tuples()
        .all()
    )
    return [
        aid
        for aid in pollable
        if aid in with_posts or last_read.get(aid) is None or now - last_read[aid] >= ACCOUNT_EVERY
    ]


def _due_post(now: datetime) -> tuple[ColumnElement[bool], ...]:
    return (
        Publication.status == PublicationStatus.published,
        Publication.remote_id.is_not(None),
        or_(Publication.next_poll_at.is_(None), Publication.next_poll_at <= now),
    )


@dataclass
class PollReport:
    """What one account's poll did."""

    account_id: int
    posts_read: int = 0
    snapshots: int = 0
    missing: list[str] = field(default_factory=list)  # ids the platform no longer has
    discovered: int = 0
    account_read: bool = False
    postponed_until: datetime | None = None
    error: str | None = None


def poll_account(
    settings: Settings, account_id: int, *, now: datetime | None = None, http: Http | None = None
) -> PollReport:
    """Read the due posts and (daily) the account of one account; write what came back."""
    now = now or utcnow()
    report = PollReport(account_id)
    with session_scope(settings) as session:
        account = accounts_service.lock_account(session, account_id=account_id)
        if account is None or not reads_metrics(account):
            return report
        provider = credentials.provider_for(
            session, workspace_id=account.workspace_id, platform=account.platform, http=http
        )
        try:
            tokens = account_flows.usable_tokens(session, account_id=account.id, provider=provider)
        except ProviderError as exc:  # ReauthRequired marked the account; others: next run
            report.error = exc.render()
            return report
        due = _due_posts(session, account_id, now)
        account_due = _account_read_due(session, account_id, now)
    poller = _Poller(settings, provider, tokens, account_id, now, report)
    poller.read_posts(due)
    if account_due and report.postponed_until is None:
        poller.read_account()
    return report


def _due_posts(session: Session, account_id: int, now: datetime) -> list[tuple[int, str]]:
    rows = session.execute(
        select(Publication.id, Publication.remote_id)
        .where(Publication.account_id == account_id, *_due_post(now))
        .order_by(Publication.next_poll_at.is_not(None), Publication.next_poll_at)
        .limit(MAX_POSTS_PER_RUN)
    ).all()
    return [(pid, str(remote)) for pid, remote in rows]


def _account_read_due(session: Session, account_id: int, now: datetime) -> bool:
    last = session.scalar(
        select(func.max(AccountSnapshot.captured_at)).where(
            AccountSnapshot.account_id == account_id
        )
    )
    return last is None or now - last >= ACCOUNT_EVERY


@dataclass
class _Poller:
    settings: Settings
    provider: Provider
    tokens: Tokens
    account_id: int
    now: datetime
    report: PollReport

    @property
    def source(self) -> SnapshotSource:
        return SnapshotSource.sandbox if self.provider.is_sandbox else SnapshotSource.api

    def read_posts(self, due: Sequence[tuple[int, str]]) -> None:
        if Capability.post_metrics not in self.provider.capabilities or not due:
            return
        size = max(1, self.provider.metrics_batch)
        for start in range(0, len(due), size):
            batch = due[start : start + size]
            ids = [remote for _, remote in batch]
            answer = self._with_refresh(partial(self.provider.fetch_post_metrics, remote_ids=ids))
            if answer is None:
                self._postpone([pid for pid, _ in due[start:]])
                return
            self._write_posts(batch, answer)

    def _with_refresh(self, read: Callable[[Tokens], T]) -> T | None:
        """`read` with the account's tokens; refreshed once when the platform calls them
        expired. None (and the error kept in the report) when the platform did not answer."""
        try:
            return read(self.tokens)
        except AuthExpired:
            if not self._refresh():
                return None
            try:
                return read(self.tokens)
            except ProviderError as exc:
                self._failed(exc)
        except ProviderError as exc:
            self._failed(exc)
        return None

    def _refresh(self) -> bool:
        """A token the platform turned down early: refresh it once (holding the account)."""
        with session_scope(self.settings) as session:
            account = accounts_service.lock_account(session, account_id=self.account_id)
            if account is None:
                return False
            try:
                self.tokens = account_flows.usable_tokens(
                    session, account_id=account.id, provider=self.provider, refused=self.tokens
                )
            except ProviderError as exc:
                self.report.error = exc.render()
                return False
        return True

    def _failed(self, exc: ProviderError) -> None:
        """Keep the error; the account's remaining posts wait (the platform's own time for a
        rate limit)."""
        wait = timedelta(seconds=exc.retry_after_s) if isinstance(exc, RateLimited) else None
        self.report.postponed_until = self.now + (wait or ERROR_BACKOFF)
        self.report.error = exc.render()
        with session_scope(self.settings) as session:
            account = session.get(Account, self.account_id)
            if account is not None and not isinstance(exc, RateLimited):
                accounts_service.record_error(account, error=exc)
        log.warning("polling account %s: %s", self.account_id, exc.render())
        if isinstance(exc, ReauthRequired):
            self._mark_reauth(exc)

    def _mark_reauth(self, exc: ReauthRequired) -> None:
        with session_scope(self.settings) as session:
            account = session.get(Account, self.account_id)
            if account is not None:
                account_flows.mark_needs_reauth(session, account, exc)

    def _postpone(self, publication_ids: list[int]) -> None:
        until = self.report.postponed_until or self.now + ERROR_BACKOFF
        with session_scope(self.settings) as session:
            for part in writes.chunks(publication_ids):
                for publication in session.scalars(
                    select(Publication).where(Publication.id.in_(part))
                ):
                    publication.next_poll_at = until

    def _write_posts(self, batch: Sequence[tuple[int, str]], answer: list[PostMetrics]) -> None:
        by_remote = {m.remote_id: m for m in answer}
        with session_scope(self.settings) as session:
            rows = []
            publications = {
                p.id: p
                for p in session.scalars(
                    select(Publication).where(Publication.id.in_([pid for pid, _ in batch]))
                )
            }
            for pid, remote in batch:
                publication = publications[pid]
                publication.polled_at = self.now
                publication.next_poll_at = next_poll_after(publication.published_at, self.now)
                found = by_remote.get(remote)
                if found is None:
                    self.report.missing.append(remote)
                    continue
                rows.append(self._snapshot(publication, found))
            written = writes.add_snapshots(session, rows)
            self.report.posts_read += len(batch)
            self.report.snapshots += written.added
            workspace_id = next(iter(publications.values())).workspace_id
            derive.refresh_derived(
                session, workspace_id=workspace_id, publication_ids=list(publications)
            )

    def _snapshot(self, publication: Publication, metrics: PostMetrics) -> dict[str, object]:
        values = {name: getattr(metrics, name) for name in SNAPSHOT_COLUMNS}
        return {
            "workspace_id": publication.workspace_id,
            "publication_id": publication.id,
            "captured_at": metrics.captured_at,
            "source": self.source,
            "import_id": None,
            "extra": dict(metrics.extra),
            **values,
        }

    def read_account(self) -> None:
        capabilities = self.provider.capabilities
        figures: AccountMetrics | None = None
        if Capability.account_metrics in capabilities:
            figures = self._with_refresh(self.provider.fetch_account_metrics)
        posts: list[RemotePost] = []
        if Capability.post_metrics in capabilities:
            posts = self._discover()
        with session_scope(self.settings) as session:
            account = session.get(Account, self.account_id)
            if account is None:
                return
            if figures is not None:
                self._write_account(session, account, figures)
            if posts:
                self._write_discovered(session, account, posts)
            if figures is not None or posts:
                accounts_service.record_success(account)

    def _discover(self) -> list[RemotePost]:
        found: list[RemotePost] = []
        cursor: str | None = None
        for _ in range(DISCOVERY_PAGES):
            page = self._with_refresh(partial(self.provider.list_posts, cursor=cursor))
            if page is None:
                break
            found.extend(page.posts)
            cursor = page.cursor
            if cursor is None:
                break
        return found

    def _write_account(self, session: Session, account: Account, figures: AccountMetrics) -> None:
        snapshot = AccountSnapshot(
            workspace_id=account.workspace_id,
            account_id=account.id,
            captured_at=figures.captured_at,
            source=self.source,
            followers=figures.followers,
            following=figures.following,
            total_views=figures.total_views,
            total_likes=figures.total_likes,
            posts_count=figures.posts_count,
            extra=dict(figures.extra),
        )
        exists = session.scalar(
            select(AccountSnapshot.id).where(
                AccountSnapshot.account_id == account.id,
                AccountSnapshot.captured_at == figures.captured_at,
                AccountSnapshot.source == self.source,
            )
        )
        if exists is None:
            session.add(snapshot)
        self.report.account_read = True
        if figures.followers is not None:
            workspace = session.get(Workspace, account.workspace_id)
            tz = zone(workspace.timezone if workspace else "UTC")
            writes.upsert(
                session,
                AccountDay,
                keys=("account_id", "day", "origin"),
                rows=[
                    {
                        **writes.figure_row(
                            {},
                            workspace_id=account.workspace_id,
                            account_id=account.id,
                            day=local_day(figures.captured_at, tz),
                            origin=DayOrigin.api,
                            import_id=None,
                        ),
                        "followers": figures.followers,
                        "posts_published": None,
                    }
                ],
                compare=("followers",),
            )

    def _write_discovered(
        self, session: Session, account: Account, posts: list[RemotePost]
    ) -> None:
        workspace = session.get(Workspace, account.workspace_id)
        index = service.post_index(
            session, account=account, tz=zone(workspace.timezone if workspace else "UTC")
        )
        rows = []
        touched = []
        for post in posts:
            publication = index.find(
                remote_id=post.remote_id, url=post.url, title=None, published=None
            )
            if publication is None:
                publication = service.create_external(
                    session,
                    account=account,
                    remote_id=post.remote_id,
                    url=post.url,
                    title=post.title,
                    published_at=post.published_at,
                    precision="minute",
                    duration_s=post.duration_s,
                )
                publication.next_poll_at = next_poll_after(post.published_at, self.now)
                index.add(publication, post.title)
                self.report.discovered += 1
            if post.metrics is not None and publication.polled_at is None:
                rows.append(self._snapshot(publication, post.metrics))
                publication.polled_at = self.now
                touched.append(publication.id)
        written = writes.add_snapshots(session, rows)
        self.report.snapshots += written.added
        derive.refresh_derived(session, workspace_id=account.workspace_id, publication_ids=touched)
