"""Failures a person can act on: retry a failed publication, settle one that needs review,
see a retrying one as retrying — in the service, the API, the pages and the CLI."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from shortops.cli.main import app as cli
from shortops.errors import InvalidInput
from shortops.models import AuditEvent, Publication
from shortops.models import PublicationStatus as S
from shortops.publishing import actions, service, transitions
from shortops.publishing.errors import PublicationLocked
from tests import factories
from tests.publishing.conftest import World


def _in(world: World, status: S, **values: Any) -> Publication:
    """A publication the engine left in `status` (moved as the engine moves it)."""
    (publication,) = world.schedule()
    assert transitions.move(
        world.session,
        publication_id=publication.id,
        from_statuses=(S.scheduled,),
        to=status,
        message="test",
        values=values,
    )
    world.session.commit()
    return world.reload(publication)


def test_a_failed_publication_is_sent_again_as_a_new_upload(world: World) -> None:
    failed = _in(world, S.failed, error="The platform refused it.", error_code="provider_rejected",
                 attempts=2)  # fmt: skip
    old_key = failed.idempotency_key
    actions.retry_publication(world.session, actor=world.actor, publication_id=failed.id,
                              now=world.clock())  # fmt: skip
    world.session.commit()
    row = world.reload(failed)
    assert row.status == S.scheduled and row.attempts == 0 and row.error is None
    assert row.idempotency_key != old_key and row.ticket is None
    assert world.engine().dispatch(row.id).result == "processing"
    assert world.fake.inits == {row.idempotency_key: 1}
    assert "Retried by Olive: sent again as a new upload." in world.events(row)
    actions_logged = world.session.scalars(select(AuditEvent.action)).all()
    assert "publication.retried" in actions_logged


def test_needs_review_is_never_retried_blindly(world: World) -> None:
    review = _in(world, S.needs_review)
    with pytest.raises(InvalidInput, match="Check on the platform"):
        actions.retry_publication(world.session, actor=world.actor, publication_id=review.id)
    scheduled = world.schedule()[0]
    with pytest.raises(PublicationLocked):
        actions.retry_publication(world.session, actor=world.actor, publication_id=scheduled.id)


def test_needs_review_is_settled_by_what_the_person_found(world: World) -> None:
    live = _in(world, S.needs_review, remote_id="9000001")
    with pytest.raises(InvalidInput, match="http"):
        actions.mark_reviewed_published(
            world.session, actor=world.actor, publication_id=live.id, url="not a link"
        )
    url = "https://loopback.example/@creator/video/9000001"
    actions.mark_reviewed_published(
        world.session, actor=world.actor, publication_id=live.id, url=url
    )
    world.session.commit()
    row = world.reload(live)
    assert row.status == S.published and row.url == url
    assert row.verification["source"] == "operator" and row.verification["by"] == "Olive"

    gone = _in(world, S.needs_review)
    actions.mark_reviewed_failed(world.session, actor=world.actor, publication_id=gone.id)
    world.session.commit()
    row = world.reload(gone)
    assert row.status == S.failed and row.error_code == "not_on_platform"
    assert service.read_publication(world.session, row).error == (
        "Olive checked the platform and found no post."
    )
    # Once nobody doubts it, it may go again.
    actions.retry_publication(world.session, actor=world.actor, publication_id=gone.id)
    world.session.commit()
    assert world.reload(gone).status == S.scheduled


def test_the_api_retries_and_reviews(world: World, client: TestClient) -> None:
    _t, secret = factories.create_token(world.session, user=world.owner, workspace=world.workspace)
    headers = {"Authorization": f"Bearer {secret}"}
    base = f"/api/v1/workspaces/{world.workspace.id}/publications"
    review = _in(world, S.needs_review)
    refused = client.post(f"{base}/{review.id}/retry", headers=headers)
    assert refused.status_code == 422, refused.text
    settled = client.post(f"{base}/{review.id}/review", headers=headers,
                          json={"outcome": "failed"})  # fmt: skip
    assert settled.status_code == 200 and settled.json()["status"] == "failed"
    again = client.post(f"{base}/{review.id}/retry", headers=headers)
    assert again.status_code == 200 and again.json()["status"] == "scheduled"
    assert again.json()["max_attempts"] >= 1


def test_the_pages_show_retrying_and_offer_the_actions(world: World, app: Any) -> None:
    web = TestClient(app)
    factories.login(web, world.owner.email)
    (retrying,) = world.schedule()
    transitions.set_next_attempt(
        world.session, publication_id=retrying.id, status=S.scheduled, at=world.clock()
    )
    world.session.execute(
        Publication.__table__.update()
        .where(Publication.id == retrying.id)
        .values(attempts=1, error="The connection to Loopback dropped.")
    )
    world.session.commit()
    queue = web.get("/publish").text
    assert "Retrying" in queue and "Attempt 1 of 5 failed" in queue
    review = _in(world, S.needs_review)
    page = web.get(f"/publish/publications/{review.id}").text
    assert "What did you find on the platform?" in page
    token = factories.csrf(web, f"/publish/publications/{review.id}")
    form = {"outcome": "failed", "csrf_token": token}
    done = web.post(f"/publish/publications/{review.id}/review", data=form, follow_redirects=False)
    assert done.status_code == 303
    page = web.get(f"/publish/publications/{review.id}").text
    assert "Send it again" in page
    sent = web.post(f"/publish/publications/{review.id}/retry", data={"csrf_token": token},
                    follow_redirects=False)  # fmt: skip
    assert sent.status_code == 303 and world.reload(review).status == S.scheduled


def test_the_cli_retries_and_reviews(world: World) -> None:
    runner = CliRunner()
    review = _in(world, S.needs_review)
    both = runner.invoke(cli, ["posts", "review", str(review.id)])
    assert both.exit_code == 1 and "--published URL or --failed" in both.stderr
    url = "https://loopback.example/@creator/video/1"
    done = runner.invoke(cli, ["posts", "review", str(review.id), "--published", url])
    assert done.exit_code == 0, done.output
    assert world.reload(review).status == S.published
    failed = _in(world, S.failed)
    again = runner.invoke(cli, ["posts", "retry", str(failed.id)])
    assert again.exit_code == 0, again.output
    assert world.reload(failed).status == S.scheduled
