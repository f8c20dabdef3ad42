"""The sandbox provider against the shared contract, its failure switches, and its post page.

The sandbox has no HTTP: its "platform" is a folder of JSON files. `SandboxControls` adapts the
contract's fake-server controls onto it: `expire_tokens` expires the issued access tokens,
`processing_polls` is the post option, and `fail_next` on the upload maps onto the `simulate`
option (500/503 → fail_upload, drop → outcome_unknown). Checks about HTTP retry behaviour do not
apply and are skipped with the reason below.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shortops.accounts import credentials, flows
from shortops.config import get_settings
from shortops.kit.clock import utcnow
from shortops.providers.base import Provider
from shortops.providers.errors import OutcomeUnknown, ReauthRequired, Transient
from shortops.providers.sandbox import SandboxProvider, SandboxStore
from shortops.providers.sandbox.provider import post_id_for
from shortops.providers.types import (
    Failed,
    MediaFile,
    Pending,
    Published,
    PublishRequest,
    Ticket,
    Tokens,
)
from tests import factories
from tests.providers.contract import (
    CONTRACT,
    Check,
    Harness,
    authorization_url_carries_state,
    poll_until_done,
    reads_give_up_as_transient,
    reads_retry_after_a_rate_limit,
    reads_retry_after_a_server_error,
)

NO_HTTP = (
    "the sandbox has no HTTP: its reads cannot fail transiently or be rate limited, so the "
    "retry and Retry-After rules (providers/http.py) do not apply"
)
NOT_APPLICABLE = {
    authorization_url_carries_state.__name__: (
        "the sandbox connects without a platform sign-in (uses_oauth=False): accounts are "
        "created at once by SandboxProvider.sign_up"
    ),
    reads_retry_after_a_rate_limit.__name__: NO_HTTP,
    reads_retry_after_a_server_error.__name__: NO_HTTP,
    reads_give_up_as_transient.__name__: NO_HTTP,
}
UPLOAD, STATUS, PROFILE = "upload", "status", "profile"


class SandboxControls:
    """The contract's FakeControls over the sandbox store and the post options."""

    def __init__(self, store: SandboxStore, options: dict[str, object]) -> None:
        self.store = store
        self.options = options

    @property
    def processing_polls(self) -> int:
        return int(str(self.options.get("processing_polls", 1)))

    @processing_polls.setter
    def processing_polls(self, value: int) -> None:
        self.options["processing_polls"] = value

    def fail_next(self, kind: str, *, endpoint: str | None = None, times: int = 1) -> None:
        # The switch is a post option, so it holds for every publish of the test, not `times`.
        switches = {"500": "fail_upload", "503": "fail_upload", "drop": "outcome_unknown"}
        if endpoint != UPLOAD or kind not in switches:
            raise NotImplementedError(f"the sandbox cannot simulate {kind} on {endpoint}")
        self.options["simulate"] = switches[kind]

    def expire_tokens(self) -> None:
        SandboxProvider(store=self.store).expire_access_tokens()


class SandboxHarness(Harness):
    def connect(self) -> tuple[Provider, Tokens]:
        provider = self.make_provider()
        assert isinstance(provider, SandboxProvider)
        return provider, provider.sign_up()


