"""Users, sign-in throttling, workspaces, members and tokens through the service layer."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.errors import (
    AlreadySetUp,
    Conflict,
    InvalidCredentials,
    InvalidInput,
    LoginThrottled,
    PermissionDenied,
    WeakPassword,
)
from shortops.kit.clock import utcnow
from shortops.models import ApiToken, AuditEvent, Membership, Role, User, Workspace
from shortops.workspaces import service, signin
from shortops.workspaces.permissions import Scope
from shortops.workspaces.schemas import MemberCreate, TokenCreate
from tests import factories

POLICY = signin.ThrottlePolicy(max_failures=3, lockout=timedelta(minutes=15))


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    "password", ["short", "1234567890", "aaaaaaaaaaaa", "password123", "maria-secret-x"]
)
def test_weak_passwords_are_refused_and_nothing_is_written(session: Session, password: str) -> None:
    with pytest.raises(WeakPassword):
        service.create_user(session, email="maria@example.com", password=password)
    session.rollback()
    assert _count(session, User) == 0


def test_duplicate_email_is_a_conflict_whatever_its_case(session: Session) -> None:
    factories.create_user(session, email="dup@example.com")
    with pytest.raises(Conflict, match="already exists"):
        service.create_user(session, email="  DUP@Example.com ", password=factories.PASSWORD)


@pytest.mark.parametrize("email", ["no-at-sign", "a@b", "a b@c.com", ""])
def test_malformed_emails_are_refused(session: Session, email: str) -> None:
    with pytest.raises(InvalidInput, match="not an email"):
        service.create_user(session, email=email, password=factories.PASSWORD)


def test_set_up_happens_once(session: Session) -> None:
    user, workspace = service.set_up(
        session, email="o@example.com", password=factories.PASSWORD, workspace_name="抖音矩阵"
    )
    session.commit()
    assert service.get_membership(session, user_id=user.id, workspace_id=workspace.id).role == (
        Role.owner
    )
    assert workspace.slug.startswith("workspace-")  # no ASCII in the name: a generated slug
    with pytest.raises(AlreadySetUp):
        service.set_up(
            session, email="x@example.com", password=factories.PASSWORD, workspace_name="Again"
        )


def test_sign_in_locks_out_after_repeated_failures(session: Session) -> None:
    user = factories.create_user(session, email="lock@example.com")
    for _ in range(POLICY.max_failures):
        with pytest.raises(InvalidCredentials):
            signin.authenticate(session, email=user.email, password="wrong", policy=POLICY)
    session.commit()
    # Even the right password is refused while locked out.
    with pytest.raises(LoginThrottled):
        signin.authenticate(session, email=user.email, password=factories.PASSWORD, policy=POLICY)


def test_unknown_emails_are_throttled_the_same_way(session: Session) -> None:
    for _ in range(POLICY.max_failures):
        with pytest.raises(InvalidCredentials):
            signin.authenticate(session, email="ghost@example.com", password="x", policy=POLICY)
    with pytest.raises(LoginThrottled):
        signin.authenticate(session, email="ghost@example.com", password="x", policy=POLICY)


def test_successful_sign_in_clears_failures(session: Session) -> None:
    user = factories.create_user(session, email="ok@example.com")
    with pytest.raises(InvalidCredentials):
        signin.authenticate(session, email=user.email, password="wrong", policy=POLICY)
    signed_in = signin.authenticate(
        session, email="OK@example.com", password=factories.PASSWORD, policy=POLICY
    )
    assert signed_in.id == user.id
    assert signed_in.last_login_at is not None
    for _ in range(POLICY.max_failures - 1):
        with pytest.raises(InvalidCredentials):
            signin.authenticate(session, email=user.email, password="wrong", policy=POLICY)
    assert signin.authenticate(
        session, email=user.email, password=factories.PASSWORD, policy=POLICY
    )


def _actor(session: Session, role: Role) -> service.Actor:
    owner = factories.create_user(session)
    workspace = factories.create_workspace(session, owner=owner)
    if role == Role.owner:
        return factories.actor_for(session, user=owner, workspace=workspace)
    user = factories.create_user(session)
    factories.add_member(session, workspace=workspace, user=user, role=role)
    return factories.actor_for(session, user=user, workspace=workspace)


def test_admin_cannot_make_owners(session: Session) -> None:
    admin = _actor(session, Role.admin)
    with pytest.raises(PermissionDenied):
        service.add_member(
            session,
            actor=admin,
            data=MemberCreate(
                email="new@example.com", role=Role.owner, password=factories.PASSWORD
            ),
        )


def test_adding_a_new_email_needs_a_password_and_writes_nothing_without(session: Session) -> None:
    owner = _actor(session, Role.owner)
    users_before = _count(session, User)
    with pytest.raises(InvalidInput, match="initial password"):
        service.add_member(session, actor=owner, data=MemberCreate(email="n@example.com"))
    assert _count(session, User) == users_before


def test_adding_an_existing_member_twice_is_a_conflict(session: Session) -> None:
    owner = _actor(session, Role.owner)
    data = MemberCreate(email="twice@example.com", password=factories.PASSWORD)
    service.add_member(session, actor=owner, data=data)
    with pytest.raises(Conflict, match="already a member"):
        service.add_member(session, actor=owner, data=data)


def test_last_owner_cannot_leave_or_be_demoted(session: Session) -> None:
    owner = _actor(session, Role.owner)
    with pytest.raises(Conflict, match="at least one owner"):
        service.change_member_role(session, actor=owner, user_id=owner.user.id, role=Role.admin)
    with pytest.raises(Conflict, match="at least one owner"):
        service.remove_member(session, actor=owner, user_id=owner.user.id)


def test_removing_a_member_revokes_their_tokens(session: Session) -> None:
    owner = _actor(session, Role.owner)
    member = service.add_member(
        session,
        actor=owner,
        data=MemberCreate(email="m@example.com", role=Role.editor, password=factories.PASSWORD),
    )
    session.commit()
    user = session.get(User, member.user_id)
    token, secret = factories.create_token(session, user=user, workspace=owner.workspace)
    assert service.resolve_token(session, secret=secret) is not None
    service.remove_member(session, actor=owner, user_id=member.user_id)
    session.commit()
    assert session.get(ApiToken, token.id).revoked_at is not None
    assert service.resolve_token(session, secret=secret) is None


def test_token_scopes_never_exceed_the_role(session: Session) -> None:
    viewer = _actor(session, Role.viewer)
    with pytest.raises(PermissionDenied, match="write"):
        service.create_token(
            session, actor=viewer, data=TokenCreate(name="x", scopes=[Scope.read, Scope.write])
        )
    editor = _actor(session, Role.editor)
    token, secret = service.create_token(
        session, actor=editor, data=TokenCreate(name="x", scopes=[Scope.write, Scope.read])
    )
    assert token.scopes == ["read", "write"]
    assert token.token_hash != secret and secret not in token.token_hash
    assert secret.startswith(token.prefix)


def test_expired_and_revoked_tokens_do_not_resolve(session: Session) -> None:
    owner = _actor(session, Role.owner)
    token, secret = service.create_token(
        session, actor=owner, data=TokenCreate(name="x", expires_in_days=1)
    )
    assert service.resolve_token(session, secret=secret) is not None
    token.expires_at = utcnow() - timedelta(seconds=1)
    assert service.resolve_token(session, secret=secret) is None
    token2, secret2 = service.create_token(session, actor=owner, data=TokenCreate(name="y"))
    service.revoke_token(session, actor=owner, token_id=token2.id)
    assert service.resolve_token(session, secret=secret2) is None
    assert service.resolve_token(session, secret="sho_not-a-token") is None


def test_changes_that_matter_are_audited(session: Session) -> None:
    owner = _actor(session, Role.owner)
    service.add_member(
        session,
        actor=owner,
        data=MemberCreate(email="a@example.com", role=Role.viewer, password=factories.PASSWORD),
    )
    member_id = service.get_user_by_email(session, "a@example.com").id
    service.change_member_role(session, actor=owner, user_id=member_id, role=Role.editor)
    token, _ = service.create_token(session, actor=owner, data=TokenCreate(name="t"))
    service.revoke_token(session, actor=owner, token_id=token.id)
    service.remove_member(session, actor=owner, user_id=member_id)
    session.commit()
    actions = set(
        session.scalars(
            select(AuditEvent.action).where(AuditEvent.workspace_id == owner.workspace.id)
        )
    )
    assert {
        "workspace.created",
        "user.created",
        "member.added",
        "member.role_changed",
        "token.created",
        "token.revoked",
        "member.removed",
    } <= actions


def test_workspace_slugs_stay_unique(session: Session) -> None:
    owner = factories.create_user(session)
    first = factories.create_workspace(session, owner=owner, name="Acme")
    second = factories.create_workspace(session, owner=owner, name="ACME!")
    assert (first.slug, second.slug) == ("acme", "acme-2")
    assert _count(session, Workspace) == 2
    assert _count(session, Membership) == 2


def test_every_audited_action_has_a_sentence_and_every_detail_a_label() -> None:
    """A new `record(action=…)` without words would show its code in the audit log."""
    import re
    from pathlib import Path

    from shortops.workspaces import audit_text

    source = Path(audit_text.__file__).parents[1]
    actions: set[str] = set()
    for path in source.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        actions |= set(re.findall(r'action="([a-z_]+\.[a-z_]+)"', text))
        actions |= set(re.findall(r'"(publication\.[a-z_]+)", \{', text))
    assert len(actions) > 30
    assert not actions - set(audit_text.ACTIONS), sorted(actions - set(audit_text.ACTIONS))
