"""Home: what is happening in the workspace now — today's queue, what needs a person, the latest
renders — read from the publishing, media and accounts domains."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.accounts.service import account_platform_name
from shortops.kit.pagination import PageParams
from shortops.media import rendition_service
from shortops.models import (
    Account,
    AccountStatus,
    MediaAsset,
    Post,
    Publication,
    PublicationStatus,
)
from shortops.publishing import service as publishing
from shortops.publishing.renditions import MANUAL
from shortops.publishing.schemas import PublicationFilters
from shortops.publishing.service import Gettext

S = PublicationStatus
SHOWN = 8
ATTENTION = (S.failed, S.needs_review)


@dataclass(frozen=True)
class Row:
    """One publication as Home lists it."""

    publication_id: int
    title: str
    account: str
    status: PublicationStatus
    when: str  # local time, HH:MM today or the date
    error: str | None


@dataclass(frozen=True)
class Render:
    rendition_id: int
    asset_id: int
    filename: str
    profile: str
    status: str
    progress: float


@dataclass(frozen=True)
class HomeSummary:
    today: list[Row]
    attention: list[Row]
    attention_total: int
    kits_waiting: list[Row]
    reconnect: list[tuple[int, str]]  # (account id, "TikTok @handle")
    renders: list[Render]
    assets: int
    accounts: int
    published_week: int

    @property
    def first_run(self) -> bool:
        """Nothing to show yet: Home becomes the three first steps."""
        return not self.assets and not self.accounts and not self.today


def summary(
    session: Session, *, workspace_id: int, timezone: str, now: datetime, gettext: Gettext
) -> HomeSummary:
    zone = publishing.workspace_zone(timezone)
    local_midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
    start = local_midnight.astimezone(now.tzinfo)
    today = publishing.publications_between(
        session,
        workspace_id=workspace_id,
        start=start,
        end=start + timedelta(days=1),
        limit=SHOWN,
    )
    attention, attention_total = publishing.list_publications(
        session,
        workspace_id=workspace_id,
        params=PageParams(per_page=SHOWN),
        filters=PublicationFilters(statuses=ATTENTION),
    )
    kits = _kits_waiting(session, workspace_id)
    rows = _rows(session, [*today, *attention, *kits], timezone, local_midnight.date(), gettext)
    return HomeSummary(
        today=[rows[p.id] for p in today],
        attention=[rows[p.id] for p in attention],
        attention_total=attention_total,
        kits_waiting=[rows[p.id] for p in kits],
        reconnect=_to_reconnect(session, workspace_id),
        renders=_renders(session, workspace_id),
        assets=_count(session, MediaAsset, workspace_id),
        accounts=_count(session, Account, workspace_id),
        published_week=_published_since(session, workspace_id, now - timedelta(days=7)),
    )


def _kits_waiting(session: Session, workspace_id: int) -> list[Publication]:
    """Manual publications whose kit is out: a person must post them and paste the link."""
    statement = (
        select(Publication)
        .join(Account, Account.id == Publication.account_id)
        .where(
            Publication.workspace_id == workspace_id,
            Account.platform == MANUAL,
            Publication.status == S.processing,
        )
        .order_by(Publication.scheduled_at)
        .limit(SHOWN)
    )
    return list(session.scalars(statement))


def _rows(
    session: Session,
    publications: list[Publication],
    timezone: str,
    today: date,
    gettext: Gettext,
) -> dict[int, Row]:
    accounts = publishing.accounts_by_id(session, (p.account_id for p in publications))
    errors = {
        read.id: read.error for read in publishing.read_publications(session, publications, gettext)
    }
    post_ids = {p.post_id for p in publications if p.post_id is not None}
    statement = select(Post.id, Post.title).where(Post.id.in_(post_ids))
    titles = dict(session.execute(statement).tuples().all()) if post_ids else {}
    zone = publishing.workspace_zone(timezone)
    rows: dict[int, Row] = {}
    for p in publications:
        account = accounts.get(p.account_id)
        local = p.scheduled_at.astimezone(zone) if p.scheduled_at else None
        when = ""
        if local is not None:
            when = f"{local:%H:%M}" if local.date() == today else f"{local:%Y-%m-%d %H:%M}"
        rows[p.id] = Row(
            publication_id=p.id,
            title=titles.get(p.post_id, "") if p.post_id else "",
            account=f"{account_platform_name(account)} @{account.handle}" if account else "",
            status=p.status,
            when=when,
            error=errors.get(p.id),
        )
    return rows


def _to_reconnect(session: Session, workspace_id: int) -> list[tuple[int, str]]:
    statement = select(Account).where(
        Account.workspace_id == workspace_id,
        Account.status.in_([AccountStatus.needs_reauth, AccountStatus.disconnected]),
    )
    return [(a.id, f"{account_platform_name(a)} @{a.handle}") for a in session.scalars(statement)]


def _renders(session: Session, workspace_id: int) -> list[Render]:
    renditions, _total = rendition_service.list_renditions(
        session, workspace_id=workspace_id, params=PageParams(per_page=5)
    )
    assets = {
        a.id: a.filename
        for a in session.scalars(
            select(MediaAsset).where(MediaAsset.id.in_({r.asset_id for r in renditions}))
        )
    }
    return [
        Render(
            rendition_id=r.id,
            asset_id=r.asset_id,
            filename=assets.get(r.asset_id, ""),
            profile=str((r.profile or {}).get("name", r.profile_slug)),
            status=r.status.value,
            progress=r.progress,
        )
        for r in renditions
    ]


def _count(session: Session, model: type[MediaAsset] | type[Account], workspace_id: int) -> int:
    statement = select(func.count()).select_from(model).where(model.workspace_id == workspace_id)
    return int(session.scalar(statement) or 0)


def _published_since(session: Session, workspace_id: int, since: datetime) -> int:
    statement = select(func.count()).where(
        Publication.workspace_id == workspace_id,
        Publication.status == S.published,
        Publication.published_at >= since,
    )
    return int(session.scalar(statement) or 0)
