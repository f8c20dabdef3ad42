"""TikTok's answers turned into the closed set of provider errors.

Two body shapes exist (API_CONTRACTS.md §1.1–1.2):

- v2 API envelope: ``{"data": {...}, "error": {"code": "ok", "message": "", "log_id": "…"}}``;
  anything but ``code == "ok"`` is a failure, and the HTTP status also means something;
- OAuth (``/v2/oauth/…``) errors are *flat*: ``{"error": "invalid_grant", "error_description":
  "…", "log_id": "…"}``, reportedly with HTTP 200, so the body is read whatever the status.

Every error keeps TikTok's code in `platform_code` and "code: message (log_id …)" in `detail`, so
support can trace a failure from what the user sees.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from shortops.errors import N_
from shortops.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    ProviderError,
    RateLimited,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.http import json_body, retry_after_seconds

PLATFORM = "TikTok"
DEFAULT_RETRY_AFTER_S = 60.0
SCOPE_CODES = ("scope_not_authorized", "scope_permission_missed")

AUDIT_PENDING = N_(
    "TikTok only lets this account post privately (SELF_ONLY) right now. That is how TikTok "
    "treats apps whose audit is pending: audit-pending apps can only post privately "
    "(SELF_ONLY), and only from accounts set to private. Choose SELF_ONLY, or finish TikTok's "
    "app audit (see the TikTok page of the shortops docs)."
)

# Codes TikTok documents for refusals, in words a user can act on.
REFUSALS: dict[str, str] = {
    "spam_risk_too_many_posts": N_(
        "TikTok's daily limit of posts through apps is reached for this account "
        "(spam_risk_too_many_posts). Try again tomorrow."
    ),
    "spam_risk_too_many_pending_share": N_(
        "This TikTok account already has 5 drafts waiting in its inbox from the last 24 hours "
        "(spam_risk_too_many_pending_share). Post or delete them in the TikTok app first."
    ),
    "spam_risk_user_banned_from_posting": N_(
        "TikTok does not let this account post at the moment "
        "(spam_risk_user_banned_from_posting). Check the account in the TikTok app."
    ),
    "reached_active_user_cap": N_(
        "The TikTok app registration has reached its daily number of accounts that may post "
        "(reached_active_user_cap). Unaudited apps are limited to 5 accounts a day."
    ),
    "unaudited_client_can_only_post_to_private_accounts": AUDIT_PENDING,
    "privacy_level_option_mismatch": N_(
        "The chosen privacy level is not one this TikTok account offers right now "
        "(privacy_level_option_mismatch). Pick one of the account's options."
    ),
    "url_ownership_unverified": N_(
        "TikTok only pulls videos from domains the app has verified (url_ownership_unverified)."
    ),
    "invalid_file_upload": N_(
        "TikTok did not accept the video file as sent ({detail}). It takes MP4, MOV or WebM up "
        "to 4 GB."
    ),
}
INVALID_REQUEST = N_("TikTok refused the request as invalid: {detail}")
SPAM_RISK = N_("TikTok stopped this as a spam risk ({detail}).")
SCOPE_MISSING = N_(
    "TikTok did not grant the {scope} permission for this account ({detail}). Reconnect the "
    "account under Accounts and allow it."
)
BAD_APP_CREDENTIALS = N_(
    "TikTok does not accept this workspace's app registration ({detail}). Check the client key, "
    "the client secret and the redirect URI under Settings → Platforms."
)
UPLOAD_LINK_GONE = N_(
    "The TikTok upload link stopped working (it lasts one hour) before the whole video was "
    "sent: {sent} of {total} bytes arrived. Nothing was posted; publish again to start a new "
    "upload."
)


@dataclass(frozen=True)
class ApiError:
    code: str
    message: str
    log_id: str

    def detail(self) -> str:
        text = f"{self.code}: {self.message}" if self.message else self.code
        return f"{text} (log_id {self.log_id})" if self.log_id else text


def parse_error(response: httpx.Response) -> ApiError | None:
    """The error TikTok's body names, in either shape; None when there is none (or it is "ok")."""
    body = json_body(response)
    error = body.get("error")
    if isinstance(error, dict):
        code = str(error.get("code") or "")
        found = ApiError(code, str(error.get("message") or ""), str(error.get("log_id") or ""))
    elif isinstance(error, str) and error:
        message = str(body.get("error_description") or "")
        found = ApiError(error, message, str(body.get("log_id") or ""))
    else:
        return None
    return None if found.code in ("", "ok") else found


def classify(response: httpx.Response, *, scope: str = "") -> ProviderError | None:
    """A v2 API or OAuth answer as None (success) or one of the closed errors.

    `scope` names the permission the call needs, for the message when TikTok says it is missing.
    """
    error = parse_error(response)
    status = response.status_code
    if error is None and status < 400:
        return None
    code = error.code if error else ""
    detail = error.detail() if error else f"HTTP {status}"
    kw: dict[str, str] = {"platform": PLATFORM, "platform_code": code or str(status)}
    if code == "rate_limit_exceeded" or status == 429:
        wait = retry_after_seconds(response, DEFAULT_RETRY_AFTER_S)
        return RateLimited(retry_after_s=wait, detail=detail, **kw)
    if code == "access_token_invalid" or (status == 401 and not code):
        return AuthExpired(detail=detail, **kw)
    if code in SCOPE_CODES:
        return ReauthRequired(SCOPE_MISSING, scope=scope or code, detail=detail, **kw)
    if code in ("invalid_grant", "access_denied"):
        return ReauthRequired(detail=detail, **kw)
    if code in ("invalid_client", "unauthorized_client"):
        return ReauthRequired(BAD_APP_CREDENTIALS, detail=detail, **kw)
    if code in ("internal_error", "server_error", "temporarily_unavailable") or status >= 500:
        return Transient(detail=detail, **kw)
    if code in REFUSALS:
        return Rejected(REFUSALS[code], detail=detail, **kw)
    if code.startswith("spam_risk"):
        return Rejected(SPAM_RISK, detail=detail, **kw)
    if code in ("invalid_param", "invalid_params", "invalid_request"):
        return Rejected(INVALID_REQUEST, detail=detail, **kw)
    # Unknown codes: the default Rejected message names the code and the log id.
    return Rejected(detail=detail, **kw)


def classify_chunk(
    response: httpx.Response, *, final: bool, sent: int, total: int
) -> ProviderError | None:
    """A `PUT upload_url` answer. 206 (more expected) and 201 (complete) are success.

    A server error after the final chunk went out is `OutcomeUnknown`: TikTok may have the whole
    file and be publishing it. After any other chunk the upload cannot complete on its own, so a
    new attempt cannot post twice: `Transient`.
    """
    status = response.status_code
    if 200 <= status < 300:
        return None
    kw: dict[str, str] = {"platform": PLATFORM, "platform_code": str(status)}
    error = parse_error(response)
    detail = error.detail() if error else f"HTTP {status}"
    if status in (403, 404, 410):
        return Rejected(UPLOAD_LINK_GONE, sent=sent, total=total, detail=detail, **kw)
    found = classify(response)
    if found is None:  # a redirect or another non-2xx answer without an error body
        return Rejected(detail=detail, **kw)
    if final and isinstance(found, Transient):
        return OutcomeUnknown(detail=detail, **kw)
    return found
