"""A workspace with accounts on the loopback platform (tests/publishing/fake_platform.py).

Providers under test are registered by replacing the registry's cached lookup, the same place
installed plug-ins land: `provider_classes()` answers with the installed ones plus these.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import count
from typing import Any, ClassVar

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.accounts.credentials import APP_SECRET_PURPOSE, seal, store_tokens
from shortops.config import Settings
from shortops.kit.clock import utcnow
from shortops.media.store import MediaStore
from shortops.models import (
    Account,
    AssetKind,
    MediaAsset,
    Notification,
    PlatformApp,
    Publication,
    PublicationEvent,
    User,
    Workspace,
)
from shortops.providers import registry
from shortops.providers.base import OnProgress, Provider, RecordTicket
from shortops.providers.http import Http
from shortops.providers.types import (
    Capability,
    Pending,
    PublishRequest,
    PublishState,
    Ticket,
    Tokens,
)
from shortops.publishing import compose, service
from shortops.publishing.flows import Engine
from shortops.publishing.schemas import PostCreate
from shortops.workspaces.service import Actor
from tests import factories
from tests.publishing.fake_platform import LoopbackFake, LoopbackProvider, RenderedLoopbackProvider

_seq = count(1)


class ManualStub(Provider):
    """Stands in for the manual provider when it is not installed: a kit, no platform calls."""

    slug = "manual"
    name = "Manual"
    capabilities = frozenset({Capability.publish})
    uses_oauth = False

    def start_publish(
        self,
        tokens: Tokens,
        request: PublishRequest,
        *,
        record: RecordTicket,
        on_progress: OnProgress | None = None,
    ) -> Ticket:
        ticket = Ticket(reference=f"kit-{request.idempotency_key}", data={"title": request.title})
        record(ticket)
        return ticket

    def check_publish(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        return Pending(detail="waiting for the operator")


@pytest.fixture(autouse=True)
def providers(monkeypatch: pytest.MonkeyPatch) -> dict[str, type[Provider]]:
    installed = registry.provider_classes()
    found: dict[str, type[Provider]] = {
        **installed,
        LoopbackProvider.slug: LoopbackProvider,
        RenderedLoopbackProvider.slug: RenderedLoopbackProvider,
    }
    found.setdefault(ManualStub.slug, ManualStub)
    monkeypatch.setattr(registry, "provider_classes", lambda: found)
    return found


@pytest.fixture
def fake() -> Iterator[LoopbackFake]:
    server = LoopbackFake()
    server.poll_after_s = 2
    yield server
    server.close()


class Clock:
    """The engine's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@dataclass
class World:
    settings: Settings
    session: Session
    fake: LoopbackFake
    workspace: Workspace
    owner: User
    actor: Actor
    asset: MediaAsset
    account: Account
    store: MediaStore
    clock: Clock = field(default_factory=Clock)
    slept: list[float] = field(default_factory=list)
    ACCOUNT_HANDLE: ClassVar[str] = "creator"

    def engine(self, settings: Settings | None = None) -> Engine:
        def http(platform: str) -> Http:
            return Http(platform, timeout_s=10, sleep=self.slept.append)

        return Engine(settings or self.settings, clock=self.clock, http=http)

    def add_account(
        self,
        platform: str = "loopback",
        *,
        handle: str | None = None,
        tokens: Tokens | None = None,
        **values: Any,
    ) -> Account:
        handle = handle or f"acct{next(_seq)}"
        account = Account(
            workspace_id=self.workspace.id,
            platform=platform,
            remote_id=handle,
            handle=handle,
            **values,
        )
        if platform.startswith("loopback"):
            store_tokens(account, tokens or self.fake.connect(handle))
        self.session.add(account)
        self.session.commit()
        return account

    def post(self, *accounts: Account, at: Any = "now", **fields: Any) -> PostCreate:
        targets = fields.pop("targets", None) or [{"account_id": a.id} for a in accounts]
        return PostCreate.model_validate(
            {
                "title": "Three tips",
                "caption": "Hooks that work",
                "hashtags": ["tips"],
                "asset_id": self.asset.id,
                "targets": targets,
                "schedule": {"at": at},
                **fields,
            }
        )

    def schedule(self, *accounts: Account, **fields: Any) -> list[Publication]:
        """Create a post for `accounts` (default: the loopback account), committed."""
        created = compose.create_post(
            self.session,
            actor=self.actor,
            data=self.post(*(accounts or (self.account,)), **fields),
            store=self.store,
            now=self.clock(),
        )
        self.session.commit()
        return created.publications

    def reload(self, publication: Publication) -> Publication:
        self.session.expire_all()
        found = self.session.get(Publication, publication.id)
        assert found is not None
        return found

    def events(self, publication: Publication) -> list[str]:
        self.session.expire_all()
        rows = self.session.scalars(
            select(PublicationEvent)
            .where(PublicationEvent.publication_id == publication.id)
            .order_by(PublicationEvent.id)
        )
        return [service.render_message(e.message, e.params) for e in rows]

    def notifications(self, kind: str | None = None) -> list[Notification]:
        self.session.expire_all()
        statement = select(Notification).where(Notification.workspace_id == self.workspace.id)
        if kind is not None:
            statement = statement.where(Notification.kind == kind)
        return list(self.session.scalars(statement.order_by(Notification.id)))