@pytest.fixture
def public_url(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("SHORTOPS_PUBLIC_URL", "https://ops.example.com")
    get_settings.cache_clear()
    yield "https://ops.example.com"
    get_settings.cache_clear()


@pytest.fixture
def store(tmp_path: Path) -> SandboxStore:
    return SandboxStore(tmp_path / "sandbox")


@pytest.fixture
def media(tmp_path: Path) -> MediaFile:
    path = tmp_path / "clip.mp4"
    path.write_bytes(b"\0" * 2048)
    return MediaFile(
        path=path, size_bytes=2048, duration_s=12.0, width=1080, height=1920, sha256="ab" * 32
    )


@pytest.fixture
def harness(store: SandboxStore, media: MediaFile, public_url: str) -> SandboxHarness:
    options: dict[str, object] = {}

    def live() -> list[str]:
        return [p["id"] for p in store.posts() if p["status"] == "published"]

    def no_browser(_start: Any) -> str:
        raise AssertionError("the sandbox has no sign-in page")

    return SandboxHarness(
        make_provider=lambda: SandboxProvider(store=store),
        fake=SandboxControls(store, options),
        media=media,
        authorize=no_browser,
        uploads=lambda: len(store.posts()),
        live_posts=live,
        upload_endpoint=UPLOAD,
        status_endpoint=STATUS,
        profile_endpoint=PROFILE,
        rotates_refresh_tokens=True,
        options=options,
    )


# The provider this module holds to the shared contract (tests/providers/test_registry.py).
PLATFORM = "sandbox"


@pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
def test_contract(check: Check, harness: SandboxHarness) -> None:
    if check.__name__ in NOT_APPLICABLE:
        pytest.skip(NOT_APPLICABLE[check.__name__])
    check(harness)


# --- what only the sandbox does -------------------------------------------------------------------


def _publish(h: SandboxHarness, **options: object) -> tuple[Provider, Tokens, Ticket]:
    provider, tokens = h.connect()
    h.options.update(options)
    ticket = provider.start_publish(tokens, h.request(), record=lambda t: None)
    return provider, tokens, ticket


def test_published_post_has_a_sandbox_url_and_visibility(
    harness: SandboxHarness, public_url: str
) -> None:
    provider, tokens, ticket = _publish(harness, visibility="private", processing_polls=0)
    state = provider.check_publish(tokens, ticket)
    assert isinstance(state, Published)
    assert state.url == f"{public_url}/sandbox/posts/{ticket.reference}"
    assert state.visibility == "private" and state.remote_id == ticket.reference


def test_processing_lasts_exactly_processing_polls(harness: SandboxHarness) -> None:
    provider, tokens, ticket = _publish(harness)  # default: one poll
    first = provider.check_publish(tokens, ticket)
    assert isinstance(first, Pending) and first.poll_after_s <= 5
    assert isinstance(provider.check_publish(tokens, ticket), Published)
    # Once live it stays live.
    assert isinstance(provider.check_publish(tokens, ticket), Published)


def test_reject_fails_permanently_after_processing(harness: SandboxHarness) -> None:
    provider, tokens, ticket = _publish(harness, simulate="reject")
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Failed) and state.permanent
    assert state.platform_code == "simulated_reject"


def test_slow_processing_takes_longer(harness: SandboxHarness) -> None:
    provider, tokens, ticket = _publish(harness, simulate="slow_processing", processing_polls=1)
    states = [provider.check_publish(tokens, ticket) for _ in range(6)]
    assert all(isinstance(s, Pending) for s in states)
    assert isinstance(provider.check_publish(tokens, ticket), Published)


def test_outcome_unknown_keeps_a_reference_to_reconcile(harness: SandboxHarness) -> None:
    provider, tokens = harness.connect()
    harness.options["simulate"] = "outcome_unknown"
    recorded: list[Ticket] = []
    with pytest.raises(OutcomeUnknown):
        provider.start_publish(tokens, harness.request(), record=recorded.append)
    [ticket] = recorded
    assert isinstance(poll_until_done(provider, tokens, ticket), Published)


def test_fail_upload_records_nothing(harness: SandboxHarness) -> None:
    provider, tokens = harness.connect()
    harness.options["simulate"] = "fail_upload"
    recorded: list[Ticket] = []
    with pytest.raises(Transient):
        provider.start_publish(tokens, harness.request(), record=recorded.append)
    assert recorded == [] and harness.uploads() == 0


def test_the_same_key_is_the_same_post(harness: SandboxHarness) -> None:
    provider, tokens = harness.connect()
    first = provider.start_publish(tokens, harness.request("k"), record=lambda t: None)
    again = provider.start_publish(tokens, harness.request("k"), record=lambda t: None)
    assert first == again and harness.uploads() == 1
    profile = provider.get_profile(tokens)
    assert first.reference == post_id_for(profile.remote_id, "k")


def test_unknown_options_are_refused_by_validate(harness: SandboxHarness) -> None:
    issues = harness.make_provider().validate(harness.request(options={"simulate": "explode"}))
    assert [i.code for i in issues] == ["invalid_option"]


def test_a_revoked_sign_in_needs_reauth(harness: SandboxHarness) -> None:
    provider, tokens = harness.connect()
    provider.revoke(tokens)
    with pytest.raises(ReauthRequired):
        provider.get_profile(tokens)


