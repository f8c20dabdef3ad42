"""Pydantic shapes of the workspaces domain (API in/out)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import available_timezones

from babel.numbers import list_currencies
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from shortops.kit.schema import UserInput
from shortops.models import Role
from shortops.workspaces.permissions import Scope

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
Email = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True, max_length=254)]


# Files of the zone database that are not zones: the server's own setting, a placeholder.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})
# ISO 4217's codes for testing and "no currency".
_NOT_CURRENCIES = frozenset({"XTS", "XXX"})


def _known_timezone(value: str) -> str:
    if value in _NOT_ZONES or value not in available_timezones():
        raise ValueError(f"unknown timezone {value!r}; use an IANA name such as Asia/Shanghai")
    return value


def _known_currency(value: str) -> str:
    if value in _NOT_CURRENCIES or value not in list_currencies():
        raise PydanticCustomError(
            "unknown_currency", "is not an ISO 4217 currency code such as USD, CNY or EUR"
        )
    return value


Timezone = Annotated[str, AfterValidator(_known_timezone)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), AfterValidator(_known_currency)]


class WorkspaceCreate(UserInput):
    name: Name
    timezone: Timezone = "UTC"
    currency: Currency = "USD"


class WorkspaceUpdate(UserInput):
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


class MemberCreate(UserInput):
    """Invite by creating the user (or adding an existing one) with a role."""

    email: Email
    name: str = ""
    role: Role = Role.viewer
    password: str | None = Field(
        default=None, description="Required when the email has no shortops user yet."
    )


class MemberUpdate(UserInput):
    role: Role


class MemberRead(BaseModel):
    user_id: int
    email: str
    name: str
    role: Role
    created_at: datetime


class TokenCreate(UserInput):
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
