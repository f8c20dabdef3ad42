"""Instagram's answers (Meta Graph API) turned into the closed set of provider errors.

Two body shapes reach us (API_CONTRACTS.md §3.4):

- the Graph API envelope, on graph.instagram.com and on most OAuth failures:
  ``{"error": {"message", "type", "code", "error_subcode", "error_user_title", "error_user_msg",
  "fbtrace_id", "is_transient"}}``, usually with HTTP 400 (5xx for platform faults);
- the flat body of api.instagram.com's code exchange:
  ``{"error_type": "OAuthException", "code": 400, "error_message": "…"}`` (community-reported
  shape, unconfirmed: both are read).

The **subcode decides first** (2207xxx are the publishing errors), then the code. Every error keeps
"code/subcode" in `platform_code` and Meta's message plus its `fbtrace_id` in `detail`, so support
can trace a failure from what the user sees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from shortops.errors import N_
from shortops.providers.errors import (
    SCOPE_NOT_GRANTED,
    AuthExpired,
    ProviderError,
    RateLimited,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.http import json_body, retry_after_seconds
from shortops.providers.parsing import integer

PLATFORM = "Instagram"
DEFAULT_RETRY_AFTER_S = 60.0

Context = Literal["api", "token"]

# 190 "invalid OAuth access token", 102 "API session": the token is not accepted.
TOKEN_CODES = frozenset({190, 102})
# 190's subcodes that no refresh can fix: the user removed the app (458), is checkpointed (459),
# changed the password (460), is unconfirmed (464), the session is invalid (467, 492).
# 463 means "expired"; no subcode means an unreadable token: both try a refresh first.
REAUTH_SUBCODES = frozenset({458, 459, 460, 464, 467, 492})
# Application / user / page / custom rate limits, and the Instagram BUC throttle (80002).
RATE_CODES = frozenset({4, 17, 32, 613, 80002})
# The Graph API's permission errors: 10 and the 200–299 range.
PERMISSION_CODES = frozenset({10, *range(200, 300)})
TRANSIENT_CODES = frozenset({1, 2})

QUOTA_SUBCODE = 2207042
NOT_READY_SUBCODE = 2207027
NOT_READY_CODE = 9007
# Publishing subcodes Meta documents as "retry" (download timeout, create failed, unknown upload
# error): temporary, nothing was published.
RETRY_SUBCODES = frozenset({2207003, 2207032, 2207053})

QUOTA_REACHED = N_(
    "Instagram's limit of posts published through apps in 24 hours is reached for this account "
    "({detail}). The limit counts the last 24 hours; publish again later."
)
QUOTA_REACHED_COUNTED = N_(
    "Instagram's limit of {limit} posts published through apps in 24 hours is reached for this "
    "account ({used} used). Nothing was sent; the limit counts the last 24 hours, so publish "
    "again later."
)
NOT_READY = N_("Instagram has not finished processing the video yet ({detail}).")
MEDIA_URL_UNREACHABLE = N_(
    "Instagram could not download the video from shortops ({detail}). Instagram fetches the "
    "file itself, so SHORTOPS_PUBLIC_URL must be a public HTTPS address Instagram can reach."
)
UNSUPPORTED_FORMAT = N_(
    "Instagram does not accept the video's format ({detail}). It takes MP4 or MOV with H.264 or "
    "HEVC video, AAC audio and the moov atom at the start (faststart); use the Instagram Reels "
    "render profile."
)
ACCOUNT_RESTRICTED = N_(
    "Instagram has restricted this account, so it cannot publish now ({detail}). Check the "
    "account in the Instagram app."
)
TOO_MANY_TAGS = N_(
    "Instagram refused the caption: too many hashtags or @-mentions ({detail}). It allows 30 "
    "hashtags and 20 mentions."
)
BAD_THUMB_OFFSET = N_(
    "Instagram refused the cover frame position (thumb_offset) ({detail}). Choose a time inside "
    "the video."
)
CONTAINER_EXPIRED = N_(
    "The prepared Instagram post expired before it was published (Instagram keeps it 24 hours). "
    "Nothing was posted; publish again."
)
PERMISSION_MISSING = N_(
    "Instagram did not grant the permission this needs ({detail}). Reconnect the account under "
    "Accounts and allow publishing (instagram_business_content_publish)."
)
SIGN_IN_GONE = N_(
    "Instagram no longer accepts this account's sign-in ({detail}): the password changed, the "
    "app was removed from the account, or Instagram asks the user to confirm something. "
    "Reconnect the account under Accounts."
)
BAD_APP_CREDENTIALS = N_(
    "Instagram refused the sign-in ({detail}). If this keeps happening, check the Instagram app "
    "ID, the app secret and the redirect URI under Settings → Platforms."
)
INVALID_REQUEST = N_("Instagram refused the request as invalid: {detail}")

# Subcodes (and codes) Meta documents for publishing, as refusals a user can act on.
SUBCODE_REFUSALS: dict[int, str] = {
    QUOTA_SUBCODE: QUOTA_REACHED,
    NOT_READY_SUBCODE: NOT_READY,
    2207020: CONTAINER_EXPIRED,
    2207052: MEDIA_URL_UNREACHABLE,
    2207026: UNSUPPORTED_FORMAT,
    2207050: ACCOUNT_RESTRICTED,
    2207040: TOO_MANY_TAGS,
    2207057: BAD_THUMB_OFFSET,
}
CODE_REFUSALS: dict[int, str] = {
    NOT_READY_CODE: NOT_READY,
    9004: MEDIA_URL_UNREACHABLE,
    352: UNSUPPORTED_FORMAT,
    25: ACCOUNT_RESTRICTED,
}


@dataclass(frozen=True)
class GraphError:
    code: int | None
    subcode: int | None
    message: str
    type: str = ""
    fbtrace_id: str = ""
    is_transient: bool = False
    user_message: str = ""

    @property
    def platform_code(self) -> str:
        if self.code is None:
            return str(self.subcode or "")
        return f"{self.code}/{self.subcode}" if self.subcode else str(self.code)

    def detail(self) -> str:
        text = self.message or self.type or "error"
        if self.user_message and self.user_message not in text:
            text = f"{text} — {self.user_message}"
        text = f"{self.platform_code}: {text}" if self.platform_code else text
        return f"{text} (fbtrace_id {self.fbtrace_id})" if self.fbtrace_id else text


def parse_error(response: httpx.Response) -> GraphError | None:
    """The error Meta's body names, in either shape; None when there is none."""
    body = json_body(response)
    error = body.get("error")
    if isinstance(error, dict):
        return GraphError(
            code=integer(error.get("code")),
            subcode=integer(error.get("error_subcode")),
            message=str(error.get("message") or ""),
            type=str(error.get("type") or ""),
            fbtrace_id=str(error.get("fbtrace_id") or ""),
            is_transient=error.get("is_transient") is True,
            user_message=str(error.get("error_user_msg") or ""),
        )
    if "error_type" in body or "error_message" in body:  # api.instagram.com (flat; unconfirmed)
        return GraphError(
            code=integer(body.get("code")),
            subcode=None,
            message=str(body.get("error_message") or ""),
            type=str(body.get("error_type") or ""),
        )
    if isinstance(error, str) and error:  # plain OAuth style, just in case
        return GraphError(code=None, subcode=None, message=error, type="OAuthException")
    return None


