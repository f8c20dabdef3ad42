"""Password rules in the spirit of NIST SP 800-63B: long enough, no composition rules, refused
when common or easy to guess (zxcvbn's estimate over its bundled lists of common passwords,
words and names, plus the common Chinese ones below), never the user's own email or name.
Everything runs offline."""

from __future__ import annotations

from zxcvbn import zxcvbn

from shortops.errors import (
    GuessablePassword,
    PasswordControlCharacters,
    PasswordTooLong,
    PersonalPassword,
    WeakPassword,
)
from shortops.kit.text import has_control_characters

MIN_PASSWORD_LENGTH = 10
MAX_NEW_PASSWORD_LENGTH = 256  # NIST asks for at least 64
# zxcvbn's score: 3 is "safely unguessable" (about 10^8 guesses and more).
MIN_SCORE = 3
# zxcvbn refuses longer input; a passphrase this long is judged by its first part.
_ESTIMATED_PREFIX = 72

# Common passwords of Chinese breach lists that zxcvbn's English lists miss.
_COMMON = frozenset(
    [
        "woaini1314",
        "woaini5201314",
        "5201314520",
        "woaini520",
        "aini1314520",
        "1314520520",
        "qq123456789",
        "shortops123",
    ]
)


def check_password_strength(password: str, *, email: str = "", name: str = "") -> None:
    """Raise a WeakPassword that says what is wrong, or return when the password is fine."""
    if has_control_characters(password):
        raise PasswordControlCharacters()
    if len(password) > MAX_NEW_PASSWORD_LENGTH:
        raise PasswordTooLong(max_length=MAX_NEW_PASSWORD_LENGTH)
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        raise WeakPassword(min_length=MIN_PASSWORD_LENGTH)
    lowered = password.lower()
    personal = _personal_words(email, name)
    if any(word in lowered for word in personal):
        raise PersonalPassword()
    if lowered in _COMMON:
        raise GuessablePassword()
    estimate = zxcvbn(password[:_ESTIMATED_PREFIX], user_inputs=sorted(personal))
    if estimate["score"] < MIN_SCORE:
        raise GuessablePassword()


def _personal_words(email: str, name: str) -> set[str]:
    """Parts of the email and name long enough to matter (`ann` in `banner` is no leak)."""
    local_part = email.split("@", 1)[0].lower()
    words = {local_part, *local_part.replace(".", " ").replace("_", " ").split()}
    words |= {part.lower() for part in name.split()}
    return {word for word in words if len(word) >= 4}
