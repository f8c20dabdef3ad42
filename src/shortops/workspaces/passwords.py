"""Password strength rules."""

from __future__ import annotations

from shortops.errors import WeakPassword

MIN_PASSWORD_LENGTH = 10

# The most common passwords of public breach lists that reach the minimum length.
_COMMON = frozenset(
    [
        "1234567890",
        "12345678910",
        "0123456789",
        "1234567891",
        "123123123123",
        "1q2w3e4r5t",
        "1qaz2wsx3edc",
        "qwertyuiop",
        "password123",
        "password1234",
        "passw0rd123",
        "iloveyou123",
        "qwerty1234",
        "qwerty12345",
        "qwerty123456",
        "abcdefghij",
        "abc1234567",
        "aaaaaaaaaa",
        "1111111111",
        "0000000000",
        "9876543210",
        "zxcvbnm123",
        "asdfghjkl1",
        "asdfghjkl;",
        "letmein123",
        "welcome123",
        "welcome1234",
        "administrator",
        "admin12345",
        "admin123456",
        "changeme123",
        "football123",
        "baseball123",
        "superman123",
        "princess123",
        "dragon1234",
        "monkey1234",
        "sunshine123",
        "starwars123",
        "trustno1234",
        "whatever123",
        "shortops123",
        "woaini1314",
        "woaini5201314",
        "5201314520",
        "a123456789",
        "aa123456789",
        "qq123456789",
    ]
)


def check_password_strength(password: str, *, email: str = "") -> None:
    """Raise WeakPassword unless `password` is long enough and not a well-known one."""
    lowered = password.lower()
    local_part = email.split("@", 1)[0].lower()
    too_simple = len(set(password)) < 4
    if (
        len(password) < MIN_PASSWORD_LENGTH
        or lowered in _COMMON
        or too_simple
        or (local_part and len(local_part) >= 4 and local_part in lowered)
    ):
        raise WeakPassword(min_length=MIN_PASSWORD_LENGTH)
