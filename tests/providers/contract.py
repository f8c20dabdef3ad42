"""The contract every provider meets, run against each platform's fake server.

A platform's test module builds a `Harness` (its provider wired to its fake) and runs every check:

    @pytest.mark.parametrize("check", CONTRACT, ids=lambda c: c.__name__)
    def test_contract(check: Check, harness: Harness) -> None:
        check(harness)

The checks hold the promises the publishing engine relies on: tokens come back from sign-in and
refresh (rotated refresh tokens replace the old ones), errors come out as the closed set, reads
retry and honour Retry-After, the upload is never sent twice by the provider itself, a reference
is recorded before the upload is finished, and a publish is only `Published` with a remote id
and a URL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import pytest

from shortops.providers.base import Provider
from shortops.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    ProviderError,
    ReauthRequired,
    Transient,
)
from shortops.providers.types import (
    AuthStart,
    Failed,
    MediaFile,
    Pending,
    Published,
    PublishRequest,
    PublishState,
    Ticket,
    Tokens,
)


class FakeControls(Protocol):
    processing_polls: int

    def fail_next(self, kind: str, *, endpoint: str | None = None, times: int = 1) -> None: ...

    def expire_tokens(self) -> None: ...


@dataclass
class Harness:
    """One provider wired to its fake platform."""

    make_provider: Callable[[], Provider]
    fake: FakeControls
    media: MediaFile
    # The user approving the app in the browser: follow `auth.url`, return the code handed back.
    authorize: Callable[[AuthStart], str]
    # How many uploads (publish inits) the platform has accepted, and the posts that went live.
    uploads: Callable[[], int]
    live_posts: Callable[[], list[str]]
    # Path prefixes on the fake for fault injection.
    upload_endpoint: str
    status_endpoint: str
    profile_endpoint: str
    rotates_refresh_tokens: bool = True
    options: dict[str, object] = field(default_factory=dict)
    slept: list[float] = field(default_factory=list)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def connect(self) -> tuple[Provider, Tokens]:
        provider = self.make_provider()
        start = provider.authorization_url("state-123")
        code = self.authorize(start)
        return provider, provider.exchange_code(code, code_verifier=start.code_verifier)

    def request(self, key: str = "pub-1", **changes: object) -> PublishRequest:
        data: dict[str, object] = {
            "media": self.media,
            "title": "Three tips for better hooks",
            "caption": "Three tips for better hooks 第一条",
            "hashtags": ("hooks", "shorts"),
            "options": dict(self.options),
            "idempotency_key": key,
        }
        data.update(changes)
        return PublishRequest.model_validate(data)


Check = Callable[[Harness], None]


def poll_until_done(
    provider: Provider, tokens: Tokens, ticket: Ticket, limit: int = 50
) -> PublishState:
    state: PublishState = Pending()
    for _ in range(limit):
        state = provider.check_publish(tokens, ticket)
        if not isinstance(state, Pending):
            return state
    return state


def publish(
    h: Harness, provider: Provider, tokens: Tokens, key: str = "pub-1"
) -> tuple[Ticket, list[Ticket]]:
    recorded: list[Ticket] = []
    ticket = provider.start_publish(tokens, h.request(key), record=recorded.append)
    return ticket, recorded


# --- the checks ----------------------------------------------------------------------------------


def sign_in_gives_tokens_and_a_profile(h: Harness) -> None:
    provider, tokens = h.connect()
    assert tokens.access_token
    profile = provider.get_profile(tokens)
    assert profile.remote_id and profile.handle


def authorization_url_carries_state(h: Harness) -> None:
    start = h.make_provider().authorization_url("state-xyz")
    assert "state-xyz" in start.url


def refresh_gives_working_tokens(h: Harness) -> None:
    provider, tokens = h.connect()
    h.fake.expire_tokens()
    with pytest.raises(AuthExpired):
        provider.get_profile(tokens)
    fresh = provider.refresh(tokens)
    assert fresh.access_token != tokens.access_token
    assert provider.get_profile(fresh).remote_id
    if h.rotates_refresh_tokens:
        assert fresh.refresh_token and fresh.refresh_token != tokens.refresh_token
        # The old refresh token is spent: using it again means signing in again.
        with pytest.raises(ReauthRequired):
            provider.refresh(tokens)
    else:
        assert fresh.refresh_token == tokens.refresh_token or fresh.refresh_token is None


def a_revoked_refresh_token_needs_reauth(h: Harness) -> None:
    provider, tokens = h.connect()
    broken = tokens.model_copy(update={"refresh_token": "no-such-token"})
    with pytest.raises(ReauthRequired):
        provider.refresh(broken)


def publish_records_a_reference_and_goes_live_once(h: Harness) -> None:
    provider, tokens = h.connect()
    before = h.uploads()
    h.fake.processing_polls = 2
    ticket, recorded = publish(h, provider, tokens)
    assert recorded and recorded[0].reference, "the reference is recorded before returning"
    assert recorded[-1] == ticket
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published), state
    assert state.remote_id and state.url.startswith(("http://", "https://"))
    assert h.uploads() == before + 1
    assert state.remote_id in h.live_posts()


def slow_processing_stays_pending(h: Harness) -> None:
    provider, tokens = h.connect()
    h.fake.processing_polls = 3
    ticket, _ = publish(h, provider, tokens)
    states = [provider.check_publish(tokens, ticket) for _ in range(3)]
    assert all(isinstance(state, Pending) for state in states), states
    assert isinstance(poll_until_done(provider, tokens, ticket), Published)


def reads_retry_after_a_rate_limit(h: Harness) -> None:
    provider, tokens = h.connect()
    ticket, _ = publish(h, provider, tokens)
    h.fake.fail_next("429", endpoint=h.status_endpoint)
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Published)
    assert h.slept and h.slept[0] >= 1, "Retry-After was honoured"


def reads_retry_after_a_server_error(h: Harness) -> None:
    provider, tokens = h.connect()
    h.fake.fail_next("500", endpoint=h.profile_endpoint)
    assert provider.get_profile(tokens).remote_id
    assert h.slept


def reads_give_up_as_transient(h: Harness) -> None:
    provider, tokens = h.connect()
    h.fake.fail_next("503", endpoint=h.profile_endpoint, times=20)
    with pytest.raises(Transient):
        provider.get_profile(tokens)


def an_expired_token_is_auth_expired(h: Harness) -> None:
    provider, tokens = h.connect()
    h.fake.expire_tokens()
    with pytest.raises(AuthExpired):
        provider.start_publish(tokens, h.request(), record=lambda ticket: None)
    assert h.uploads() == 0


def a_server_error_during_upload_is_not_retried(h: Harness) -> None:
    provider, tokens = h.connect()
    h.fake.fail_next("500", endpoint=h.upload_endpoint)
    with pytest.raises(ProviderError) as caught:
        provider.start_publish(tokens, h.request(), record=lambda ticket: None)
    assert isinstance(caught.value, Transient | OutcomeUnknown), caught.value
    assert h.uploads() <= 1
    assert h.live_posts() == []


def a_dropped_upload_is_outcome_unknown(h: Harness) -> None:
    provider, tokens = h.connect()
    h.fake.fail_next("drop", endpoint=h.upload_endpoint)
    with pytest.raises(OutcomeUnknown):
        provider.start_publish(tokens, h.request(), record=lambda ticket: None)
    assert h.uploads() <= 1


def validate_refuses_what_the_platform_would(h: Harness) -> None:
    provider = h.make_provider()
    assert [i for i in provider.validate(h.request()) if i.severity == "error"] == []
    limits = provider.limits
    too_long = h.media.model_copy(update={"duration_s": (limits.max_duration_s or 3600) + 60})
    issues = provider.validate(h.request(media=too_long))
    assert any(issue.code == "too_long" and issue.field == "media" for issue in issues)
    if limits.caption_max is not None:
        issues = provider.validate(h.request(caption="x" * (limits.caption_max + 1)))
        assert any(issue.field == "caption" for issue in issues)


def results_are_the_closed_set(h: Harness) -> None:
    provider, tokens = h.connect()
    ticket, _ = publish(h, provider, tokens)
    state = poll_until_done(provider, tokens, ticket)
    assert isinstance(state, Pending | Published | Failed)


CONTRACT: list[Check] = [
    sign_in_gives_tokens_and_a_profile,
    authorization_url_carries_state,
    refresh_gives_working_tokens,
    a_revoked_refresh_token_needs_reauth,
    publish_records_a_reference_and_goes_live_once,
    slow_processing_stays_pending,
    reads_retry_after_a_rate_limit,
    reads_retry_after_a_server_error,
    reads_give_up_as_transient,
    an_expired_token_is_auth_expired,
    a_server_error_during_upload_is_not_retried,
    a_dropped_upload_is_outcome_unknown,
    validate_refuses_what_the_platform_would,
    results_are_the_closed_set,
]
