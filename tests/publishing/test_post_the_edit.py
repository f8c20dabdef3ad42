"""The edit a user made in Produce is what gets posted: chosen per target, or the newest edit
for the platform by default, never a silent plain render; the bytes sent are the rendition's."""

from __future__ import annotations

import hashlib
from itertools import count
from typing import Any

from shortops.media import rendition_service
from shortops.media import service as media_service
from shortops.media.spec import EditSpec, TextOverlay, TextStyle, rendition_key
from shortops.models import MediaAsset, Rendition, RenditionStatus
from shortops.providers.types import Severity
from shortops.publishing import compose, renditions, service
from shortops.publishing.schemas import PostCreate
from tests.publishing.conftest import World, make_asset

_n = count(1)


def edit(
    world: World,
    *,
    asset: MediaAsset | None = None,
    slug: str = "tiktok",
    status: RenditionStatus = RenditionStatus.ready,
    hook: str = "Wait for it",
) -> Rendition:
    """A rendition as Produce leaves it: a spec with a hook text, its file in the store."""
    asset = asset or world.asset
    profile = media_service.get_profile_or_raise(
        world.session, workspace_id=world.workspace.id, slug=slug
    )
    hook_text = TextOverlay(text=f"{hook} {next(_n)}", style=TextStyle(position="top"))
    spec = EditSpec(overlays=(hook_text,))
    key = rendition_key(
        input_sha256=asset.sha256, profile=profile, spec=spec, duration_s=asset.duration_s
    )
    output = world.store.rendition_path(key)
    content = f"edited {key}".encode() * 300
    world.store.path(output).parent.mkdir(parents=True, exist_ok=True)
    world.store.path(output).write_bytes(content)
    rendition = Rendition(
        workspace_id=world.workspace.id,
        asset_id=asset.id,
        profile_slug=slug,
        profile=profile.model_dump(mode="json"),
        spec=spec.model_dump(mode="json"),
        key=key,
        status=status,
        output_path=output if status == RenditionStatus.ready else "",
        output_size_bytes=len(content) if status == RenditionStatus.ready else None,
        output_probe={
            "facts": {"duration_s": 12.0, "width": profile.width, "height": profile.height}
        },
    )
    world.session.add(rendition)
    world.session.commit()
    return rendition


def _post(world: World, targets: list[dict[str, Any]], **fields: Any) -> PostCreate:
    return PostCreate.model_validate(
        {"title": "Three tips", "targets": targets, "schedule": {"at": "now"}, **fields}
    )


def _sent(world: World) -> bytes:
    (put,) = [r for r in world.fake.requests if r.method == "PUT"]
    return put.body


def test_the_chosen_edit_is_uploaded_byte_for_byte(world: World) -> None:
    account = world.add_account("loopback_rendered")
    chosen = edit(world)
    newer = edit(world)  # a newer edit exists: the explicit choice still wins
    assert newer.id > chosen.id
    created = compose.create_post(
        world.session,
        actor=world.actor,
        data=_post(world, [{"account_id": account.id, "rendition_id": chosen.id}]),
        store=world.store,
        now=world.clock(),
    )
    world.session.commit()
    (publication,) = created.publications
    assert created.post.asset_id == world.asset.id  # taken from the rendition
    assert publication.rendition_id == chosen.id and created.render_ids == []
    assert world.engine().dispatch(publication.id).result == "processing"
    expected = world.store.path(chosen.output_path).read_bytes()
    assert _sent(world) == expected
    row = world.reload(publication)
    assert row.uploaded_sha256 == hashlib.sha256(expected).hexdigest()
    read = service.read_publication(world.session, row)
    assert read.uploaded_sha256 == row.uploaded_sha256 and read.rendition_id == chosen.id


def test_without_a_choice_the_newest_edit_for_the_platform_is_posted(world: World) -> None:
    account = world.add_account("loopback_rendered")
    edit(world)
    newest = edit(world)
    edit(world, slug="xiaohongshu")  # an edit in another shape (3:4) is not taken
    check = compose.check_post(
        world.session,
        workspace=world.workspace,
        data=world.post(account),
        store=world.store,
        now=world.clock(),
    )
    assert check.ok and check.targets[0].rendition is not None
    assert check.targets[0].rendition.id == newest.id
    assert check.report().targets[0].rendition_id == newest.id
    (publication,) = world.schedule(account)
    assert publication.rendition_id == newest.id


def test_without_any_edit_a_plain_render_is_announced_not_silent(world: World) -> None:
    account = world.add_account("loopback_rendered")
    check = compose.check_post(
        world.session,
        workspace=world.workspace,
        data=world.post(account),
        store=world.store,
        now=world.clock(),
    )
    (notice,) = check.targets[0].issues
    assert notice.code == "plain_render" and notice.severity == Severity.warning
    assert "plain TikTok version (no subtitles, logo or music)" in service.render_message(
        notice.message, notice.params
    )
    assert check.ok  # a warning: the user may still schedule it
    (publication,) = world.schedule(account)
    rendition = world.session.get(Rendition, publication.rendition_id)
    assert rendition is not None and EditSpec.model_validate(rendition.spec) == EditSpec()