def make_asset(
    session: Session, store: MediaStore, workspace: Workspace, **facts: Any
) -> MediaAsset:
    """A video asset with a (small, not really video) file in the store."""
    content = f"video-{next(_seq)}".encode() * 512
    sha = hashlib.sha256(content).hexdigest()
    path = store.asset_path(sha, ".mp4")
    store.path(path).parent.mkdir(parents=True, exist_ok=True)
    store.path(path).write_bytes(content)
    values: dict[str, Any] = {"duration_s": 12.0, "width": 1080, "height": 1920, **facts}
    asset = MediaAsset(
        workspace_id=workspace.id,
        sha256=sha,
        filename="tips.mp4",
        content_type="video/mp4",
        kind=AssetKind.video,
        size_bytes=len(content),
        storage_path=path,
        probe={"facts": {**values, "has_video": True}},
        **values,
    )
    session.add(asset)
    session.commit()
    return asset


def add_app(session: Session, workspace: Workspace, platform: str, api_url: str) -> None:
    session.add(
        PlatformApp(
            workspace_id=workspace.id,
            platform=platform,
            client_id="client",
            client_secret=seal("client-secret", APP_SECRET_PURPOSE),
            endpoints={"api": api_url},
        )
    )
    session.commit()


@pytest.fixture
def world(settings: Settings, session: Session, fake: LoopbackFake) -> World:
    return build_world(settings, session, fake)


def build_world(
    settings: Settings, session: Session, fake: LoopbackFake, *, name: str = "Pub"
) -> World:
    """A workspace with one video and a connected loopback account (also for benchmarks)."""
    owner = factories.create_user(session, email=f"owner-{next(_seq)}@pub.example", name="Olive")
    workspace = factories.create_workspace(session, owner=owner, name=name)
    actor = factories.actor_for(session, user=owner, workspace=workspace)
    store = MediaStore.from_settings(settings)
    asset = make_asset(session, store, workspace)
    for platform in ("loopback", "loopback_rendered"):
        add_app(session, workspace, platform, fake.url)
    found = World(
        settings=settings,
        session=session,
        fake=fake,
        workspace=workspace,
        owner=owner,
        actor=actor,
        asset=asset,
        account=None,  # type: ignore[arg-type]
        store=store,
    )
    found.account = found.add_account(handle=World.ACCOUNT_HANDLE)
    return found


@pytest.fixture
def manual(world: World) -> Account:
    """A manual Xiaohongshu account (posted by hand with a publish kit)."""
    account = Account(
        workspace_id=world.workspace.id,
        platform="manual",
        remote_id="xiaohongshu/shop",
        handle="shop",
        platform_label="Xiaohongshu",
    )
    store_tokens(account, Tokens(access_token="manual"))
    world.session.add(account)
    world.session.commit()
    return account
