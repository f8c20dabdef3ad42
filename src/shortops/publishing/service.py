"""Rules and queries of publishing: posts, publications, and the engine's state changes.

Functions take the session first and keyword arguments after; none of them commits. Every query
a person triggers is scoped to one workspace. A publication moves through one state machine, and
every move is one conditional UPDATE (`move`), so two workers, or a worker and a person
cancelling, never both win:

    scheduled ──claim──▶ uploading ──▶ processing ──▶ published
        │                  │   │            ├──────▶ failed        (the platform said no)
        │                  │   │            └──────▶ needs_review  (nobody can tell)
        │                  │   └──▶ failed | needs_review
        │                  └──▶ scheduled again (retry: nothing reached the platform)
        ├──cancel──▶ cancelled
        └──▶ failed (checks at due time: account, rendition, the platform's rules)

Web pages (calendar, queue) build on `list_publications` / `publications_between`,
`reschedule_publication` and `cancel_publication`; `read_posts` / `read_publication` give the
shapes the API answers with. Checking and creating posts (which ask providers and media) is the
flow `compose.py`; `target_text` and `publish_request` are the one way a target's text and the
provider's request are made.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from shortops.config import get_settings
from shortops.errors import N_, InvalidInput, NotFound
from shortops.kit.clock import utcnow
from shortops.kit.pagination import PageParams, paginate
from shortops.models import (
    Account,
    AccountStatus,
    Post,
    Publication,
    PublicationEvent,
    PublicationStatus,
)
from shortops.providers.base import Provider
from shortops.providers.types import Issue, MediaFile, PublishRequest
from shortops.publishing.errors import PublicationLocked
from shortops.publishing.renditions import MANUAL
from shortops.publishing.schemas import (
    STATUS_LABELS,
    EventRead,
    IssueRead,
    PostRead,
    PublicationFilters,
    PublicationRead,
    When,
)
from shortops.publishing.transitions import move
from shortops.worker.after_commit import send_after_commit
from shortops.workspaces.service import Actor, record

# A time this little in the past counts as "now": the browser's clock and ours never agree exactly.
PAST_GRACE = timedelta(seconds=60)
# Named, not imported: the tasks' module imports the flows that import this one.
PUBLISH_TASK = "shortops.publishing.tasks.publish_publication"
CHECK_LINK_TASK = "shortops.publishing.tasks.check_live_link"
CALENDAR_LIMIT = 2000

S = PublicationStatus
Gettext = Callable[[str], str]


def publication_link(publication_id: int) -> str:
    """Where a publication is shown in the web UI (notifications link here)."""
    return f"/publish/publications/{publication_id}"


# The post's fields as messages name them ("The {field} has 2300 characters"), in words.
FIELD_WORDS = {
    "title": N_("title"),
    "caption": N_("caption"),
    "hashtags": N_("hashtags"),
    "short_title": N_("short title"),
}


def render_message(template: str, params: dict[str, Any], gettext: Gettext | None = None) -> str:
    text = gettext(template) if gettext else template
    if gettext and params.get("field") in FIELD_WORDS:
        params = {**params, "field": gettext(FIELD_WORDS[params["field"]])}
    try:
        return str(text.format(**params))
    except (KeyError, IndexError, ValueError):
        return template


def sentence(text: str) -> str:
    """`text` ending like a sentence (English or Chinese)."""
    return text if text.endswith((".", "。", "!", "?", "！", "？")) else text + "."


# --- time -----------------------------------------------------------------------------------------


# Times outside these years are refused where they come in (no post is planned for 9999, and
# the calendar ends there for some time zones).
MIN_YEAR, MAX_YEAR = 2000, 2100


def workspace_zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def resolve_when(at: When, *, timezone: str, now: datetime) -> datetime:
    """`at` in UTC; a time without an offset is read in the workspace's timezone."""
    if at == "now":
        return now
    assert isinstance(at, datetime)
    if at.tzinfo is None:
        at = at.replace(tzinfo=workspace_zone(timezone))
    if not (MIN_YEAR <= at.year <= MAX_YEAR):
        raise InvalidInput(
            N_("{time} is out of range: choose a time between the years {first} and {last}."),
            time=at.isoformat(),
            first=MIN_YEAR,
            last=MAX_YEAR,
        )
    return at.astimezone(UTC)


def local_time(moment: datetime, timezone: str) -> str:
    """`moment` as the workspace reads it: 2026-11-24 18:00 (Asia/Shanghai); a moment at the
    edge of the calendar that the zone cannot show stays in UTC rather than failing the page."""
    try:
        shown = moment.astimezone(workspace_zone(timezone))
    except OverflowError:
        return f"{moment:%Y-%m-%d %H:%M} (UTC)"
    return f"{shown:%Y-%m-%d %H:%M} ({timezone})"


