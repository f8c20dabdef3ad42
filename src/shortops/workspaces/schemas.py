"""Pydantic shapes of the workspaces domain (API in/out)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from shortops.models import Role
from shortops.workspaces.permissions import Scope

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254)]


def _known_timezone(value: str) -> str:
    if value not in available_timezones():
        raise ValueError(f"unknown timezone {value!r}; use an IANA name such as Asia/Shanghai")
    return value


Timezone = Annotated[str, AfterValidator(_known_timezone)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


class WorkspaceCreate(BaseModel):
    name: Name
    timezone: Timezone = "UTC"
    currency: Currency = "USD"


class WorkspaceUpdate(BaseModel):
    name: Name | None = None
    timezone: Timezone | None = None
    currency: Currency | None = None


class WorkspaceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    slug: str
    timezone: str
    currency: str
    created_at: datetime


class MemberCreate(BaseModel):
    """Invite by creating the user (or adding an existing one) with a role."""

    email: Email
    name: str = ""
    role: Role = Role.viewer
    password: str | None = Field(
        default=None, description="Required when the email has no shortops user yet."
    )


class MemberUpdate(BaseModel):
    role: Role


class MemberRead(BaseModel):
    user_id: int
    email: str
    name: str
    role: Role
    created_at: datetime


class TokenCreate(BaseModel):
    name: Name
    scopes: list[Scope] = Field(default_factory=lambda: [Scope.read], min_length=1)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    scopes: list[str]
    user_id: int
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenRead):
    token: str = Field(description="The secret, shown once. Store it now.")


class AuditEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    action: str
    actor_user_id: int | None
    actor_token_id: int | None
    target_type: str
    target_id: str
    data: dict[str, object]
    created_at: datetime
