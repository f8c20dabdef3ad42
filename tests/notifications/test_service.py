"""Notifications in the app: who sees what, unread first, read state, and delivery handed to
the queue only after the transaction commits."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from shortops.errors import NotFound
from shortops.kit.i18n import gettext
from shortops.kit.pagination import PageParams
from shortops.models import Notification, NotificationKind
from shortops.notifications import service
from shortops.notifications.schemas import NotificationSettingsWrite
from shortops.worker.queue import get_queue
from tests import factories
from tests.notifications.conftest import Team


def _note(
    session: Session,
    team: Team,
    text: str = "Post {n} failed.",
    *,
    kind: NotificationKind = NotificationKind.publish_failed,
    user_id: int | None = None,
) -> int:
    note = service.notify(
        session,
        workspace_id=team.workspace.id,
        kind=kind,
        message=text,
        params={"n": 1},
        link="/publish",
        user_id=user_id,
    )
    session.commit()
    return note.id


def test_members_see_workspace_and_their_own_notifications(team: Team, session: Session) -> None:
    other = factories.create_user(session)
    everyone = _note(session, team)
    mine = _note(session, team, "Only for you.", user_id=team.owner.id)
    theirs = _note(session, team, "Only for them.", user_id=other.id)
    rows, total = service.list_notifications(
        session, workspace_id=team.workspace.id, user_id=team.owner.id, params=PageParams()
    )
    assert [r.id for r in rows] == [mine, everyone] and total == 2
    assert theirs not in [r.id for r in rows]
    assert service.unread_count(session, workspace_id=team.workspace.id, user_id=team.owner.id) == 2


def test_unread_come_first_and_reading_is_remembered(team: Team, session: Session) -> None:
    first, second, third = (_note(session, team) for _ in range(3))
    service.mark_read(
        session, workspace_id=team.workspace.id, user_id=team.owner.id, notification_id=third
    )
    session.commit()
    rows, _ = service.list_notifications(
        session, workspace_id=team.workspace.id, user_id=team.owner.id, params=PageParams()
    )
    assert [r.id for r in rows] == [second, first, third]
    assert (
        service.mark_all_read(session, workspace_id=team.workspace.id, user_id=team.owner.id) == 2
    )
    session.commit()
    assert service.unread_count(session, workspace_id=team.workspace.id, user_id=team.owner.id) == 0


def test_another_workspace_cannot_read_or_mark(team: Team, session: Session) -> None:
    note = _note(session, team)
    outsider = factories.create_user(session)
    elsewhere = factories.create_workspace(session, owner=outsider, name="Other")
    with pytest.raises(NotFound):
        service.mark_read(
            session, workspace_id=elsewhere.id, user_id=outsider.id, notification_id=note
        )


def test_render_translates_and_fills_params(team: Team, session: Session) -> None:
    note = session.get(Notification, _note(session, team, "Post {n} failed."))
    assert note is not None
    assert service.render(note) == "Post 1 failed."
    broken = Notification(message="Needs {missing}", params={})
    assert service.render(broken) == "Needs {missing}"
    # A known message comes out in Chinese.
    known = Notification(message="Connected", params={})
    assert service.render(known, lambda m: gettext("zh_Hans", m)) != "Connected"


def _deliver_by_webhook(session: Session, team: Team) -> None:
    service.save_notification_settings(
        session,
        actor=team.actor,
        data=NotificationSettingsWrite(webhook_url="http://127.0.0.1:9/hook"),
    )
    session.commit()


def test_delivery_is_queued_after_commit_only(team: Team, session: Session) -> None:
    queue = get_queue()
    _deliver_by_webhook(session, team)
    before = queue.pending_count()
    service.notify(
        session,
        workspace_id=team.workspace.id,
        kind=NotificationKind.needs_reauth,
        message="Reconnect.",
    )
    session.flush()
    assert queue.pending_count() == before, "nothing is sent before the commit"
    session.commit()
    assert queue.pending_count() == before + 1


def test_a_rolled_back_notification_is_never_delivered(team: Team, session: Session) -> None:
    queue = get_queue()
    _deliver_by_webhook(session, team)
    before = queue.pending_count()
    service.notify(
        session,
        workspace_id=team.workspace.id,
        kind=NotificationKind.needs_reauth,
        message="Reconnect.",
    )
    session.rollback()
    session.commit()
    assert queue.pending_count() == before


def test_kinds_not_chosen_stay_in_the_app(team: Team, session: Session) -> None:
    queue = get_queue()
    _deliver_by_webhook(session, team)
    before = queue.pending_count()
    _note(session, team, kind=NotificationKind.published)  # not among the default kinds
    assert queue.pending_count() == before
