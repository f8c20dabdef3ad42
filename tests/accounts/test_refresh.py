"""Keeping sign-ins fresh: the periodic refresh rotates and stores tokens, a refusal marks the
account needs_reauth and tells the workspace once, and two refreshers never spend one token."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.accounts import credentials, flows, service, tasks
from shortops.config import get_settings
from shortops.db.session import session_scope
from shortops.kit.clock import utcnow
from shortops.models import Account, AccountStatus, AuditEvent, Notification, NotificationKind
from shortops.providers.http import Http
from tests.accounts import oauth_fake
from tests.accounts.conftest import Team


def _connect(session: Session, team: Team, server: oauth_fake.FakeOAuthServer) -> Account:
    """An account signed in through the real flow (start, approve, finish)."""
    start = flows.start_connect(session, actor=team.actor, platform=oauth_fake.SLUG)
    params = oauth_fake.approve(server, start.authorization_url)
    account, _ = flows.finish_connect(
        session, actor=team.actor, platform=oauth_fake.SLUG, state=params["state"],
        code=params["code"],
    )  # fmt: skip
    session.commit()
    return account


def _expire_soon(session: Session, account: Account, minutes: int = 10) -> None:
    """Make the stored sign-in run out in `minutes` (the token and the column agree)."""
    tokens = credentials.load_tokens(account)
    credentials.store_tokens(
        account, tokens.model_copy(update={"expires_at": utcnow() + timedelta(minutes=minutes)})
    )
    session.commit()


def test_refresh_rotates_and_stores_tokens(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    account = _connect(session, team, configured)
    before = credentials.load_tokens(account)
    _expire_soon(session, account)

    outcomes = tasks.refresh_due_accounts()
    assert outcomes == {"refreshed": 1}
    session.expire_all()
    after = credentials.load_tokens(account)
    assert after.access_token != before.access_token
    assert after.refresh_token and after.refresh_token != before.refresh_token
    assert before.refresh_token not in configured.refresh_tokens, "the old one is spent"
    assert account.token_expires_at is not None
    assert account.token_expires_at > utcnow() + timedelta(minutes=50)
    assert account.status == AccountStatus.connected and account.last_success_at is not None

    # Nothing is due any more: the next run does nothing.
    assert tasks.refresh_due_accounts() == {}


def test_accounts_not_due_are_left_alone(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    account = _connect(session, team, configured)
    _expire_soon(session, account, minutes=45)
    assert tasks.refresh_due_accounts() == {}
    _expire_soon(session, account, minutes=29)
    assert tasks.refresh_due_accounts() == {"refreshed": 1}


def test_a_refused_refresh_needs_reauth_and_notifies_once(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    account = _connect(session, team, configured)
    configured.refresh_tokens.clear()  # the platform forgot every refresh token
    _expire_soon(session, account)

    assert tasks.refresh_due_accounts() == {"needs_reauth": 1}
    session.expire_all()
    assert account.status == AccountStatus.needs_reauth
    assert account.last_error and "FakeTube" in account.last_error
    [note] = session.scalars(select(Notification)).all()
    assert note.kind == NotificationKind.needs_reauth and note.link == "/accounts"
    assert note.params == {"platform": "FakeTube", "handle": "alice"}
    assert "account.needs_reauth" in set(session.scalars(select(AuditEvent.action)))

    # Marked accounts are not tried again, so the workspace hears about it once.
    assert tasks.refresh_due_accounts() == {}
    assert len(session.scalars(select(Notification)).all()) == 1
    page = team.client.get("/accounts").text
    assert "Needs reconnecting" in page and "Reconnect" in page


def test_a_platform_outage_is_recorded_and_retried_later(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    account = _connect(session, team, configured)
    _expire_soon(session, account)
    configured.fail_next("503", endpoint="/oauth/token")
    assert tasks.refresh_due_accounts() == {"failed": 1}
    session.expire_all()
    assert account.status == AccountStatus.connected
    assert account.last_error and "503" in account.last_error
    assert account.last_error_at is not None
    assert tasks.refresh_due_accounts() == {"refreshed": 1}


def test_sandbox_and_manual_accounts_are_not_refreshed(team: Team, session: Session) -> None:
    sandbox = flows.connect_sandbox(session, actor=team.actor)
    sandbox.token_expires_at = utcnow()
    session.commit()
    assert service.accounts_due_for_refresh(session, now=utcnow(), margin=timedelta(1)) == []


def test_two_refreshers_at_once_spend_the_refresh_token_once(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer, app: Any
) -> None:
    """The engine and the periodic task refreshing together: one refreshes, the other finds
    fresh tokens after waiting for the lock, and nobody is told to sign in again."""
    account = _connect(session, team, configured)
    _expire_soon(session, account)
    entered = threading.Event()
    release = threading.Event()
    results: list[str] = []

    class SlowHttp(Http):
        def mutate(self, *args: Any, **kwargs: Any) -> Any:
            entered.set()
            release.wait(10)
            return super().mutate(*args, **kwargs)

    def refresh(http: Http | None) -> None:
        with session_scope(get_settings()) as own:
            results.append(flows.refresh_account(own, account_id=account.id, http=http).value)

    first = threading.Thread(target=refresh, args=(SlowHttp(oauth_fake.SLUG),))
    first.start()
    assert entered.wait(10)
    second = threading.Thread(target=refresh, args=(None,))
    second.start()
    second.join(0.5)
    assert second.is_alive(), "the second refresher waits for the first"
    release.set()
    first.join(10)
    second.join(10)
    assert sorted(results) == ["fresh", "refreshed"]
    session.expire_all()
    assert account.status == AccountStatus.connected
    assert configured.count("POST", "/oauth/token") == 2  # sign-in + exactly one refresh


def test_cli_lists_accounts_with_their_health(
    team: Team,
    session: Session,
    configured: oauth_fake.FakeOAuthServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from typer.testing import CliRunner

    from shortops.cli import common
    from shortops.cli.main import app as cli

    monkeypatch.setattr(common.console, "_width", 200)  # a wide terminal: no wrapped cells

    account = _connect(session, team, configured)
    account.last_error = "FakeTube is not answering"
    session.commit()
    flows.connect_sandbox(session, actor=team.actor)
    session.commit()
    result = CliRunner().invoke(cli, ["accounts", "list", "--workspace", team.workspace.slug])
    assert result.exit_code == 0, result.output
    assert "alice" in result.output and "FakeTube" in result.output
    assert "Sandbox (sandbox)" in result.output and "connected" in result.output
    assert "not answering" in result.output


def test_a_platform_that_needs_days_of_margin_is_refreshed_days_ahead(
    team: Team,
    session: Session,
    configured: oauth_fake.FakeOAuthServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Instagram-like: an expired token cannot be refreshed, so renew a week before."""
    monkeypatch.setattr(oauth_fake.FakeOAuthProvider, "refresh_ahead", timedelta(days=7))
    account = _connect(session, team, configured)
    _expire_soon(session, account, minutes=60 * 24 * 8)
    assert tasks.refresh_due_accounts() == {}
    _expire_soon(session, account, minutes=60 * 24 * 6)
    assert tasks.refresh_due_accounts() == {"refreshed": 1}


def test_usable_tokens_refresh_what_the_platform_refused_once(
    team: Team, session: Session, configured: oauth_fake.FakeOAuthServer
) -> None:
    """Tokens far from their expiry are used as they are; tokens the platform turned down are
    refreshed, and a second caller holding the same refused tokens gets the new ones without
    spending another refresh (the rotated refresh token would be gone)."""
    account = _connect(session, team, configured)
    provider = credentials.provider_for(
        session, workspace_id=account.workspace_id, platform=account.platform
    )
    stored = credentials.load_tokens(account)
    exchanged = configured.count("POST", "/oauth/token")  # the sign-in's code exchange
    same = flows.usable_tokens(session, account_id=account.id, provider=provider)
    assert same == stored and configured.count("POST", "/oauth/token") == exchanged
    fresh = flows.usable_tokens(session, account_id=account.id, provider=provider, refused=stored)
    session.commit()
    assert fresh.access_token != stored.access_token
    again = flows.usable_tokens(session, account_id=account.id, provider=provider, refused=stored)
    session.commit()
    assert again == fresh and configured.count("POST", "/oauth/token") == exchanged + 1
