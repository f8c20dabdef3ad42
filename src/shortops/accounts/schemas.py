"""Pydantic shapes of accounts and platform apps (secrets are never part of any output)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shortops.errors import N_
from shortops.kit.schema import UserInput
from shortops.models import AccountStatus

STATUS_LABELS = {
    AccountStatus.connected: N_("Connected"),
    AccountStatus.needs_reauth: N_("Needs reconnecting"),
    AccountStatus.disconnected: N_("Disconnected"),
    AccountStatus.import_only: N_("Import only"),
}

# The endpoint overrides a platform app may set (sandboxes of the platform, test servers).
ENDPOINT_NAMES = ("auth", "api", "token", "upload")


class AccountRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    platform: str
    platform_name: str = ""
    # Manual accounts: the platform as typed ("Xiaohongshu" …); empty otherwise.
    platform_label: str = ""
    remote_id: str
    handle: str
    display_name: str
    avatar_url: str | None = None
    status: AccountStatus
    status_detail: str
    # Simulated accounts: their data is never real.
    is_sandbox: bool = False
    scopes: list[str] = Field(default_factory=list)
    token_expires_at: datetime | None
    refresh_expires_at: datetime | None = None
    last_success_at: datetime | None = None
    last_error: str | None = None
    last_error_at: datetime | None = None
    created_at: datetime


class SandboxAccountCreate(UserInput):
    model_config = ConfigDict(extra="forbid")

    handle: str | None = Field(default=None, min_length=1, max_length=64)


class ManualAccountCreate(UserInput):
    model_config = ConfigDict(extra="forbid")

    platform_label: str = Field(min_length=1, max_length=64)
    handle: str = Field(min_length=1, max_length=128)

    @field_validator("platform_label", "handle")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value


class ConnectRequest(UserInput):
    model_config = ConfigDict(extra="forbid")

    # Reconnect this account: the platform sign-in must be the same remote user.
    account_id: int | None = None


class ConnectStart(BaseModel):
    """Open `authorization_url` in a browser signed in to shortops as the same user."""

    authorization_url: str
    state: str
    expires_at: datetime


class PlatformAppWrite(UserInput):
    model_config = ConfigDict(extra="forbid")

    client_id: str = Field(min_length=1, max_length=255)
    # Write-only. Leave out (or null) to keep the stored secret when changing other fields.
    client_secret: str | None = Field(default=None, min_length=1, max_length=1000)
    endpoints: dict[str, str] = Field(default_factory=dict)

    @field_validator("client_id")
    @classmethod
    def _strip_id(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError("must not be blank")
        return value

    @field_validator("endpoints")
    @classmethod
    def _known_endpoints(cls, value: dict[str, str]) -> dict[str, str]:
        cleaned: dict[str, str] = {}
        for name, url in value.items():
            if name not in ENDPOINT_NAMES:
                raise ValueError(f"unknown endpoint {name!r}; use {', '.join(ENDPOINT_NAMES)}")
            url = url.strip()
            if not url:
                continue
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"endpoint {name} must be an http(s) URL")
            cleaned[name] = url.rstrip("/")
        return cleaned


class PlatformAppRead(BaseModel):
    """A platform's app registration in this workspace; the secret only says whether it is set."""

    platform: str
    name: str
    configured: bool
    client_id: str | None = None
    client_secret_set: bool = False
    endpoints: dict[str, str] = Field(default_factory=dict)
    redirect_uri: str
    updated_at: datetime | None = None