def schedule_issues(scheduled_at: datetime, *, now: datetime, timezone: str) -> list[Issue]:
    if scheduled_at >= now - PAST_GRACE:
        return []
    return [
        Issue(
            field="schedule.at",
            code="in_past",
            message=N_("{time} has already passed (it is now {now}). Choose a later time, or "
                       "publish now."),
            params={"time": local_time(scheduled_at, timezone), "now": local_time(now, timezone)},
        )
    ]  # fmt: skip


# --- checking a post ------------------------------------------------------------------------------


def issue_read(issue: Issue, gettext: Gettext | None = None) -> IssueRead:
    return IssueRead(
        field=issue.field,
        code=issue.code,
        severity=issue.severity,
        message=render_message(issue.message, issue.params, gettext),
        template=issue.message,
        params=issue.params,
    )


def new_issue(field_name: str, code: str, message: str, **params: Any) -> Issue:
    return Issue(field=field_name, code=code, message=message, params=params)


def account_issues(account: Account, cls: type[Provider] | None) -> list[Issue]:
    """Why this account cannot publish now (disconnected, signed out), if it cannot."""
    handle = account.handle
    if account.status == AccountStatus.disconnected:
        return [
            new_issue("account", "account_disconnected",
                   N_("@{handle} is disconnected. Reconnect it under Accounts, or leave it out."),
                   handle=handle)
        ]  # fmt: skip
    if account.status == AccountStatus.import_only:
        return [
            new_issue("account", "account_import_only",
                   N_("@{handle} only holds imported figures. Connect it under Accounts to "
                      "publish to it, or leave it out."),
                   handle=handle)
        ]  # fmt: skip
    if account.status == AccountStatus.needs_reauth:
        return [
            new_issue("account", "account_needs_reauth",
                   N_("@{handle} must be signed in again before it can publish. Reconnect it "
                      "under Accounts."),
                   handle=handle)
        ]  # fmt: skip
    if cls is not None and cls.uses_oauth and account.credentials is None:
        return [
            new_issue("account", "account_signed_out",
                   N_("@{handle} has no stored sign-in. Reconnect it under Accounts."),
                   handle=handle)
        ]  # fmt: skip
    return []


def request_options(account: Account, options: dict[str, Any]) -> dict[str, Any]:
    """The options the provider sees: a manual kit also learns which platform the account is on
    (the manual provider's `platform_label`; a non-empty one in the options wins, an empty one
    — a form's untouched field — does not)."""
    if account.platform == MANUAL and account.platform_label and not options.get("platform_label"):
        return {**options, "platform_label": account.platform_label}
    return options


@dataclass(frozen=True)
class PostText:
    """The text one target posts."""

    title: str
    caption: str
    hashtags: tuple[str, ...]


def target_text(
    *, title: str, caption: str, hashtags: Sequence[str], overrides: Mapping[str, Any] | None
) -> PostText:
    """The post's text with one target's overrides: each one that is set (not None) replaces
    the post's; an empty one is kept (an account may post no caption)."""
    found = dict(overrides or {})

    def pick(name: str, default: Any) -> Any:
        value = found.get(name)
        return default if value is None else value

    return PostText(
        title=pick("title", title),
        caption=pick("caption", caption),
        hashtags=tuple(pick("hashtags", hashtags)),
    )


def publish_request(
    *,
    account: Account,
    media: MediaFile,
    cover: Path | None,
    text: PostText,
    options: dict[str, Any],
    idempotency_key: str,
) -> PublishRequest:
    """What the provider is asked to post: the one way it is built (the composer's check and
    the engine's upload see the same request)."""
    return PublishRequest(
        media=media,
        cover=cover,
        title=text.title,
        caption=text.caption,
        hashtags=text.hashtags,
        options=request_options(account, options),
        idempotency_key=idempotency_key,
    )


# --- creating -------------------------------------------------------------------------------------


def publish_when_due(session: Session, publications: Iterable[Publication]) -> None:
    """Queue each publication's publishing at its time, once this transaction commits.

    A queue that cannot be reached loses nothing: the reconciler finds them when they are due.
    """
    for publication in publications:
        send_after_commit(session, PUBLISH_TASK, publication.id, eta=publication.scheduled_at)


# --- reading --------------------------------------------------------------------------------------


def get_post_or_raise(session: Session, *, workspace_id: int, post_id: int) -> Post:
    post = session.scalar(select(Post).where(Post.id == post_id, Post.workspace_id == workspace_id))
    if post is None:
        raise NotFound(N_("No post with id {id} in this workspace."), id=post_id)
    return post


