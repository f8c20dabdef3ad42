"""Rules and queries of connected accounts, platform apps and sign-ins in progress.

Always scoped to one workspace; functions take the session first and keyword arguments after,
and none of them commits. Calls to platforms live in flows.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from shortops.accounts import credentials
from shortops.accounts.errors import (
    AccountBusy,
    OAuthStateExpired,
    OAuthStateInvalid,
)
from shortops.accounts.schemas import (
    AccountRead,
    ManualAccountCreate,
    PlatformAppRead,
    PlatformAppWrite,
)
from shortops.errors import N_, InvalidInput, NotFound
from shortops.kit.clock import utcnow
from shortops.kit.pagination import PageParams, paginate
from shortops.models import Account, AccountStatus, OAuthAttempt, PlatformApp
from shortops.providers.base import Provider
from shortops.providers.errors import ProviderError
from shortops.providers.manual import preset_for
from shortops.providers.registry import UnknownPlatform, provider_class, provider_classes
from shortops.providers.types import Profile, Tokens
from shortops.workspaces.service import Actor, record

# A sign-in not back from the platform within this long is refused.
ATTEMPT_TTL = timedelta(minutes=15)
VERIFIER_PURPOSE = "oauth-code-verifier"

# --- accounts -------------------------------------------------------------------------------------


def list_accounts(
    session: Session, *, workspace_id: int, params: PageParams, platform: str | None = None
) -> tuple[list[Account], int]:
    statement = select(Account).where(Account.workspace_id == workspace_id)
    if platform:
        statement = statement.where(Account.platform == platform)
    return paginate(session, statement.order_by(Account.platform, Account.handle), params)


def get_account(session: Session, *, workspace_id: int, account_id: int) -> Account | None:
    return session.scalar(
        select(Account).where(Account.workspace_id == workspace_id, Account.id == account_id)
    )


def get_account_or_raise(session: Session, *, workspace_id: int, account_id: int) -> Account:
    account = get_account(session, workspace_id=workspace_id, account_id=account_id)
    if account is None:
        raise NotFound(N_("No account with id {id} in this workspace."), id=account_id)
    return account


def get_by_remote_id(
    session: Session, *, workspace_id: int, platform: str, remote_id: str
) -> Account | None:
    return session.scalar(
        select(Account).where(
            Account.workspace_id == workspace_id,
            Account.platform == platform,
            Account.remote_id == remote_id,
        )
    )


def platform_name(platform: str) -> str:
    """The platform's display name ("TikTok"), or its slug when no provider is installed."""
    try:
        return provider_class(platform).name
    except UnknownPlatform:
        return platform


def account_platform_name(account: Account) -> str:
    """The platform as people know it: a manual account's own platform ("Xiaohongshu 小红书"),
    not "Manual"."""
    if account.platform == "manual" and account.platform_label:
        return preset_for(account.platform_label).name
    return platform_name(account.platform)


def account_read(account: Account) -> AccountRead:
    read = AccountRead.model_validate(account)
    try:
        cls: type[Provider] | None = provider_class(account.platform)
    except UnknownPlatform:
        cls = None
    return read.model_copy(
        update={
            "platform_name": account_platform_name(account),
            "is_sandbox": bool(cls and cls.is_sandbox),
        }
    )


def save_connected_account(
    session: Session,
    *,
    actor: Actor,
    platform: str,
    profile: Profile,
    tokens: Tokens,
    account: Account | None = None,
    platform_label: str = "",
) -> tuple[Account, bool]:
    """Store a signed-in account (new, or the existing row of the same remote user).

    Returns the account and whether it was already known (a reconnect).
    """
    existing = account or get_by_remote_id(
        session, workspace_id=actor.workspace.id, platform=platform, remote_id=profile.remote_id
    )
    now = utcnow()
    found = existing or Account(
        workspace_id=actor.workspace.id, platform=platform, remote_id=profile.remote_id
    )
    found.handle = profile.handle[:128]
    found.display_name = profile.display_name[:255]
    found.avatar_url = profile.avatar_url
    found.platform_label = platform_label or found.platform_label or ""
    found.status = AccountStatus.connected
    found.status_detail = ""
    found.last_success_at = now
    credentials.store_tokens(found, tokens)
    if existing is None:
        session.add(found)
    session.flush()
    record(
        session,
        action="account.reconnected" if existing else "account.connected",
        actor=actor,
        target=("account", found.id),
        data={"platform": platform, "handle": found.handle},
    )
    return found, existing is not None


