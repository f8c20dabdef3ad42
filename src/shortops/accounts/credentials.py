"""Secrets of connected accounts and platform apps, and a ready provider for an account.

Tokens and client secrets are stored Fernet-encrypted with keys derived from the secret key, one
key per purpose. The one way to a usable access token (refreshed ahead of expiry under the
account's lock) is `accounts.flows.usable_tokens`.
"""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.config import get_settings
from shortops.kit.crypto import fernet_for
from shortops.models import Account, PlatformApp
from shortops.providers.base import Provider
from shortops.providers.errors import ReauthRequired
from shortops.providers.http import Http
from shortops.providers.registry import provider_class
from shortops.providers.types import AppCredentials, Tokens

TOKENS_PURPOSE = "account-tokens"
APP_SECRET_PURPOSE = "platform-app-secret"
# Refresh this long before the access token runs out, so no upload starts on a dying token.
REFRESH_MARGIN = timedelta(minutes=10)


def seal(text: str, purpose: str) -> bytes:
    return fernet_for(get_settings().resolved_secret_key(), purpose).encrypt(text.encode())


def unseal(blob: bytes, purpose: str) -> str:
    return fernet_for(get_settings().resolved_secret_key(), purpose).decrypt(blob).decode()


def redirect_uri(platform: str) -> str:
    return f"{get_settings().resolved_public_url}/accounts/callback/{platform}"


def load_tokens(account: Account) -> Tokens:
    if account.credentials is None:
        raise ReauthRequired(platform=account.platform, detail="no stored sign-in")
    return Tokens.model_validate(json.loads(unseal(account.credentials, TOKENS_PURPOSE)))


def store_tokens(account: Account, tokens: Tokens) -> None:
    account.credentials = seal(tokens.model_dump_json(), TOKENS_PURPOSE)
    account.token_expires_at = tokens.expires_at
    account.refresh_expires_at = tokens.refresh_expires_at
    account.scopes = list(tokens.scopes)


def app_credentials(session: Session, *, workspace_id: int, platform: str) -> AppCredentials | None:
    app = session.scalar(
        select(PlatformApp).where(
            PlatformApp.workspace_id == workspace_id, PlatformApp.platform == platform
        )
    )
    if app is None:
        return None
    return AppCredentials(
        client_id=app.client_id,
        client_secret=unseal(app.client_secret, APP_SECRET_PURPOSE),
        redirect_uri=redirect_uri(platform),
        endpoints={str(k): str(v) for k, v in app.endpoints.items()},
        extra={str(k): str(v) for k, v in app.extra.items()},
    )


def provider_for(
    session: Session, *, workspace_id: int, platform: str, http: Http | None = None
) -> Provider:
    """The platform's provider with this workspace's app registration (if it has one)."""
    cls = provider_class(platform)
    app = app_credentials(session, workspace_id=workspace_id, platform=platform)
    return cls(app, http=http)
