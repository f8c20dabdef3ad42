"""Rules and queries of users, workspaces, memberships, tokens, sign-in and the audit log.

Functions take the session first and keyword arguments after; none of them commits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from zoneinfo import available_timezones

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shortops.errors import (
    N_,
    AlreadySetUp,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from shortops.kit import crypto
from shortops.kit.clock import utcnow
from shortops.kit.ids import random_token, slugify
from shortops.kit.pagination import PageParams, paginate
from shortops.kit.text import has_control_characters
from shortops.models import (
    ApiToken,
    AuditEvent,
    Membership,
    Role,
    User,
    Workspace,
)
from shortops.workspaces.passwords import check_password_strength
from shortops.workspaces.permissions import (
    Permission,
    Scope,
    can_assign_role,
    role_allows,
    scopes_allowed_for,
)
from shortops.workspaces.schemas import (
    MemberCreate,
    MemberRead,
    TokenCreate,
    WorkspaceCreate,
    WorkspaceUpdate,
)

TOKEN_PREFIX = "sho"


@dataclass(frozen=True)
class Actor:
    """Who is acting, in which workspace, with which role and (for API tokens) scopes."""

    user: User
    workspace: Workspace
    role: Role
    token: ApiToken | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
    ip: str = ""

    def can(self, permission: Permission) -> bool:
        return role_allows(self.role, permission)


# --- audit -------------------------------------------------------------------------------------


def record(
    session: Session,
    *,
    action: str,
    actor: Actor | None = None,
    user: User | None = None,
    workspace_id: int | None = None,
    target: tuple[str, object] | None = None,
    data: dict[str, Any] | None = None,
    ip: str = "",
) -> AuditEvent:
    """Append an audit event (who did what to which target)."""
    event = AuditEvent(
        workspace_id=workspace_id
        if workspace_id is not None
        else (actor.workspace.id if actor else None),
        actor_user_id=actor.user.id if actor else (user.id if user else None),
        actor_token_id=actor.token.id if actor and actor.token else None,
        action=action,
        target_type=target[0] if target else "",
        target_id=str(target[1]) if target else "",
        data=data or {},
        ip=ip or (actor.ip if actor else ""),
    )
    session.add(event)
    return event


def list_audit_events(
    session: Session, *, workspace_id: int, params: PageParams
) -> tuple[list[AuditEvent], int]:
    statement = (
        select(AuditEvent)
        .where(AuditEvent.workspace_id == workspace_id)
        .order_by(AuditEvent.id.desc())
    )
    return paginate(session, statement, params)


def user_emails(session: Session, *, user_ids: set[int]) -> dict[int, str]:
    """Emails of the given users, for showing who did what."""
    if not user_ids:
        return {}
    rows = session.execute(select(User.id, User.email).where(User.id.in_(user_ids)))
    return {user_id: email for user_id, email in rows}


# --- users -------------------------------------------------------------------------------------


def normalize_email(email: str) -> str:
    email = email.strip().lower()
    local, _, domain = email.partition("@")
    if has_control_characters(email):
        # Not echoed: the characters would garble the message (or a terminal showing it).
        raise InvalidInput(N_("The email address contains a control character; retype it."))
    if not local or "." not in domain or " " in email or len(email) > 254:
        raise InvalidInput(N_("“{email}” is not an email address."), email=email)
    return email


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def create_user(session: Session, *, email: str, password: str, name: str = "") -> User:
    """A new user with an argon2 password hash; refuses weak passwords and taken emails."""
    email = normalize_email(email)
    if has_control_characters(name):
        raise InvalidInput(N_("The name contains a control character; retype it."))
    check_password_strength(password, email=email, name=name)
    if get_user_by_email(session, email) is not None:
        raise Conflict(N_("A user with the email {email} already exists."), email=email)
    user = User(email=email, name=name.strip(), password_hash=crypto.hash_password(password))
    session.add(user)
    _flush_or_conflict(session, N_("A user with the email {email} already exists."), email=email)
    return user


def set_user_language(session: Session, *, user: User, language: str) -> None:
    user.language = language


def is_set_up(session: Session) -> bool:
    return session.scalar(select(func.count()).select_from(User)) != 0


def set_up(
    session: Session,
    *,
    email: str,
    password: str,
    workspace_name: str,
    name: str = "",
    timezone: str = "UTC",
    currency: str = "USD",
) -> tuple[User, Workspace]:
    """First run: the owner account and the first workspace; refused once anyone exists."""
    if is_set_up(session):
        raise AlreadySetUp()
    if not workspace_name.strip():
        raise InvalidInput(N_("Give the first workspace a name."))
    data = workspace_settings(workspace_name, timezone, currency)
    user = create_user(session, email=email, password=password, name=name)
    workspace = create_workspace(session, owner=user, data=data)
    record(session, action="setup.completed", user=user, workspace_id=workspace.id)
    return user, workspace


def workspace_settings(name: str, timezone: str, currency: str) -> WorkspaceCreate:
    """A new workspace's name, time zone and currency, each refused with what to write."""
    timezone, currency = timezone.strip() or "UTC", currency.strip().upper() or "USD"
    if timezone not in available_timezones():
        raise InvalidInput(
            N_("“{value}” is not a time zone: choose one from the list, e.g. Asia/Shanghai."),
            value=timezone,
        )
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise InvalidInput(
            N_("“{value}” is not a currency code: use three letters, e.g. CNY or USD."),
            value=currency,
        )
    return WorkspaceCreate(name=name, timezone=timezone, currency=currency)