def create_manual_account(
    session: Session, *, actor: Actor, data: ManualAccountCreate
) -> tuple[Account, bool]:
    """A manual account: the platform by name and the handle; nothing to sign in to."""
    remote_id = f"{data.platform_label.casefold()}/{data.handle.casefold()}"[:128]
    profile = Profile(remote_id=remote_id, handle=data.handle, display_name=data.handle)
    # The engine reads tokens for every account; a manual one has nothing secret in them.
    tokens = Tokens(access_token="manual", remote_id=remote_id)
    return save_connected_account(
        session,
        actor=actor,
        platform="manual",
        profile=profile,
        tokens=tokens,
        platform_label=data.platform_label,
    )


def disconnect(session: Session, *, actor: Actor, account: Account) -> Account:
    """Forget the account's sign-in; its posts and numbers stay."""
    account.credentials = None
    account.token_expires_at = None
    account.refresh_expires_at = None
    account.scopes = []
    account.status = AccountStatus.disconnected
    account.status_detail = ""
    record(
        session,
        action="account.disconnected",
        actor=actor,
        target=("account", account.id),
        data={"platform": account.platform, "handle": account.handle},
    )
    return account


def record_success(account: Account, *, at: datetime | None = None) -> None:
    account.last_success_at = at or utcnow()


def record_error(account: Account, *, error: ProviderError, at: datetime | None = None) -> None:
    account.last_error = error.render()[:1000]
    account.last_error_at = at or utcnow()


def accounts_due_for_refresh(session: Session, *, now: datetime, margin: timedelta) -> list[int]:
    """Connected accounts whose access token runs out within `margin`, or within their
    platform's own `refresh_ahead` when that is longer."""
    due_by_platform = [
        and_(
            Account.platform == slug,
            Account.token_expires_at < now + max(margin, cls.refresh_ahead),
        )
        for slug, cls in provider_classes().items()
        if cls.uses_oauth
    ]
    if not due_by_platform:
        return []
    return list(
        session.scalars(
            select(Account.id)
            .where(
                Account.status == AccountStatus.connected,
                Account.credentials.is_not(None),
                Account.token_expires_at.is_not(None),
                or_(*due_by_platform),
            )
            .order_by(Account.token_expires_at)
        )
    )


# --- one writer per account -----------------------------------------------------------------------


