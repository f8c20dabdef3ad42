"""Measure's rules of the database: accounts for imports, and matching rows to publications
(by platform id, link, or title and publish day), creating external ones for posts shortops
did not publish. Writes are in `writes`, derived tables in `derive`, applying an export in
`apply`. Services never commit.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.errors import N_
from shortops.metrics.errors import ImportNeedsAccount
from shortops.models import (
    Account,
    AccountStatus,
    MetricSnapshot,
    Post,
    Publication,
    PublicationStatus,
)
from shortops.providers.manual.kit import PRESETS, preset_for
from shortops.workspaces.service import Actor, record

# Providers with an API of their own; other platform names become manual accounts.
API_PLATFORMS = frozenset({"tiktok", "youtube", "instagram", "douyin", "kuaishou", "bilibili"})


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

    def add(self, publication: Publication, title: str) -> None:
        if publication.remote_id:
            self.by_id[publication.remote_id] = publication
        if publication.url:
            self.by_url[normalise_url(publication.url)] = publication
        if title:
            self.by_title[normalise_title(title)].append(publication)

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
    post, publication = new_external(
        account=account,
        remote_id=remote_id,
        url=url,
        title=title,
        published_at=published_at,
        precision=precision,
        duration_s=duration_s,
    )
    add_externals(session, [(post, publication)])
    return publication


def add_externals(session: Session, created: Sequence[tuple[Post, Publication]]) -> None:
    """Insert external posts and their publications: two batched INSERTs however many (an
    import may create thousands; one flush each cost seconds)."""
    if not created:
        return
    session.add_all([post for post, _ in created])
    session.flush()
    for post, publication in created:
        publication.post_id = post.id
    session.add_all([publication for _, publication in created])
    session.flush()


def new_external(
    *,
    account: Account,
    remote_id: str | None,
    url: str | None,
    title: str,
    published_at: datetime | None,
    precision: str,
    duration_s: float | None,
) -> tuple[Post, Publication]:
    """An external post and publication, not yet added: `add_externals` writes them."""
    post = Post(workspace_id=account.workspace_id, title=title[:500], hashtags=hashtags_in(title))
    identity = remote_id or url or f"{title}|{published_at.isoformat() if published_at else ''}"
    key = hashlib.sha256(f"external:{account.id}:{identity}".encode()).hexdigest()
    publication = Publication(
        workspace_id=account.workspace_id,
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
    return post, publication


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
