"""INSERT … ON CONFLICT for the two databases we run on: one statement, no read-then-write race."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def dialect_insert(session: Session, model: Any) -> postgresql.Insert | sqlite.Insert:
    """An INSERT for `model` that supports `.on_conflict_do_update` on this session's database."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model)
    return sqlite.insert(model)