def test_renditions_that_cannot_be_posted_are_refused_with_nothing_written(
    world: World,
) -> None:
    account = world.add_account("loopback_rendered")
    failed = edit(world, status=RenditionStatus.failed)
    other_asset = make_asset(world.session, world.store, world.workspace)
    of_other = edit(world, asset=other_asset)
    cases = [
        ([{"account_id": account.id, "rendition_id": failed.id}], {}, "rendition_unusable"),
        ([{"account_id": account.id, "rendition_id": 999_999}], {}, "not_found"),
        (
            [{"account_id": account.id, "rendition_id": of_other.id}],
            {"asset_id": world.asset.id},
            "other_video",
        ),
        ([{"account_id": account.id}], {}, "missing"),
    ]
    for targets, fields, code in cases:
        check = compose.check_post(
            world.session,
            workspace=world.workspace,
            data=_post(world, targets, **fields),
            store=world.store,
            now=world.clock(),
        )
        codes = [i.code for i in check.issues] + [i.code for i in check.targets[0].issues]
        assert not check.ok and code in codes, (code, codes)


def test_a_lost_edit_file_is_made_again_with_the_same_edit(world: World) -> None:
    account = world.add_account("loopback_rendered")
    chosen = edit(world)
    (publication,) = world.schedule(account, targets=[
        {"account_id": account.id, "rendition_id": chosen.id}
    ])  # fmt: skip
    world.store.path(chosen.output_path).unlink()
    outcome = world.engine().dispatch(publication.id)
    assert outcome.result == "waiting"
    row = world.reload(publication)
    remade = world.session.get(Rendition, row.rendition_id)
    assert remade is not None and remade.spec == chosen.spec  # not a plain render


def test_platforms_with_the_same_output_share_one_file(world: World) -> None:
    """TikTok and YouTube Shorts resolve to the same 1080×1920 encode for a 12 s video: one
    rendition, rendered once, posted to both; Xiaohongshu's 3:4 is its own."""
    from shortops.media.schemas import RenditionsCreate

    results = rendition_service.request_renditions(
        world.session,
        actor=world.actor,
        data=RenditionsCreate(
            asset_id=world.asset.id, profiles=["tiktok", "youtube_shorts", "xiaohongshu"]
        ),
    )
    world.session.commit()
    (tiktok, send), (shorts, send_again), (xhs, send_xhs) = results
    assert tiktok.id == shorts.id and xhs.id != tiktok.id
    assert [send, send_again, send_xhs] == [True, False, True]  # FFmpeg runs twice, not three times
    # An edit made for TikTok is what a YouTube account posts by default.
    made = edit(world)
    profile = media_service.get_profile_or_raise(
        world.session, workspace_id=world.workspace.id, slug="youtube_shorts"
    )
    choice = renditions.default_choice(world.session, asset=world.asset, profile=profile)
    assert choice.rendition is not None and choice.rendition.id == made.id


def test_a_landscape_video_goes_to_bilibili_and_weibo_in_16_9() -> None:
    from shortops.media.profiles import BUILTIN_PROFILES
    from shortops.models import Account
    from shortops.providers.registry import provider_class

    bilibili = Account(platform="bilibili", handle="up")
    weibo = Account(platform="manual", handle="wb", platform_label="Weibo")
    tiktok = Account(platform="tiktok", handle="tt")
    landscape = MediaAsset(filename="talk.mp4", width=1920, height=1080)
    vertical = MediaAsset(filename="reel.mp4", width=1080, height=1920)

    def slug(account: Account, asset: MediaAsset | None) -> str | None:
        return renditions.profile_slug_for(account, provider_class(account.platform), asset)

    assert slug(bilibili, landscape) == "bilibili_landscape"
    assert slug(bilibili, vertical) == "bilibili"  # its Story mode
    assert slug(bilibili, None) == "bilibili"
    assert slug(weibo, landscape) == "weibo_landscape"
    channels = Account(platform="manual", handle="sph", platform_label="WeChat Channels")
    assert slug(channels, landscape) == "wechat_channels_landscape"
    assert slug(channels, vertical) == "wechat_channels"
    assert slug(tiktok, landscape) == "tiktok"  # TikTok stays vertical
    wide = BUILTIN_PROFILES["bilibili_landscape"]
    assert (wide.width, wide.height, wide.orientation) == (1920, 1080, "landscape")
    assert [c.name for c in wide.covers] == ["landscape"]
