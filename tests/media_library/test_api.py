"""The media library's REST API through the real app, rendering with the real pipeline."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from shortops.worker.queue import get_queue
from tests import factories
from tests.media_library.conftest import ImportFn, Media, Team, api_headers


@pytest.fixture
def base(team: Team) -> str:
    return f"/api/v1/workspaces/{team.workspace.id}"


@pytest.fixture
def editor(session: Session, team: Team) -> dict[str, str]:
    return api_headers(session, team.editor, team.workspace)


@pytest.fixture
def viewer(session: Session, team: Team) -> dict[str, str]:
    return api_headers(session, team.viewer, team.workspace)


def test_assets_list_and_get_with_renditions(
    client: TestClient, base: str, viewer: dict[str, str], media: Media, import_asset: ImportFn
) -> None:
    video = import_asset(media.video)
    import_asset(media.audio)
    page = client.get(f"{base}/assets", headers=viewer).json()
    assert page["total"] == 2 and page["items"][0]["kind"] == "audio"
    only_videos = client.get(f"{base}/assets?kind=video", headers=viewer).json()
    assert [a["id"] for a in only_videos["items"]] == [video.id]
    found = client.get(f"{base}/assets?q=CLIP", headers=viewer).json()
    assert found["total"] == 1
    asset = client.get(f"{base}/assets/{video.id}", headers=viewer).json()
    assert asset["facts"]["fps"] == 30 and asset["renditions"] == []
    original = client.get(f"{base}/assets/{video.id}/file", headers=viewer)
    assert original.content == media.video.read_bytes()


def test_render_for_two_platforms_end_to_end(
    client: TestClient,
    base: str,
    editor: dict[str, str],
    viewer: dict[str, str],
    media: Media,
    import_asset: ImportFn,
) -> None:
    asset = import_asset(media.video)
    logo = import_asset(media.image)
    spec = {"fit": {"mode": "pad"}, "logo": {"asset_id": logo.id}}
    body = {"asset_id": asset.id, "profiles": ["tiktok", "bilibili"], "spec": spec}
    created = client.post(f"{base}/renditions", json=body, headers=editor)
    assert created.status_code == 201, created.text
    renditions = created.json()
    assert [r["status"] for r in renditions] == ["queued", "queued"]
    # Asking again costs nothing: the same renditions come back and nothing more is queued.
    again = client.post(f"{base}/renditions", json=body, headers=editor).json()
    assert [r["id"] for r in again] == [r["id"] for r in renditions]
    assert get_queue().drain() == 2
    tiktok = client.get(f"{base}/renditions/{renditions[0]['id']}", headers=viewer).json()
    assert tiktok["status"] == "ready" and tiktok["progress"] == 1
    assert (tiktok["output"]["width"], tiktok["output"]["height"]) == (1080, 1920)
    assert tiktok["covers"] == ["portrait"]
    file = client.get(f"{base}/renditions/{tiktok['id']}/file", headers=viewer)
    assert file.status_code == 200 and file.headers["content-type"] == "video/mp4"
    assert file.content[4:8] == b"ftyp" and len(file.content) == tiktok["output_size_bytes"]
    assert "clip-tiktok.mp4" in file.headers["content-disposition"]
    bilibili = client.get(f"{base}/renditions/{renditions[1]['id']}", headers=viewer).json()
    assert bilibili["covers"] == ["landscape", "portrait"]
    cover = client.get(f"{base}/renditions/{bilibili['id']}/covers/landscape", headers=viewer)
    assert cover.status_code == 200 and cover.content[:2] == b"\xff\xd8"
    missing = client.get(f"{base}/renditions/{bilibili['id']}/covers/square", headers=viewer)
    assert missing.status_code == 404
    listed = client.get(f"{base}/renditions?asset_id={asset.id}&status=ready", headers=viewer)
    assert listed.json()["total"] == 2
    with_renditions = client.get(f"{base}/assets/{asset.id}", headers=viewer).json()
    assert len(with_renditions["renditions"]) == 2


def test_render_with_a_template(
    client: TestClient, base: str, editor: dict[str, str], media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    template = client.post(
        f"{base}/templates",
        json={"name": "Padded", "spec": {"fit": {"mode": "pad"}, "crf": 28}},
        headers=editor,
    ).json()
    created = client.post(
        f"{base}/renditions",
        json={"asset_id": asset.id, "profiles": ["tiktok"], "template_id": template["id"]},
        headers=editor,
    )
    assert created.status_code == 201
    assert created.json()[0]["spec"]["crf"] == 28
    both = client.post(
        f"{base}/renditions",
        json={
            "asset_id": asset.id,
            "profiles": ["tiktok"],
            "template_id": template["id"],
            "spec": {},
        },
        headers=editor,
    )
    assert both.status_code == 422


def test_refusals_are_clear_and_queue_nothing(
    client: TestClient, base: str, editor: dict[str, str], media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    small = import_asset(media.other_video)
    cases = [
        ({"asset_id": asset.id, "profiles": ["tiktok"], "spec": {"logo": {"path": "/etc/passwd"}}},
         "asset_id"),
        ({"asset_id": small.id, "profiles": ["tiktok"]}, "TikTok"),
        ({"asset_id": asset.id, "profiles": ["tiktok", "nope"]}, "nope"),
        ({"asset_id": asset.id, "profiles": ["tiktok"], "spec": {"trim": {"start_s": 1}}},
         "at least 3 s"),
    ]  # fmt: skip
    for body, message in cases:
        response = client.post(f"{base}/renditions", json=body, headers=editor)
        assert response.status_code in (404, 422), response.text
        assert message in response.json()["error"]["message"]
    assert client.get(f"{base}/renditions", headers=editor).json()["total"] == 0


def test_cancel_a_queued_rendition(
    client: TestClient, base: str, editor: dict[str, str], media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    (rendition,) = client.post(
        f"{base}/renditions", json={"asset_id": asset.id, "profiles": ["tiktok"]}, headers=editor
    ).json()
    cancelled = client.post(f"{base}/renditions/{rendition['id']}/cancel", headers=editor)
    assert cancelled.json()["status"] == "cancelled"
    assert (
        client.post(f"{base}/renditions/{rendition['id']}/cancel", headers=editor).status_code
        == 409
    )
    get_queue().drain()  # the task finds nothing to claim
    after = client.get(f"{base}/renditions/{rendition['id']}", headers=editor).json()
    assert after["status"] == "cancelled"
    no_file = client.get(f"{base}/renditions/{rendition['id']}/file", headers=editor)
    assert no_file.status_code == 404 and "cancelled" in no_file.json()["error"]["message"]


def test_profiles(client: TestClient, base: str, editor: dict[str, str]) -> None:
    builtins = client.get(f"{base}/profiles", headers=editor).json()
    assert {"tiktok", "youtube_shorts", "bilibili", "douyin"} <= {p["slug"] for p in builtins}
    created = client.post(
        f"{base}/profiles",
        json={"slug": "square", "name": "Square feed", "width": 1080, "height": 1080},
        headers=editor,
    )
    assert created.status_code == 201 and created.json()["builtin"] is False
    clash = client.post(f"{base}/profiles", json={"slug": "tiktok", "name": "x"}, headers=editor)
    assert clash.status_code == 409
    odd = client.post(
        f"{base}/profiles", json={"slug": "odd", "name": "x", "width": 1081}, headers=editor
    )
    assert odd.status_code == 422 and "even" in odd.json()["error"]["message"]
    assert client.delete(f"{base}/profiles/square", headers=editor).status_code == 204
    assert client.delete(f"{base}/profiles/square", headers=editor).status_code == 404
    assert client.delete(f"{base}/profiles/tiktok", headers=editor).status_code == 409


def test_templates_crud(client: TestClient, base: str, editor: dict[str, str]) -> None:
    created = client.post(
        f"{base}/templates", json={"name": "Style", "spec": {"crf": 20}}, headers=editor
    )
    assert created.status_code == 201
    template_id = created.json()["id"]
    assert client.get(f"{base}/templates", headers=editor).json()["total"] == 1
    renamed = client.patch(
        f"{base}/templates/{template_id}", json={"name": "Style 2"}, headers=editor
    )
    assert renamed.json()["name"] == "Style 2" and renamed.json()["spec"]["crf"] == 20
    bad = client.post(
        f"{base}/templates", json={"name": "Bad", "spec": {"crf": 99}}, headers=editor
    )
    assert bad.status_code == 422
    assert client.delete(f"{base}/templates/{template_id}", headers=editor).status_code == 204
    assert client.get(f"{base}/templates/{template_id}", headers=editor).status_code == 404


def test_delete_asset(
    client: TestClient, base: str, editor: dict[str, str], media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    assert client.delete(f"{base}/assets/{asset.id}", headers=editor).status_code == 204
    assert client.get(f"{base}/assets/{asset.id}", headers=editor).status_code == 404


def test_other_workspaces_ids_are_unknown(
    client: TestClient,
    session: Session,
    base: str,
    team: Team,
    editor: dict[str, str],
    media: Media,
    import_asset: ImportFn,
) -> None:
    stranger = factories.create_user(session, email="stranger@else.example")
    elsewhere = factories.create_workspace(session, owner=stranger, name="Elsewhere")
    theirs = import_asset(media.video, workspace_id=elsewhere.id)
    for method, url in [
        ("GET", f"{base}/assets/{theirs.id}"),
        ("GET", f"{base}/assets/{theirs.id}/file"),
        ("DELETE", f"{base}/assets/{theirs.id}"),
    ]:
        assert client.request(method, url, headers=editor).status_code == 404
    response = client.post(
        f"{base}/renditions", json={"asset_id": theirs.id, "profiles": ["tiktok"]}, headers=editor
    )
    assert response.status_code == 404


def test_viewers_read_but_do_not_write(
    client: TestClient, base: str, viewer: dict[str, str], media: Media, import_asset: ImportFn
) -> None:
    asset = import_asset(media.video)
    assert client.get(f"{base}/assets", headers=viewer).status_code == 200
    denied: list[Any] = [
        client.post(f"{base}/renditions", json={"asset_id": asset.id, "profiles": ["tiktok"]},
                    headers=viewer),
        client.post(f"{base}/uploads", json={"filename": "a.mp4", "size": 10}, headers=viewer),
        client.delete(f"{base}/assets/{asset.id}", headers=viewer),
    ]  # fmt: skip
    assert {r.status_code for r in denied} == {403}
