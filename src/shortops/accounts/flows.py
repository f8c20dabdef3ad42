"""Connecting, refreshing and disconnecting accounts: the work that talks to platforms.

Sign-in with a platform (OAuth 2.0 authorization code, PKCE where the platform has it):

1. `start_connect` makes a random `state`, keeps it with the PKCE verifier (encrypted) and the
   user and workspace in an OAuthAttempt row, and returns the platform's authorization URL.
2. The platform sends the browser back to /accounts/callback/{platform}?code&state;
   `finish_connect` takes the attempt (once: the row is deleted; 15 minutes at most; only for
   the user who started it), exchanges the code, reads the profile and stores the account.
   Reconnecting must sign in as the same remote user as before.

Nothing here commits: the request or the task does.
"""

from __future__ import annotations

import enum
import logging
import secrets
from datetime import timedelta

from sqlalchemy.orm import Session

from shortops.accounts import credentials, service
from shortops.accounts.errors import (
    NotAnOAuthPlatform,
    OAuthDenied,
    PlatformNotConfigured,
    ReconnectMismatch,
)
from shortops.accounts.schemas import ConnectStart, ManualAccountCreate
from shortops.errors import N_, InvalidInput
from shortops.kit.clock import utcnow
from shortops.models import Account, AccountStatus, NotificationKind
from shortops.notifications.service import notify
from shortops.providers.base import Provider
from shortops.providers.errors import ProviderError, ReauthRequired
from shortops.providers.http import Http
from shortops.providers.registry import provider_class, provider_classes
from shortops.providers.sandbox import SandboxProvider
from shortops.providers.types import Tokens
from shortops.workspaces.service import Actor, record

log = logging.getLogger("shortops.accounts")

# The periodic refresh runs every 5 minutes; refreshing 30 minutes ahead leaves several tries
# before a token runs out, even when the platform is briefly down.
REFRESH_AHEAD = timedelta(minutes=30)


def connect_sandbox(session: Session, *, actor: Actor, handle: str | None = None) -> Account:
    """A new simulated account, connected at once."""
    provider = SandboxProvider()
    tokens = provider.sign_up(handle)
    profile = provider.get_profile(tokens)
    account, _known = service.save_connected_account(
        session, actor=actor, platform=provider.slug, profile=profile, tokens=tokens
    )
    return account


def connect_manual(session: Session, *, actor: Actor, data: ManualAccountCreate) -> Account:
    """An account on a platform posted to by hand (see providers/manual)."""
    account, _known = service.create_manual_account(session, actor=actor, data=data)
    return account


def start_connect(
    session: Session,
    *,
    actor: Actor,
    platform: str,
    account_id: int | None = None,
    http: Http | None = None,
) -> ConnectStart:
    """Where to send the browser to sign in to `platform` (and the attempt that waits for it)."""
    cls = provider_class(platform)
    if not cls.uses_oauth:
        raise NotAnOAuthPlatform(platform=cls.name)
    if account_id is not None:
        account = service.get_account_or_raise(
            session, workspace_id=actor.workspace.id, account_id=account_id
        )
        if account.platform != platform:
            raise InvalidInput(
                N_("Account {id} is not on {platform}."), id=account_id, platform=cls.name
            )
    app = credentials.app_credentials(session, workspace_id=actor.workspace.id, platform=platform)
    if app is None:
        raise PlatformNotConfigured(platform=cls.name)
    provider = cls(app, http=http)
    state = secrets.token_urlsafe(32)
    start = provider.authorization_url(state)
    attempt = service.create_attempt(
        session,
        actor=actor,
        platform=platform,
        state=state,
        code_verifier=start.code_verifier,
        account_id=account_id,
    )
    return ConnectStart(
        authorization_url=start.url,
        state=state,
        expires_at=attempt.created_at + service.ATTEMPT_TTL,
    )


