"""Polling a connected account's figures through its provider's read methods (the sandbox):
due posts read and snapshotted, their next read set by age (hourly while fresh, daily while
young, weekly after), the account read once a day, posts published elsewhere found as external
ones, and a second run at the same moment reading nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.accounts import credentials, flows
from shortops.kit.clock import utcnow
from shortops.metrics import polling
from shortops.models import (
    AccountSnapshot,
    MetricSnapshot,
    Post,
    Publication,
    PublicationFigures,
    PublicationStatus,
)
from shortops.providers.sandbox import SandboxProvider
from shortops.providers.types import MediaFile, Published, PublishRequest
from tests import factories
from tests.providers.contract import poll_until_done


def _sandbox_post(settings: Any, tokens: Any, tmp: Path, title: str) -> str:
    video = tmp / f"{title}.mp4"
    video.write_bytes(b"fake-mp4-bytes")
    media = MediaFile(path=video, size_bytes=14, duration_s=12.0, width=1080, height=1920)
    provider = SandboxProvider()
    request = PublishRequest(media=media, title=title, caption="", idempotency_key=title)
    ticket = provider.start_publish(tokens, request, record=lambda t: None)
    assert isinstance(poll_until_done(provider, tokens, ticket), Published)
    return ticket.reference


def _count(session: Session, model: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_sandbox_account_is_polled_on_its_cadence(
    settings: Any, session: Session, tmp_path: Path
) -> None:
    owner = factories.create_user(session)
    workspace = factories.create_workspace(session, owner=owner, name="Polled")
    actor = factories.actor_for(session, user=owner, workspace=workspace)
    account = flows.connect_sandbox(session, actor=actor)
    session.commit()
    tokens = credentials.load_tokens(account)
    ours = _sandbox_post(settings, tokens, tmp_path, "ours")
    _sandbox_post(settings, tokens, tmp_path, "made on the platform")
    now = utcnow()
    post = Post(workspace_id=workspace.id, title="ours")
    session.add(post)
    session.flush()
    publication = Publication(
        workspace_id=workspace.id,
        post_id=post.id,
        account_id=account.id,
        status=PublicationStatus.published,
        idempotency_key="k-ours",
        remote_id=ours,
        published_at=now - timedelta(hours=3),
    )
    session.add(publication)
    session.commit()

    assert polling.accounts_due(session, now=now) == [account.id]
    report = polling.poll_account(settings, account.id, now=now)
    assert report.error is None, report.error
    assert report.posts_read == 1 and report.snapshots >= 1 and report.account_read
    assert report.discovered == 1  # the post made on the platform, now an external one
    session.expire_all()
    assert session.get(Publication, publication.id).next_poll_at == now + polling.FRESH_EVERY  # type: ignore[union-attr]
    external = session.scalar(select(Publication).where(Publication.external.is_(True)))
    assert external is not None and external.remote_id != ours
    figures = session.get(PublicationFigures, publication.id)
    assert figures is not None and figures.views is not None
    assert _count(session, AccountSnapshot) == 1

    # The same moment again: nothing is due, nothing is read.
    assert account.id not in polling.accounts_due(session, now=now)
    again = polling.poll_account(settings, account.id, now=now)
    assert again.posts_read == 0 and not again.account_read
    snapshots = _count(session, MetricSnapshot)

    # An hour on, the fresh post is due again; the account read waits for its day.
    later = now + polling.FRESH_EVERY
    hour = polling.poll_account(settings, account.id, now=later)
    assert hour.posts_read >= 1 and not hour.account_read
    assert _count(session, MetricSnapshot) > snapshots


def test_the_cadence_follows_the_posts_age() -> None:
    now = utcnow()
    assert polling.next_poll_after(now - timedelta(hours=5), now) == now + timedelta(hours=1)
    assert polling.next_poll_after(now - timedelta(days=3), now) == now + timedelta(days=1)
    assert polling.next_poll_after(now - timedelta(days=45), now) == now + timedelta(days=7)
    assert polling.next_poll_after(None, now) == now + timedelta(days=7)
