"""Composing: every problem of every target at once, nothing written on error; queue changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
from sqlalchemy import delete, func, select, update

from shortops.accounts.credentials import store_tokens
from shortops.errors import InvalidInput
from shortops.kit.clock import utcnow
from shortops.kit.pagination import PageParams
from shortops.models import (
    Account,
    AccountStatus,
    AuditEvent,
    PlatformApp,
    Post,
    Publication,
    Workspace,
)
from shortops.models import PublicationStatus as S
from shortops.providers.base import PostingRules, Provider
from shortops.providers.types import Tokens
from shortops.publishing import compose, service, transitions
from shortops.publishing.errors import PostInvalid, PublicationLocked
from shortops.publishing.schemas import PublicationFilters
from tests.publishing.conftest import World
from tests.publishing.fake_platform import LoopbackProvider


def _codes(check: compose.PostCheck) -> list[list[str]]:
    return [[issue.code for issue in target.issues] for target in check.targets]


def _count(world: World, model: type) -> int:
    return world.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_good_post_checks_clean_and_creates_one_publication_per_account(world: World) -> None:
    other = world.add_account()
    data = world.post(world.account, other)
    check = compose.check_post(
        world.session, workspace=world.workspace, data=data, store=world.store
    )
    assert check.ok, check.summary()
    assert _count(world, Post) == 0  # checking writes nothing
    publications = world.schedule(world.account, other)
    assert [p.account_id for p in publications] == [world.account.id, other.id]
    assert all(p.status == S.scheduled for p in publications)
    assert len({p.idempotency_key for p in publications}) == 2
    assert all(len(p.idempotency_key) == 32 for p in publications)
    actions = world.session.scalars(select(AuditEvent.action)).all()
    assert "post.created" in actions


def test_a_caption_over_the_limit_is_refused_at_compose_time(world: World) -> None:
    with pytest.raises(PostInvalid) as caught:
        world.schedule(caption="x" * 150)  # 150 + " #tips" > 150
    check = caught.value.report
    assert _codes(check) == [["too_long"]]
    assert "The caption has 156 characters; the platform allows 150." in str(caught.value)
    assert _count(world, Post) == 0 and _count(world, Publication) == 0


def test_every_problem_of_every_target_is_reported_together(world: World) -> None:
    disconnected = world.add_account(status=AccountStatus.disconnected)
    signed_out = world.add_account(status=AccountStatus.needs_reauth)
    unknown = world.add_account()
    world.session.execute(
        update(Account).where(Account.id == unknown.id).values(platform="myspace")
    )
    world.session.commit()
    data = world.post(
        at=(utcnow() - timedelta(hours=2)).isoformat(),
        hashtags=["a", "b", "c", "d", "e", "f"],
        targets=[
            {"account_id": world.account.id, "overrides": {"title": "t" * 101}},
            {"account_id": disconnected.id},
            {"account_id": signed_out.id},
            {"account_id": unknown.id},
            {"account_id": 99999},
            {"account_id": world.account.id, "options": {"privacy": "friends"}},
        ],
    )
    check = compose.check_post(
        world.session, workspace=world.workspace, data=data, store=world.store
    )
    assert not check.ok
    assert [i.code for i in check.issues] == ["in_past"]
    assert _codes(check) == [
        ["too_long", "too_many"],
        ["account_disconnected", "too_many"],
        ["account_needs_reauth", "too_many"],
        ["unknown_platform"],
        ["not_found"],
        ["duplicate_account", "too_many", "invalid_option"],
    ]
    summary = check.summary()
    assert "has already passed" in summary
    assert "Loopback @creator: The title has 101 characters; the platform allows 100." in summary
    assert "is disconnected. Reconnect it under Accounts" in summary
    assert "No connector for the platform “myspace” is installed" in summary
    report = check.report()
    assert report.ok is False
    assert report.targets[5].issues[2].field == "options.privacy"


def test_missing_app_credentials_are_refused(world: World) -> None:
    world.session.execute(delete(PlatformApp).where(PlatformApp.platform == "loopback"))
    world.session.commit()
    with pytest.raises(PostInvalid) as caught:
        world.schedule()
    assert _codes(caught.value.report) == [["missing_app_credentials"]]
    assert "Settings → Platforms" in str(caught.value)


def test_an_account_without_a_stored_sign_in_is_refused(world: World) -> None:
    world.session.execute(
        update(Account).where(Account.id == world.account.id).values(credentials=None)
    )
    world.session.commit()
    with pytest.raises(PostInvalid) as caught:
        world.schedule()
    assert _codes(caught.value.report) == [["account_signed_out"]]


def test_a_missing_video_or_a_cover_that_is_no_image_is_refused(world: World) -> None:
    data = world.post(world.account, asset_id=4242, cover_asset_id=world.asset.id)
    check = compose.check_post(
        world.session, workspace=world.workspace, data=data, store=world.store
    )
    assert [i.code for i in check.issues] == ["not_found", "not_image"]


def test_a_video_too_long_for_the_platform_is_refused(world: World) -> None:
    world.asset.duration_s = 900
    world.session.commit()
    with pytest.raises(PostInvalid) as caught:
        world.schedule()
    assert "The video is 900.0 s long; this account can post up to 600 s." in str(caught.value)


def test_a_time_in_the_past_is_refused_but_now_is_fine(world: World) -> None:
    with pytest.raises(PostInvalid, match="has already passed"):
        world.schedule(at=(utcnow() - timedelta(minutes=5)).isoformat())
    assert world.schedule(at="now")[0].scheduled_at == world.clock.now


def test_a_time_without_offset_is_read_in_the_workspace_timezone(world: World) -> None:
    world.session.execute(
        update(Workspace).where(Workspace.id == world.workspace.id).values(timezone="Asia/Shanghai")
    )
    world.session.commit()
    world.session.refresh(world.workspace)
    (publication,) = world.schedule(at="2030-01-01T18:00")
    assert publication.scheduled_at == datetime(2030, 1, 1, 10, 0, tzinfo=UTC)
    events = world.events(publication)
    assert events == ["Scheduled for 2030-01-01 18:00 (Asia/Shanghai)."]
    (other,) = world.schedule(at="2030-01-01T18:00:00+00:00")
    assert other.scheduled_at == datetime(2030, 1, 1, 18, 0, tzinfo=UTC)


# --- cancel, reschedule, duplicate ---------------------------------------------------------------


def test_cancel_only_before_the_upload(world: World) -> None:
    first, second = world.schedule(world.account, world.add_account())
    cancelled = service.cancel_publication(
        world.session, actor=world.actor, publication_id=first.id
    )
    world.session.commit()
    assert cancelled.status == S.cancelled
    assert world.events(first)[-1] == "Cancelled by Olive."
    with pytest.raises(PublicationLocked, match="cancelled"):
        service.cancel_publication(world.session, actor=world.actor, publication_id=first.id)
    assert transitions.claim_for_upload(world.session, publication_id=second.id, now=utcnow())
    world.session.commit()
    with pytest.raises(PublicationLocked) as caught:
        service.cancel_publication(world.session, actor=world.actor, publication_id=second.id)
    assert "cannot be stopped or moved" in str(caught.value)
    assert caught.value.code == "publication_locked" and caught.value.status == 409


def test_reschedule_only_a_scheduled_publication_to_a_later_time(world: World) -> None:
    (publication,) = world.schedule(at=(utcnow() + timedelta(hours=1)).isoformat())
    later = utcnow() + timedelta(days=1)
    moved = service.reschedule_publication(
        world.session, actor=world.actor, publication_id=publication.id, at=later
    )
    world.session.commit()
    assert moved.scheduled_at == later
    assert world.events(publication)[-1].startswith("Moved to ")
    with pytest.raises(InvalidInput, match="has already passed"):
        service.reschedule_publication(
            world.session,
            actor=world.actor,
            publication_id=publication.id,
            at=utcnow() - timedelta(hours=1),
        )
    world.session.rollback()
    world.session.execute(
        update(Publication).where(Publication.id == publication.id).values(status=S.published)
    )
    world.session.commit()
    with pytest.raises(PublicationLocked, match="already published"):
        service.reschedule_publication(
            world.session, actor=world.actor, publication_id=publication.id, at="now"
        )


def test_duplicate_copies_text_targets_options_and_overrides(world: World) -> None:
    targets = [
        {"account_id": world.account.id, "options": {"privacy": "private"}},
        {"account_id": world.add_account().id, "overrides": {"caption": "Only here"}},
    ]
    originals = world.schedule(targets=targets, title="Original")
    created = compose.duplicate_post(
        world.session,
        actor=world.actor,
        post_id=originals[0].post_id or 0,
        at=utcnow() + timedelta(days=1),
        store=world.store,
    )
    world.session.commit()
    assert created.post.id != originals[0].post_id and created.post.title == "Original"
    copies = created.publications
    assert [p.account_id for p in copies] == [p.account_id for p in originals]
    assert [p.options for p in copies] == [p.options for p in originals]
    assert [p.overrides for p in copies] == [{}, {"caption": "Only here"}]
    assert {p.idempotency_key for p in copies}.isdisjoint(p.idempotency_key for p in originals)


def test_the_queue_filters_by_status_account_and_time(world: World) -> None:
    soon = utcnow() + timedelta(hours=1)
    later = utcnow() + timedelta(days=3)
    other = world.add_account()
    a, b = world.schedule(world.account, other, at=soon.isoformat())
    (c,) = world.schedule(at=later.isoformat())
    service.cancel_publication(world.session, actor=world.actor, publication_id=b.id)
    world.session.commit()

    def ids(**filters: object) -> list[int]:
        rows, _total = service.list_publications(
            world.session,
            workspace_id=world.workspace.id,
            params=PageParams(),
            filters=PublicationFilters(**filters),  # type: ignore[arg-type]
        )
        return [row.id for row in rows]

    assert ids() == [a.id, b.id, c.id]
    assert ids(statuses=(S.scheduled,)) == [a.id, c.id]
    assert ids(account_id=other.id) == [b.id]
    assert ids(start=soon + timedelta(hours=1)) == [c.id]
    assert ids(end=soon + timedelta(hours=1)) == [a.id, b.id]
    between = service.publications_between(
        world.session,
        workspace_id=world.workspace.id,
        start=utcnow(),
        end=utcnow() + timedelta(days=7),
        statuses=(S.scheduled,),
    )
    assert [p.id for p in between] == [a.id, c.id]


class _RulesLoopback(LoopbackProvider):
    """Loopback with live posting rules, counting how often the platform is asked."""

    slug = "loopback-rules"
    asked: ClassVar[list[str]] = []

    def posting_rules(self, tokens: Tokens) -> PostingRules | None:
        self.asked.append(tokens.access_token)
        return PostingRules(privacy_options=("SELF_ONLY",))


def test_live_rules_are_asked_once_per_account_and_tokens_for_a_while(
    world: World, providers: dict[str, type[Provider]]
) -> None:
    providers[_RulesLoopback.slug] = _RulesLoopback
    _RulesLoopback.asked.clear()
    account = world.add_account("loopback-rules")
    store_tokens(account, world.fake.connect(account.handle))
    world.session.commit()
    now = [1000.0]

    def ask() -> PostingRules | None:
        return compose.live_rules(world.session, account=account, clock=lambda: now[0])

    assert ask() == PostingRules(privacy_options=("SELF_ONLY",))
    assert ask() is not None and len(_RulesLoopback.asked) == 1  # kept: not asked again
    now[0] += compose.RULES_TTL_S + 1
    ask()
    assert len(_RulesLoopback.asked) == 2  # kept only for a while
    store_tokens(account, world.fake.connect(account.handle))  # reconnected: new tokens
    ask()
    assert len(_RulesLoopback.asked) == 3
    # Platforms without live rules, and accounts that cannot be asked, are never asked.
    assert compose.live_rules(world.session, account=world.account) is None
    account.status = AccountStatus.needs_reauth
    now[0] += compose.RULES_TTL_S + 1
    assert ask() is None and len(_RulesLoopback.asked) == 3


def test_a_targets_text_takes_each_override_that_is_set() -> None:
    base = {"title": "T", "caption": "C", "hashtags": ["a", "b"]}
    assert service.target_text(**base, overrides=None) == service.PostText("T", "C", ("a", "b"))
    unset = {"title": None, "caption": None, "hashtags": None}
    assert service.target_text(**base, overrides=unset) == service.PostText("T", "C", ("a", "b"))
    mixed = {"caption": "", "hashtags": ["x"]}  # an empty caption is a choice, not "unset"
    assert service.target_text(**base, overrides=mixed) == service.PostText("T", "", ("x",))
