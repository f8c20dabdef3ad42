"""Sessions kept on the server (issue "Security and robustness", F4): sign-out and a password
change end sessions for good, not just in the browser that asked."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.models import AuditEvent, WebSession
from shortops.workspaces.deps import SESSION_COOKIE
from tests import factories

NEW_PASSWORD = "violet-harbour-93"


def _signed_in(app: Any, email: str) -> TestClient:
    client = TestClient(app)
    factories.login(client, email)
    return client


def _copy(client: TestClient, app: Any) -> TestClient:
    """Another browser holding a copy of `client`'s session cookie."""
    thief = TestClient(app)
    thief.cookies.set(SESSION_COOKIE, client.cookies[SESSION_COOKIE])
    return thief


def _sessions(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(WebSession)) or 0


def _is_signed_in(client: TestClient) -> bool:
    return client.get("/home", follow_redirects=False).status_code == 200


def test_a_copied_cookie_stops_working_after_sign_out(app: Any, session: Session) -> None:
    owner = factories.create_user(session, email="copy@example.com")
    factories.create_workspace(session, owner=owner)
    client = _signed_in(app, owner.email)
    thief = _copy(client, app)
    assert _is_signed_in(thief)
    assert _sessions(session) == 1
    client.post("/logout", data={"csrf_token": factories.csrf(client)})
    assert _sessions(session) == 0
    assert not _is_signed_in(thief)
    # The copy is told it expired, and signing in again works as usual.
    assert "/login" in thief.get("/home", follow_redirects=False).headers["location"]
    factories.login(client, owner.email)
    assert _is_signed_in(client)


def test_password_change_keeps_this_browser_and_ends_the_others(app: Any, session: Session) -> None:
    owner = factories.create_user(session, email="pw@example.com")
    factories.create_workspace(session, owner=owner)
    laptop = _signed_in(app, owner.email)
    phone = _signed_in(app, owner.email)
    page = laptop.get("/settings/account")
    assert page.status_code == 200
    assert page.text.count("<tr class") == 2 and "this browser" in page.text
    answer = laptop.post(
        "/settings/account/password",
        data={
            "current": factories.PASSWORD,
            "new": NEW_PASSWORD,
            "confirm": NEW_PASSWORD,
            "csrf_token": factories.csrf(laptop, "/settings/account"),
        },
    )
    assert answer.status_code == 200
    assert "Password changed. Other sessions signed out: 1." in answer.text
    assert _is_signed_in(laptop) and not _is_signed_in(phone)
    assert _sessions(session) == 1
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "password.changed"))
    assert event is not None and event.data == {"sessions_ended": 1}
    # The old password no longer signs in; the new one does.
    fresh = TestClient(app)
    page = fresh.get("/login")
    refused = fresh.post(
        "/login",
        data={
            "email": owner.email,
            "password": factories.PASSWORD,
            "csrf_token": factories.csrf_from(page.text),
        },
    )
    assert refused.status_code == 401
    factories.login(fresh, owner.email, NEW_PASSWORD)


def test_password_change_refuses_bad_input_and_changes_nothing(app: Any, session: Session) -> None:
    owner = factories.create_user(session, email="bad@example.com")
    factories.create_workspace(session, owner=owner)
    client = _signed_in(app, owner.email)
    other = _signed_in(app, owner.email)
    cases = [
        ("wrong-current-1", NEW_PASSWORD, NEW_PASSWORD, "The current password is not right."),
        (factories.PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "The two new passwords differ."),
        (factories.PASSWORD, "password123", "password123", "too weak"),
        (factories.PASSWORD, factories.PASSWORD, factories.PASSWORD, "the same as the current"),
        ("x" * 5000, NEW_PASSWORD, NEW_PASSWORD, "The current password is not right."),
    ]
    for current, new, confirm, message in cases:
        answer = client.post(
            "/settings/account/password",
            data={
                "current": current,
                "new": new,
                "confirm": confirm,
                "csrf_token": factories.csrf(client, "/settings/account"),
            },
        )
        assert answer.status_code in (400, 422), (message, answer.status_code)
        assert message in answer.text, message
    assert _is_signed_in(other) and _sessions(session) == 2
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "password.changed")
        )
        == 0
    )
    factories.login(TestClient(app), owner.email)  # the password is unchanged


def test_sign_out_everywhere_else(app: Any, session: Session) -> None:
    owner = factories.create_user(session, email="else@example.com")
    factories.create_workspace(session, owner=owner)
    client = _signed_in(app, owner.email)
    others = [_signed_in(app, owner.email) for _ in range(2)]
    page = client.get("/settings/account").text
    assert "Sign out everywhere else" in page
    answer = client.post(
        "/settings/account/sessions/end-others",
        data={"csrf_token": factories.csrf(client, "/settings/account")},
    )
    assert "Other sessions signed out: 2." in answer.text
    assert _is_signed_in(client)
    assert not any(_is_signed_in(other) for other in others)
    assert "This is your only session" in client.get("/settings/account").text


def test_another_users_cookie_secret_does_not_fit_this_user(app: Any, session: Session) -> None:
    """A session row belongs to one user: a cookie naming another user id is refused."""
    ann = factories.create_user(session, email="ann2@example.com")
    factories.create_workspace(session, owner=ann)
    client = _signed_in(app, ann.email)
    assert _is_signed_in(client)
    session.expire_all()
    row = session.scalar(select(WebSession))
    assert row is not None and row.user_id == ann.id
    assert len(row.secret_hash) == 64  # only a hash is stored
    assert row.secret_hash not in client.cookies[SESSION_COOKIE]


def test_operator_sets_a_password_from_the_cli_and_every_session_ends(
    app: Any, session: Session
) -> None:
    from typer.testing import CliRunner

    from shortops.cli.main import app as cli

    owner = factories.create_user(session, email="forgot@example.com")
    factories.create_workspace(session, owner=owner)
    browser = _signed_in(app, owner.email)
    runner = CliRunner()
    weak = runner.invoke(cli, ["users", "set-password", owner.email, "--password", "12345"])
    assert weak.exit_code == 1 and "too weak" in weak.output
    assert _is_signed_in(browser)
    unknown = runner.invoke(cli, ["users", "set-password", "who@x.example", "--password", "a"])
    assert unknown.exit_code == 1 and "No user has the email who@x.example" in unknown.output
    done = runner.invoke(cli, ["users", "set-password", owner.email, "--password", NEW_PASSWORD])
    assert done.exit_code == 0, done.output
    assert "sessions signed out: 1" in done.output
    assert not _is_signed_in(browser)
    factories.login(TestClient(app), owner.email, NEW_PASSWORD)


def test_the_daily_clean_up_forgets_sessions_past_their_lifetime(
    app: Any, session: Session, settings: Any
) -> None:
    from datetime import timedelta

    from shortops.workspaces.tasks import forget_expired_sign_ins

    owner = factories.create_user(session, email="old@example.com")
    factories.create_workspace(session, owner=owner)
    old, fresh = _signed_in(app, owner.email), _signed_in(app, owner.email)
    session.expire_all()
    rows = session.scalars(select(WebSession).order_by(WebSession.id)).all()
    rows[0].created_at -= timedelta(seconds=settings.session_max_age + 60)
    session.commit()
    forget_expired_sign_ins()
    assert _sessions(session) == 1
    assert _is_signed_in(fresh) and not _is_signed_in(old)
