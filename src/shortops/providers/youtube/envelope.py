"""Google's error envelopes, turned into the closed set of provider errors.

Two shapes reach us:

- the APIs (Data API, upload endpoint) answer `{"error": {"code", "message", "errors": [{"reason",
  "domain", "message"}], "status"}}` with a meaningful HTTP status (API_CONTRACTS.md 2.8);
- the OAuth token endpoint answers `{"error": "invalid_grant", "error_description": "…"}`.

The `reason` decides, the HTTP status is the fallback. The reason and Google's message are kept in
`platform_code` / `detail` so support can trace an error.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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

PLATFORM = "YouTube"

# The Data API quota is counted per Google Cloud project per Pacific day.
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded", "dailyLimitExceededUnreg"})
RATE_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "rateLimitExceededUnreg", "servingLimitExceeded"}
)
# The token does not carry the rights needed: signing in again (granting them) is the fix.
REAUTH_REASONS = frozenset({"forbidden", "insufficientPermissions", "accountDelegationForbidden"})
# Reason given for an upload session that no longer exists (our own code; Google answers 404).
SESSION_GONE = "uploadSessionNotFound"
# Used when a 429 (or 403 rateLimitExceeded) comes without Retry-After.
DEFAULT_RATE_WAIT_S = 30.0

QUOTA_MESSAGE = N_(
    "{platform}'s daily API quota for this app is used up. It resets at midnight Pacific time "
    "(in about {hours} h); try again after that, or ask Google for more quota."
)


def error_parts(body: dict[str, Any]) -> tuple[str, str]:
    """(reason, message) of a Google API error body; empty strings when it has none."""
    error = body.get("error")
    if isinstance(error, str):  # OAuth endpoints
        return error, str(body.get("error_description") or "")
    if not isinstance(error, dict):
        return "", ""
    message = str(error.get("message") or "")
    for item in error.get("errors") or []:
        if isinstance(item, dict) and item.get("reason"):
            return str(item["reason"]), message or str(item.get("message") or "")
    return str(error.get("status") or ""), message


def hours_until_quota_reset(now: datetime) -> int:
    """Whole hours (at least 1) until midnight in Pacific time, when the quota resets."""
    try:
        pacific: Any = ZoneInfo("America/Los_Angeles")
        local = now.astimezone(pacific)
    except ZoneInfoNotFoundError:  # no time-zone database: PST is close enough for a hint
        local = now + timedelta(hours=-8)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    seconds = (midnight.replace(tzinfo=None) - local.replace(tzinfo=None)).total_seconds()
    return max(1, round(seconds / 3600))


def seconds_until_quota_reset(now: datetime) -> float:
    return hours_until_quota_reset(now) * 3600.0


def seconds_until_pacific_midnight(now: datetime) -> float:
    """Seconds (at least 60) until the next midnight in Pacific time, when the quota resets."""
    try:
        pacific: Any = ZoneInfo("America/Los_Angeles")
    except ZoneInfoNotFoundError:  # no time-zone database: PST is close enough
        return hours_until_quota_reset(now) * 3600.0
    local = now.astimezone(pacific)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), pacific)
    return max(60.0, (midnight - local).total_seconds())


def classify_api(response: httpx.Response, now: datetime) -> ProviderError | None:
    """A Data API / upload answer as an error, or None when it is a success (2xx, 308)."""
    status = response.status_code
    if status < 400:
        return None
    reason, message = error_parts(json_body(response))
    detail = message or f"HTTP {status}"
    common: dict[str, Any] = {"platform": PLATFORM, "platform_code": reason, "detail": detail}
    if reason in QUOTA_REASONS:
        return Rejected(QUOTA_MESSAGE, hours=hours_until_quota_reset(now), **common)
    if reason == "uploadLimitExceeded":
        return Rejected(
            N_("This channel has reached {platform}'s limit of uploads for now. YouTube does not "
               "publish the number; try again in 24 hours."),
            **common,
        )  # fmt: skip
    if status == 429 or reason in RATE_REASONS:
        wait = retry_after_seconds(response, DEFAULT_RATE_WAIT_S)
        return RateLimited(retry_after_s=wait, **common)
    if status == 401:
        if reason == "youtubeSignupRequired":
            return Rejected(
                N_("This Google account has no YouTube channel yet. Create one on youtube.com, "
                   "then connect the account again."),
                **common,
            )  # fmt: skip
        return AuthExpired(**common)
    if status == 403 and reason == "accessNotConfigured":
        return Rejected(
            N_("The YouTube Data API v3 is not enabled in this app's Google Cloud project "
               "({detail}). Enable it in the Google Cloud console."),
            **common,
        )  # fmt: skip
    if status == 403 and (reason in REAUTH_REASONS or not reason):
        return ReauthRequired(**common)
    if status >= 500 or status == 408:
        return Transient(**common)
    return Rejected(**common)


def classify_read(response: httpx.Response, now: datetime, *, scope: str) -> ProviderError | None:
    """A metric read's answer: like `classify_api`, except that the daily quota is a wait until
    it resets (RateLimited, API_CONTRACTS.md 2.3) and a refusal names the `scope` it needs."""
    status = response.status_code
    if status < 400:
        return None
    reason, message = error_parts(json_body(response))
    common: dict[str, Any] = {
        "platform": PLATFORM,
        "platform_code": reason,
        "detail": message or f"HTTP {status}",
    }
    if reason in QUOTA_REASONS:
        return RateLimited(
            QUOTA_MESSAGE,
            retry_after_s=seconds_until_pacific_midnight(now),
            hours=hours_until_quota_reset(now),
            **common,
        )
    if status == 403 and reason in REAUTH_REASONS:
        return ReauthRequired(SCOPE_NOT_GRANTED, scope=scope, **common)
    return classify_api(response, now)


def classify_session(response: httpx.Response, now: datetime) -> ProviderError | None:
    """Like `classify_api`, for requests to an upload session URL (308 is the normal answer)."""
    if response.status_code in (404, 410):
        return Rejected(
            N_("The {platform} upload session no longer exists ({detail})."),
            platform=PLATFORM,
            platform_code=SESSION_GONE,
            detail=f"HTTP {response.status_code}",
        )
    return classify_api(response, now)


def classify_token(response: httpx.Response, now: datetime) -> ProviderError | None:
    """An answer of the OAuth token endpoint as an error, or None for success."""
    status = response.status_code
    if status < 400:
        return None
    body = json_body(response)
    if isinstance(body.get("error"), dict):
        return classify_api(response, now)
    reason, description = error_parts(body)
    common: dict[str, Any] = {
        "platform": PLATFORM,
        "platform_code": reason,
        "detail": description or reason or f"HTTP {status}",
    }
    if reason == "invalid_grant":
        # Revoked, expired (7 days for apps in "Testing"), or a spent authorization code.
        return ReauthRequired(**common)
    if reason in ("invalid_client", "unauthorized_client"):
        return Rejected(
            N_("Google does not accept this app's client ID or secret ({detail}). Check them "
               "under Settings → Platforms."),
            **common,
        )  # fmt: skip
    if status == 429:
        return RateLimited(
            retry_after_s=retry_after_seconds(response, DEFAULT_RATE_WAIT_S), **common
        )
    if status >= 500:
        return Transient(**common)
    return Rejected(**common)
