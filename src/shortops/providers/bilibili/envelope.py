"""Bilibili's answers turned into the closed set of provider errors.

Every answer is ``{"code": 0, "message": "0", "ttl": 1, "data": {…}}`` (the open platform adds
``request_id``); a non-zero ``code`` is an error, usually with HTTP 200 (API_CONTRACTS.md §5.2).
Bilibili's code table is behind the developer portal: the codes below come from community
clients and contract tests (all unconfirmed). Unknown codes are refused with the code, the
message and the request id kept in the detail, so support can trace them.
"""

from __future__ import annotations

from typing import Any

import httpx

from shortops.errors import N_
from shortops.providers.errors import (
    AuthExpired,
    ProviderError,
    RateLimited,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.http import json_body, retry_after_seconds

PLATFORM = "Bilibili"

# unconfirmed: every code set below is community-reported.
AUTH_EXPIRED_CODES = frozenset({127001, 122007})  # the access token expired / is invalid
# The request signature or the app's credentials were refused.
SIGNATURE_CODES = frozenset({4002, 4003, 4004, 4005, 4006, 4008, 127002, 127010})
# The app or the account lacks the permission (scope) the call needs.
PERMISSION_CODES = frozenset(
    {122000, 127000, 127003, 127004, 127005, 127006, 127007, 127008, 127011, 127304, 127305}
)
RATE_CODES = frozenset({127009, 127306, 123026})
BUSY_CODES = frozenset({-500, -503, 122009})
# Accounts that are not formal members (正式会员) may submit at most 5 archives a day. The code
# is the one the web submission answers (a community tool); the open platform's is unconfirmed.
DAILY_CAP_CODES = frozenset({200009})
CONTENT_REJECTED = 123013
HUMAN_VERIFICATION = 123050
MALFORMED_CODES = frozenset({4000, -400})
DEFAULT_RETRY_AFTER_S = 60.0

BAD_APP_CREDENTIALS = N_(
    "Bilibili does not accept this workspace's app registration or its request signature "
    "({detail}). Check the client id and the app secret under Settings → Platforms."
)
SCOPE_MISSING = N_(
    "Bilibili did not grant the {scope} permission for this account ({detail}). The app needs "
    "the permission approved on the Bilibili open platform, and the account has to authorize "
    "it: reconnect the account under Accounts."
)
DAILY_CAP = N_(
    "Bilibili lets accounts that are not formal members (正式会员) submit at most 5 videos a "
    "day, and this account has reached that ({detail}). Try again tomorrow, or make the "
    "account a formal member by passing Bilibili's membership quiz."
)
CONTENT_REFUSED = N_(
    "Bilibili refused the archive's content ({detail}). Check the title, description, tags and "
    "cover against Bilibili's rules."
)
VERIFY_FIRST = N_(
    "Bilibili wants the account to pass a human verification before it submits again "
    "({detail}). Sign in to Bilibili in a browser or the app, then publish again."
)
INVALID_REQUEST = N_("Bilibili refused the request as invalid: {detail}")


def error_code(body: dict[str, Any]) -> int | None:
    value = body.get("code")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def classify(
    response: httpx.Response, *, token_endpoint: bool = False, scope: str = ""
) -> ProviderError | None:
    """An answer as None (success) or one of the closed errors.

    `token_endpoint`: an answer of the OAuth token or refresh endpoint, where any refusal (a
    spent, expired or unknown code or refresh token) means signing in again.
    """
    body = json_body(response)
    status = response.status_code
    code = error_code(body)
    if status < 400 and code in (0, None):
        return None
    message = str(body.get("message") or "")
    if code is not None:
        detail = f"{code}: {message}" if message and message != str(code) else str(code)
    else:
        detail = f"HTTP {status}" + (f": {message}" if message else "")
    request_id = body.get("request_id")
    if request_id:
        detail += f" (request_id {request_id})"
    kw: dict[str, Any] = {
        "platform": PLATFORM,
        "platform_code": str(code) if code is not None else str(status),
        "detail": detail,
    }
    if status == 429 or code in RATE_CODES:
        wait = retry_after_seconds(response, DEFAULT_RETRY_AFTER_S)
        return RateLimited(retry_after_s=wait, **kw)
    if status >= 500 or code in BUSY_CODES:
        return Transient(**kw)
    if code in SIGNATURE_CODES:
        return ReauthRequired(BAD_APP_CREDENTIALS, **kw)
    if token_endpoint:
        return ReauthRequired(**kw)
    if code in AUTH_EXPIRED_CODES or (status == 401 and code is None):
        return AuthExpired(**kw)
    if code in PERMISSION_CODES:
        return ReauthRequired(SCOPE_MISSING, scope=scope or "?", **kw)
    if code in DAILY_CAP_CODES:
        return Rejected(DAILY_CAP, **kw)
    if code == CONTENT_REJECTED:
        return Rejected(CONTENT_REFUSED, **kw)
    if code == HUMAN_VERIFICATION:
        return Rejected(VERIFY_FIRST, **kw)
    if code in MALFORMED_CODES:
        return Rejected(INVALID_REQUEST, **kw)
    if status == 401:
        return AuthExpired(**kw)
    return Rejected(**kw)
