"""Douyin's answers turned into the closed set of provider errors.

Two body shapes exist (API_CONTRACTS.md §4.5):

- the classic envelope, **HTTP 200 even on failure**: ``{"data": {"error_code": 0,
  "description": "", …}, "extra": {"logid", "now", "error_code", "description",
  "sub_error_code", "sub_description"}}``; success only when `data.error_code`,
  `extra.error_code` and `extra.sub_error_code` are all 0;
- the newer one: ``{"err_no": 0, "err_msg": "", "log_id": "…", "data": {…}}``.

Every error keeps Douyin's code in `platform_code` and "code: description (logid …)" in `detail`
(Douyin support asks for the logid). The code lists below are Douyin's documented status codes;
2190004 ("the app has not obtained this capability") and 2114007 (a daily publishing cap, one
client's reading) are **unconfirmed**.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
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
from shortops.providers.parsing import integer, mapping

PLATFORM = "Douyin 抖音"
# Douyin names no wait for its rate limit (28003018); its limits are per second or minute
# (unconfirmed), so half a minute.
DEFAULT_RETRY_AFTER_S = 30.0
# The machine-readable mark of "this app may not publish on Douyin": the engine / UI can offer
# switching the account to the manual provider (`suggested_provider` says which).
ENTERPRISE_ONLY_CODE = "douyin_enterprise_only"
MANUAL_PROVIDER = "manual"

Context = Literal["api", "token", "publish", "read"]

ACCESS_EXPIRED = frozenset({2190002, 2190008, 28001008, 10008})
REFRESH_EXPIRED = frozenset({10010})
RENEWALS_USED_UP = frozenset({10020})
# "No permission" (2100007, 10004), "scope not authorised" (28001012), "the app has not obtained
# this capability" (2190004, unconfirmed).
NO_PERMISSION = frozenset({2100007, 28001012, 10004, 2190004})
OPEN_ID_MISMATCH = frozenset({28001015})
NOT_A_TEST_USER = frozenset({28001020})
BUSY = frozenset({2100004, 28001005})
RATE_LIMITED = frozenset({28003018})
QUOTA_USED_UP = frozenset({2190001, 28003017})
BAD_PARAMETER = frozenset({2100005, 28001007, 10005})
USER_BANNED = frozenset({2100009})
DAILY_CAP = frozenset({2114007})  # unconfirmed

ENTERPRISE_ONLY = N_(
    "{platform} did not let this app publish for the account ({detail}). Server-side "
    "publishing on Douyin (the video.create.bind ability) is only for enterprise apps: Douyin "
    "grants it to formal website apps of companies, government bodies and public institutions "
    "that manage their own or contracted accounts. Use the manual publish kit for personal "
    "accounts (switch this account to “Manual”), or reconnect it if your enterprise app has "
    "the ability."
)
SCOPE_MISSING = N_(
    "{platform} did not grant the permission this needs ({detail}). Reconnect the account under "
    "Accounts and allow it."
)
REFRESH_GONE = N_(
    "The {platform} sign-in has run out ({detail}): Douyin keeps a sign-in for 30 days and "
    "renews it at most 5 times. Reconnect the account under Accounts."
)
OPEN_ID_WRONG = N_(
    "{platform} says the token does not belong to this account ({detail}). Reconnect the account."
)
TEST_USER_ONLY = N_(
    "The Douyin app is still in test mode and this account is not one of its test users "
    "({detail}). Add it as a test user in the Douyin developer console, or publish the app."
)
QUOTA = N_(
    "The app's {platform} quota for this call is used up ({detail}). Douyin resets quotas daily "
    "and raises them on request in the developer console."
)
INVALID = N_("{platform} refused the request as invalid: {detail}")
BANNED = N_("{platform} has banned this account from this action ({detail}).")
DAILY_LIMIT = N_(
    "This account reached {platform}'s daily limit of videos published through apps "
    "({detail}). Try again tomorrow."
)


@dataclass(frozen=True)
class DouyinError:
    code: int
    sub_code: int
    description: str
    logid: str

    @property
    def platform_code(self) -> str:
        return str(self.code or self.sub_code)

    def detail(self) -> str:
        text = (
            f"{self.platform_code}: {self.description}"
            if self.description
            else (self.platform_code)
        )
        return f"{text} (logid {self.logid})" if self.logid else text


def parse_error(response: httpx.Response) -> DouyinError | None:
    """The error in either envelope; None when the body says success (or has no envelope)."""
    body = json_body(response)
    if "err_no" in body:
        code = integer(body.get("err_no")) or 0
        if not code:
            return None
        return DouyinError(code, 0, str(body.get("err_msg") or ""), str(body.get("log_id") or ""))
    data = mapping(body.get("data"))
    extra = mapping(body.get("extra"))
    code = integer(data.get("error_code")) or integer(extra.get("error_code")) or 0
    sub = integer(extra.get("sub_error_code")) or 0
    if not code and not sub:
        return None
    description = str(
        data.get("description")
        or extra.get("description")
        or extra.get("sub_description")
        or body.get("message")
        or ""
    )
    return DouyinError(code, sub, description, str(extra.get("logid") or ""))


def classify(
    response: httpx.Response,
    *,
    context: Context = "api",
    scope: str = "",
    now: datetime | None = None,
) -> ProviderError | None:
    """An answer as None (success) or one of the closed errors.

    `context`: "token" for the OAuth endpoints (a refused code or refresh token means signing
    in again), "publish" for upload and create_video (a missing permission there is the
    enterprise-only restriction), "read" for the metric reads (a used-up quota is a wait until
    it resets; a missing permission names `scope`), "api" for everything else. `now`: the
    provider's clock, for the wait until the quota resets.
    """
    error = parse_error(response)
    status = response.status_code
    if error is None:
        if status < 400:
            return None
        return _bare_status(response)
    codes = {error.code, error.sub_code} - {0}
    kw: dict[str, Any] = {
        "platform": PLATFORM,
        "platform_code": error.platform_code,
        "detail": error.detail(),
    }
    if codes & RATE_LIMITED or status == 429:
        return RateLimited(retry_after_s=retry_after_seconds(response, DEFAULT_RETRY_AFTER_S), **kw)
    if codes & BUSY or status >= 500:
        return Transient(**kw)
    if context == "token":
        if codes & (REFRESH_EXPIRED | RENEWALS_USED_UP):
            return ReauthRequired(REFRESH_GONE, **kw)
        return ReauthRequired(**kw)
    if codes & ACCESS_EXPIRED:
        return AuthExpired(**kw)
    if codes & (REFRESH_EXPIRED | RENEWALS_USED_UP):
        return ReauthRequired(REFRESH_GONE, **kw)
    if codes & NO_PERMISSION:
        if context == "publish":
            return enterprise_only(error.detail(), platform_code=error.platform_code)
        if context == "read" and scope:
            return ReauthRequired(SCOPE_NOT_GRANTED, scope=scope, **kw)
        return ReauthRequired(SCOPE_MISSING, **kw)
    if codes & OPEN_ID_MISMATCH:
        return ReauthRequired(OPEN_ID_WRONG, **kw)
    if codes & NOT_A_TEST_USER:
        return Rejected(TEST_USER_ONLY, **kw)
    if codes & QUOTA_USED_UP:
        if context == "read":
            wait = seconds_until_quota_reset(now or datetime.now(UTC))
            return RateLimited(QUOTA, retry_after_s=wait, **kw)
        return Rejected(QUOTA, **kw)
    if codes & DAILY_CAP:
        return Rejected(DAILY_LIMIT, **kw)
    if codes & USER_BANNED:
        return Rejected(BANNED, **kw)
    if codes & BAD_PARAMETER:
        return Rejected(INVALID, **kw)
    return Rejected(**kw)


def seconds_until_quota_reset(now: datetime) -> float:
    """Seconds until midnight in China (Douyin "resets quotas daily"; at Beijing midnight is
    an assumption, unconfirmed)."""
    try:
        local = now.astimezone(ZoneInfo("Asia/Shanghai"))
    except ZoneInfoNotFoundError:  # no time-zone database: China has no DST, UTC+8
        local = now.astimezone(UTC) + timedelta(hours=8)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time())
    return max(60.0, (midnight - local.replace(tzinfo=None)).total_seconds())


def enterprise_only(detail: str, *, platform_code: str = "") -> Rejected:
    """The refusal for an app without server-side publishing. `platform_code` is the machine
    mark (ENTERPRISE_ONLY_CODE); Douyin's own code, if any, stays in `douyin_code`/`detail`."""
    return Rejected(
        ENTERPRISE_ONLY,
        platform=PLATFORM,
        platform_code=ENTERPRISE_ONLY_CODE,
        detail=detail,
        douyin_code=platform_code,
        suggested_provider=MANUAL_PROVIDER,
    )


def is_permission_refusal(error: ProviderError) -> bool:
    """A refusal for a missing scope / ability (in any context)."""
    if error.platform_code == ENTERPRISE_ONLY_CODE:
        return True
    try:
        return int(error.platform_code) in NO_PERMISSION
    except ValueError:
        return False


def _bare_status(response: httpx.Response) -> ProviderError:
    status = response.status_code
    kw: dict[str, Any] = {
        "platform": PLATFORM,
        "platform_code": str(status),
        "detail": f"HTTP {status}",
    }
    if status == 429:
        return RateLimited(retry_after_s=retry_after_seconds(response, DEFAULT_RETRY_AFTER_S), **kw)
    if status >= 500 or status == 408:
        return Transient(**kw)
    if status == 401:
        return AuthExpired(**kw)
    return Rejected(**kw)
