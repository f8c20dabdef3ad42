"""A minimal OAuth 2.0 platform for tests: a fake server (authorization code + PKCE, rotating
refresh tokens, a profile endpoint, revocation) and a test-only Provider that speaks to it.

The provider is registered for a test by adding it to the registry's cache
(`register(monkeypatch)`), the one way tests may add a platform.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from shortops.kit.clock import utcnow
from shortops.providers.base import OnProgress, Provider, RecordTicket
from shortops.providers.errors import (
    AuthExpired,
    ProviderError,
    RateLimited,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.http import json_body, retry_after_seconds
from shortops.providers.registry import provider_classes
from shortops.providers.types import (
    AuthStart,
    Capability,
    Pending,
    Profile,
    PublishRequest,
    PublishState,
    Ticket,
    Tokens,
)
from tests.fakes.base import FakeServer, Request, Response, route

SLUG = "oauthfake"
ACCESS_TTL_S = 3600


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class FakeOAuthServer(FakeServer):
    """Users approve at /oauth/authorize, codes become tokens at /oauth/token."""

    platform = SLUG

    def __init__(self) -> None:
        super().__init__()
        self.client_id = "client-123"
        self.client_secret = "s3cret-value-abc"
        self.users: dict[str, dict[str, str]] = {
            "u-alice": {"handle": "alice", "name": "Alice"},
            "u-bob": {"handle": "bob", "name": "Bob"},
        }
        self.next_user = "u-alice"
        self.deny_next = False
        self.codes: dict[str, dict[str, str]] = {}
        self.revoked: list[str] = []
        self.access_ttl_s = ACCESS_TTL_S

    @route("GET", "/oauth/authorize")
    def authorize(self, request: Request) -> Response:
        query = request.query
        redirect = query["redirect_uri"]
        if self.deny_next:
            self.deny_next = False
            target = {"error": "access_denied", "state": query.get("state", "")}
        else:
            code = secrets.token_urlsafe(12)
            with self.lock:
                self.codes[code] = {
                    "subject": self.next_user,
                    "challenge": query.get("code_challenge", ""),
                    "redirect_uri": redirect,
                }
            target = {"code": code, "state": query.get("state", "")}
        return Response(302, b"", {"Location": f"{redirect}?{urlencode(target)}"})

    @route("POST", "/oauth/token")
    def token(self, request: Request) -> Response:
        form = request.form()
        if (form.get("client_id"), form.get("client_secret")) != (
            self.client_id,
            self.client_secret,
        ):
            return Response.json({"error": "invalid_client"}, 401)
        if form.get("grant_type") == "authorization_code":
            with self.lock:
                grant = self.codes.pop(form.get("code", ""), None)
            if grant is None or _challenge(form.get("code_verifier", "")) != grant["challenge"]:
                return Response.json({"error": "invalid_grant"}, 400)
            subject = grant["subject"]
        elif form.get("grant_type") == "refresh_token":
            found = self.use_refresh_token(form.get("refresh_token", ""), rotate=True)
            if found is None:
                return Response.json({"error": "invalid_grant"}, 400)
            subject = found
        else:
            return Response.json({"error": "unsupported_grant_type"}, 400)
        issued = self.issue_tokens(subject, access_ttl_s=self.access_ttl_s, refresh_ttl_s=86400)
        return Response.json(
            {
                "access_token": issued["access_token"],
                "refresh_token": issued["refresh_token"],
                "expires_in": self.access_ttl_s,
                "refresh_expires_in": 86400,
                "scope": "basic,publish",
                "open_id": subject,
            }
        )

    @route("GET", "/api/me")
    def me(self, request: Request) -> Response:
        subject = self.token_subject(request)
        if subject is None:
            return Response.json({"error": "invalid_token"}, 401)
        user = self.users[subject]
        return Response.json({"id": subject, "username": user["handle"], "name": user["name"]})

    @route("POST", "/oauth/revoke")
    def revoke(self, request: Request) -> Response:
        token = request.form().get("token", "")
        with self.lock:
            self.revoked.append(token)
            self.access_tokens.pop(token, None)
        return Response.json({})


def classify(response: httpx.Response) -> ProviderError | None:
    if response.is_success:
        return None
    body = json_body(response)
    error = str(body.get("error", ""))
    kw: dict[str, Any] = {"platform": "FakeTube", "platform_code": error}
    if response.status_code == 429:
        return RateLimited(retry_after_s=retry_after_seconds(response), **kw)
    if response.status_code >= 500:
        return Transient(detail=f"HTTP {response.status_code}", **kw)
    if error == "invalid_grant":
        return ReauthRequired(detail=error, **kw)
    if response.status_code == 401:
        return AuthExpired(**kw)
    return Rejected(detail=error or f"HTTP {response.status_code}", **kw)


class FakeOAuthProvider(Provider):
    """A provider for FakeOAuthServer; endpoints come from the app's `auth` and `api`."""

    slug = SLUG
    name = "FakeTube"
    capabilities = frozenset({Capability.publish})
    default_scopes = ("basic", "publish")

    def authorization_url(self, state: str, *, scopes: tuple[str, ...] | None = None) -> AuthStart:
        app = self.require_app()
        verifier = secrets.token_urlsafe(32)
        params = {
            "client_id": app.client_id,
            "redirect_uri": app.redirect_uri,
            "response_type": "code",
            "scope": ",".join(scopes or self.default_scopes),
            "state": state,
            "code_challenge": _challenge(verifier),
            "code_challenge_method": "S256",
        }
        url = f"{self.endpoint('auth', 'https://faketube.invalid')}/oauth/authorize"
        return AuthStart(url=f"{url}?{urlencode(params)}", state=state, code_verifier=verifier)

    def _token(self, form: dict[str, str]) -> Tokens:
        app = self.require_app()
        form = {"client_id": app.client_id, "client_secret": app.client_secret, **form}
        url = f"{self.endpoint('auth', 'https://faketube.invalid')}/oauth/token"
        body = self.http.mutate("POST", url, data=form, classify=classify).json()
        now = utcnow()
        return Tokens(
            access_token=body["access_token"],
            refresh_token=body.get("refresh_token"),
            expires_at=now + timedelta(seconds=int(body["expires_in"])),
            refresh_expires_at=now + timedelta(seconds=int(body["refresh_expires_in"])),
            scopes=tuple(str(body.get("scope", "")).split(",")),
            remote_id=body.get("open_id"),
        )

    def exchange_code(self, code: str, *, code_verifier: str | None = None) -> Tokens:
        app = self.require_app()
        return self._token(
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": code_verifier or "",
                "redirect_uri": app.redirect_uri,
            }
        )

    def refresh(self, tokens: Tokens) -> Tokens:
        return self._token(
            {"grant_type": "refresh_token", "refresh_token": tokens.refresh_token or ""}
        )

    def get_profile(self, tokens: Tokens) -> Profile:
        url = f"{self.endpoint('api', 'https://faketube.invalid')}/api/me"
        headers = {"Authorization": f"Bearer {tokens.access_token}"}
        body = self.http.read("GET", url, headers=headers, classify=classify).json()
        return Profile(remote_id=body["id"], handle=body["username"], display_name=body["name"])

    def revoke(self, tokens: Tokens) -> None:
        url = f"{self.endpoint('auth', 'https://faketube.invalid')}/oauth/revoke"
        self.http.mutate("POST", url, data={"token": tokens.access_token}, classify=classify)

    def start_publish(
        self,
        tokens: Tokens,
        request: PublishRequest,
        *,
        record: RecordTicket,
        on_progress: OnProgress | None = None,
    ) -> Ticket:
        raise Rejected(platform=self.name, detail="publishing is not part of this fake")

    def check_publish(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        return Pending()


def register(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make FakeOAuthProvider an installed platform for this test."""
    monkeypatch.setitem(provider_classes(), SLUG, FakeOAuthProvider)


def approve(server: FakeOAuthServer, authorization_url: str) -> dict[str, str]:
    """The user approving in the browser: follow the authorization URL, return the callback's
    query parameters (code and state, or error)."""
    response = httpx.get(authorization_url, follow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    location = httpx.URL(response.headers["location"])
    return dict(location.params)
