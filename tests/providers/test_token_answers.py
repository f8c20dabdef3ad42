"""Reading token answers: what a refresh leaves out is kept from the previous tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shortops.providers import tokens as token_answer
from shortops.providers.errors import ReauthRequired
from shortops.providers.types import Tokens

NOW = datetime(2026, 12, 1, 10, tzinfo=UTC)
BEFORE = Tokens(access_token="old", refresh_token="r-old", remote_id="u1", scopes=("a",))


def test_an_answer_without_an_access_token_is_no_sign_in() -> None:
    with pytest.raises(ReauthRequired):
        token_answer.access_token({"refresh_token": "x"}, platform="TikTok")
    assert token_answer.access_token({"access_token": "t"}, platform="TikTok") == "t"


def test_lifetimes_become_times_and_nonsense_none() -> None:
    assert token_answer.expires_after(NOW, 3600) == NOW + timedelta(hours=1)
    assert token_answer.expires_after(NOW, "60") == NOW + timedelta(minutes=1)
    for bad in (0, -5, None, "soon", True):
        assert token_answer.expires_after(NOW, bad) is None


def test_scopes_as_a_list_or_a_string() -> None:
    assert token_answer.scope_list(["a", "", "b"]) == ("a", "b")
    assert token_answer.scope_list("a, b,") == ("a", "b")
    assert token_answer.scope_list("a b", separator=" ") == ("a", "b")
    assert token_answer.scope_list(None) == ()


def test_what_the_answer_leaves_out_is_kept() -> None:
    assert token_answer.refresh_token(None, BEFORE) == "r-old"
    assert token_answer.refresh_token("r-new", BEFORE) == "r-new"
    assert token_answer.refresh_token(None, None) is None
    assert token_answer.remote_id("", BEFORE) == "u1"
    assert token_answer.remote_id(42, None) == "42"
