"""Queries over connected accounts, always scoped to one workspace."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.kit.pagination import PageParams, paginate
from shortops.models import Account


def list_accounts(
    session: Session, *, workspace_id: int, params: PageParams, platform: str | None = None
) -> tuple[list[Account], int]:
    statement = select(Account).where(Account.workspace_id == workspace_id)
    if platform:
        statement = statement.where(Account.platform == platform)
    return paginate(session, statement.order_by(Account.platform, Account.handle), params)
