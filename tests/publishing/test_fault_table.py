"""Fault table (issue "Security and robustness"): a platform that answers in bursts of 5xx, 429,
timeouts and dropped connections, at each step of a publication, while eight publications are
due. Each row must end with 0 duplicate uploads (the platform's own count per idempotency key)
and 0 lost publications (every one published, or failed or sent for review with a reason), on
SQLite and PostgreSQL. `benchmarks/publish_faults.py` prints the same rows as a table."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from shortops.models import Publication
from shortops.models import PublicationStatus as S
from shortops.publishing import service
from tests.publishing.conftest import World

PUBLICATIONS = 8
FINAL = (S.published, S.failed, S.needs_review)
MAX_ROUNDS = 80


@dataclass(frozen=True)
class Burst:
    name: str
    kind: str  # the fake's fault: an HTTP status, "drop" (connection closed) …
    endpoint: str
    times: int
    # When the burst starts: before anything, or once every video is uploaded (status checks).
    after_upload: bool = False
    # published: every one goes live; confirmed: the platform confirmed it never got the whole
    # video, so it failed with that reason (Retry is offered); settled: published, failed or
    # sent for review, each with its reason (an unknown outcome is never guessed).
    expect: str = "published"


BURSTS = [
    Burst("500 on upload init ×6", "500", "/v1/uploads", 6),
    Burst("503 on upload init ×12", "503", "/v1/uploads", 12),
    Burst("429 on upload init ×6", "429", "/v1/uploads", 6),
    Burst("timeout on upload init ×4", "drop", "/v1/uploads", 4, expect="settled"),
    Burst("500 on upload bytes ×4", "500", "/v1/uploads/", 4, expect="confirmed"),
    Burst("connection drop on upload bytes ×3", "drop", "/v1/uploads/", 3, expect="settled"),
    Burst("500 on status checks ×10", "500", "/v1/uploads/up", 10, after_upload=True),
    Burst("429 on status checks ×10", "429", "/v1/uploads/up", 10, after_upload=True),
    Burst("timeout on status checks ×6", "drop", "/v1/uploads/up", 6, after_upload=True),
]


@dataclass
class Row:
    burst: Burst
    outcomes: Counter[str]
    duplicates: int
    lost: int
    rounds: int


def run_burst(world: World, burst: Burst) -> Row:
    """Schedule PUBLICATIONS, inject the burst, and run the engine until all settle."""
    world.fake.retry_after_s = 30
    world.fake.poll_after_s = 1
    accounts = [world.account, *(world.add_account() for _ in range(3))]
    publications = []
    for i in range(PUBLICATIONS // len(accounts)):
        publications += world.schedule(*accounts, title=f"Burst {i}")
    engine = world.engine()
    if burst.after_upload:
        engine.run_due()
        assert {world.reload(p).status for p in publications} == {S.processing}
    world.fake.fail_next(burst.kind, endpoint=burst.endpoint, times=burst.times)
    rounds = 0
    while rounds < MAX_ROUNDS:
        rounds += 1
        engine.run_due()
        statuses = [world.reload(p).status for p in publications]
        if all(status in FINAL for status in statuses):
            break
        world.clock.advance(65)
    rows = [world.reload(p) for p in publications]
    lost = sum(
        1
        for row in rows
        if row.status not in FINAL
        or (row.status != S.published and not service.read_publication(world.session, row).error)
    )
    return Row(
        burst=burst,
        outcomes=Counter(row.status.value for row in rows),
        duplicates=len(world.fake.duplicates()),
        lost=lost,
        rounds=rounds,
    )


@pytest.mark.parametrize("burst", BURSTS, ids=[b.name for b in BURSTS])
def test_a_burst_of_faults_loses_nothing_and_uploads_nothing_twice(
    world: World, burst: Burst
) -> None:
    row = run_burst(world, burst)
    assert row.duplicates == 0, row
    assert row.lost == 0, row
    assert sum(row.outcomes.values()) == PUBLICATIONS
    assert row.rounds < MAX_ROUNDS
    if burst.expect == "published":
        assert row.outcomes == Counter({"published": PUBLICATIONS}), row
    elif burst.expect == "confirmed":
        assert row.outcomes["failed"] == burst.times, row
        failed = [p for p in world.session.scalars(select(Publication)) if p.status == S.failed]
        for publication in failed:
            error = service.read_publication(world.session, publication).error or ""
            assert "never received the whole video" in error
