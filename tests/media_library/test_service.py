"""The library's rules: dedupe, probe facts, profiles, templates and the rendition state machine."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.errors import Conflict, InvalidInput, NotFound
from shortops.media import flows, rendition_service, service
from shortops.media.errors import MediaError
from shortops.media.profiles import BUILTIN_PROFILES
from shortops.media.schemas import ProfileCreate, RenditionsCreate, TemplateCreate, TemplateUpdate
from shortops.media.spec import EditSpec, Fit, Logo, Music, Subtitles
from shortops.media.store import MediaStore
from shortops.models import AssetKind, AuditEvent, MediaAsset, Rendition, RenditionStatus
from tests import factories
from tests.media_library.conftest import ImportFn, Media, Team


def _actor(session: Session, team: Team) -> service.Actor:
    return factories.actor_for(session, user=team.editor, workspace=team.workspace)


# --- import ---------------------------------------------------------------------------------------


def test_import_stores_content_addressed_with_probe_facts(
    session: Session, store: MediaStore, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video, "My Clip.mp4")
    assert asset.kind == AssetKind.video
    assert asset.filename == "My Clip.mp4"
    assert asset.storage_path == f"assets/{asset.sha256[:2]}/{asset.sha256[2:4]}/{asset.sha256}.mp4"
    assert store.path(asset.storage_path).read_bytes() == media.video.read_bytes()
    assert (asset.width, asset.height) == (540, 960)
    assert asset.duration_s == pytest.approx(3.2, abs=0.1)
    facts = service.facts_of(asset.probe)
    assert facts.fps == pytest.approx(30)
    assert facts.video_codec == "h264" and facts.audio_codec == "aac"
    assert not facts.vfr and not facts.hdr
    assert store.exists(store.poster_path(asset.sha256))
    assert not list((store.root / "tmp").iterdir())


def test_importing_the_same_bytes_again_returns_the_first_asset(
    session: Session, store: MediaStore, media: Media, team: Team, import_asset: ImportFn
) -> None:
    first = import_asset(media.video, "a.mp4")
    again, created = flows.import_file(
        session,
        store=store,
        workspace_id=team.workspace.id,
        source=media.video,
        filename="renamed.mov",
        created_by_id=None,
    )
    assert not created and again.id == first.id and again.filename == "a.mp4"
    assert session.scalar(select(func.count()).select_from(MediaAsset)) == 1
    # One copy on disk, whatever the second file was called.
    assert len([p for p in (store.root / "assets").rglob("*") if p.is_file()]) == 1


def test_same_bytes_in_two_workspaces_are_two_assets_sharing_one_file(
    session: Session, store: MediaStore, media: Media, team: Team, import_asset: ImportFn
) -> None:
    other = factories.create_workspace(session, owner=team.owner, name="Other")
    a = import_asset(media.video)
    b = import_asset(media.video, workspace_id=other.id)
    assert a.id != b.id and a.storage_path == b.storage_path
    # Deleting one keeps the file the other still uses.
    orphans = service.delete_asset(session, actor=_actor(session, team), asset_id=a.id)
    assert a.storage_path not in orphans


def test_side_files_get_their_kind(media: Media, import_asset: ImportFn) -> None:
    assert import_asset(media.audio).kind == AssetKind.audio
    assert import_asset(media.image).kind == AssetKind.image
    subtitles = import_asset(media.subtitles)
    assert subtitles.kind == AssetKind.subtitles


def test_gb18030_subtitles_are_stored_as_utf8(
    store: MediaStore, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.subtitles_gbk)
    assert "你好，世界" in store.path(asset.storage_path).read_text(encoding="utf-8")


def test_not_media_is_refused_and_nothing_is_written(
    session: Session, store: MediaStore, media: Media, team: Team
) -> None:
    with pytest.raises(MediaError) as caught:
        flows.import_file(
            session,
            store=store,
            workspace_id=team.workspace.id,
            source=media.not_media,
            filename="holiday.mp4",
            created_by_id=None,
        )
    assert "holiday.mp4" in caught.value.render()
    assert session.scalar(select(func.count()).select_from(MediaAsset)) == 0
    assert not (store.root / "assets").exists()


def test_text_that_is_not_subtitles_is_refused(
    session: Session, store: MediaStore, media: Media, team: Team
) -> None:
    with pytest.raises(InvalidInput, match="no cue with a start and end time"):
        flows.import_file(
            session,
            store=store,
            workspace_id=team.workspace.id,
            source=media.not_media,
            filename="subs.srt",
            created_by_id=None,
        )


def test_delete_asset_removes_renditions_and_returns_unused_files(
    session: Session, store: MediaStore, media: Media, team: Team, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    actor = _actor(session, team)
    rendition_service.request_renditions(
        session, actor=actor, data=RenditionsCreate(asset_id=asset.id, profiles=["tiktok"])
    )
    session.commit()
    orphans = service.delete_asset(session, actor=actor, asset_id=asset.id)
    session.commit()
    assert orphans == [asset.storage_path]
    assert session.scalar(select(func.count()).select_from(Rendition)) == 0
    assert session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "asset.deleted")
    )


def test_assets_of_another_workspace_are_not_found(
    session: Session, media: Media, team: Team, import_asset: ImportFn
) -> None:
    other = factories.create_workspace(session, owner=team.owner, name="Other")
    asset = import_asset(media.video, workspace_id=other.id)
    with pytest.raises(NotFound):
        service.get_asset_or_raise(session, workspace_id=team.workspace.id, asset_id=asset.id)


# --- profiles -------------------------------------------------------------------------------------


def test_custom_profiles_start_from_a_builtin(session: Session, team: Team) -> None:
    actor = _actor(session, team)
    created = service.create_profile(
        session,
        actor=actor,
        data=ProfileCreate(slug="tiktok-720", name="TikTok 720p", width=720, height=1280),
    )
    assert created.builtin is False and created.width == 720
    assert created.max_duration_s == BUILTIN_PROFILES["tiktok"].max_duration_s
    slugs = [p.slug for p in service.list_profiles(session, workspace_id=team.workspace.id)]
    assert slugs[: len(BUILTIN_PROFILES)] == list(BUILTIN_PROFILES)
    assert "tiktok-720" in slugs
    profile = service.get_profile_or_raise(
        session, workspace_id=team.workspace.id, slug="tiktok-720"
    )
    assert profile.height == 1280


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"slug": "tiktok"}, "built-in"),
        ({"width": 721}, "even"),
        ({"width": 64, "height": 64}, "at least 128"),
        ({"min_duration_s": 60, "max_duration_s": 30}, "shortest duration"),
        ({"based_on": "myspace"}, "based_on"),
    ],
)
def test_custom_profile_validation(
    session: Session, team: Team, changes: dict[str, object], message: str
) -> None:
    data = ProfileCreate.model_validate({"slug": "mine", "name": "Mine", **changes})
    with pytest.raises((InvalidInput, Conflict), match=message):
        service.create_profile(session, actor=_actor(session, team), data=data)


def test_custom_profile_slugs_are_unique_and_builtins_stay(session: Session, team: Team) -> None:
    actor = _actor(session, team)
    service.create_profile(session, actor=actor, data=ProfileCreate(slug="mine", name="Mine"))
    with pytest.raises(Conflict):
        service.create_profile(session, actor=actor, data=ProfileCreate(slug="mine", name="Again"))
    with pytest.raises(Conflict):
        service.delete_profile(session, actor=actor, slug="tiktok")
    service.delete_profile(session, actor=actor, slug="mine")
    with pytest.raises(NotFound):
        service.get_profile_or_raise(session, workspace_id=team.workspace.id, slug="mine")


# --- templates ------------------------------------------------------------------------------------


def test_templates_crud(session: Session, team: Team) -> None:
    actor = _actor(session, team)
    spec = EditSpec(fit=Fit(mode="pad"))
    template = service.create_template(
        session, actor=actor, data=TemplateCreate(name="Our TikTok style", spec=spec)
    )
    assert service.template_spec(template) == spec
    session.commit()
    with pytest.raises(Conflict):
        service.create_template(session, actor=actor, data=TemplateCreate(name="Our TikTok style"))
    session.rollback()
    template = service.get_template_or_raise(
        session, workspace_id=team.workspace.id, template_id=template.id
    )
    service.update_template(
        session, actor=actor, template_id=template.id, data=TemplateUpdate(name="Renamed")
    )
    assert template.name == "Renamed"
    service.delete_template(session, actor=actor, template_id=template.id)
    with pytest.raises(NotFound):
        service.get_template_or_raise(
            session, workspace_id=team.workspace.id, template_id=template.id
        )


def test_specs_refer_to_side_files_by_asset_id_only(
    session: Session, media: Media, team: Team, import_asset: ImportFn
) -> None:
    actor = _actor(session, team)
    with pytest.raises(InvalidInput, match="asset_id"):
        service.create_template(
            session,
            actor=actor,
            data=TemplateCreate(name="x", spec=EditSpec(logo=Logo(path="/etc/passwd"))),
        )
    audio = import_asset(media.audio)
    with pytest.raises(InvalidInput, match="cannot be used as logo"):
        service.check_spec(
            session, workspace_id=team.workspace.id, spec=EditSpec(logo=Logo(asset_id=audio.id))
        )
    with pytest.raises(InvalidInput, match="not in this workspace"):
        service.check_spec(
            session, workspace_id=team.workspace.id, spec=EditSpec(music=Music(asset_id=9999))
        )
    found = service.check_spec(
        session, workspace_id=team.workspace.id, spec=EditSpec(music=Music(asset_id=audio.id))
    )
    assert found["music"].id == audio.id


# --- renditions -----------------------------------------------------------------------------------


def test_asking_twice_costs_nothing(
    session: Session, media: Media, team: Team, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    actor = _actor(session, team)
    data = RenditionsCreate(asset_id=asset.id, profiles=["tiktok", "bilibili", "tiktok"])
    first = rendition_service.request_renditions(session, actor=actor, data=data)
    session.commit()
    assert [send for _, send in first] == [True, True]
    second = rendition_service.request_renditions(session, actor=actor, data=data)
    assert [r.id for r, _ in second] == [r.id for r, _ in first]
    assert [send for _, send in second] == [False, False]
    # A different spec is a different rendition.
    pad = RenditionsCreate(
        asset_id=asset.id, profiles=["tiktok"], spec=EditSpec(fit=Fit(mode="pad"))
    )
    ((third, send),) = rendition_service.request_renditions(session, actor=actor, data=pad)
    assert send and third.id not in {r.id for r, _ in first}


def test_side_files_change_the_key(
    session: Session, media: Media, team: Team, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    subs = import_asset(media.subtitles)
    actor = _actor(session, team)
    plain = rendition_service.request_renditions(
        session, actor=actor, data=RenditionsCreate(asset_id=asset.id, profiles=["tiktok"])
    )[0][0]
    with_subs = rendition_service.request_renditions(
        session,
        actor=actor,
        data=RenditionsCreate(
            asset_id=asset.id,
            profiles=["tiktok"],
            spec=EditSpec(subtitles=Subtitles(asset_id=subs.id)),
        ),
    )[0][0]
    assert plain.key != with_subs.key


def test_only_videos_are_rendered(
    session: Session, media: Media, team: Team, import_asset: ImportFn
) -> None:
    audio = import_asset(media.audio)
    with pytest.raises(InvalidInput, match="renditions are made from videos"):
        rendition_service.request_renditions(
            session,
            actor=_actor(session, team),
            data=RenditionsCreate(asset_id=audio.id, profiles=["tiktok"]),
        )


def test_unknown_profile_is_named(
    session: Session, media: Media, team: Team, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    with pytest.raises(NotFound, match="myspace"):
        rendition_service.request_renditions(
            session,
            actor=_actor(session, team),
            data=RenditionsCreate(asset_id=asset.id, profiles=["myspace"]),
        )


def _queued(session: Session, team: Team, asset: MediaAsset) -> Rendition:
    rendition, _ = rendition_service.request_renditions(
        session,
        actor=_actor(session, team),
        data=RenditionsCreate(asset_id=asset.id, profiles=["tiktok"]),
    )[0]
    session.commit()
    return rendition


def test_claim_happens_once(
    session: Session, media: Media, team: Team, import_asset: ImportFn
) -> None:
    rendition = _queued(session, team, import_asset(media.video))
    claimed = rendition_service.claim_rendition(session, rendition_id=rendition.id)
    assert claimed is not None and claimed.status == RenditionStatus.rendering
    assert claimed.started_at is not None
    assert rendition_service.claim_rendition(session, rendition_id=rendition.id) is None


def test_failed_is_never_ready_and_asking_again_retries(
    session: Session, media: Media, team: Team, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    rendition = _queued(session, team, asset)
    # Not claimed yet: it can neither finish nor fail.
    assert not rendition_service.mark_failed(
        session, rendition_id=rendition.id, error=InvalidInput("x")
    )
    assert rendition_service.claim_rendition(session, rendition_id=rendition.id)
    assert rendition_service.mark_failed(
        session, rendition_id=rendition.id, error=InvalidInput("broken")
    )
    ready = rendition_service.mark_ready(
        session,
        rendition_id=rendition.id,
        output_path="renditions/x.mp4",
        output_size_bytes=1,
        output_probe={},
        covers={},
    )
    assert not ready
    session.refresh(rendition)
    assert rendition.status == RenditionStatus.failed and rendition.error == "broken"
    assert rendition.error_code == "invalid_input"
    again = _queued(session, team, asset)
    assert again.id == rendition.id and again.status == RenditionStatus.queued
    assert again.error == "" and again.progress == 0


def test_cancel(session: Session, media: Media, team: Team, import_asset: ImportFn) -> None:
    rendition = _queued(session, team, import_asset(media.video))
    actor = _actor(session, team)
    rendition_service.claim_rendition(session, rendition_id=rendition.id)
    assert rendition_service.record_progress(session, rendition_id=rendition.id, progress=0.5)
    cancelled = rendition_service.cancel_rendition(session, actor=actor, rendition_id=rendition.id)
    assert cancelled.status == RenditionStatus.cancelled
    # The worker learns at its next progress write.
    assert not rendition_service.record_progress(session, rendition_id=rendition.id, progress=0.6)
    with pytest.raises(Conflict):
        rendition_service.cancel_rendition(session, actor=actor, rendition_id=rendition.id)


def test_a_ready_rendition_whose_file_is_gone_is_made_again(
    session: Session, media: Media, team: Team, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    rendition = _queued(session, team, asset)
    rendition_service.claim_rendition(session, rendition_id=rendition.id)
    rendition_service.mark_ready(
        session,
        rendition_id=rendition.id,
        output_path="renditions/gone.mp4",
        output_size_bytes=1,
        output_probe={},
        covers={},
    )
    session.commit()
    data = RenditionsCreate(asset_id=asset.id, profiles=["tiktok"])
    same, send = rendition_service.request_renditions(
        session, actor=_actor(session, team), data=data, file_exists=lambda _: True
    )[0]
    assert not send and same.status == RenditionStatus.ready
    again, send = rendition_service.request_renditions(
        session, actor=_actor(session, team), data=data, file_exists=lambda _: False
    )[0]
    assert send and again.status == RenditionStatus.queued