def test_metrics_follow_a_fixed_curve(harness: SandboxHarness, store: SandboxStore) -> None:
    provider, tokens, ticket = _publish(harness, processing_polls=0)
    assert isinstance(provider.check_publish(tokens, ticket), Published)
    later = utcnow() + timedelta(hours=24)
    at_day = SandboxProvider(store=store, clock=lambda: later)
    at_two_days = SandboxProvider(store=store, clock=lambda: later + timedelta(hours=24))
    (day,) = at_day.fetch_post_metrics(tokens, [ticket.reference, "sbx-not-there"])
    assert [day] == at_day.fetch_post_metrics(tokens, [ticket.reference]), "deterministic"
    (two,) = at_two_days.fetch_post_metrics(tokens, [ticket.reference])
    assert day.remote_id == ticket.reference and day.captured_at == later
    assert day.views is not None and two.views is not None and 0 < day.views < two.views
    assert (two.likes or 0) >= (day.likes or 0)
    assert two.completion_rate is not None and 0 < two.completion_rate <= 1
    account = at_two_days.fetch_account_metrics(tokens)
    assert account.posts_count == 1 and account.total_views == two.views


def test_every_process_sees_the_same_posts(harness: SandboxHarness, store: SandboxStore) -> None:
    _provider, tokens, ticket = _publish(harness, processing_polls=0)
    elsewhere = SandboxProvider(store=SandboxStore(store.root))
    assert isinstance(elsewhere.check_publish(tokens, ticket), Published)
    assert store.get_post(ticket.reference)["status"] == "published"  # type: ignore[index]


# --- the post page --------------------------------------------------------------------------------


def test_post_page_is_labelled_and_plays_the_video(
    app: Any, client: TestClient, session: Session
) -> None:
    owner = factories.create_user(session)
    workspace = factories.create_workspace(session, owner=owner, name="Studio")
    actor = factories.actor_for(session, user=owner, workspace=workspace)
    account = flows.connect_sandbox(session, actor=actor)
    session.commit()
    video = get_settings().resolved_media_dir / "renditions" / "r.mp4"
    video.parent.mkdir(parents=True, exist_ok=True)
    video.write_bytes(b"fake-mp4-bytes")
    media = MediaFile(path=video, size_bytes=14, duration_s=9.5, width=1080, height=1920)
    provider = SandboxProvider()
    tokens = credentials.load_tokens(account)
    request = PublishRequest(media=media, title="Hook test", caption="标题", idempotency_key="p1")
    ticket = provider.start_publish(tokens, request, record=lambda t: None)
    assert isinstance(poll_until_done(provider, tokens, ticket), Published)

    factories.login(client, owner.email)
    page = client.get(f"/sandbox/posts/{ticket.reference}")
    assert page.status_code == 200
    assert "Sandbox — simulated, not a real platform" in page.text
    assert "Hook test" in page.text and "<video" in page.text
    assert client.get(f"/sandbox/posts/{ticket.reference}/video").content == b"fake-mp4-bytes"
    assert client.get("/sandbox/posts/sbx0000000000000000").status_code == 404
    assert client.get("/sandbox/posts/..%2Fstate").status_code == 404

    # Another workspace's member sees nothing of it.
    outsider = factories.create_user(session)
    factories.create_workspace(session, owner=outsider, name="Other")
    with TestClient(app) as other:
        factories.login(other, outsider.email)
        assert other.get(f"/sandbox/posts/{ticket.reference}").status_code == 404
        assert other.get(f"/sandbox/posts/{ticket.reference}/video").status_code == 404


def test_post_page_never_serves_files_outside_the_media_folder(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    owner = factories.create_user(session)
    workspace = factories.create_workspace(session, owner=owner)
    account = flows.connect_sandbox(
        session, actor=factories.actor_for(session, user=owner, workspace=workspace)
    )
    session.commit()
    secret = tmp_path / "secret.mp4"
    secret.write_bytes(b"not for the web")
    media = MediaFile(path=secret, size_bytes=15, duration_s=5, width=1080, height=1920)
    provider = SandboxProvider()
    ticket = provider.start_publish(
        credentials.load_tokens(account),
        PublishRequest(media=media, idempotency_key="p2"),
        record=lambda t: None,
    )
    factories.login(client, owner.email)
    page = client.get(f"/sandbox/posts/{ticket.reference}")
    assert page.status_code == 200 and "no longer in the media library" in page.text
    assert client.get(f"/sandbox/posts/{ticket.reference}/video").status_code == 404
