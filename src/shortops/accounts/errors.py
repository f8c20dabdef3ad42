"""Errors of connecting accounts, as part of the one exception tree in `shortops.errors`.

    PlatformNotConfigured   InvalidInput   422  platform_not_configured
    NotAnOAuthPlatform      InvalidInput   422  not_oauth_platform
    OAuthStateInvalid       InvalidInput   400  oauth_state_invalid
    OAuthStateExpired       InvalidInput   400  oauth_state_expired
    OAuthDenied             InvalidInput   400  oauth_denied
    ReconnectMismatch       Conflict       409  reconnect_mismatch
    AccountBusy             Conflict       409  account_busy

Platform errors during sign-in (token exchange, profile) are the providers' closed set
(`shortops.providers.errors`) and reach the user as they are.
"""

from __future__ import annotations

from shortops.errors import N_, Conflict, InvalidInput
from shortops.providers.base import NO_APP_CREDENTIALS


class PlatformNotConfigured(InvalidInput):
    code = "platform_not_configured"
    template = NO_APP_CREDENTIALS


class NotAnOAuthPlatform(InvalidInput):
    code = "not_oauth_platform"
    template = N_(
        "{platform} accounts are not connected by signing in to a platform; add them on the "
        "Accounts page."
    )


class OAuthStateInvalid(InvalidInput):
    status = 400
    code = "oauth_state_invalid"
    template = N_(
        "This sign-in is unknown or was already used. Start again with Connect on the Accounts "
        "page."
    )


class OAuthStateExpired(InvalidInput):
    status = 400
    code = "oauth_state_expired"
    template = N_(
        "This sign-in took more than {minutes} minutes and expired. Start again with Connect."
    )


class OAuthDenied(InvalidInput):
    status = 400
    code = "oauth_denied"
    template = N_("The sign-in to {platform} did not complete ({detail}). Try Connect again.")


class ReconnectMismatch(Conflict):
    code = "reconnect_mismatch"
    template = N_(
        "You signed in to {platform} as {got}, but this account is {expected}. Sign out of "
        "{platform} in your browser, then reconnect with the right account."
    )


class AccountBusy(Conflict):
    code = "account_busy"
    template = N_("The account is being updated by another task; try again in a moment.")
