"""The whole loop on the sandbox platform: a real rendition made on demand, then each of the
sandbox's simulated outcomes through the engine."""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import imageio_ffmpeg
import pytest

from shortops.accounts.credentials import store_tokens
from shortops.media import flows as media_flows
from shortops.models import Account
from shortops.models import PublicationStatus as S
from shortops.providers.registry import provider_class
from shortops.publishing import compose, service
from tests.publishing.conftest import World


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sandbox") / "clip.mp4"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y",
         "-f", "lavfi", "-i", "testsrc2=size=540x960:rate=30:duration=3.2",
         "-f", "lavfi", "-i", "sine=frequency=440:duration=3.2",
         "-shortest", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", str(path)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return path


def _sandbox_account(world: World, handle: str) -> Account:
    provider = provider_class("sandbox")()
    tokens = provider.sign_up(handle)  # type: ignore[attr-defined]
    account = Account(
        workspace_id=world.workspace.id,
        platform="sandbox",
        remote_id=str(tokens.remote_id),
        handle=handle,
    )
    store_tokens(account, tokens)
    world.session.add(account)
    world.session.commit()
    return account


def test_a_post_to_sandbox_accounts_renders_then_publishes_each_outcome(
    world: World, clip: Path
) -> None:
    asset, _ = media_flows.import_file(
        world.session,
        store=world.store,
        workspace_id=world.workspace.id,
        source=clip,
        filename="clip.mp4",
        created_by_id=world.owner.id,
        previews=False,
    )
    world.session.commit()
    simulations = ["none", "outcome_unknown", "fail_upload", "reject"]
    accounts = [_sandbox_account(world, f"sbx_{name}") for name in simulations]
    created = compose.create_post(
        world.session,
        actor=world.actor,
        data=world.post(
            asset_id=asset.id,
            targets=[
                {"account_id": a.id, "options": {"simulate": name, "processing_polls": 1}}
                for a, name in zip(accounts, simulations, strict=True)
            ],
        ),
        store=world.store,
        now=world.clock.now,
    )
    world.session.commit()
    publications = created.publications
    assert len(created.render_ids) == 1  # one TikTok-profile rendition shared by all four
    engine = world.engine()
    assert {engine.dispatch(p.id).result for p in publications} == {"waiting"}

    assert media_flows.run_rendition(world.settings, created.render_ids[0])
    dispatched_at = world.clock.advance(31)
    results = [engine.dispatch(p.id).result for p in publications]
    assert results == ["processing", "processing", "retry", "processing"]
    for _ in range(2):
        world.clock.advance(5)
        for publication in publications:
            engine.check(publication.id)

    rows = [world.reload(p) for p in publications]
    assert [r.status for r in rows] == [S.published, S.published, S.scheduled, S.failed]
    live = rows[0]
    assert live.url and live.url.endswith(f"/sandbox/posts/{live.remote_id}")
    assert live.verification["visibility"] == "public"
    # The dropped connection was reconciled through the reference recorded before it.
    assert rows[1].remote_id and any("The upload stopped" in e for e in world.events(rows[1]))
    assert rows[2].attempts == 1 and rows[2].error_code == "provider_unavailable"
    assert service.read_publication(world.session, rows[3]).error == (
        "The sandbox rejected the video (simulated rejection)."
    )
    assert rows[2].next_attempt_at == dispatched_at + timedelta(seconds=30)
