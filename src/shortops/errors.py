"""The one exception tree of shortops.

    ShortopsError                 status  code
    ├── ConfigurationError          500   configuration_error
    ├── InvalidInput                422   invalid_input
    │   └── WeakPassword            422   weak_password
    │       (GuessablePassword, PersonalPassword, PasswordTooLong, PasswordControlCharacters)
    ├── NotAuthenticated            401   not_authenticated
    │   └── SessionExpired          401   session_expired
    ├── InvalidCredentials          401   invalid_credentials
    ├── LoginThrottled              429   login_throttled
    ├── RequestTooLarge             413   too_large
    ├── PermissionDenied            403   permission_denied
    │   ├── MissingScope            403   missing_scope
    │   └── CsrfFailed              403   csrf_failed
    ├── NotFound                    404   not_found
    ├── Conflict                    409   conflict
    │   └── AlreadySetUp            409   already_set_up
    └── QueueUnavailable            503   queue_unavailable

Each error carries a stable `code`, an HTTP `status`, and a message safe to show to users. The
message is an English template (marked with `N_` so it is extracted for translation) plus
parameters, so pages and API answers can render it in the user's language.
"""

from __future__ import annotations

from typing import Any, ClassVar


def N_(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


class ShortopsError(Exception):
    status: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    template: ClassVar[str] = N_("Something went wrong.")

    def __init__(self, message: str | None = None, **params: Any) -> None:
        self.message_template = message if message is not None else self.template
        self.params = params
        super().__init__(self.render())

    def render(self, gettext: Any = None) -> str:
        """The message, translated by `gettext` when given, with parameters filled in."""
        text = gettext(self.message_template) if gettext else self.message_template
        params = self.params
        if gettext and isinstance(params.get("detail"), str):
            # A detail is often one of our own messages (N_): it is translated too.
            params = {**params, "detail": gettext(params["detail"])}
        try:
            return str(text.format(**params)) if params else str(text)
        except (KeyError, IndexError):
            return str(self.message_template)


class ConfigurationError(ShortopsError):
    status = 500
    code = "configuration_error"
    template = N_("shortops is not configured correctly.")


class InvalidInput(ShortopsError):
    status = 422
    code = "invalid_input"
    template = N_("The request is not valid.")


class RequestTooLarge(ShortopsError):
    status = 413
    code = "too_large"
    template = N_(
        "The request body is larger than {limit}, the most accepted here. Send less; video "
        "files go through the resumable upload."
    )


class WeakPassword(InvalidInput):
    code = "weak_password"
    template = N_(
        "The password is too weak: use at least {min_length} characters and avoid common "
        "passwords or the email address."
    )


class GuessablePassword(WeakPassword):
    template = N_(
        "The password is too weak: it is a common password or close to one and would be "
        "guessed quickly. Three or four unrelated words make a strong one that is easy to "
        "remember."
    )


class PersonalPassword(WeakPassword):
    template = N_("The password is too weak: it contains your email address or name.")


class PasswordTooLong(WeakPassword):
    template = N_("The password is too long: use at most {max_length} characters.")


class PasswordControlCharacters(WeakPassword):
    template = N_(
        "The password contains a control character (such as a line break or a tab), which "
        "cannot be typed at sign-in. Use letters, digits, spaces and punctuation."
    )


class NotAuthenticated(ShortopsError):
    status = 401
    code = "not_authenticated"
    template = N_("Sign in first.")


class SessionExpired(NotAuthenticated):
    code = "session_expired"
    template = N_("Your session has expired. Sign in again.")


class InvalidCredentials(ShortopsError):
    status = 401
    code = "invalid_credentials"
    template = N_("Wrong email or password.")


class LoginThrottled(ShortopsError):
    status = 429
    code = "login_throttled"
    template = N_("Too many failed sign-ins. Try again in {minutes} minutes.")


class PermissionDenied(ShortopsError):
    status = 403
    code = "permission_denied"
    template = N_("Your role does not allow this.")


class MissingScope(PermissionDenied):
    code = "missing_scope"
    template = N_("This API token lacks the scope “{scope}”. Create a token with that scope.")


class CsrfFailed(PermissionDenied):
    code = "csrf_failed"
    template = N_("The form was stale or came from another site. Reload the page and try again.")


class NotFound(ShortopsError):
    status = 404
    code = "not_found"
    template = N_("Not found.")


class Conflict(ShortopsError):
    status = 409
    code = "conflict"
    template = N_("This conflicts with existing data.")


class AlreadySetUp(Conflict):
    code = "already_set_up"
    template = N_("shortops is already set up. Sign in with the owner account instead.")


class QueueUnavailable(ShortopsError):
    status = 503
    code = "queue_unavailable"
    template = N_("The task queue cannot be reached: {detail}")
