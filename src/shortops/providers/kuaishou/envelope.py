"""Kuaishou's answers turned into the closed set of provider errors.

Every answer of the open platform (OAuth included) is a flat JSON object with an integer
``result``: ``1`` is success, anything else is an error named by that number, with the words in
``error_msg`` (API_CONTRACTS.md §5.1). The HTTP status is not documented; clients read the body
whatever the status, and so does this module (a 5xx or 429 status without a body still counts).

The code table below comes from a community SDK that copied the open platform's "错误码" page
(XiaoFeng.KuaiShou, ``Enum/ErrorCode.cs``): unconfirmed against the official page. Unknown codes
are refused with the code and Kuaishou's message kept in the detail, so support can trace them.
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

PLATFORM = "Kuaishou"

SUCCESS = 1
# unconfirmed: every code below is from the community copy of the code table.
PARAM_CODES = frozenset({100100400, 100200100, 100400})  # 异常参数 / 缺少参数或参数类型错误
# 请求超限: "1. the user is banned; 2. the user called this API over 1000 times today; 3. the app
# called it over 100 000 times today".
REQUEST_LIMIT = 100100402
CLIENT_INVALID = 100200101  # invalid app / developer, or a wrong redirect URI
REQUEST_REJECTED = 100200102  # "request refused, e.g. an invalid token"
RESPONSE_TYPE_ERROR = 100200103
GRANT_TYPE_ERROR = 100200104
CODE_INVALID = 100200105
SCOPE_INVALID = 100200106
OPEN_ID_INVALID = 100200107
ACCESS_TOKEN_EXPIRED = 100200108
AUTH_CANCELLED = 100200109  # the user withdrew the app's authorization
AUTH_EXPIRED = 100200110
NEVER_AUTHORIZED = 100200111
REFRESH_TOKEN_EXPIRED = 100200113
SERVER_ERROR = 100200500
VIDEO_NOT_FOUND = frozenset({100120001, 120001})
VIDEO_NOT_UPLOADED = frozenset({100120002, 120002})
VIDEO_PUBLISH_FAILED = frozenset({100120003, 120003})

EXPIRED_CODES = frozenset({ACCESS_TOKEN_EXPIRED, REQUEST_REJECTED})
REAUTH_CODES = frozenset(
    {OPEN_ID_INVALID, AUTH_CANCELLED, AUTH_EXPIRED, NEVER_AUTHORIZED, REFRESH_TOKEN_EXPIRED}
)
APP_CODES = frozenset({CLIENT_INVALID, RESPONSE_TYPE_ERROR, GRANT_TYPE_ERROR})
# A daily limit: waiting a minute does not help. unconfirmed: when it resets (midnight China
# time is likely); an hour keeps the engine from hammering.
REQUEST_LIMIT_WAIT_S = 3600.0
DEFAULT_RETRY_AFTER_S = 60.0

BAD_APP_CREDENTIALS = N_(
    "Kuaishou does not accept this workspace's app registration ({detail}). Check the app id, "
    "the app secret and the redirect URI under Settings → Platforms."
)
SCOPE_MISSING = N_(
    "Kuaishou did not grant the {scope} permission for this account ({detail}). Reconnect the "
    "account under Accounts and allow it."
)
REQUEST_LIMITED = N_(
    "Kuaishou refused more calls for now ({detail}). It allows each account about 1000 calls "
    "of an API a day and each app 100 000, and answers the same way for banned accounts; "
    "trying again in {retry_after_s} s."
)
INVALID_REQUEST = N_("Kuaishou refused the request as invalid: {detail}")
NOT_UPLOADED = N_(
    "Kuaishou says the video did not arrive completely ({detail}). Nothing was posted; "
    "publish again."
)
PUBLISH_FAILED = N_("Kuaishou could not publish the video ({detail}).")
VIDEO_MISSING = N_("Kuaishou does not know this video ({detail}).")


def result_code(body: dict[str, Any]) -> int | None:
    """The envelope's `result` as an int, None when the body has none."""
    value = body.get("result")
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

    `token_endpoint`: the answer of /oauth2/access_token or /oauth2/refresh_token, where any
    refusal (spent or expired code or refresh token) means signing in again. `scope` names the
    permission the call needs, for the message when Kuaishou says it is missing.
    """
    body = json_body(response)
    status = response.status_code
    code = result_code(body)
    if status < 400 and code in (SUCCESS, None):
        # A 2xx without an envelope (the upload host's answers are not documented) counts as
        # success, as working clients treat it.
        return None
    message = str(body.get("error_msg") or body.get("error_description") or "")
    if code is not None:
        detail = f"{code}: {message}" if message else str(code)
    else:
        detail = f"HTTP {status}" + (f": {message}" if message else "")
    kw: dict[str, Any] = {
        "platform": PLATFORM,
        "platform_code": str(code) if code is not None else str(status),
        "detail": detail,
    }
    if code == REQUEST_LIMIT:
        wait = retry_after_seconds(response, REQUEST_LIMIT_WAIT_S)
        return RateLimited(REQUEST_LIMITED, retry_after_s=wait, **kw)
    if status == 429:
        return RateLimited(retry_after_s=retry_after_seconds(response, DEFAULT_RETRY_AFTER_S), **kw)
    if code == SERVER_ERROR or status >= 500:
        return Transient(**kw)
    if code in APP_CODES:
        return ReauthRequired(BAD_APP_CREDENTIALS, **kw)
    if token_endpoint:
        # The code or refresh token is spent, expired or revoked: only a new sign-in helps.
        return ReauthRequired(**kw)
    if code in EXPIRED_CODES or (status == 401 and code is None):
        return AuthExpired(**kw)
    if code in REAUTH_CODES:
        return ReauthRequired(**kw)
    if code == SCOPE_INVALID:
        return ReauthRequired(SCOPE_MISSING, scope=scope or "?", **kw)
    if code in PARAM_CODES:
        return Rejected(INVALID_REQUEST, **kw)
    if code in VIDEO_NOT_UPLOADED:
        return Rejected(NOT_UPLOADED, **kw)
    if code in VIDEO_PUBLISH_FAILED:
        return Rejected(PUBLISH_FAILED, **kw)
    if code in VIDEO_NOT_FOUND:
        return Rejected(VIDEO_MISSING, **kw)
    if status == 401:
        return AuthExpired(**kw)
    # Unknown codes: the default message names the code and Kuaishou's words.
    return Rejected(**kw)
