"""The password policy (issue "Security and robustness", F10): the probe's weak passwords are
refused, each with the reason, and long passphrases are welcome."""

from __future__ import annotations

import pytest

from shortops.errors import (
    GuessablePassword,
    PasswordControlCharacters,
    PasswordTooLong,
    PersonalPassword,
    WeakPassword,
)
from shortops.kit.i18n import gettext
from shortops.workspaces.passwords import MAX_NEW_PASSWORD_LENGTH, check_password_strength


@pytest.mark.parametrize(
    ("password", "refusal"),
    [
        ("password12", GuessablePassword),  # accepted before: 10 characters
        ("Password1!", GuessablePassword),
        ("qwertyuiop1", GuessablePassword),
        ("iloveyou2024", GuessablePassword),
        ("woaini1314", GuessablePassword),
        ("aaaaaaaaaaaaaaaa", GuessablePassword),
        ("1234567890123", GuessablePassword),
        (" " * 12, WeakPassword),  # all spaces
        ("short-1", WeakPassword),
        ("x" * 1_000_000, PasswordTooLong),  # 1 MB
        ("amber\x00lantern-42", PasswordControlCharacters),
        ("amber\nlantern-42", PasswordControlCharacters),
    ],
)
def test_weak_passwords_are_refused_with_their_reason(password: str, refusal: type) -> None:
    with pytest.raises(refusal) as caught:
        check_password_strength(password, email="ann@example.com")
    assert type(caught.value) is refusal
    assert caught.value.code == "weak_password"


def test_the_email_and_name_do_not_make_a_password() -> None:
    with pytest.raises(PersonalPassword):
        check_password_strength("harriet-violet-93", email="harriet@studio.example")
    with pytest.raises(PersonalPassword):
        check_password_strength("Zhang-Wei-lantern", email="z@x.example", name="Zhang Wei")
    # Short parts of the email are no leak: "ann" inside "lantern".
    check_password_strength("amber-lantern-42", email="ann@example.com")


@pytest.mark.parametrize(
    "password",
    [
        "amber-lantern-42",
        "correct horse battery staple",
        "我的密码是三只小猫和一棵树",  # any script: no composition rules
        "tangerine copper wolf in the attic " * 7,  # 245 characters
    ],
)
def test_passphrases_pass(password: str) -> None:
    check_password_strength(password, email="ann@example.com")


def test_each_refusal_reads_well_in_chinese() -> None:
    for error in (
        GuessablePassword(),
        PersonalPassword(),
        PasswordTooLong(max_length=MAX_NEW_PASSWORD_LENGTH),
        PasswordControlCharacters(),
        WeakPassword(min_length=10),
    ):
        english = error.render()
        chinese = error.render(lambda text: gettext("zh_Hans", text))
        assert chinese != english and "密码" in chinese
