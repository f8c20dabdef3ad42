"""The profiles and templates page under /produce: built-in facts, custom profiles, templates."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.media import service
from shortops.media.schemas import TemplateCreate
from shortops.media.spec import Cover, EditSpec, Fit, Music, Subtitles
from shortops.models import AuditEvent, CustomProfile, EditTemplate
from tests import factories
from tests.media_library.conftest import ImportFn, Media, Team

URL = "/produce/profiles"


def _signed_in(app: Any, email: str) -> TestClient:
    client = TestClient(app)
    factories.login(client, email)
    return client


def _row(html: str, marker: str) -> str:
    """The table row carrying `marker` (data-profile="…" or data-template="…")."""
    match = re.search(rf"<tr {marker}>(.*?)</tr>", html, re.S)
    assert match, marker
    return match.group(1)


def _add(client: TestClient, **fields: str) -> Any:
    data = {"csrf_token": factories.csrf(client, URL), "based_on": "tiktok", **fields}
    return client.post(URL, data=data, follow_redirects=False)


def test_readers_see_the_builtin_profiles_and_what_to_do_next(app: Any, team: Team) -> None:
    viewer = _signed_in(app, team.viewer.email)
    page = viewer.get(URL)
    assert page.status_code == 200
    tiktok = _row(page.text, 'data-profile="tiktok"')
    for fact in ("1080×1920", "30 fps", "3 s – 10 min", "4 GB", "10 Mbps"):
        assert fact in tiktok, fact
    bilibili = _row(page.text, 'data-profile="bilibili"')
    assert "1 s – 4 h 59 min 59 s" in bilibili
    assert '<span title="portrait">1080×1920</span>, <span title="landscape">1146×717</span>' in (
        bilibili
    )
    assert "300 MB" in _row(page.text, 'data-profile="instagram_reels"')
    assert "No profiles of your own yet." in page.text
    assert "Editors and admins can add profiles here." in page.text
    assert "No templates yet." in page.text and "Save these settings as a template" in page.text
    # Nothing to change for a viewer.
    assert 'action="/produce/profiles"' not in page.text and "/delete" not in page.text


def test_an_editor_adds_a_profile_and_renders_with_it(
    app: Any, session: Session, team: Team, media: Media, import_asset: ImportFn
) -> None:
    editor = _signed_in(app, team.editor.email)
    page = editor.get(URL).text
    assert 'action="/produce/profiles"' in page and "Add one below" in page
    response = _add(
        editor,
        based_on="instagram_reels",
        name="Square feed",
        slug="Square_Feed",
        width="1080",
        height="1080",
        fps="25",
        min_duration_s="5",
        max_duration_s="90",
        max_megabytes="100",
        max_video_bitrate_k="6000",
        covers="1080x1080, landscape 1280×720",
    )
    assert response.status_code == 303, response.text
    row = session.scalar(select(CustomProfile).where(CustomProfile.slug == "square_feed"))
    assert row is not None
    profile = row.profile
    assert (profile["width"], profile["height"], profile["fps"]) == (1080, 1080, 25)
    assert (profile["min_duration_s"], profile["max_duration_s"]) == (5, 90)
    assert profile["max_bytes"] == 100 * 1000 * 1000 and profile["max_video_bitrate_k"] == 6000
    assert [(c["name"], c["width"], c["height"]) for c in profile["covers"]] == [
        ("square", 1080, 1080),
        ("landscape", 1280, 720),
    ]
    assert profile["audio_bitrate_k"] == 128  # kept from Instagram Reels
    listed = editor.get(URL).text
    assert "Profile Square feed added" in listed
    facts = _row(listed, 'data-profile="square_feed"')
    for fact in ("1080×1080", "25 fps", "5 s – 1 min 30 s", "100 MB", "6 Mbps"):
        assert fact in facts, fact
    assert 'action="/produce/profiles/square_feed/delete"' in facts
    # The new profile is a platform of the render form.
    video = import_asset(media.video)
    assert 'value="square_feed"' in editor.get(f"/produce/assets/{video.id}").text


def test_profile_form_errors_keep_what_was_typed(app: Any, session: Session, team: Team) -> None:
    editor = _signed_in(app, team.editor.email)
    cases = [
        ({"name": "Odd", "slug": "odd", "width": "1081"}, 422, "must be even numbers"),
        ({"name": "Bad slug", "slug": "x"}, 422, "2 to 40 lower-case letters"),
        ({"name": "Zero", "slug": "zero", "fps": "0"}, 422, "must be more than 0"),
        ({"name": "Words", "slug": "words", "height": "tall"}, 422, "“tall” is not a number"),
        ({"name": "Built in", "slug": "tiktok"}, 409, "is a built-in profile"),
        ({"name": "Covers", "slug": "covers", "covers": "big"}, 422, "“big” is not one"),
        ({"name": "Short", "slug": "short", "min_duration_s": "60", "max_duration_s": "30"}, 422,
         "must be below the longest"),
        ({"name": " ", "slug": "noname"}, 422, "Give the profile a name"),
    ]  # fmt: skip
    for fields, status, message in cases:
        response = _add(editor, **fields)
        assert response.status_code == status, (fields, response.text)
        assert message in response.text, (fields, message)
        assert f'value="{fields["slug"]}"' in response.text
    assert _add(editor, name="Mine", slug="mine").status_code == 303
    again = _add(editor, name="Mine again", slug="mine")
    assert again.status_code == 409 and "already exists" in again.text
    assert session.scalar(select(func.count()).select_from(CustomProfile)) == 1


def test_deleting_a_custom_profile(app: Any, session: Session, team: Team) -> None:
    editor = _signed_in(app, team.editor.email)
    assert _add(editor, name="Temp", slug="temp").status_code == 303
    token = factories.csrf(editor, URL)
    response = editor.post(f"{URL}/temp/delete", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert session.scalar(select(func.count()).select_from(CustomProfile)) == 0
    assert "Profile temp deleted" in editor.get(URL).text
    builtin = editor.post(f"{URL}/tiktok/delete", data={"csrf_token": token})
    assert builtin.status_code == 409


def _template(session: Session, team: Team, name: str, spec: EditSpec) -> EditTemplate:
    actor = factories.actor_for(session, user=team.editor, workspace=team.workspace)
    template = service.create_template(
        session, actor=actor, data=TemplateCreate(name=name, spec=spec)
    )
    session.commit()
    return template


def test_templates_are_listed_renamed_and_deleted(
    app: Any, session: Session, team: Team, media: Media, import_asset: ImportFn
) -> None:
    subtitles = import_asset(media.subtitles)
    music = import_asset(media.audio)
    styled = _template(
        session,
        team,
        "Our TikTok style",
        EditSpec(
            fit=Fit(mode="pad"),
            subtitles=Subtitles(asset_id=subtitles.id),
            music=Music(asset_id=music.id),
            loudness_lufs=-14,
            cover=Cover(enabled=False),
        ),
    )
    plain = _template(session, team, "Plain", EditSpec())
    styled_id, plain_id = styled.id, plain.id
    editor = _signed_in(app, team.editor.email)
    page = editor.get(URL).text
    row = _row(page, f'data-template="{styled.id}"')
    assert "Fit inside, blurred background · Subtitles · Music · -14 LUFS" in row
    assert "Crop to fill" in _row(page, f'data-template="{plain.id}"')
    token = factories.csrf_from(page)
    renamed = editor.post(
        f"/produce/templates/{plain.id}/rename",
        data={"csrf_token": token, "name": " Clean cut "},
        follow_redirects=False,
    )
    assert renamed.status_code == 303 and renamed.headers["location"].endswith("#templates")
    session.expire_all()
    assert session.get(EditTemplate, plain_id).name == "Clean cut"  # type: ignore[union-attr]
    assert "Template renamed to Clean cut." in editor.get(URL).text
    taken = editor.post(
        f"/produce/templates/{plain.id}/rename",
        data={"csrf_token": token, "name": "Our TikTok style"},
    )
    assert taken.status_code == 409 and "already exists" in taken.text
    empty = editor.post(
        f"/produce/templates/{plain.id}/rename", data={"csrf_token": token, "name": "  "}
    )
    assert empty.status_code == 422
    deleted = editor.post(
        f"/produce/templates/{styled.id}/delete",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    session.expire_all()
    assert session.get(EditTemplate, styled_id) is None
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {"template.updated", "template.deleted"} <= actions
    assert "Template Our TikTok style deleted." in editor.get(URL).text


def test_the_page_in_chinese(app: Any, team: Team) -> None:
    client = _signed_in(app, team.viewer.email)
    client.post(
        "/language",
        data={"language": "zh_Hans", "next": URL, "csrf_token": factories.csrf(client)},
    )
    page = client.get(URL).text
    assert "平台规格与模板" in page and "内置规格" in page
    tiktok = _row(page, 'data-profile="tiktok"')
    assert "3 秒 – 10 分钟" in tiktok and "30 帧/秒" in tiktok
    assert "还没有模板。" in page
