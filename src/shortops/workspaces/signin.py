"""Sign-in with a per-email throttle that holds under parallel attempts.

Unlike the rest of the service layer, `authenticate` commits: an attempt is counted (one atomic
upsert) and committed *before* the password is checked, so fifty parallel attempts each see the
others and at most `max_failures` passwords are ever checked per lockout window.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, update
from sqlalchemy.orm import Session

from shortops.db.upsert import dialect_insert
from shortops.errors import InvalidCredentials, LoginThrottled
from shortops.kit import crypto
from shortops.kit.clock import utcnow
from shortops.kit.ids import random_token
from shortops.kit.text import has_control_characters
from shortops.models import LoginThrottle, User
from shortops.workspaces.service import get_user_by_email, record

MAX_EMAIL_LENGTH = 254  # RFC 5321's limit for a forward path
MAX_PASSWORD_LENGTH = 1024


@dataclass(frozen=True)
class ThrottlePolicy:
    max_failures: int
    lockout: timedelta


@dataclass(frozen=True)
class _Attempt:
    number: int  # this attempt's place in the current window, 1 for the first
    window_start: datetime
    locked_until: datetime | None


def authenticate(
    session: Session, *, email: str, password: str, policy: ThrottlePolicy, ip: str = ""
) -> User:
    """The user for these credentials; counts attempts per email and locks out after too many.

    The throttle keys on the email whether or not a user has it, so it reveals nothing about
    which accounts exist. Commits the attempt count before the (slow) password check.
    """
    email = email.strip().lower()
    if (
        len(email) > MAX_EMAIL_LENGTH
        or len(password) > MAX_PASSWORD_LENGTH
        or has_control_characters(email)
    ):
        # No account has such an address or password (nor a NUL, which PostgreSQL cannot even
        # store): refused without storing a byte of it,
        # after the same hash work as any other wrong password.
        crypto.verify_password(_unknown_user_hash(), password[:MAX_PASSWORD_LENGTH])
        raise InvalidCredentials()
    now = utcnow()
    attempt = _count_attempt(session, email=email, now=now, policy=policy)
    session.commit()
    if attempt.number > policy.max_failures:
        until = attempt.locked_until or attempt.window_start + policy.lockout
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        raise LoginThrottled(minutes=minutes)
    user = get_user_by_email(session, email)
    # An unknown email costs the same hash check as a known one, so the answer's time does not
    # tell which addresses have accounts.
    known_hash = user.password_hash if user is not None else _unknown_user_hash()
    password_ok = crypto.verify_password(known_hash, password)
    if user is None or not user.is_active or not password_ok:
        if attempt.number >= policy.max_failures:
            _lock(session, email=email, until=now + policy.lockout)
        record(session, action="login.failed", user=user, data={"email": email}, ip=ip)
        raise InvalidCredentials()
    session.execute(delete(LoginThrottle).where(LoginThrottle.email == email))
    record(session, action="login.succeeded", user=user, ip=ip)
    if crypto.password_needs_rehash(user.password_hash):
        user.password_hash = crypto.hash_password(password)
    user.last_login_at = now
    return user


@functools.cache
def _unknown_user_hash() -> str:
    """A hash of a random secret: what an unknown email's password is checked against."""
    return crypto.hash_password(random_token("unknown-"))


def _count_attempt(
    session: Session, *, email: str, now: datetime, policy: ThrottlePolicy
) -> _Attempt:
    """Insert or increment this email's counter in one statement, starting a new window when the
    old one is over; a read-then-write would let parallel attempts all read "not locked"."""
    window_over = case(
        (LoginThrottle.locked_until.is_not(None), LoginThrottle.locked_until <= now),
        else_=LoginThrottle.first_failure_at.is_(None)
        | (LoginThrottle.first_failure_at < now - policy.lockout),
    )
    insert = dialect_insert(session, LoginThrottle).values(
        email=email, failures=1, first_failure_at=now, locked_until=None
    )
    upsert = insert.on_conflict_do_update(
        index_elements=["email"],
        set_={
            "failures": case((window_over, 1), else_=LoginThrottle.failures + 1),
            "first_failure_at": case((window_over, now), else_=LoginThrottle.first_failure_at),
            "locked_until": case((window_over, None), else_=LoginThrottle.locked_until),
        },
    ).returning(LoginThrottle.failures, LoginThrottle.first_failure_at, LoginThrottle.locked_until)
    row = session.execute(upsert).one()  # RETURNING goes through the UTC column type
    return _Attempt(
        number=int(row.failures),
        window_start=row.first_failure_at or now,
        locked_until=row.locked_until,
    )


def _lock(session: Session, *, email: str, until: datetime) -> None:
    session.execute(
        update(LoginThrottle).where(LoginThrottle.email == email).values(locked_until=until)
    )


def delete_expired_throttles(session: Session, *, older_than: datetime) -> int:
    result = session.execute(
        delete(LoginThrottle).where(LoginThrottle.first_failure_at < older_than)
    )
    return int(getattr(result, "rowcount", 0) or 0)