# --- workspaces --------------------------------------------------------------------------------


def _unique_slug(session: Session, name: str) -> str:
    base = slugify(name)
    slug, n = base, 1
    while session.scalar(select(Workspace.id).where(Workspace.slug == slug)) is not None:
        n += 1
        slug = f"{base}-{n}"
    return slug


def _insert_with_free_slug(session: Session, data: WorkspaceCreate) -> Workspace:
    """The new workspace under the first free slug; when a parallel creation takes the same
    slug between our look and our insert, the unique index refuses it and the next one is tried."""
    for _attempt in range(_SLUG_ATTEMPTS):
        workspace = Workspace(
            name=data.name,
            slug=_unique_slug(session, data.name),
            timezone=data.timezone,
            currency=data.currency,
        )
        try:
            with session.begin_nested():
                session.add(workspace)
                session.flush()
        except IntegrityError:
            continue
        return workspace
    raise Conflict(N_("Too many workspaces are being created at once; try again."))


_SLUG_ATTEMPTS = 20


def create_workspace(session: Session, *, owner: User, data: WorkspaceCreate) -> Workspace:
    """A workspace whose creator becomes its owner."""
    workspace = _insert_with_free_slug(session, data)
    session.add(Membership(workspace_id=workspace.id, user_id=owner.id, role=Role.owner))
    session.flush()
    record(
        session,
        action="workspace.created",
        user=owner,
        workspace_id=workspace.id,
        target=("workspace", workspace.id),
        data={"name": workspace.name},
    )
    return workspace


def update_workspace(session: Session, *, actor: Actor, data: WorkspaceUpdate) -> Workspace:
    workspace = actor.workspace
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    for key, value in changes.items():
        setattr(workspace, key, value)
    record(
        session,
        action="workspace.updated",
        actor=actor,
        target=("workspace", workspace.id),
        data=changes,
    )
    return workspace


def list_workspaces_for_user(session: Session, *, user: User) -> list[tuple[Workspace, Role]]:
    rows = session.execute(
        select(Workspace, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Membership.user_id == user.id)
        .order_by(Workspace.name, Workspace.id)
    )
    return [(workspace, role) for workspace, role in rows]


def get_membership(session: Session, *, user_id: int, workspace_id: int) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.user_id == user_id, Membership.workspace_id == workspace_id
        )
    )