def finish_connect(
    session: Session,
    *,
    actor: Actor,
    platform: str,
    state: str,
    code: str | None,
    error: str | None = None,
    error_description: str | None = None,
    http: Http | None = None,
) -> tuple[Account, bool]:
    """Complete a sign-in from the platform's callback; returns the account and whether it
    was a reconnect. The attempt is used up even when this raises (the caller commits)."""
    attempt = service.take_attempt(session, actor=actor, platform=platform, state=state)
    cls = provider_class(platform)
    if error == "access_denied":
        raise OAuthDenied(
            N_("You did not allow shortops to use the {platform} account. Connect again when "
               "you are ready."),
            platform=cls.name,
        )  # fmt: skip
    if error or not code:
        raise OAuthDenied(platform=cls.name, detail=error_description or error or "no code")
    provider = credentials.provider_for(
        session, workspace_id=actor.workspace.id, platform=platform, http=http
    )
    tokens = provider.exchange_code(code, code_verifier=service.attempt_verifier(attempt))
    profile = provider.get_profile(tokens)
    account = None
    if attempt.account_id is not None:
        account = service.get_account_or_raise(
            session, workspace_id=actor.workspace.id, account_id=attempt.account_id
        )
        if profile.remote_id != account.remote_id:
            _revoke_quietly(provider, tokens)
            raise ReconnectMismatch(platform=cls.name, got=profile.handle, expected=account.handle)
    return service.save_connected_account(
        session, actor=actor, platform=platform, profile=profile, tokens=tokens, account=account
    )


def disconnect(
    session: Session, *, actor: Actor, account_id: int, http: Http | None = None
) -> Account:
    """Tell the platform to forget the sign-in (best effort), then wipe it here."""
    account = service.get_account_or_raise(
        session, workspace_id=actor.workspace.id, account_id=account_id
    )
    if account.credentials is not None and account.platform != "manual":
        try:
            provider = credentials.provider_for(
                session, workspace_id=actor.workspace.id, platform=account.platform, http=http
            )
            _revoke_quietly(provider, credentials.load_tokens(account))
        except ProviderError as exc:
            log.info("not revoked on %s: %s", account.platform, exc)
    return service.disconnect(session, actor=actor, account=account)


def _revoke_quietly(provider: Provider, tokens: Tokens) -> None:
    """Revoking is a courtesy to the platform: a failure changes nothing here."""
    try:
        provider.revoke(tokens)
    except ProviderError as exc:
        log.info("revoke failed: %s", exc)


class RefreshOutcome(enum.StrEnum):
    fresh = "fresh"  # nothing to do (refreshed meanwhile, or not due)
    refreshed = "refreshed"
    needs_reauth = "needs_reauth"
    failed = "failed"  # the platform did not answer well; tried again next period
    skipped = "skipped"  # gone, disconnected, or not an OAuth account


def refresh_margin(platform: str) -> timedelta:
    """How early `platform`'s tokens are refreshed (0 for a platform that is not installed)."""
    cls = provider_classes().get(platform)
    return cls.refresh_ahead if cls is not None else timedelta(0)


def refresh_account(
    session: Session,
    *,
    account_id: int,
    margin: timedelta = REFRESH_AHEAD,
    http: Http | None = None,
) -> RefreshOutcome:
    """Refresh one account's tokens when they run out within `margin`, holding its lock.

    Call in a transaction of its own; commit afterwards whatever this returns (a refusal
    marks the account needs_reauth and notifies the workspace).
    """
    account = service.lock_account(session, account_id=account_id)
    if account is None or account.status != AccountStatus.connected:
        return RefreshOutcome.skipped
    margin = max(margin, refresh_margin(account.platform))
    if account.token_expires_at is None or account.token_expires_at - utcnow() > margin:
        return RefreshOutcome.fresh
    provider = credentials.provider_for(
        session, workspace_id=account.workspace_id, platform=account.platform, http=http
    )
    if not provider.uses_oauth:
        return RefreshOutcome.skipped
    try:
        before = credentials.load_tokens(account)
        after = usable_tokens(session, account_id=account.id, provider=provider, margin=margin)
    except ReauthRequired:
        return RefreshOutcome.needs_reauth
    except ProviderError as exc:
        service.record_error(account, error=exc)
        log.warning("refreshing account %s failed: %s", account.id, exc)
        return RefreshOutcome.failed
    if after == before:
        return RefreshOutcome.fresh
    service.record_success(account)
    return RefreshOutcome.refreshed


