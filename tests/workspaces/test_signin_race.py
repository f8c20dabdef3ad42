"""Parallel sign-ins for one email (issue "Security and robustness", F1): the throttle is one
atomic upsert, so no attempt crashes on the unique email and at most the limit of passwords is
ever checked, whatever the interleaving."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.db.session import get_engine, session_factory
from shortops.errors import InvalidCredentials, LoginThrottled
from shortops.kit import crypto
from shortops.models import LoginThrottle
from shortops.workspaces import signin
from tests import factories


@pytest.fixture(autouse=True)
def _production_cost_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Checks as slow as in production (the suite otherwise hashes at the lowest cost): with
    instant checks the one right password can finish, and a success clears the count, while
    the other attempts are still arriving."""
    monkeypatch.setattr(crypto, "_HASHER", PasswordHasher())


POLICY = signin.ThrottlePolicy(max_failures=5, lockout=timedelta(minutes=15))
ATTEMPTS = 24


def _attempt_all_at_once(settings: Settings, email: str, passwords: list[str]) -> Counter[str]:
    factory = session_factory(get_engine(settings))
    start = threading.Barrier(len(passwords))
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def attempt(password: str) -> None:
        start.wait()
        with factory() as session:
            try:
                signin.authenticate(session, email=email, password=password, policy=POLICY)
                session.commit()
                outcome = "signed_in"
            except InvalidCredentials:
                session.commit()
                outcome = "wrong"
            except LoginThrottled:
                session.commit()
                outcome = "throttled"
            except Exception as exc:  # the test reports any crash by its type
                outcome = f"crash {type(exc).__name__}: {str(exc)[:120]}"
        with lock:
            outcomes[outcome] += 1

    threads = [threading.Thread(target=attempt, args=(p,)) for p in passwords]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_parallel_wrong_passwords_check_at_most_the_limit(
    settings: Settings, session: Session
) -> None:
    user = factories.create_user(session, email="race@example.com")
    passwords = ["wrong"] * (ATTEMPTS - 1) + [factories.PASSWORD]
    outcomes = _attempt_all_at_once(settings, user.email, passwords)
    assert sum(outcomes.values()) == ATTEMPTS
    assert not [o for o in outcomes if o.startswith("crash")], outcomes
    checked = outcomes["wrong"] + outcomes["signed_in"]
    assert checked <= POLICY.max_failures, outcomes
    assert outcomes["throttled"] == ATTEMPTS - checked
    session.expire_all()
    row = session.scalar(select(LoginThrottle).where(LoginThrottle.email == user.email))
    if outcomes["signed_in"] == 0:
        assert row is not None and row.failures == ATTEMPTS


def test_parallel_attempts_on_an_unknown_email_make_one_row(
    settings: Settings, session: Session
) -> None:
    outcomes = _attempt_all_at_once(settings, "nobody@example.com", ["x"] * 12)
    assert not [o for o in outcomes if o.startswith("crash")], outcomes
    assert outcomes["wrong"] == POLICY.max_failures, outcomes
    assert outcomes["throttled"] == 12 - POLICY.max_failures
    rows = session.scalars(select(LoginThrottle)).all()
    assert [(r.email, r.failures) for r in rows] == [("nobody@example.com", 12)]
    assert rows[0].locked_until is not None