def get_workspace_for_user_or_raise(
    session: Session, *, user: User, workspace_id: int
) -> tuple[Workspace, Role]:
    """The workspace and the user's role in it; NotFound when it does not exist or is not theirs."""
    row = session.execute(
        select(Workspace, Membership.role)
        .join(Membership, Membership.workspace_id == Workspace.id)
        .where(Workspace.id == workspace_id, Membership.user_id == user.id)
    ).first()
    if row is None:
        raise NotFound(N_("No workspace with id {id} is yours."), id=workspace_id)
    return row[0], row[1]


def get_workspace_by_slug_or_raise(session: Session, *, slug: str) -> Workspace:
    workspace = session.scalar(select(Workspace).where(Workspace.slug == slug))
    if workspace is None:
        raise NotFound(N_("No workspace with the slug {slug}."), slug=slug)
    return workspace


def list_all_workspaces(session: Session) -> list[Workspace]:
    return list(session.scalars(select(Workspace).order_by(Workspace.id)))


# --- members -----------------------------------------------------------------------------------


def _member_read(membership: Membership, user: User) -> MemberRead:
    return MemberRead(
        user_id=user.id,
        email=user.email,
        name=user.name,
        role=membership.role,
        created_at=membership.created_at,
    )


def list_members(
    session: Session, *, workspace_id: int, params: PageParams
) -> tuple[list[MemberRead], int]:
    statement = (
        select(Membership).where(Membership.workspace_id == workspace_id).order_by(Membership.id)
    )
    memberships, total = paginate(session, statement, params)
    users = {
        u.id: u
        for u in session.scalars(select(User).where(User.id.in_([m.user_id for m in memberships])))
    }
    return [_member_read(m, users[m.user_id]) for m in memberships], total


def add_member(session: Session, *, actor: Actor, data: MemberCreate) -> MemberRead:
    """Give someone a role here, creating their user when the email is new."""
    if not can_assign_role(actor.role, data.role):
        raise PermissionDenied(N_("Only an owner can make someone an owner."))
    user = get_user_by_email(session, data.email)
    if user is None:
        if not data.password:
            raise InvalidInput(
                N_("{email} has no shortops user yet: give an initial password to create one."),
                email=data.email,
            )
        user = create_user(session, email=data.email, password=data.password, name=data.name)
        record(session, action="user.created", actor=actor, target=("user", user.id))
    elif get_membership(session, user_id=user.id, workspace_id=actor.workspace.id):
        raise Conflict(N_("{email} is already a member of this workspace."), email=data.email)
    membership = Membership(workspace_id=actor.workspace.id, user_id=user.id, role=data.role)
    session.add(membership)
    _flush_or_conflict(
        session, N_("{email} is already a member of this workspace."), email=user.email
    )
    record(
        session,
        action="member.added",
        actor=actor,
        target=("user", user.id),
        data={"email": user.email, "role": data.role.value},
    )
    return _member_read(membership, user)


def _membership_or_raise(session: Session, *, workspace_id: int, user_id: int) -> Membership:
    membership = get_membership(session, user_id=user_id, workspace_id=workspace_id)
    if membership is None:
        raise NotFound(N_("No member with user id {id} in this workspace."), id=user_id)
    return membership


def _owner_count(session: Session, workspace_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.workspace_id == workspace_id, Membership.role == Role.owner)
        )
        or 0
    )


def change_member_role(session: Session, *, actor: Actor, user_id: int, role: Role) -> MemberRead:
    membership = _membership_or_raise(session, workspace_id=actor.workspace.id, user_id=user_id)
    if not (can_assign_role(actor.role, membership.role) and can_assign_role(actor.role, role)):
        raise PermissionDenied(N_("Only an owner can change an owner or make someone an owner."))
    if membership.role == Role.owner and role != Role.owner:
        _refuse_removing_last_owner(session, actor.workspace.id)
    previous = membership.role
    membership.role = role
    record(
        session,
        action="member.role_changed",
        actor=actor,
        target=("user", user_id),
        data={"from": previous.value, "to": role.value},
    )
    user = session.get(User, user_id)
    assert user is not None
    return _member_read(membership, user)