def rate_wait(response: httpx.Response) -> float:
    """How long Instagram asks us to wait: `Retry-After`, else the longest
    `estimated_time_to_regain_access` (minutes) in the usage headers, else a minute."""
    if response.headers.get("retry-after"):
        return retry_after_seconds(response, DEFAULT_RETRY_AFTER_S)
    minutes = 0.0
    for name in ("x-business-use-case-usage", "x-app-usage", "x-ad-account-usage"):
        raw = response.headers.get(name)
        if not raw:
            continue
        try:
            usage = json.loads(raw)
        except ValueError:
            continue
        for entry in _usage_entries(usage):
            value = entry.get("estimated_time_to_regain_access")
            if isinstance(value, int | float) and not isinstance(value, bool):
                minutes = max(minutes, float(value))
    return minutes * 60 if minutes > 0 else DEFAULT_RETRY_AFTER_S


def classify(
    response: httpx.Response, *, context: Context = "api", scope: str = ""
) -> ProviderError | None:
    """An answer as None (success) or one of the closed errors.

    `context="token"`: the OAuth endpoints, where any refusal of a code or token means the
    account has to be connected again (an expired long-lived token cannot be refreshed).
    `scope`: the permission a read needs, named when Instagram refuses it (default: the
    publishing permission).
    """
    error = parse_error(response)
    status = response.status_code
    if error is None:
        if status < 400:
            return None
        return _bare_status(response)
    kw: dict[str, Any] = {
        "platform": PLATFORM,
        "platform_code": error.platform_code or str(status),
        "detail": error.detail(),
    }
    code, subcode = error.code, error.subcode
    if code in RATE_CODES or status == 429:
        return RateLimited(retry_after_s=rate_wait(response), **kw)
    if status >= 500 and subcode not in SUBCODE_REFUSALS:
        return Transient(**kw)
    if context == "token":
        if code in TRANSIENT_CODES or error.is_transient:
            return Transient(**kw)
        if code == 100 and error.type != "OAuthException":
            # A request Instagram will not do now (e.g. refreshing a token younger than 24 h;
            # the wording is unconfirmed): the token itself is untouched.
            return Rejected(INVALID_REQUEST, **kw)
        if code in TOKEN_CODES or error.type == "OAuthException" or code is None:
            return ReauthRequired(**kw)
        return ReauthRequired(BAD_APP_CREDENTIALS, **kw)
    if code in TOKEN_CODES:
        if subcode in REAUTH_SUBCODES:
            return ReauthRequired(SIGN_IN_GONE, **kw)
        return AuthExpired(**kw)
    if subcode in RETRY_SUBCODES:
        return Transient(**kw)
    if subcode is not None and subcode in SUBCODE_REFUSALS:
        return Rejected(SUBCODE_REFUSALS[subcode], **kw)
    if code in PERMISSION_CODES:
        if scope:
            return ReauthRequired(SCOPE_NOT_GRANTED, scope=scope, **kw)
        return ReauthRequired(PERMISSION_MISSING, **kw)
    if code is not None and code in CODE_REFUSALS:
        return Rejected(CODE_REFUSALS[code], **kw)
    if code in TRANSIENT_CODES or error.is_transient:
        return Transient(**kw)
    if code == 100:
        return Rejected(INVALID_REQUEST, **kw)
    return Rejected(**kw)


