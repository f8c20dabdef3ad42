"""Signed links to renditions: what a pulling platform (Instagram) downloads, and nothing more."""

from __future__ import annotations

import hashlib

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from shortops.cli.main import app as cli
from shortops.config import Settings
from shortops.media import links
from shortops.media.store import MediaStore
from shortops.models import Rendition
from tests.media_library.conftest import Media, Team


def rendered(session: Session, media: Media) -> Rendition:
    result = CliRunner().invoke(cli, ["media", "render", str(media.video), "--platform", "tiktok"])
    assert result.exit_code == 0, result.output
    rendition = session.scalar(select(Rendition))
    assert rendition is not None
    return rendition


def test_a_signed_link_serves_its_rendition_without_a_session(
    settings: Settings, session: Session, team: Team, media: Media, client: TestClient
) -> None:
    rendition = rendered(session, media)
    url = links.rendition_link(rendition.id)
    assert url.startswith(f"{settings.resolved_public_url}/media/links/")
    response = client.get(url.removeprefix(settings.resolved_public_url))
    assert response.status_code == 200 and response.headers["content-type"] == "video/mp4"
    stored = MediaStore.from_settings(settings).path(rendition.output_path or "")
    assert hashlib.sha256(response.content).digest() == hashlib.sha256(stored.read_bytes()).digest()


def test_altered_forged_and_expired_links_are_refused(
    settings: Settings, session: Session, team: Team, media: Media, client: TestClient
) -> None:
    rendition = rendered(session, media)
    token = links.rendition_link(rendition.id).rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (tampered, "pending", "not-a-token"):
        assert client.get(f"/media/links/{bad}").status_code == 404
    assert links.rendition_of(token) == rendition.id
    try:
        # Any token is older than -1 s: the expiry path without waiting for the clock to tick.
        links.rendition_of(token, max_age_s=-1)
    except links.LinkExpired:
        pass
    else:
        raise AssertionError("a link older than its lifetime must be refused")


def test_a_link_to_a_rendition_that_is_gone_is_refused(
    settings: Settings, session: Session, team: Team, media: Media, client: TestClient
) -> None:
    rendition = rendered(session, media)
    url = links.rendition_link(rendition.id).removeprefix(settings.resolved_public_url)
    MediaStore.from_settings(settings).path(rendition.output_path or "").unlink()
    assert client.get(url).status_code == 404