def remove_member(session: Session, *, actor: Actor, user_id: int) -> None:
    membership = _membership_or_raise(session, workspace_id=actor.workspace.id, user_id=user_id)
    if not can_assign_role(actor.role, membership.role):
        raise PermissionDenied(N_("Only an owner can remove an owner."))
    if membership.role == Role.owner:
        _refuse_removing_last_owner(session, actor.workspace.id)
    session.delete(membership)
    # Their tokens for this workspace die with the membership.
    session.execute(
        update(ApiToken)
        .where(
            ApiToken.workspace_id == actor.workspace.id,
            ApiToken.user_id == user_id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    )
    record(session, action="member.removed", actor=actor, target=("user", user_id))


def _refuse_removing_last_owner(session: Session, workspace_id: int) -> None:
    if _owner_count(session, workspace_id) <= 1:
        raise Conflict(N_("A workspace needs at least one owner: make someone else owner first."))


# --- API tokens --------------------------------------------------------------------------------


def create_token(session: Session, *, actor: Actor, data: TokenCreate) -> tuple[ApiToken, str]:
    """A new API token for the acting user in this workspace; the secret is returned once."""
    requested = {Scope(s) for s in data.scopes}
    allowed = scopes_allowed_for(actor.role)
    if actor.token is not None:
        # A token can mint tokens only within its own scopes.
        allowed &= {Scope(s) for s in actor.scopes}
    if not requested <= allowed:
        raise PermissionDenied(
            N_("Your role cannot grant the scopes: {scopes}."),
            scopes=", ".join(sorted(s.value for s in requested - allowed)),
        )
    secret = random_token(TOKEN_PREFIX)
    now = utcnow()
    token = ApiToken(
        workspace_id=actor.workspace.id,
        user_id=actor.user.id,
        name=data.name,
        token_hash=crypto.hash_token(secret),
        prefix=secret[: len(TOKEN_PREFIX) + 7],
        scopes=sorted(s.value for s in requested),
        created_at=now,
        expires_at=now + timedelta(days=data.expires_in_days) if data.expires_in_days else None,
    )
    session.add(token)
    session.flush()
    record(
        session,
        action="token.created",
        actor=actor,
        target=("api_token", token.id),
        data={"name": token.name, "scopes": token.scopes},
    )
    return token, secret


def list_tokens(
    session: Session, *, actor: Actor, params: PageParams
) -> tuple[list[ApiToken], int]:
    """Admins see every token of the workspace; others see their own."""
    statement = select(ApiToken).where(ApiToken.workspace_id == actor.workspace.id)
    if not actor.can(Permission.manage_members):
        statement = statement.where(ApiToken.user_id == actor.user.id)
    return paginate(session, statement.order_by(ApiToken.id.desc()), params)


def revoke_token(session: Session, *, actor: Actor, token_id: int) -> ApiToken:
    token = session.scalar(
        select(ApiToken).where(ApiToken.id == token_id, ApiToken.workspace_id == actor.workspace.id)
    )
    visible = token is not None and (
        token.user_id == actor.user.id or actor.can(Permission.manage_members)
    )
    if token is None or not visible:
        raise NotFound(N_("No API token with id {id} in this workspace."), id=token_id)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        record(session, action="token.revoked", actor=actor, target=("api_token", token.id))
    return token


def resolve_token(session: Session, *, secret: str) -> tuple[ApiToken, User, Membership] | None:
    """The live token for this secret with its user and membership, or None."""
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == crypto.hash_token(secret)))
    now = utcnow()
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    user = session.get(User, token.user_id)
    membership = get_membership(session, user_id=token.user_id, workspace_id=token.workspace_id)
    if user is None or not user.is_active or membership is None:
        return None
    # Writing on every request would serialise readers on SQLite; a minute's precision is enough.
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        token.last_used_at = now
    return token, user, membership


def _flush_or_conflict(session: Session, message: str, **params: object) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(message, **params) from exc