def is_not_ready(error: ProviderError) -> bool:
    """Whether `error` is "publishing before the container is FINISHED" (9007 / 2207027)."""
    code, _, subcode = error.platform_code.partition("/")
    return subcode == str(NOT_READY_SUBCODE) or code == str(NOT_READY_CODE)


def is_missing_object(error: ProviderError) -> bool:
    """Whether `error` is "object does not exist" (100 / subcode 33): a deleted media."""
    return error.platform_code == "100/33"


def is_quota(error: ProviderError) -> bool:
    """Whether `error` is Instagram's publishing limit (9 / 2207042)."""
    return error.platform_code.partition("/")[2] == str(QUOTA_SUBCODE)


def _bare_status(response: httpx.Response) -> ProviderError:
    status = response.status_code
    kw: dict[str, Any] = {
        "platform": PLATFORM,
        "platform_code": str(status),
        "detail": f"HTTP {status}",
    }
    if status == 429:
        return RateLimited(retry_after_s=rate_wait(response), **kw)
    if status >= 500 or status == 408:
        return Transient(**kw)
    if status == 401:
        return AuthExpired(**kw)
    return Rejected(**kw)


def _usage_entries(usage: Any) -> list[dict[str, Any]]:
    """The usage objects of X-Business-Use-Case-Usage ({id: [{…}]}) or X-App-Usage ({…})."""
    if isinstance(usage, dict) and "estimated_time_to_regain_access" in usage:
        return [usage]
    found: list[dict[str, Any]] = []
    if isinstance(usage, dict):
        for value in usage.values():
            items = value if isinstance(value, list) else [value]
            found += [item for item in items if isinstance(item, dict)]
    return found