def lock_account(session: Session, *, account_id: int) -> Account | None:
    """The account, locked until this transaction ends, read fresh after taking the lock.

    Refreshing a token spends the old refresh token on platforms that rotate them, so two
    workers must never refresh the same account at once. PostgreSQL: SELECT … FOR UPDATE (a row
    lock). SQLite: an UPDATE that changes nothing takes the database's write lock, as the
    publishing engine's own lock does, so the two wait for each other. Call it first in its
    transaction, before reading the row (SQLite keeps the snapshot of the first read).
    """
    if session.get_bind().dialect.name == "postgresql":
        return session.scalar(
            select(Account)
            .where(Account.id == account_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    try:
        session.execute(
            update(Account)
            .where(Account.id == account_id)
            .values(status=Account.status)
            .execution_options(synchronize_session=False)
        )
    except OperationalError as exc:  # "database is locked": the other writer took too long
        raise AccountBusy() from exc
    return session.scalar(
        select(Account).where(Account.id == account_id).execution_options(populate_existing=True)
    )


# --- platform apps --------------------------------------------------------------------------------


def oauth_platforms() -> dict[str, type[Provider]]:
    """Installed providers that connect by platform sign-in, by slug."""
    return {slug: cls for slug, cls in provider_classes().items() if cls.uses_oauth}


def _oauth_platform_or_raise(platform: str) -> type[Provider]:
    cls = provider_class(platform)
    if not cls.uses_oauth:
        raise InvalidInput(
            N_("{platform} needs no app credentials: it connects without a platform sign-in."),
            platform=cls.name,
        )
    return cls


def get_platform_app(session: Session, *, workspace_id: int, platform: str) -> PlatformApp | None:
    return session.scalar(
        select(PlatformApp).where(
            PlatformApp.workspace_id == workspace_id, PlatformApp.platform == platform
        )
    )


def platform_app_read(platform: str, app: PlatformApp | None) -> PlatformAppRead:
    cls = provider_class(platform)
    return PlatformAppRead(
        platform=platform,
        name=cls.name,
        configured=app is not None,
        client_id=app.client_id if app else None,
        client_secret_set=bool(app and app.client_secret),
        endpoints={str(k): str(v) for k, v in (app.endpoints if app else {}).items()},
        redirect_uri=credentials.redirect_uri(platform),
        updated_at=app.updated_at if app else None,
    )


def list_platform_apps(session: Session, *, workspace_id: int) -> list[PlatformAppRead]:
    """Every OAuth platform installed, with this workspace's registration where there is one."""
    apps = {
        app.platform: app
        for app in session.scalars(
            select(PlatformApp).where(PlatformApp.workspace_id == workspace_id)
        )
    }
    return [platform_app_read(slug, apps.get(slug)) for slug in oauth_platforms()]


def save_platform_app(
    session: Session, *, actor: Actor, platform: str, data: PlatformAppWrite
) -> PlatformApp:
    """Create or change the workspace's app on `platform`; the secret is stored encrypted."""
    _oauth_platform_or_raise(platform)
    app = get_platform_app(session, workspace_id=actor.workspace.id, platform=platform)
    if app is None and data.client_secret is None:
        raise InvalidInput(N_("Enter the client secret the platform gave you."))
    if app is None:
        app = PlatformApp(workspace_id=actor.workspace.id, platform=platform, client_secret=b"")
        session.add(app)
    app.client_id = data.client_id
    if data.client_secret is not None:
        app.client_secret = credentials.seal(data.client_secret, credentials.APP_SECRET_PURPOSE)
    app.endpoints = dict(data.endpoints)
    app.updated_at = utcnow()
    session.flush()
    record(
        session,
        action="platform_app.saved",
        actor=actor,
        target=("platform_app", platform),
        data={"client_id": data.client_id, "secret_changed": data.client_secret is not None},
    )
    return app


def delete_platform_app(session: Session, *, actor: Actor, platform: str) -> None:
    app = get_platform_app(session, workspace_id=actor.workspace.id, platform=platform)
    if app is None:
        raise NotFound(
            N_("{platform} has no app credentials in this workspace."), platform=platform
        )
    session.delete(app)
    record(session, action="platform_app.deleted", actor=actor, target=("platform_app", platform))


# --- sign-ins in progress -------------------------------------------------------------------------


def create_attempt(
    session: Session,
    *,
    actor: Actor,
    platform: str,
    state: str,
    code_verifier: str | None,
    account_id: int | None = None,
) -> OAuthAttempt:
    attempt = OAuthAttempt(
        state=state,
        workspace_id=actor.workspace.id,
        user_id=actor.user.id,
        platform=platform,
        code_verifier=credentials.seal(code_verifier, VERIFIER_PURPOSE) if code_verifier else None,
        account_id=account_id,
    )
    session.add(attempt)
    session.flush()
    return attempt


def take_attempt(session: Session, *, actor: Actor, platform: str, state: str) -> OAuthAttempt:
    """The sign-in this callback belongs to, deleted so its state works once only.

    Refused when the state is unknown, already used, older than ATTEMPT_TTL, or was started by
    another user or in another workspace (the callback must come back to whoever started it).
    """
    attempt = session.scalar(select(OAuthAttempt).where(OAuthAttempt.state == state))
    if attempt is None or attempt.platform != platform or attempt.user_id != actor.user.id:
        raise OAuthStateInvalid()
    # A conditional delete: of two callbacks racing with one state, only one gets the row.
    deleted = session.execute(
        delete(OAuthAttempt).where(OAuthAttempt.id == attempt.id).returning(OAuthAttempt.id)
    ).first()
    if deleted is None:
        raise OAuthStateInvalid()
    if attempt.workspace_id != actor.workspace.id:
        raise OAuthStateInvalid(
            N_("This sign-in was started in another workspace. Switch back to it and connect "
               "again.")
        )  # fmt: skip
    if attempt.created_at < utcnow() - ATTEMPT_TTL:
        raise OAuthStateExpired(minutes=int(ATTEMPT_TTL.total_seconds() // 60))
    return attempt


def attempt_verifier(attempt: OAuthAttempt) -> str | None:
    if attempt.code_verifier is None:
        return None
    return credentials.unseal(attempt.code_verifier, VERIFIER_PURPOSE)


def delete_stale_attempts(session: Session, *, older_than: datetime) -> int:
    """Drop sign-ins that never came back."""
    result = session.execute(
        delete(OAuthAttempt).where(OAuthAttempt.created_at < older_than).returning(OAuthAttempt.id)
    )
    return len(result.all())
