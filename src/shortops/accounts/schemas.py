"""Pydantic shapes of accounts (credentials are never part of any of them)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from shortops.errors import N_
from shortops.models import AccountStatus

STATUS_LABELS = {
    AccountStatus.connected: N_("Connected"),
    AccountStatus.needs_reauth: N_("Needs reconnecting"),
    AccountStatus.disconnected: N_("Disconnected"),
}


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    platform: str
    remote_id: str
    handle: str
    display_name: str
    status: AccountStatus
    status_detail: str
    token_expires_at: datetime | None
    created_at: datetime