def list_posts(
    session: Session, *, workspace_id: int, params: PageParams
) -> tuple[list[Post], int]:
    """The workspace's posts, newest first."""
    statement = select(Post).where(Post.workspace_id == workspace_id).order_by(Post.id.desc())
    return paginate(session, statement, params)


def get_publication_or_raise(
    session: Session, *, workspace_id: int, publication_id: int
) -> Publication:
    publication = session.scalar(
        select(Publication).where(
            Publication.id == publication_id, Publication.workspace_id == workspace_id
        )
    )
    if publication is None:
        raise NotFound(N_("No publication with id {id} in this workspace."), id=publication_id)
    return publication


def _filtered(workspace_id: int, filters: PublicationFilters) -> Select[tuple[Publication]]:
    statement = select(Publication).where(Publication.workspace_id == workspace_id)
    if filters.statuses:
        statement = statement.where(Publication.status.in_(list(filters.statuses)))
    if filters.account_id is not None:
        statement = statement.where(Publication.account_id == filters.account_id)
    if filters.post_id is not None:
        statement = statement.where(Publication.post_id == filters.post_id)
    if filters.start is not None:
        statement = statement.where(Publication.scheduled_at >= filters.start)
    if filters.end is not None:
        statement = statement.where(Publication.scheduled_at < filters.end)
    return statement


def list_publications(
    session: Session, *, workspace_id: int, params: PageParams, filters: PublicationFilters
) -> tuple[list[Publication], int]:
    """The queue: publications by scheduled time (earliest first), then id."""
    statement = _filtered(workspace_id, filters).order_by(Publication.scheduled_at, Publication.id)
    return paginate(session, statement, params)


def publications_between(
    session: Session,
    *,
    workspace_id: int,
    start: datetime,
    end: datetime,
    statuses: Sequence[PublicationStatus] = (),
    limit: int = CALENDAR_LIMIT,
) -> list[Publication]:
    """Every publication scheduled in [start, end) for a calendar (at most `limit`)."""
    filters = PublicationFilters(statuses=tuple(statuses), start=start, end=end)
    statement = (
        _filtered(workspace_id, filters)
        .order_by(Publication.scheduled_at, Publication.id)
        .limit(limit)
    )
    return list(session.scalars(statement))


def timeline(session: Session, *, publication_id: int) -> list[PublicationEvent]:
    return list(
        session.scalars(
            select(PublicationEvent)
            .where(PublicationEvent.publication_id == publication_id)
            .order_by(PublicationEvent.id)
        )
    )


def accounts_by_id(session: Session, account_ids: Iterable[int]) -> dict[int, Account]:
    ids = set(account_ids)
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))}


def publication_read(
    publication: Publication,
    account: Account | None,
    *,
    events: Sequence[PublicationEvent] = (),
    gettext: Gettext | None = None,
) -> PublicationRead:
    error = None
    if publication.error:
        error = render_message(publication.error, publication.error_params, gettext)
    check_url = publication.error_params.get("check_url") if publication.error_params else None
    return PublicationRead(
        id=publication.id,
        post_id=publication.post_id,
        account_id=publication.account_id,
        platform=account.platform if account else "",
        account_handle=account.handle if account else "",
        status=publication.status,
        scheduled_at=publication.scheduled_at,
        next_attempt_at=publication.next_attempt_at,
        attempts=publication.attempts,
        max_attempts=get_settings().publish_max_attempts,
        upload_started_at=publication.upload_started_at,
        upload_progress=publication.upload_progress,
        published_at=publication.published_at,
        remote_id=publication.remote_id,
        url=publication.url,
        error=error,
        error_code=publication.error_code,
        review_url=str(check_url) if check_url else None,
        verification=publication.verification or {},
        rendition_id=publication.rendition_id,
        uploaded_sha256=publication.uploaded_sha256 or "",
        options=publication.options or {},
        overrides=publication.overrides or {},
        created_at=publication.created_at,
        updated_at=publication.updated_at,
        timeline=[
            EventRead(
                status=event.status,
                message=render_message(event.message, event.params, gettext),
                created_at=event.created_at,
            )
            for event in events
        ],
    )


def read_publications(
    session: Session, publications: Sequence[Publication], gettext: Gettext | None = None
) -> list[PublicationRead]:
    accounts = accounts_by_id(session, (p.account_id for p in publications))
    return [publication_read(p, accounts.get(p.account_id), gettext=gettext) for p in publications]


def read_publication(
    session: Session, publication: Publication, gettext: Gettext | None = None
) -> PublicationRead:
    """One publication with its timeline."""
    return publication_read(
        publication,
        session.get(Account, publication.account_id),
        events=timeline(session, publication_id=publication.id),
        gettext=gettext,
    )


