"""`shortops posts …` and `shortops publish due` through Typer's runner."""

from __future__ import annotations

from sqlalchemy import select
from typer.testing import CliRunner

from shortops.cli.main import app
from shortops.models import Publication
from shortops.models import PublicationStatus as S
from tests.publishing.conftest import World

runner = CliRunner()


def _publications(world: World) -> list[Publication]:
    world.session.expire_all()
    return list(world.session.scalars(select(Publication).order_by(Publication.id)))


def test_create_list_move_and_cancel(world: World) -> None:
    other = world.add_account()
    result = runner.invoke(
        app,
        ["posts", "create", "--asset", str(world.asset.id),
         "--account", str(world.account.id), "--account", str(other.id),
         "--title", "Three tips", "--caption", "Hooks", "--hashtag", "#tips",
         "--at", "2099-11-24 18:00", "--option", "privacy=private"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "scheduled for 2099-11-24 18:00 (UTC)" in result.stdout
    first, second = _publications(world)
    assert first.options == {"privacy": "private"} and first.status == S.scheduled

    moved = runner.invoke(app, ["posts", "schedule", str(first.id), "--at", "2099-12-01 09:30"])
    assert moved.exit_code == 0, moved.output
    assert "2099-12-01 09:30" in moved.stdout
    by_post = runner.invoke(app, ["posts", "cancel", str(first.post_id), "--post"])
    assert by_post.exit_code == 0, by_post.output
    assert [p.status for p in _publications(world)] == [S.cancelled, S.cancelled]
    listed = runner.invoke(app, ["posts", "list", "--status", "cancelled"])
    assert listed.exit_code == 0 and "2 publications" in listed.stdout
    again = runner.invoke(app, ["posts", "cancel", str(second.id)])
    assert again.exit_code == 1
    assert "cancelled" in again.stderr


def test_create_lists_every_problem_and_creates_nothing(world: World) -> None:
    result = runner.invoke(
        app,
        ["posts", "create", "--asset", str(world.asset.id), "--account", str(world.account.id),
         "--account", "999", "--caption", "x" * 200, "--at", "2001-01-01 00:00"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "has already passed" in result.stderr
    assert "Loopback @creator (account" in result.stderr and "200" in result.stderr
    assert "No account with id 999" in result.stderr
    assert "Nothing was scheduled." in result.stderr
    assert _publications(world) == []


def test_at_or_now_is_required(world: World) -> None:
    result = runner.invoke(
        app, ["posts", "create", "--asset", "1", "--account", str(world.account.id)]
    )
    assert result.exit_code == 1 and "--at TIME or --now" in result.stderr


def test_publish_due_publishes_in_process(world: World) -> None:
    runner.invoke(
        app,
        ["posts", "create", "--asset", str(world.asset.id), "--account", str(world.account.id),
         "--now"],
    )  # fmt: skip
    result = runner.invoke(app, ["publish", "due"])
    assert result.exit_code == 0, result.output
    assert "1 due: 1 processing" in result.stdout
    (publication,) = _publications(world)
    assert publication.status == S.processing
    quiet = runner.invoke(app, ["publish", "due"])
    assert "nothing due" in quiet.stdout


def test_the_cli_contract_posts_an_edit_and_shows_what_was_sent(world: World) -> None:
    import hashlib
    import json

    from tests.publishing.test_post_the_edit import edit

    sandbox = runner.invoke(app, ["accounts", "connect", "sandbox", "--handle", "demo", "--json"])
    assert sandbox.exit_code == 0, sandbox.output
    assert isinstance(json.loads(sandbox.stdout)["id"], int)
    manual = runner.invoke(
        app,
        ["accounts", "add", "manual", "--platform", "xiaohongshu", "--handle", "小红", "--json"],
    )
    assert manual.exit_code == 0, manual.output
    assert json.loads(manual.stdout)["handle"] == "小红"

    account = world.add_account("loopback_rendered")
    chosen = edit(world)
    created = runner.invoke(
        app,
        ["posts", "create", "--rendition", str(chosen.id), "--account", str(account.id),
         "--now", "--json"],
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    body = json.loads(created.stdout)
    (publication_id,) = body["publication_ids"]
    world.clock.advance(60)  # the command scheduled it by the real clock
    assert world.engine().dispatch(publication_id).result == "processing"
    shown = runner.invoke(app, ["posts", "show", str(body["post_id"]), "--json"])
    assert shown.exit_code == 0, shown.output
    (publication,) = json.loads(shown.stdout)["publications"]
    expected = hashlib.sha256(world.store.path(chosen.output_path).read_bytes()).hexdigest()
    assert publication["rendition_id"] == chosen.id
    assert publication["uploaded_sha256"] == expected
    assert publication["status"] == "processing"


def test_renditions_pair_with_accounts_or_are_refused(world: World) -> None:
    result = runner.invoke(
        app,
        ["posts", "create", "--rendition", "1", "--rendition", "2", "--account",
         str(world.account.id), "--now"],
    )  # fmt: skip
    assert result.exit_code == 1 and "once per --account" in result.stderr