# --- the one way to a usable token ----------------------------------------------------------------


def usable_tokens(
    session: Session,
    *,
    account_id: int,
    provider: Provider,
    refused: Tokens | None = None,
    margin: timedelta = credentials.REFRESH_MARGIN,
    notify_workspace: bool = True,
) -> Tokens:
    """The account's tokens, ready to use: refreshed first when they run out within `margin`
    (or the platform's own `refresh_ahead`), or when the platform just turned `refused` down as
    expired whatever its expiry said.

    Every refresh holds the account's lock: platforms that rotate refresh tokens (TikTok) spend
    the old one on first use, so a second concurrent refresh would sign the account out. A
    refresh another worker made while we waited is used as it is. A refused refresh marks the
    account (`mark_needs_reauth`) and raises ReauthRequired: the caller commits all the same.
    """
    account = session.get(Account, account_id, populate_existing=True)
    assert account is not None, "the caller read the account a moment ago"
    if not provider.uses_oauth:
        return credentials.load_tokens(account) if account.credentials else Tokens(access_token="")
    margin = max(margin, provider.refresh_ahead)
    if refused is None and not _expiring(credentials.load_tokens(account), margin):
        return credentials.load_tokens(account)
    account = service.lock_account(session, account_id=account_id)
    assert account is not None
    current = credentials.load_tokens(account)
    if refused is not None and current.access_token != refused.access_token:
        return current  # another worker refreshed a moment ago
    if refused is None and not _expiring(current, margin):
        return current  # another worker refreshed while we waited for the lock
    try:
        fresh = provider.refresh(current)
    except ReauthRequired as exc:
        mark_needs_reauth(session, account, exc, notify_workspace=notify_workspace)
        raise
    # Platforms that do not rotate answer without a refresh token: keep the one we have.
    if fresh.refresh_token is None and current.refresh_token is not None:
        fresh = fresh.model_copy(update={"refresh_token": current.refresh_token})
    credentials.store_tokens(account, fresh)
    return credentials.load_tokens(account)


def _expiring(tokens: Tokens, margin: timedelta) -> bool:
    return tokens.expires_at is not None and tokens.expires_at - utcnow() <= margin


def mark_needs_reauth(
    session: Session, account: Account, exc: ProviderError, *, notify_workspace: bool = True
) -> None:
    """The platform no longer accepts the account's sign-in: mark it, record it in the audit
    log, and (once, when it was connected until now) tell the workspace."""
    was_connected = account.status == AccountStatus.connected
    text = exc.render()
    account.status = AccountStatus.needs_reauth
    account.status_detail = text[:500]
    account.last_error, account.last_error_at = text[:1000], utcnow()
    if not was_connected:
        return
    record(
        session,
        action="account.needs_reauth",
        workspace_id=account.workspace_id,
        target=("account", account.id),
        data={"platform": account.platform, "detail": account.status_detail},
    )
    if notify_workspace:
        cls = provider_classes().get(account.platform)
        notify(
            session,
            workspace_id=account.workspace_id,
            kind=NotificationKind.needs_reauth,
            message=N_("{platform} no longer accepts the sign-in of {handle}. Reconnect the "
                       "account under Accounts."),
            params={"platform": cls.name if cls else account.platform, "handle": account.handle},
            link="/accounts",
        )  # fmt: skip