def read_posts(
    session: Session, posts: Sequence[Post], gettext: Gettext | None = None
) -> list[PostRead]:
    """Posts with their publications (two queries, whatever the number of posts)."""
    by_post: dict[int, list[Publication]] = {post.id: [] for post in posts}
    if by_post:
        rows = session.scalars(
            select(Publication)
            .where(Publication.post_id.in_(list(by_post)))
            .order_by(Publication.id)
        )
        for row in rows:
            by_post[row.post_id or 0].append(row)
    accounts = accounts_by_id(session, (p.account_id for rows in by_post.values() for p in rows))
    return [
        PostRead(
            id=post.id,
            title=post.title,
            caption=post.caption,
            hashtags=list(post.hashtags),
            asset_id=post.asset_id,
            cover_asset_id=post.cover_asset_id,
            created_at=post.created_at,
            publications=[
                publication_read(p, accounts.get(p.account_id), gettext=gettext)
                for p in by_post[post.id]
            ],
        )
        for post in posts
    ]


# --- changes people make --------------------------------------------------------------------------


def pasted_url(url: str) -> tuple[str, SplitResult]:
    """A live post's address as a person pasted it: trimmed, http(s), with a host."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 1000:
        raise InvalidInput(
            N_("Paste the live post's full address, starting with http:// or https://.")
        )
    return url, parts


def locked_error(publication: Publication, platform: str) -> PublicationLocked:
    """Why a publication in its current status cannot be changed, in words to act on."""
    status = publication.status
    if status in (S.uploading, S.processing):
        return PublicationLocked(
            N_("It is on its way to {platform} right now and cannot be stopped or moved: once "
               "the upload has begun, only the platform can take it back. shortops checks that "
               "it went live; delete it on the platform afterwards if it should not be there."),
            platform=platform,
        )  # fmt: skip
    if status == S.published:
        return PublicationLocked(
            N_("It is already published. Delete it on {platform} if it should not be there."),
            platform=platform,
        )  # fmt: skip
    return PublicationLocked(status=STATUS_LABELS[status].lower())


def reschedule_publication(
    session: Session,
    *,
    actor: Actor,
    publication_id: int,
    at: When,
    now: datetime | None = None,
) -> Publication:
    """Move a scheduled publication to another time (queued for it when this commits)."""
    now = now or utcnow()
    workspace = actor.workspace
    publication = get_publication_or_raise(
        session, workspace_id=workspace.id, publication_id=publication_id
    )
    account = session.get(Account, publication.account_id)
    platform = account.platform if account else ""
    if publication.status != S.scheduled:
        raise locked_error(publication, platform)
    scheduled_at = resolve_when(at, timezone=workspace.timezone, now=now)
    issues = schedule_issues(scheduled_at, now=now, timezone=workspace.timezone)
    if issues:
        raise InvalidInput(issues[0].message, **issues[0].params)
    before = publication.scheduled_at
    moved = move(
        session,
        publication_id=publication.id,
        from_statuses=(S.scheduled,),
        to=S.scheduled,
        values={"scheduled_at": scheduled_at, "next_attempt_at": None},
        message=N_("Moved to {time} by {name}."),
        params={"time": local_time(scheduled_at, workspace.timezone), "name": actor_name(actor)},
        now=now,
    )
    if not moved:  # a worker claimed it a moment ago
        session.refresh(publication)
        raise locked_error(publication, platform)
    record(
        session,
        action="publication.rescheduled",
        actor=actor,
        target=("publication", publication.id),
        data={
            "from": before.isoformat() if before else None,
            "to": scheduled_at.isoformat(),
        },
    )
    session.refresh(publication)
    publish_when_due(session, [publication])
    return publication


def cancel_publication(
    session: Session, *, actor: Actor, publication_id: int, now: datetime | None = None
) -> Publication:
    """Cancel a publication that has not started (an upload in progress cannot be stopped)."""
    now = now or utcnow()
    publication = get_publication_or_raise(
        session, workspace_id=actor.workspace.id, publication_id=publication_id
    )
    account = session.get(Account, publication.account_id)
    platform = account.platform if account else ""
    cancelled = move(
        session,
        publication_id=publication.id,
        from_statuses=(S.draft, S.scheduled),
        to=S.cancelled,
        values={"next_attempt_at": None},
        message=N_("Cancelled by {name}."),
        params={"name": actor_name(actor)},
        now=now,
    )
    session.refresh(publication)
    if not cancelled:
        raise locked_error(publication, platform)
    record(
        session,
        action="publication.cancelled",
        actor=actor,
        target=("publication", publication.id),
        data={"post_id": publication.post_id, "account_id": publication.account_id},
    )
    return publication


def actor_name(actor: Actor) -> str:
    """How a person is named in a publication's timeline."""
    return actor.user.name or actor.user.email
