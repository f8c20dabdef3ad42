"""The queue side: eta on scheduling, tasks that re-read their rows, the periodic reconciler."""

from __future__ import annotations

from datetime import timedelta

from shortops.kit.clock import utcnow
from shortops.models import PublicationStatus as S
from shortops.publishing import compose, tasks, transitions
from shortops.worker.queue import get_queue
from tests.publishing.conftest import World


def test_scheduling_sends_each_publication_at_its_time(world: World) -> None:
    queue = get_queue()
    later = world.schedule(at=(utcnow() + timedelta(hours=2)).isoformat())  # queued on commit
    # Huey keeps a message with an eta in the queue until a worker sets it aside for its time.
    assert queue.drain() == 1
    assert queue.scheduled_count() == 1 and queue.pending_count() == 0
    assert world.reload(later[0]).status == S.scheduled
    world.schedule()
    assert queue.pending_count() == 1


def test_a_due_publication_is_published_by_its_task(world: World) -> None:
    created = compose.create_post(
        world.session, actor=world.actor, data=world.post(world.account), store=world.store
    )
    world.session.commit()  # queues the publication
    queue = get_queue()
    assert queue.drain() == 2  # the publication, then its first check is set aside for later
    (publication,) = created.publications
    assert world.reload(publication).status == S.processing
    assert queue.scheduled_count() == 1
    # A duplicate message (a lost-and-found one, or the reconciler's) changes nothing.
    queue.enqueue(tasks.publish_publication, publication.id)
    assert queue.drain() == 1
    assert world.fake.inits == {publication.idempotency_key: 1}


def test_the_reconciler_task_resends_what_no_message_covers(world: World) -> None:
    (publication,) = world.schedule(at=(utcnow() + timedelta(seconds=1)).isoformat())
    get_queue().huey.flush()  # its message is lost
    transitions.move(
        world.session,
        publication_id=publication.id,
        from_statuses=(S.scheduled,),
        to=S.scheduled,
        values={"scheduled_at": utcnow() - timedelta(minutes=5)},
        message="test: the message was lost",
    )
    world.session.commit()
    queue = get_queue()
    tasks.reconcile_publications()
    assert queue.pending_count() == 1
    queue.drain()
    assert world.reload(publication).status == S.processing
