"""The after-commit queue: work a transaction decides is sent when it commits, never before,
never after a rollback, and only for the session that registered it."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.db.session import session_scope
from shortops.kit.clock import utcnow
from shortops.models import WorkerHeartbeat
from shortops.worker import queue as queue_module
from shortops.worker.after_commit import pending, send_after_commit
from shortops.worker.queue import get_queue

HEARTBEAT = "shortops.system.tasks.heartbeat"


def _beats(session: Session) -> int:
    session.expire_all()
    return sum(row.beats for row in session.scalars(select(WorkerHeartbeat)))


def test_work_is_sent_when_the_transaction_commits(settings: Settings, session: Session) -> None:
    queue = get_queue()
    send_after_commit(session, HEARTBEAT)
    session.flush()
    assert queue.pending_count() == 0  # not before the commit
    assert len(pending(session)) == 1
    session.commit()
    assert queue.pending_count() == 1
    assert pending(session) == []
    assert queue.drain() == 1
    assert _beats(session) == 1
    session.commit()  # a later commit sends nothing again
    assert queue.pending_count() == 0


def test_a_rollback_forgets_the_work(settings: Settings, session: Session) -> None:
    send_after_commit(session, HEARTBEAT)
    session.rollback()
    session.commit()
    assert get_queue().pending_count() == 0
    # The session goes on working: the next transaction's work is sent.
    send_after_commit(session, HEARTBEAT)
    session.commit()
    assert get_queue().pending_count() == 1


def test_a_failed_block_sends_nothing(settings: Settings) -> None:
    with pytest.raises(RuntimeError), session_scope(settings) as session:
        send_after_commit(session, HEARTBEAT)
        raise RuntimeError("the request failed")
    assert get_queue().pending_count() == 0


def test_only_the_registering_session_sends(settings: Settings, session: Session) -> None:
    send_after_commit(session, HEARTBEAT)
    with session_scope(settings):
        pass  # another session commits: not ours to send
    assert get_queue().pending_count() == 0
    session.commit()
    assert get_queue().pending_count() == 1


def test_a_later_eta_is_kept_and_a_past_one_sends_now(settings: Settings, session: Session) -> None:
    queue = get_queue()
    send_after_commit(session, HEARTBEAT, eta=utcnow() + timedelta(hours=1))
    send_after_commit(session, HEARTBEAT, eta=utcnow() - timedelta(hours=1))
    session.commit()
    assert queue.drain() == 2  # Huey sets the later one aside for its time, runs the other
    assert queue.scheduled_count() == 1
    assert _beats(session) == 1


def test_an_unreachable_queue_keeps_the_commit_and_logs(
    settings: Settings, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    queue_module.set_queue(queue_module.Queue(_broken_huey()))
    send_after_commit(session, HEARTBEAT, 7)
    with caplog.at_level(logging.WARNING, logger="shortops.worker"):
        session.commit()  # does not raise: the data is committed
    assert "not queued" in caplog.text and "heartbeat(7,)" in caplog.text


def test_an_unknown_task_name_is_a_programming_error(settings: Settings) -> None:
    with pytest.raises(LookupError, match="no task is called"):
        get_queue().enqueue_named("shortops.nowhere.tasks.nothing")


def _broken_huey() -> object:
    from huey import MemoryHuey

    class Broken(MemoryHuey):  # type: ignore[misc]
        def enqueue(self, task: object) -> None:
            raise ConnectionError("queue down")

    return Broken("broken")
