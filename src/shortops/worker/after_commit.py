"""The one way to queue work that a transaction decides: it is sent only after that commits.

A service or flow that creates rows a task will read (a post to publish, a rendition to render,
a notification to deliver) calls `send_after_commit(session, TASK, ids…)` inside its
transaction. The message goes to the queue when that session's transaction commits, and is
forgotten when it rolls back, so a worker never looks for a row that is not there (or never will
be). The listener is attached to that session alone, never process-wide.

Tasks are named by their full dotted name (`"shortops.media.tasks.render_rendition"`), so a
service can queue a task without importing the task's module, which imports its flows: that is
how registering work stays free of import cycles. The names are checked against the registry
when they are sent (an unknown name is a programming error, logged and raised in tests).

A queue that cannot be reached does not turn committed work into an error: the reconcilers find
what was not sent (publications, renditions), and the log says what was lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from shortops.errors import QueueUnavailable
from shortops.kit.clock import utcnow
from shortops.worker.queue import get_queue

log = logging.getLogger("shortops.worker")

_PENDING = "shortops.worker.after_commit"
_LISTENING = "shortops.worker.after_commit.listening"


@dataclass(frozen=True)
class Message:
    task: str
    args: tuple[Any, ...]
    eta: datetime | None = None


def send_after_commit(session: Session, task: str, *args: Any, eta: datetime | None = None) -> None:
    """Queue `task(*args)` (at `eta`, if later than the commit) once `session` commits."""
    if not session.in_transaction():
        session.begin()  # so that the work belongs to this transaction, and dies with it
    if not session.info.get(_LISTENING):
        event.listen(session, "after_commit", _send_pending)
        # "soft": also when nothing reached the database (a plain after_rollback would not fire).
        event.listen(session, "after_soft_rollback", _forget_pending)
        session.info[_LISTENING] = True
    session.info.setdefault(_PENDING, []).append(Message(task, args, eta))


def pending(session: Session) -> list[Message]:
    """What `session` will send when it commits (for tests and logs)."""
    return list(session.info.get(_PENDING, []))


def _send_pending(session: Session) -> None:
    messages: list[Message] = session.info.pop(_PENDING, [])
    if messages:
        send(messages)


def _forget_pending(session: Session, previous_transaction: SessionTransaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction; not a savepoint in it
        session.info.pop(_PENDING, None)


def send(messages: list[Message]) -> None:
    """Send messages now; a queue outage is logged (the data is committed already)."""
    try:
        queue = get_queue()
        now = utcnow()
        for message in messages:
            eta = message.eta if message.eta is not None and message.eta > now else None
            queue.enqueue_named(message.task, *message.args, eta=eta)
    except QueueUnavailable as exc:
        log.warning(
            "not queued (the reconcilers send what is due): %s: %s",
            ", ".join(f"{m.task}{m.args}" for m in messages),
            exc,
        )
