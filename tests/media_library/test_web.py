"""The Produce pages through the real app: library, upload endpoints, asset page, render form."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.media import rendition_service
from shortops.media.schemas import RenditionsCreate
from shortops.models import EditTemplate, Rendition, RenditionStatus
from tests import factories
from tests.media_library.conftest import ImportFn, Media, Team


def _signed_in(app: Any, email: str) -> TestClient:
    client = TestClient(app)
    factories.login(client, email)
    return client


def test_empty_library_says_what_to_do(app: Any, team: Team) -> None:
    editor = _signed_in(app, team.editor.email)
    page = editor.get("/produce")
    assert page.status_code == 200
    assert 'id="upload-zone"' in page.text and "/static/upload.js" in page.text
    assert "shortops media import" in page.text
    viewer = _signed_in(app, team.viewer.email)
    page = viewer.get("/produce")
    assert 'id="upload-zone"' not in page.text and "Editors and admins can add" in page.text


def test_upload_script_is_served(app: Any) -> None:
    script = TestClient(app).get("/static/upload.js")
    assert script.status_code == 200 and "Content-Range" in script.text


def test_upload_through_the_page_endpoints(app: Any, team: Team, media: Media) -> None:
    client = _signed_in(app, team.editor.email)
    token = factories.csrf(client, "/produce")
    data = media.video.read_bytes()
    headers = {"X-CSRF-Token": token}
    created = client.post(
        "/produce/uploads", json={"filename": "Master 1.mp4", "size": len(data)}, headers=headers
    )
    assert created.status_code == 201, created.text
    url = f"/produce/uploads/{created.json()['id']}"
    half = len(data) // 2
    first = client.put(
        url,
        content=data[:half],
        headers={**headers, "Content-Range": f"bytes 0-{half - 1}/{len(data)}"},
    )
    assert first.json()["offset"] == half
    assert client.get(url).json()["offset"] == half
    wrong = client.put(
        url, content=data[:10], headers={**headers, "Content-Range": f"bytes 0-9/{len(data)}"}
    )
    assert wrong.status_code == 409 and wrong.json()["error"]["offset"] == half
    done = client.put(
        url,
        content=data[half:],
        headers={**headers, "Content-Range": f"bytes {half}-{len(data) - 1}/{len(data)}"},
    )
    assert done.status_code == 200 and done.json()["status"] == "completed"
    asset_id = done.json()["asset"]["id"]
    library = client.get("/produce")
    assert "Master 1.mp4" in library.text and "540×960" in library.text
    assert f"/produce/assets/{asset_id}/poster" in library.text
    assert client.get(f"/produce/assets/{asset_id}/poster").headers["content-type"] == "image/jpeg"
    assert client.get(f"/produce/assets/{asset_id}/file").content == data


def test_upload_errors_come_back_as_json(app: Any, team: Team, media: Media) -> None:
    client = _signed_in(app, team.editor.email)
    token = factories.csrf(client, "/produce")
    too_big = client.post(
        "/produce/uploads",
        json={"filename": "huge.mp4", "size": 10**15},
        headers={"X-CSRF-Token": token},
    )
    assert too_big.status_code == 413 and too_big.json()["error"]["code"] == "upload_too_large"
    without_csrf = client.post("/produce/uploads", json={"filename": "a.mp4", "size": 10})
    assert without_csrf.status_code == 403


def test_asset_page_renders_for_platforms(
    app: Any, session: Session, team: Team, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    subs = import_asset(media.subtitles)
    logo = import_asset(media.image)
    music = import_asset(media.audio)
    client = _signed_in(app, team.editor.email)
    page = client.get(f"/produce/assets/{asset.id}")
    assert page.status_code == 200
    for text in ("TikTok", "YouTube Shorts", "Bilibili", "No renditions of this video yet"):
        assert text in page.text
    assert "subs.srt" in page.text and "logo.png" in page.text and "music.m4a" in page.text
    response = client.post(
        f"/produce/assets/{asset.id}/renditions",
        data={
            "csrf_token": factories.csrf_from(page.text),
            "profiles": ["tiktok", "bilibili"],
            "fit": "pad",
            "trim_start": "0.1",
            "hook_text": "看到最后",
            "subtitles_asset_id": str(subs.id),
            "logo_asset_id": str(logo.id),
            "music_asset_id": str(music.id),
            "music_volume": "0.3",
            "save_template": "Our style",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    session.expire_all()
    renditions = list(session.scalars(select(Rendition).order_by(Rendition.id)))
    assert [r.profile_slug for r in renditions] == ["tiktok", "bilibili"]
    spec = renditions[0].spec
    assert spec["fit"]["mode"] == "pad" and spec["trim"]["start_s"] == 0.1
    assert spec["overlays"][0]["text"] == "看到最后" and spec["music"]["volume"] == 0.3
    assert spec["subtitles"]["asset_id"] == subs.id and spec["logo"]["asset_id"] == logo.id
    template = session.scalar(select(EditTemplate))
    assert template is not None and template.name == "Our style"
    # The page polls while renditions are queued, and shows them.
    page = client.get(f"/produce/assets/{asset.id}")
    assert "2 queued, 0 already made" in page.text
    assert 'hx-trigger="every 1500ms"' in page.text and "Queued" in page.text
    fragment = client.get(f"/produce/assets/{asset.id}/renditions")
    assert fragment.status_code == 200 and "<html" not in fragment.text
    # Loading the template fills the form again.
    loaded = client.get(f"/produce/assets/{asset.id}?template={template.id}")
    assert 'value="看到最后"' in loaded.text


def test_render_form_errors_are_shown(
    app: Any, session: Session, team: Team, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    client = _signed_in(app, team.editor.email)
    token = factories.csrf(client, f"/produce/assets/{asset.id}")
    url = f"/produce/assets/{asset.id}/renditions"
    none = client.post(url, data={"csrf_token": token})
    assert none.status_code == 422 and "Tick at least one platform" in none.text
    bad_trim = client.post(
        url,
        data={"csrf_token": token, "profiles": "tiktok", "trim_start": "3", "trim_end": "1"},
    )
    assert bad_trim.status_code == 422
    too_short = client.post(url, data={"csrf_token": token, "profiles": "tiktok", "trim_end": "1"})
    assert too_short.status_code == 422 and "TikTok" in too_short.text
    assert session.scalar(select(func.count()).select_from(Rendition)) == 0


def test_failed_rendition_shows_its_message_in_chinese(
    app: Any, session: Session, team: Team, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    actor = factories.actor_for(session, user=team.editor, workspace=team.workspace)
    rendition, _ = rendition_service.request_renditions(
        session, actor=actor, data=RenditionsCreate(asset_id=asset.id, profiles=["tiktok"])
    )[0]
    rendition_service.claim_rendition(session, rendition_id=rendition.id)
    from shortops.media.errors import RenderTimeout

    rendition_service.mark_failed(
        session, rendition_id=rendition.id, error=RenderTimeout(seconds="60")
    )
    session.commit()
    client = _signed_in(app, team.viewer.email)
    english = client.get(f"/produce/assets/{asset.id}")
    assert "longer than 60 s" in english.text and 'hx-trigger="every' not in english.text
    client.post(
        "/language",
        data={"language": "zh_Hans", "next": "/produce", "csrf_token": factories.csrf(client)},
    )
    chinese = client.get(f"/produce/assets/{asset.id}").text
    assert "60" in chinese and "longer than 60 s" not in chinese
    assert re.search(r"[\u4e00-\u9fff]", chinese)


def test_cancel_from_the_page(
    app: Any, session: Session, team: Team, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    actor = factories.actor_for(session, user=team.editor, workspace=team.workspace)
    rendition, _ = rendition_service.request_renditions(
        session, actor=actor, data=RenditionsCreate(asset_id=asset.id, profiles=["tiktok"])
    )[0]
    session.commit()
    client = _signed_in(app, team.editor.email)
    page = client.get(f"/produce/assets/{asset.id}")
    assert f"/produce/renditions/{rendition.id}/cancel" in page.text
    response = client.post(
        f"/produce/renditions/{rendition.id}/cancel",
        data={"csrf_token": factories.csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    session.refresh(rendition)
    assert rendition.status == RenditionStatus.cancelled


def test_delete_from_the_page(
    app: Any, session: Session, team: Team, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    client = _signed_in(app, team.editor.email)
    token = factories.csrf(client, f"/produce/assets/{asset.id}")
    response = client.post(
        f"/produce/assets/{asset.id}/delete", data={"csrf_token": token}, follow_redirects=False
    )
    assert response.status_code == 303
    assert client.get(f"/produce/assets/{asset.id}").status_code == 404


def _render_spec(session: Session) -> dict[str, Any]:
    session.expire_all()
    rendition = session.scalars(select(Rendition).order_by(Rendition.id.desc())).first()
    assert rendition is not None
    return rendition.spec


def test_sound_and_cover_controls_reach_the_spec(
    app: Any, session: Session, team: Team, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    music = import_asset(media.audio)
    client = _signed_in(app, team.editor.email)
    page = client.get(f"/produce/assets/{asset.id}")
    # The defaults of the spec: no ducking, no loudness normalisation, covers on.
    assert re.search(r'<input type="checkbox" name="make_covers" checked', page.text)
    assert re.search(r'<input type="checkbox" name="music_duck" >', page.text)
    assert re.search(r'<input type="checkbox" name="normalise_loudness" >', page.text)
    assert 'name="loudness_lufs" inputmode="decimal" value="-14"' in page.text
    token = factories.csrf_from(page.text)
    url = f"/produce/assets/{asset.id}/renditions"
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "checkboxes_shown": "1",
            "profiles": "tiktok",
            "music_asset_id": str(music.id),
            "music_duck": "on",
            "normalise_loudness": "on",
            "loudness_lufs": "-16",
            "cover_at": "1,5",
            "save_template": "Loud, no covers",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    spec = _render_spec(session)
    assert spec["music"]["duck"] is True and spec["loudness_lufs"] == -16
    # "Make covers" was not ticked on a page that showed it: no covers.
    assert spec["cover"] == {"enabled": False, "at_s": 1.5, "title": None}
    # The template keeps the choices, and loading it ticks the boxes again.
    template = session.scalar(select(EditTemplate).where(EditTemplate.name == "Loud, no covers"))
    assert template is not None
    loaded = client.get(f"/produce/assets/{asset.id}?template={template.id}").text
    assert re.search(r'name="music_duck" checked', loaded)
    assert re.search(r'name="normalise_loudness" checked', loaded)
    assert 'name="loudness_lufs" inputmode="decimal" value="-16"' in loaded
    assert (
        re.search(r'name="make_covers" >', loaded)
        and 'name="cover_at" inputmode="decimal" value="1.5"' in loaded
    )


def test_clients_that_post_fewer_fields_get_the_spec_defaults(
    app: Any, session: Session, team: Team, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    music = import_asset(media.audio)
    client = _signed_in(app, team.editor.email)
    token = factories.csrf(client, f"/produce/assets/{asset.id}")
    response = client.post(
        f"/produce/assets/{asset.id}/renditions",
        data={"csrf_token": token, "profiles": "tiktok", "music_asset_id": str(music.id)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    spec = _render_spec(session)
    assert spec["music"]["duck"] is False and spec["loudness_lufs"] is None
    assert spec["cover"]["enabled"] is True and spec["cover"]["at_s"] is None


def test_loudness_outside_the_range_is_refused_in_words(
    app: Any, session: Session, team: Team, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    client = _signed_in(app, team.editor.email)
    token = factories.csrf(client, f"/produce/assets/{asset.id}")
    response = client.post(
        f"/produce/assets/{asset.id}/renditions",
        data={
            "csrf_token": token,
            "checkboxes_shown": "1",
            "profiles": "tiktok",
            "normalise_loudness": "on",
            "loudness_lufs": "0",
        },
    )
    assert response.status_code == 422
    assert "from -40 to -5 LUFS" in response.text and 'value="0"' in response.text
    assert session.scalar(select(func.count()).select_from(Rendition)) == 0


def test_asset_page_has_the_frame_preview_and_a_link_to_profiles(
    app: Any, team: Team, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    client = _signed_in(app, team.editor.email)
    page = client.get(f"/produce/assets/{asset.id}").text
    assert f'hx-post="/produce/assets/{asset.id}/preview-frame"' in page
    assert 'hx-trigger="click, change from:#render-form delay:600ms"' in page
    assert f'formaction="/produce/assets/{asset.id}/preview-frame"' in page
    assert (
        'name="preview_profile"' in page
        and 'name="preview_at" inputmode="decimal" value="1"' in page
    )
    assert 'href="/produce/profiles"' in page
    assert 'href="/produce/profiles"' in client.get("/produce").text


def test_platforms_whose_settings_resolve_alike_are_rendered_once(
    app: Any, session: Session, team: Team, media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    client = _signed_in(app, team.editor.email)
    page = client.get(f"/produce/assets/{asset.id}")
    response = client.post(
        f"/produce/assets/{asset.id}/renditions",
        data={"csrf_token": factories.csrf_from(page.text),
              "profiles": ["tiktok", "youtube_shorts", "xiaohongshu"], "fit": "crop"},
        follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text
    session.expire_all()
    renditions = list(session.scalars(select(Rendition).order_by(Rendition.id)))
    assert [r.profile_slug for r in renditions] == ["tiktok", "xiaohongshu"]
    page = client.get(f"/produce/assets/{asset.id}")
    assert "2 queued, 0 already made" in page.text
    assert "YouTube Shorts: the same file as TikTok." in page.text
