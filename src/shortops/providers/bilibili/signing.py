"""The open platform's request signature (version 2.0, HMAC-SHA256).

Every call to ``member.bilibili.com/arcopen/…`` and to the upload host carries six ``x-bili-*``
headers, the user's ``access-token`` and an ``Authorization`` header holding the signature:
the hex HMAC-SHA256, keyed with the app secret, of the ``x-bili-*`` headers sorted by name and
written ``name:value``, one per line (API_CONTRACTS.md §5.2; community clients and Bilibili's
own C# sample agree). ``x-bili-content-md5`` is the MD5 of the JSON body; for binary and
multipart uploads it is the MD5 of nothing (community clients; unconfirmed in Bilibili's docs).
The OAuth token endpoints are not signed.

`Signer` signs as an httpx auth flow, so every attempt (reads are retried) gets its own nonce
and timestamp: a retried request must not look like a replay.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Generator

import httpx

SIGNED_HEADERS = (
    "x-bili-accesskeyid",
    "x-bili-content-md5",
    "x-bili-signature-method",
    "x-bili-signature-nonce",
    "x-bili-signature-version",
    "x-bili-timestamp",
)


def canonical(headers: dict[str, str]) -> str:
    """The string that is signed: the x-bili-* headers sorted, `name:value` per line."""
    return "\n".join(f"{name}:{headers[name]}" for name in sorted(SIGNED_HEADERS))


def signature(app_secret: str, headers: dict[str, str]) -> str:
    return hmac.new(
        app_secret.encode("utf-8"), canonical(headers).encode("utf-8"), hashlib.sha256
    ).hexdigest()


def signed_headers(
    *,
    client_id: str,
    app_secret: str,
    access_token: str,
    timestamp: int,
    nonce: str,
    body: bytes = b"",
) -> dict[str, str]:
    """The headers of one signed call; `body` is the exact JSON sent (b"" for uploads)."""
    headers = {
        "x-bili-accesskeyid": client_id,
        "x-bili-content-md5": hashlib.md5(body).hexdigest(),
        "x-bili-signature-method": "HMAC-SHA256",
        "x-bili-signature-nonce": nonce,
        "x-bili-signature-version": "2.0",
        "x-bili-timestamp": str(timestamp),
    }
    return {
        **headers,
        "Accept": "application/json",
        "access-token": access_token,
        "Authorization": signature(app_secret, headers),
    }


class Signer(httpx.Auth):
    """Signs each request as it is sent (JSON bodies by their bytes, uploads by nothing)."""

    requires_request_body = True

    def __init__(
        self,
        *,
        client_id: str,
        app_secret: str,
        access_token: str,
        now: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self.client_id = client_id
        self.app_secret = app_secret
        self.access_token = access_token
        self.now = now
        self.nonce = nonce

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        is_json = request.headers.get("content-type", "").startswith("application/json")
        request.headers.update(
            signed_headers(
                client_id=self.client_id,
                app_secret=self.app_secret,
                access_token=self.access_token,
                # The wall clock: Bilibili checks the timestamp against its own.
                timestamp=int(self.now()),
                nonce=self.nonce(),
                body=request.content if is_json else b"",
            )
        )
        yield request
