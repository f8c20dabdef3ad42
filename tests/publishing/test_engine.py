"""The engine against the loopback platform: publish once, verify, and say why when not."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from shortops.accounts.credentials import load_tokens, store_tokens
from shortops.errors import ShortopsError
from shortops.kit.clock import utcnow
from shortops.media import rendition_service
from shortops.models import (
    Account,
    AccountStatus,
    AuditEvent,
    PlatformApp,
    Publication,
    Rendition,
    RenditionStatus,
)
from shortops.models import PublicationStatus as S
from shortops.providers.types import Failed, Limits, Published, Ticket
from shortops.publishing import compose, service, transitions
from shortops.publishing.engine.base import RENDITION_WAIT, Outcome, check_url
from tests.publishing.conftest import World, add_app
from tests.publishing.fake_platform import LoopbackProvider


def _published(world: World, publication: Publication) -> Publication:
    world.clock.advance(5)
    assert world.engine().check(publication.id).result == "published"
    return world.reload(publication)


# --- the happy path -------------------------------------------------------------------------------


def test_happy_path_publishes_once_and_verifies(world: World) -> None:
    (publication,) = world.schedule()
    engine = world.engine()

    outcome = engine.dispatch(publication.id)

    assert outcome.result == "processing"
    assert outcome.followup is not None and outcome.followup.task == "check"
    row = world.reload(publication)
    assert row.status == S.processing
    assert row.ticket and row.ticket["reference"].startswith("up")
    assert row.upload_progress == 1.0
    assert world.fake.inits == {row.idempotency_key: 1}

    row = _published(world, publication)
    assert row.status == S.published
    assert row.remote_id and row.url and row.url.startswith("https://loopback.example/@creator/")
    assert row.verification["remote_id"] == row.remote_id
    assert row.verification["url"] == row.url
    assert row.verification["visibility"] == "public"
    assert row.published_at == world.clock.now
    assert row.error is None
    events = world.events(publication)
    assert events[0].startswith("Scheduled for ")
    assert "Upload started." in events
    assert any("accepted the upload (reference up" in e for e in events)
    assert events[-1].startswith("Live on Loopback (public): https://")
    assert [n.kind for n in world.notifications()] == ["published"]
    world.session.expire_all()
    account = world.session.get(Account, world.account.id)
    assert account is not None and account.last_success_at == world.clock.now
    # Messages arriving late change nothing.
    assert engine.dispatch(publication.id).result == "skipped"
    assert engine.check(publication.id).result == "skipped"
    assert world.fake.inits == {row.idempotency_key: 1}


def test_the_request_carries_text_overrides_and_options(world: World) -> None:
    other = world.add_account()
    targets = [
        {"account_id": world.account.id, "options": {"privacy": "private"}},
        {"account_id": other.id, "overrides": {"caption": "Only here", "hashtags": ["solo"]}},
    ]
    first, second = world.schedule(targets=targets)
    engine = world.engine()
    engine.dispatch(first.id)
    engine.dispatch(second.id)
    bodies = [
        r.json() for r in world.fake.requests if r.method == "POST" and r.path == "/v1/uploads"
    ]
    assert [b["caption"] for b in bodies] == ["Hooks that work #tips", "Only here #solo"]
    assert world.reload(first).options == {"privacy": "private"}


def test_an_early_or_outdated_message_does_nothing(world: World) -> None:
    (publication,) = world.schedule(at=(utcnow() + timedelta(hours=1)).isoformat())
    assert world.engine().dispatch(publication.id).result == "skipped"
    assert world.reload(publication).status == S.scheduled
    assert world.fake.inits == {}


# --- processing and verification ------------------------------------------------------------------


def test_slow_processing_is_polled_until_live(world: World) -> None:
    world.fake.processing_polls = 2
    (publication,) = world.schedule()
    engine = world.engine()
    engine.dispatch(publication.id)
    world.clock.advance(5)
    first = engine.check(publication.id)
    assert first.result == "pending"
    assert first.followup is not None
    assert first.followup.eta == world.clock.now + timedelta(seconds=2)
    # A duplicate check message before the next poll finds the check taken.
    assert engine.check(publication.id).result == "skipped"
    world.clock.advance(2)
    assert engine.check(publication.id).result == "pending"
    world.clock.advance(2)
    assert engine.check(publication.id).result == "published"
    assert world.fake.count("GET", "/v1/uploads/") == 3


def test_processing_too_long_needs_review(world: World) -> None:
    world.fake.processing_polls = 1000
    settings = world.settings.model_copy(update={"publish_max_processing_hours": 1})
    (publication,) = world.schedule()
    engine = world.engine(settings)
    engine.dispatch(publication.id)
    world.clock.advance(5)
    assert engine.check(publication.id).result == "pending"
    world.clock.advance(3600)
    assert engine.check(publication.id).result == "needs_review"
    row = world.reload(publication)
    assert row.status == S.needs_review
    assert row.error_code == "processing_too_long"
    assert "still not finished processing after 1 h" in (row.error or "").format(**row.error_params)
    assert [n.kind for n in world.notifications()] == ["needs_review"]


def test_published_without_a_link_is_not_trusted(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        LoopbackProvider,
        "check_publish",
        lambda self, tokens, ticket: Published(remote_id="1", url=""),
    )
    (publication,) = world.schedule()
    engine = world.engine()
    engine.dispatch(publication.id)
    world.clock.advance(5)
    assert engine.check(publication.id).result == "needs_review"
    assert world.reload(publication).error_code == "unverified"


def test_a_failure_the_platform_may_undo_needs_review(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    failed = Failed(reason="Under audit: {platform} decides later.", permanent=False)
    monkeypatch.setattr(LoopbackProvider, "check_publish", lambda self, tokens, ticket: failed)
    (publication,) = world.schedule()
    engine = world.engine()
    engine.dispatch(publication.id)
    world.clock.advance(5)
    assert engine.check(publication.id).result == "needs_review"
    row = world.reload(publication)
    assert service.read_publication(world.session, row).error == (
        "Under audit: Loopback decides later."
    )


def test_a_rate_limited_check_waits_as_asked(world: World) -> None:
    world.fake.retry_after_s = 30
    (publication,) = world.schedule()
    engine = world.engine()
    engine.dispatch(publication.id)
    world.clock.advance(5)
    world.fake.fail_next("429", endpoint="/v1/uploads/up", times=4)
    outcome = engine.check(publication.id)
    assert outcome.result == "pending"
    assert outcome.followup is not None
    assert outcome.followup.eta == world.clock.now + timedelta(seconds=30)
    assert world.slept == [30, 30, 30]  # the read retried inside the task first
    assert world.reload(publication).status == S.processing


# --- failures during the upload -------------------------------------------------------------------


def test_500_during_upload_is_reconciled_without_a_second_upload(world: World) -> None:
    (publication,) = world.schedule()
    world.fake.fail_next("500", endpoint="/v1/uploads/")
    engine = world.engine()
    outcome = engine.dispatch(publication.id)
    assert outcome.result == "processing"
    assert any("The upload stopped" in e for e in world.events(publication))
    world.clock.advance(5)
    assert engine.check(publication.id).result == "failed"
    row = world.reload(publication)
    assert row.status == S.failed
    text = service.read_publication(world.session, row).error
    assert text == "Loopback never received the whole video, so it was not posted."
    assert world.fake.inits == {row.idempotency_key: 1}
    (notice,) = world.notifications()
    assert notice.kind == "publish_failed"
    assert notice.link == f"/publish/publications/{publication.id}"
    assert service.render_message(notice.message, notice.params) == (
        "Publishing to Loopback (@creator) failed: Loopback never received the whole video, so "
        "it was not posted."
    )


def test_a_dropped_connection_after_the_bytes_arrived_is_reconciled_to_published(
    world: World,
) -> None:
    world.fake.drop_after_storing = True
    (publication,) = world.schedule()
    engine = world.engine()
    assert engine.dispatch(publication.id).result == "processing"
    world.fake.drop_after_storing = False
    row = _published(world, publication)
    assert row.status == S.published
    assert world.fake.inits == {row.idempotency_key: 1}


def test_a_dropped_connection_mid_upload_is_never_uploaded_again(world: World) -> None:
    (publication,) = world.schedule()
    world.fake.fail_next("drop", endpoint="/v1/uploads/")
    engine = world.engine()
    assert engine.dispatch(publication.id).result == "processing"
    world.clock.advance(5)
    assert engine.check(publication.id).result == "failed"
    assert engine.dispatch(publication.id).result == "skipped"
    assert engine.reconcile(grace=timedelta(0)).dispatch == []
    assert world.fake.count("POST", "/v1/uploads") == 1


def test_an_unknown_outcome_before_any_reference_needs_review(world: World) -> None:
    (publication,) = world.schedule()
    world.fake.fail_next("drop", endpoint="/v1/uploads")
    engine = world.engine()
    assert engine.dispatch(publication.id).result == "needs_review"
    row = world.reload(publication)
    assert row.status == S.needs_review
    assert row.error_code == "provider_outcome_unknown"
    assert "may or may not have gone through" in service.read_publication(world.session, row).error
    assert [n.kind for n in world.notifications()] == ["needs_review"]
    # Never re-sent: not by a duplicate message, not by the reconciler.
    world.clock.advance(3600)
    assert engine.dispatch(publication.id).result == "skipped"
    assert engine.reconcile(grace=timedelta(0)).dispatch == []
    assert world.fake.count("POST", "/v1/uploads") == 1


def test_needs_review_links_to_the_account_on_the_platform(
    world: World, providers: dict[str, Any]
) -> None:
    class LooksLikeTikTok(LoopbackProvider):
        slug = "tiktok"

    providers["tiktok"] = LooksLikeTikTok
    add_app(world.session, world.workspace, "tiktok", world.fake.url)
    account = world.add_account("loopback", handle="shop")
    world.session.execute(update(Account).where(Account.id == account.id).values(platform="tiktok"))
    world.session.commit()
    (publication,) = world.schedule(account)
    world.fake.fail_next("drop", endpoint="/v1/uploads")
    assert world.engine().dispatch(publication.id).result == "needs_review"
    read = service.read_publication(world.session, world.reload(publication))
    assert read.review_url == "https://www.tiktok.com/@shop"
    assert check_url("youtube", "x") == "https://studio.youtube.com/"
    assert check_url("loopback", "x") is None


def test_unexpected_errors_after_the_reference_are_reconciled(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(self: Any, tokens: Any, request: Any, *, record: Any, on_progress: Any) -> Any:
        record(Ticket(reference="up-crash"))
        raise RuntimeError("bug")

    monkeypatch.setattr(LoopbackProvider, "start_publish", crash)
    (publication,) = world.schedule()
    assert world.engine().dispatch(publication.id).result == "processing"
    assert world.reload(publication).ticket == {"reference": "up-crash", "data": {}}


def test_unexpected_errors_before_any_reference_need_review(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(LoopbackProvider, "start_publish", crash)
    (publication,) = world.schedule()
    assert world.engine().dispatch(publication.id).result == "needs_review"
    row = world.reload(publication)
    assert "unexpected error (RuntimeError)" in service.read_publication(world.session, row).error


def test_a_rejected_upload_fails_with_the_platforms_reason(world: World) -> None:
    (publication,) = world.schedule()
    world.fake.fail_next("400", endpoint="/v1/uploads")
    assert world.engine().dispatch(publication.id).result == "failed"
    row = world.reload(publication)
    assert row.error_code == "provider_rejected"
    assert service.read_publication(world.session, row).error == "Loopback refused it: fault 400"


# --- retries before anything was sent -------------------------------------------------------------


def test_transient_before_upload_is_retried_with_backoff(world: World) -> None:
    (publication,) = world.schedule()
    world.fake.fail_next("503", endpoint="/v1/uploads")
    engine = world.engine()
    outcome = engine.dispatch(publication.id)
    assert outcome.result == "retry"
    row = world.reload(publication)
    assert row.status == S.scheduled
    assert row.attempts == 1
    assert row.next_attempt_at == world.clock.now + timedelta(seconds=30)
    assert row.upload_started_at is None
    assert outcome.followup is not None and outcome.followup.eta == row.next_attempt_at
    assert service.read_publication(world.session, row).error.startswith(
        "Loopback is not answering properly"
    )
    assert engine.dispatch(publication.id).result == "skipped"  # not before the backoff
    world.clock.advance(31)
    assert engine.dispatch(publication.id).result == "processing"
    row = world.reload(publication)
    assert row.error is None
    assert world.fake.inits == {row.idempotency_key: 1}
    assert world.notifications() == []


def test_a_platform_that_cannot_be_reached_is_retried(world: World) -> None:
    world.session.execute(
        update(PlatformApp)
        .where(PlatformApp.platform == "loopback")
        .values(endpoints={"api": "http://127.0.0.1:1"})
    )
    world.session.commit()
    (publication,) = world.schedule()
    engine = world.engine()
    assert engine.dispatch(publication.id).result == "retry"
    assert world.reload(publication).error_code == "provider_unavailable"
    world.session.execute(
        update(PlatformApp)
        .where(PlatformApp.platform == "loopback")
        .values(endpoints={"api": world.fake.url})
    )
    world.session.commit()
    world.clock.advance(31)
    assert engine.dispatch(publication.id).result == "processing"


def test_backoff_doubles_and_gives_up_after_the_last_attempt(world: World) -> None:
    settings = world.settings.model_copy(update={"publish_max_attempts": 3})
    (publication,) = world.schedule()
    engine = world.engine(settings)
    world.fake.fail_next("503", endpoint="/v1/uploads", times=3)
    assert engine.dispatch(publication.id).result == "retry"
    world.clock.advance(30)
    assert engine.dispatch(publication.id).result == "retry"
    assert world.reload(publication).next_attempt_at == world.clock.now + timedelta(seconds=60)
    world.clock.advance(60)
    assert engine.dispatch(publication.id).result == "failed"
    row = world.reload(publication)
    assert row.status == S.failed and row.attempts == 2
    assert service.read_publication(world.session, row).error.startswith("Gave up after 3 tries: ")
    assert [n.kind for n in world.notifications()] == ["publish_failed"]


def test_rate_limited_is_honoured(world: World) -> None:
    world.fake.retry_after_s = 120
    (publication,) = world.schedule()
    world.fake.fail_next("429", endpoint="/v1/uploads")
    outcome = world.engine().dispatch(publication.id)
    assert outcome.result == "retry"
    assert world.reload(publication).next_attempt_at == world.clock.now + timedelta(seconds=120)


# --- tokens ---------------------------------------------------------------------------------------


def test_an_expired_token_is_refreshed_once_and_the_upload_tried_at_once(world: World) -> None:
    before = load_tokens(world.account)
    (publication,) = world.schedule()
    world.fake.expire_tokens()
    assert world.engine().dispatch(publication.id).result == "processing"
    assert world.fake.count("POST", "/oauth/token") == 1
    assert world.fake.count("POST", "/v1/uploads") == 2  # refused (401), then accepted
    assert world.fake.inits == {publication.idempotency_key: 1}
    world.session.expire_all()
    account = world.session.get(Account, world.account.id)
    assert account is not None
    after = load_tokens(account)
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token  # the rotated one was kept


def test_tokens_about_to_expire_are_refreshed_before_the_upload(world: World) -> None:
    account = world.session.get(Account, world.account.id)
    assert account is not None
    tokens = load_tokens(account)
    store_tokens(account, tokens.model_copy(update={"expires_at": utcnow() + timedelta(minutes=2)}))
    world.session.commit()
    (publication,) = world.schedule()
    assert world.engine().dispatch(publication.id).result == "processing"
    assert world.fake.count("POST", "/oauth/token") == 1
    assert world.fake.count("POST", "/v1/uploads") == 1


def test_reauth_required_fails_marks_the_account_and_notifies(world: World) -> None:
    (publication,) = world.schedule()
    world.fake.expire_tokens()
    world.fake.refresh_tokens.clear()
    assert world.engine().dispatch(publication.id).result == "failed"
    row = world.reload(publication)
    assert row.status == S.failed
    assert row.error_code == "provider_reauth_required"
    assert "Reconnect the account" in service.read_publication(world.session, row).error
    account = world.session.get(Account, world.account.id)
    assert account is not None and account.status == AccountStatus.needs_reauth
    assert [n.kind for n in world.notifications()] == ["needs_reauth"]  # one: the failure's
    actions = world.session.scalars(select(AuditEvent.action)).all()
    assert actions.count("account.needs_reauth") == 1
    assert world.fake.inits == {}


def test_an_account_signed_out_since_scheduling_fails_with_a_reason(world: World) -> None:
    (publication,) = world.schedule()
    world.session.execute(
        update(Account)
        .where(Account.id == world.account.id)
        .values(status=AccountStatus.disconnected)
    )
    world.session.commit()
    assert world.engine().dispatch(publication.id).result == "failed"
    row = world.reload(publication)
    assert row.error_code == "account_disconnected"
    assert "@creator is disconnected" in service.read_publication(world.session, row).error


def test_limits_are_checked_again_at_due_time(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    (publication,) = world.schedule()
    monkeypatch.setattr(LoopbackProvider, "limits", Limits(caption_max=5, hashtags_max=0))
    assert world.engine().dispatch(publication.id).result == "failed"
    text = service.read_publication(world.session, world.reload(publication)).error or ""
    assert text.startswith("Loopback would refuse this post: The caption has 21 characters")
    assert "1 hashtags; the platform allows 0." in text
    assert world.fake.inits == {}


# --- duplicates -----------------------------------------------------------------------------------


def test_two_workers_dispatching_at_once_upload_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    (publication,) = world.schedule()
    real_claim = transitions.claim_for_upload
    barrier = threading.Barrier(2, timeout=10)

    def racing_claim(session: Any, **kwargs: Any) -> bool:
        barrier.wait()  # both workers passed every check and claim at the same moment
        return real_claim(session, **kwargs)

    monkeypatch.setattr(transitions, "claim_for_upload", racing_claim)
    outcomes: list[Outcome] = []
    threads = [
        threading.Thread(target=lambda: outcomes.append(world.engine().dispatch(publication.id)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(o.result for o in outcomes) == ["processing", "skipped"]
    assert world.fake.inits == {publication.idempotency_key: 1}


def test_two_checks_at_once_check_once(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    (publication,) = world.schedule()
    world.engine().dispatch(publication.id)
    world.clock.advance(5)
    real_claim = transitions.claim_check
    barrier = threading.Barrier(2, timeout=10)

    def racing_claim(session: Any, **kwargs: Any) -> bool:
        barrier.wait()
        return real_claim(session, **kwargs)

    monkeypatch.setattr(transitions, "claim_check", racing_claim)
    outcomes: list[Outcome] = []
    threads = [
        threading.Thread(target=lambda: outcomes.append(world.engine().check(publication.id)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(o.result for o in outcomes) == ["published", "skipped"]
    assert world.fake.count("GET", "/v1/uploads/") == 1
    assert [n.kind for n in world.notifications()] == ["published"]


# --- the reconciler -------------------------------------------------------------------------------


def test_the_reconciler_finds_due_work_after_a_grace(world: World) -> None:
    (publication,) = world.schedule()
    engine = world.engine()
    assert engine.reconcile().dispatch == []  # the eta message is on its way
    assert engine.reconcile(grace=timedelta(0)).dispatch == [publication.id]
    world.clock.advance(31)
    assert engine.reconcile().dispatch == [publication.id]
    engine.dispatch(publication.id)
    assert engine.reconcile().dispatch == []
    world.clock.advance(5 + 30)  # the first check is due 5 s after the upload, plus the grace
    assert engine.reconcile().check == [publication.id]


def test_an_abandoned_upload_without_a_reference_needs_review(world: World) -> None:
    (publication,) = world.schedule()
    engine = world.engine()
    assert transitions.claim_for_upload(
        world.session, publication_id=publication.id, now=world.clock.now
    )
    world.session.commit()  # a worker claimed it, then died before the platform answered
    world.clock.advance(60)
    assert engine.reconcile().reviewed == 0  # within the lease: the worker may be alive
    world.clock.advance(61)
    found = engine.reconcile()
    assert found.reviewed == 1 and found.dispatch == []
    row = world.reload(publication)
    assert row.status == S.needs_review
    assert row.error_code == "upload_abandoned"
    assert "not uploaded again automatically" in service.read_publication(world.session, row).error
    assert [n.kind for n in world.notifications()] == ["needs_review"]


def test_an_abandoned_upload_with_a_reference_is_checked(world: World) -> None:
    world.fake.upload_delay_s = 1.0
    (publication,) = world.schedule()
    engine = world.engine()
    results: list[Outcome] = []
    worker = threading.Thread(target=lambda: results.append(engine.dispatch(publication.id)))
    worker.start()
    assert world.fake.receiving.acquire(timeout=10)  # the bytes are arriving
    world.clock.advance(121)  # the worker looks dead from here
    found = engine.reconcile()
    assert found.check == [publication.id]
    assert world.reload(publication).status == S.processing
    worker.join(timeout=30)
    # The slow worker came back with the platform's answer: no harm, no second upload.
    assert results[0].result == "processing"
    world.clock.advance(5)
    assert engine.check(publication.id).result == "published"
    assert world.fake.inits == {publication.idempotency_key: 1}


def test_a_worker_given_up_for_dead_that_finishes_wins_back_its_publication(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    (publication,) = world.schedule()
    engine = world.engine()
    real_start = LoopbackProvider.start_publish

    def slow_start(self: Any, tokens: Any, request: Any, **kwargs: Any) -> Any:
        world.clock.advance(121)
        assert engine.reconcile().reviewed == 1  # given up before the platform answered
        return real_start(self, tokens, request, **kwargs)

    monkeypatch.setattr(LoopbackProvider, "start_publish", slow_start)
    assert engine.dispatch(publication.id).result == "processing"
    assert world.reload(publication).status == S.processing
    world.clock.advance(5)
    assert engine.check(publication.id).result == "published"


# --- renditions -----------------------------------------------------------------------------------


def test_a_publication_waits_for_its_rendition_and_fails_with_the_renders_reason(
    world: World,
) -> None:
    account = world.add_account("loopback_rendered")
    created = compose.create_post(
        world.session, actor=world.actor, data=world.post(account), store=world.store,
        now=world.clock.now,
    )  # fmt: skip
    world.session.commit()
    (publication,) = created.publications
    assert created.render_ids == [publication.rendition_id]
    engine = world.engine()
    outcome = engine.dispatch(publication.id)
    assert outcome.result == "waiting"
    assert outcome.followup is not None
    assert outcome.followup.eta == world.clock.now + RENDITION_WAIT
    assert world.reload(publication).status == S.scheduled
    assert "Waiting for the video to be made for this platform." in world.events(publication)
    assert publication.rendition_id is not None
    assert rendition_service.claim_rendition(world.session, rendition_id=publication.rendition_id)
    rendition_service.mark_failed(
        world.session,
        rendition_id=publication.rendition_id,
        error=ShortopsError("The source is too dark to see anything."),
    )
    world.session.commit()
    world.clock.advance(31)
    assert engine.dispatch(publication.id).result == "failed"
    row = world.reload(publication)
    assert service.read_publication(world.session, row).error == (
        "The TikTok version of the video could not be made: The source is too dark to see anything."
    )
    assert world.fake.inits == {}


def test_a_ready_rendition_is_what_gets_uploaded(world: World) -> None:
    account = world.add_account("loopback_rendered")
    (publication,) = world.schedule(account)
    assert publication.rendition_id is not None
    rendition = world.session.get(Rendition, publication.rendition_id)
    assert rendition is not None
    output = world.store.rendition_path(rendition.key)
    world.store.path(output).parent.mkdir(parents=True, exist_ok=True)
    world.store.path(output).write_bytes(b"rendered" * 100)
    rendition.status = RenditionStatus.ready
    rendition.output_path = output
    rendition.output_size_bytes = 800
    rendition.output_probe = {"facts": {"duration_s": 12.0, "width": 1080, "height": 1920}}
    world.session.commit()
    assert world.engine().dispatch(publication.id).result == "processing"
    (put,) = [r for r in world.fake.requests if r.method == "PUT"]
    assert put.body == b"rendered" * 100
