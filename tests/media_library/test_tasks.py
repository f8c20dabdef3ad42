"""Render tasks: claiming, progress, failure, cancellation, concurrency and the reconciler."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.db.session import session_scope
from shortops.kit.clock import utcnow
from shortops.media import flows, rendition_service, tasks
from shortops.media.errors import RenderCancelled, RenderFailed
from shortops.media.schemas import RenditionsCreate
from shortops.media.store import MediaStore
from shortops.models import Rendition, RenditionStatus
from shortops.worker.queue import TASK_MODULES, get_queue
from tests import factories
from tests.media_library.conftest import ImportFn, Media, Team


@pytest.fixture
def queued(session: Session, team: Team, media: Media, import_asset: ImportFn) -> Rendition:
    asset = import_asset(media.video)
    actor = factories.actor_for(session, user=team.editor, workspace=team.workspace)
    rendition, _ = rendition_service.request_renditions(
        session, actor=actor, data=RenditionsCreate(asset_id=asset.id, profiles=["tiktok"])
    )[0]
    session.commit()
    get_queue().huey.flush()  # the commit queued its render: each test sends (or loses) it itself
    return rendition


def _status(session: Session, rendition: Rendition) -> Rendition:
    session.expire_all()
    row = session.get(Rendition, rendition.id)
    assert row is not None
    return row


def test_progress_is_throttled_and_stops_a_cancelled_render(
    settings: Settings, session: Session, queued: Rendition
) -> None:
    rendition_service.claim_rendition(session, rendition_id=queued.id)
    session.commit()
    now = [0.0]
    cancel = threading.Event()
    writer = flows.ProgressWriter(settings, queued.id, cancel, clock=lambda: now[0])
    for step in range(100):
        writer(step / 1000)  # 0.1 % steps, no time passing: hardly any writes
    assert writer.writes == 4
    now[0] = 5.0
    writer(0.1)
    assert writer.writes == 5 and _status(session, queued).progress == pytest.approx(0.1)
    session.execute(
        update(Rendition).where(Rendition.id == queued.id).values(status=RenditionStatus.cancelled)
    )
    session.commit()
    writer(0.5)
    assert cancel.is_set()


def test_a_failing_render_is_failed_with_its_message(
    settings: Settings, session: Session, queued: Rendition
) -> None:
    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RenderFailed(detail="moov atom not found")

    assert flows.run_rendition(settings, queued.id, renderer=broken)
    row = _status(session, queued)
    assert row.status == RenditionStatus.failed and "moov atom not found" in row.error
    assert row.error_code == "render_failed" and row.output_path == ""
    # The duplicate message of the same task finds nothing to claim.
    assert not flows.run_rendition(settings, queued.id, renderer=broken)


def test_an_unexpected_error_fails_the_rendition(
    settings: Settings, session: Session, queued: Rendition
) -> None:
    def buggy(*_args: Any, **_kwargs: Any) -> Any:
        raise ZeroDivisionError

    flows.run_rendition(settings, queued.id, renderer=buggy)
    row = _status(session, queued)
    assert row.status == RenditionStatus.failed and "ZeroDivisionError" in row.error


def test_cancelling_while_rendering_stops_and_keeps_nothing(
    settings: Settings, session: Session, store: MediaStore, team: Team, queued: Rendition
) -> None:
    def slow(master: Path, spec: Any, profile: Any, out: Path, **kwargs: Any) -> Any:
        out.write_bytes(b"partial")
        actor = factories.actor_for(session, user=team.editor, workspace=team.workspace)
        with session_scope(settings) as other:
            rendition_service.cancel_rendition(other, actor=actor, rendition_id=queued.id)
        for step in range(1, 50):
            kwargs["on_progress"](step / 50)
            if kwargs["cancel"].is_set():
                raise RenderCancelled()
        raise AssertionError("the render was not told to stop")

    flows.run_rendition(settings, queued.id, renderer=slow)
    row = _status(session, queued)
    assert row.status == RenditionStatus.cancelled
    assert not (store.root / "renditions").exists()
    assert not list((store.root / "tmp").iterdir())


def test_render_slots_bound_the_ffmpeg_processes(
    settings: Settings, session: Session, queued: Rendition
) -> None:
    slots = tasks.render_slots(settings.render_concurrency)
    taken = 0
    while slots.acquire(blocking=False):
        taken += 1
    try:
        assert taken == settings.render_concurrency
        tasks.render_rendition(queued.id)
        # Every slot busy: the task went back to the queue, the row still waits its turn.
        assert get_queue().pending_count() + get_queue().scheduled_count() == 1
        assert _status(session, queued).status == RenditionStatus.queued
    finally:
        for _ in range(taken):
            slots.release()


def test_reconciler_resends_lost_and_fails_stalled(
    settings: Settings, session: Session, team: Team, media: Media, queued: Rendition
) -> None:
    long_ago = utcnow() - timedelta(hours=3)
    session.execute(update(Rendition).where(Rendition.id == queued.id).values(queued_at=long_ago))
    session.commit()
    tasks.reconcile_renditions()
    assert get_queue().pending_count() == 1
    assert _status(session, queued).queued_at > long_ago
    # A rendition no worker has touched for longer than any render may take is failed.
    session.execute(
        update(Rendition)
        .where(Rendition.id == queued.id)
        .values(status=RenditionStatus.rendering, started_at=long_ago)
    )
    session.commit()
    tasks.reconcile_renditions()
    row = _status(session, queued)
    assert row.status == RenditionStatus.failed and "stopped before it finished" in row.error


def test_tasks_are_registered(settings: Settings) -> None:
    assert "shortops.media.tasks" in TASK_MODULES
    registered = {name.rsplit(".", 1)[-1] for name in get_queue().tasks}
    assert {"render_rendition", "reconcile_renditions", "expire_uploads"} <= registered
