"""Domain-free helpers: ids, slugs, token hashing and the encryption of stored secrets."""

from __future__ import annotations

import gc
import threading

import pytest
from cryptography.fernet import InvalidToken

from shortops.kit import crypto
from shortops.kit.gc_pause import cycle_collector_paused
from shortops.kit.ids import random_token, slugify

KEY = "k" * 48


def test_stored_secrets_round_trip_and_are_bound_to_their_purpose() -> None:
    sealed = crypto.fernet_for(KEY, "account-credentials").encrypt(b'{"refresh_token": "r"}')
    assert b"refresh_token" not in sealed
    assert (
        crypto.fernet_for(KEY, "account-credentials").decrypt(sealed) == b'{"refresh_token": "r"}'
    )
    with pytest.raises(InvalidToken):
        crypto.fernet_for(KEY, "another-purpose").decrypt(sealed)
    with pytest.raises(InvalidToken):
        crypto.fernet_for("x" * 48, "account-credentials").decrypt(sealed)


def test_passwords_and_tokens_are_never_stored_as_given() -> None:
    hashed = crypto.hash_password("Correct-horse-42")
    assert hashed.startswith("$argon2") and crypto.verify_password(hashed, "Correct-horse-42")
    assert not crypto.verify_password(hashed, "correct-horse-42")
    assert not crypto.verify_password("not-a-hash", "anything")
    token = random_token("sho")
    assert token.startswith("sho_") and len(token) > 40
    assert crypto.hash_token(token) != token and len(crypto.hash_token(token)) == 64


@pytest.mark.parametrize(
    ("name", "slug"),
    [("Acme Studio", "acme-studio"), ("  Café Ünïcode!  ", "cafe-unicode"), ("a" * 80, "a" * 48)],
)
def test_slugs_are_ascii(name: str, slug: str) -> None:
    assert slugify(name) == slug


def test_names_without_latin_letters_get_a_generated_slug() -> None:
    assert slugify("抖音矩阵").startswith("workspace-")
    assert slugify("抖音矩阵") != slugify("抖音矩阵")


def test_the_cycle_collector_is_paused_for_a_job_and_back_after_the_last_one() -> None:
    assert gc.isenabled()
    first_in, second_done = threading.Event(), threading.Event()
    seen: list[bool] = []

    def second_job() -> None:
        first_in.wait()
        with cycle_collector_paused():
            seen.append(gc.isenabled())
        second_done.set()

    worker = threading.Thread(target=second_job)
    worker.start()
    with cycle_collector_paused():
        seen.append(gc.isenabled())
        first_in.set()
        second_done.wait()
        seen.append(gc.isenabled())  # the other job ended first: still paused for this one
    worker.join()
    assert seen == [False, False, False] and gc.isenabled()


def test_a_job_that_fails_gives_the_collector_back_and_a_disabled_one_stays_off() -> None:
    @cycle_collector_paused()
    def job() -> None:
        raise ValueError("broken file")

    with pytest.raises(ValueError):
        job()
    assert gc.isenabled()
    gc.disable()
    try:
        with cycle_collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
