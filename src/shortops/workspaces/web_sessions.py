"""Browser sessions kept on the server, and the password change that ends the other ones.

The signed cookie alone cannot be taken back: a copy keeps working until it expires. So the
cookie carries a random secret and the server keeps its hash; signing out deletes the row.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from shortops.errors import N_, InvalidInput
from shortops.kit import crypto
from shortops.kit.clock import utcnow
from shortops.kit.ids import random_token
from shortops.models import User, WebSession
from shortops.workspaces.passwords import check_password_strength
from shortops.workspaces.service import record
from shortops.workspaces.signin import MAX_PASSWORD_LENGTH

SECRET_PREFIX = "sess"
# Writing on every page view would serialise readers on SQLite; a minute's precision is enough.
_SEEN_PRECISION = timedelta(minutes=1)


def start(session: Session, *, user: User, ip: str = "", user_agent: str = "") -> str:
    """A new session for `user`; returns the secret for the cookie (stored only hashed)."""
    secret = random_token(SECRET_PREFIX)
    session.add(
        WebSession(
            user_id=user.id,
            secret_hash=crypto.hash_token(secret),
            ip=ip[:64],
            user_agent=user_agent[:255],
            last_seen_at=utcnow(),
        )
    )
    session.flush()
    return secret


def find(session: Session, *, secret: str, user_id: int, max_age: int) -> WebSession | None:
    """The live session behind a cookie's secret, None when it was ended or is too old."""
    if not secret:
        return None
    hashed = crypto.hash_token(secret)
    row = session.scalar(select(WebSession).where(WebSession.secret_hash == hashed))
    now = utcnow()
    if row is None or row.user_id != user_id:
        return None
    if now - row.created_at > timedelta(seconds=max_age):
        session.delete(row)
        return None
    if row.last_seen_at is None or now - row.last_seen_at > _SEEN_PRECISION:
        row.last_seen_at = now
    return row


def end(session: Session, *, secret: str) -> None:
    if secret:
        session.execute(
            delete(WebSession).where(WebSession.secret_hash == crypto.hash_token(secret))
        )


def end_others(session: Session, *, user: User, keep_secret: str = "") -> int:
    """End every session of `user` except the one holding `keep_secret`; the count ended."""
    query = delete(WebSession).where(WebSession.user_id == user.id)
    if keep_secret:
        query = query.where(WebSession.secret_hash != crypto.hash_token(keep_secret))
    return int(getattr(session.execute(query), "rowcount", 0) or 0)


def end_elsewhere(session: Session, *, user: User, keep_secret: str, ip: str = "") -> int:
    """ "Sign out everywhere else": ends the user's other sessions, audited."""
    ended = end_others(session, user=user, keep_secret=keep_secret)
    record(session, action="sessions.ended", user=user, data={"sessions_ended": ended}, ip=ip)
    return ended


def list_for_user(session: Session, *, user: User) -> list[WebSession]:
    return list(
        session.scalars(
            select(WebSession)
            .where(WebSession.user_id == user.id)
            .order_by(WebSession.last_seen_at.desc(), WebSession.id.desc())
        )
    )


def is_current(row: WebSession, secret: str) -> bool:
    return bool(secret) and row.secret_hash == crypto.hash_token(secret)


def change_password(
    session: Session,
    *,
    user: User,
    current: str,
    new: str,
    confirm: str,
    keep_secret: str = "",
    ip: str = "",
) -> int:
    """Set a new password after checking the current one; ends the user's other sessions.

    Returns how many other sessions were ended.
    """
    if len(current) > MAX_PASSWORD_LENGTH or not crypto.verify_password(
        user.password_hash, current
    ):
        raise InvalidInput(N_("The current password is not right."))
    if new != confirm:
        raise InvalidInput(N_("The two new passwords differ. Type the same one twice."))
    if new == current:
        raise InvalidInput(N_("The new password is the same as the current one."))
    check_password_strength(new, email=user.email, name=user.name)
    user.password_hash = crypto.hash_password(new)
    ended = end_others(session, user=user, keep_secret=keep_secret)
    record(session, action="password.changed", user=user, data={"sessions_ended": ended}, ip=ip)
    return ended


def delete_expired(session: Session, *, older_than: datetime) -> int:
    result = session.execute(delete(WebSession).where(WebSession.created_at < older_than))
    return int(getattr(result, "rowcount", 0) or 0)


def reset_password(session: Session, *, user: User, new: str) -> int:
    """An operator's reset (no current password asked): every session of the user ends."""
    check_password_strength(new, email=user.email, name=user.name)
    user.password_hash = crypto.hash_password(new)
    ended = end_others(session, user=user)
    record(session, action="password.reset", user=user, data={"sessions_ended": ended})
    return ended
