"""The closed set of errors a provider raises. Nothing else leaves a provider.

    ProviderError                      what the engine does
    ├── AuthExpired                    refresh the token once, then try again
    ├── ReauthRequired                 mark the account needs_reauth, tell the user
    ├── RateLimited(retry_after_s)     wait at least retry_after_s, then try again
    ├── Transient                      back off and try again (reads, and writes not yet begun)
    ├── Rejected(reason)               permanent: show the reason, never retry
    └── OutcomeUnknown                 a mutation may or may not have happened: never repeated
                                       blindly; reconciled by check_publish, else needs_review

Providers translate their platform's envelope (status code + error body) into one of these and
keep the platform's own code and log id in `platform_code` / `detail`, so support can trace it.
Messages are English templates marked for translation, like every ShortopsError.
"""

from __future__ import annotations

from typing import Any

from shortops.errors import N_, ShortopsError


class ProviderError(ShortopsError):
    status = 502
    code = "provider_error"
    template = N_("{platform} answered with an error: {detail}")

    def __init__(
        self,
        message: str | None = None,
        *,
        platform: str = "",
        platform_code: str = "",
        detail: str = "",
        **params: Any,
    ) -> None:
        self.platform = platform
        self.platform_code = platform_code
        self.detail = detail
        super().__init__(message, platform=platform, detail=detail or platform_code, **params)


class AuthExpired(ProviderError):
    status = 401
    code = "provider_auth_expired"
    template = N_("The {platform} access token has expired.")


class ReauthRequired(ProviderError):
    status = 401
    code = "provider_reauth_required"
    template = N_(
        "{platform} no longer accepts this account's sign-in ({detail}). Reconnect the account "
        "under Accounts."
    )


class RateLimited(ProviderError):
    status = 429
    code = "provider_rate_limited"
    template = N_("{platform} asks to slow down; trying again in {retry_after_s} s.")

    def __init__(self, message: str | None = None, *, retry_after_s: float = 60, **kw: Any) -> None:
        self.retry_after_s = max(0.0, float(retry_after_s))
        super().__init__(message, retry_after_s=round(self.retry_after_s), **kw)


class Transient(ProviderError):
    status = 503
    code = "provider_unavailable"
    template = N_("{platform} is not answering properly right now ({detail}).")


class Rejected(ProviderError):
    status = 422
    code = "provider_rejected"
    template = N_("{platform} refused it: {detail}")


class OutcomeUnknown(ProviderError):
    status = 504
    code = "provider_outcome_unknown"
    template = N_(
        "The upload to {platform} stopped without an answer ({detail}); it may or may not have "
        "gone through. Check on the platform before trying again."
    )


# A read the sign-in has no permission for: names the scope, so the user knows what to allow when
# reconnecting (the message of a ReauthRequired, with `scope`).
SCOPE_NOT_GRANTED = N_(
    "{platform} did not grant the {scope} permission this needs ({detail}). Reconnect the "
    "account under Accounts and allow it."
)
