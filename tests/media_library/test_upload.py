"""Chunked, resumable uploads through the real API."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.config import Settings
from shortops.kit.clock import utcnow
from shortops.media import upload as upload_module
from shortops.media.store import MediaStore
from shortops.models import MediaAsset, UploadSession
from tests.media_library.conftest import Media, Team, api_headers, upload_bytes


@pytest.fixture
def base(team: Team) -> str:
    return f"/api/v1/workspaces/{team.workspace.id}"


@pytest.fixture
def headers(session: Session, team: Team) -> dict[str, str]:
    return api_headers(session, team.editor, team.workspace)


def _assets(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(MediaAsset)) or 0


def _stored_files(store: MediaStore) -> list[Path]:
    return [p for p in store.root.rglob("*") if p.is_file() and "posters" not in p.parts]


def _put(
    client: TestClient, url: str, headers: dict[str, str], data: bytes, start: int, total: int
) -> Any:
    return client.put(
        url,
        content=data,
        headers={**headers, "Content-Range": f"bytes {start}-{start + len(data) - 1}/{total}"},
    )


def test_chunks_in_order_make_an_asset(
    client: TestClient, session: Session, base: str, headers: dict[str, str], media: Media
) -> None:
    data = media.video.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    response = upload_bytes(client, base, headers, data, chunk=50_000, sha256=sha)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "completed" and body["offset"] == len(data)
    assert body["duplicate"] is False
    asset = body["asset"]
    assert asset["sha256"] == sha and asset["filename"] == "clip.mp4"
    assert asset["facts"]["width"] == 540 and asset["kind"] == "video"
    # The upload's own bytes are gone; the asset holds the only copy.
    again = upload_bytes(client, base, headers, data, chunk=len(data), filename="copy.mp4")
    assert again.json()["duplicate"] is True and again.json()["asset"]["id"] == asset["id"]
    assert _assets(session) == 1


def test_resume_after_a_broken_upload(
    client: TestClient,
    session: Session,
    store: MediaStore,
    base: str,
    headers: dict[str, str],
    media: Media,
) -> None:
    data = media.video.read_bytes()
    created = client.post(
        f"{base}/uploads", json={"filename": "clip.mp4", "size": len(data)}, headers=headers
    ).json()
    url = f"{base}/uploads/{created['id']}"
    assert created["offset"] == 0 and created["chunk_size"] > 0
    assert _put(client, url, headers, data[:30_000], 0, len(data)).json()["offset"] == 30_000
    # The connection broke during the next chunk: the client asks where to go on.
    status = client.get(url, headers=headers)
    assert status.status_code == 200 and status.json()["offset"] == 30_000
    done = _put(client, url, headers, data[30_000:], 30_000, len(data))
    assert done.json()["status"] == "completed"
    asset = session.get(MediaAsset, done.json()["asset"]["id"])
    assert asset is not None
    assert store.path(asset.storage_path).read_bytes() == data
    # A retry of the last chunk whose answer was lost gets the same answer.
    retry = _put(client, url, headers, data[30_000:], 30_000, len(data))
    assert retry.status_code == 200 and retry.json()["asset"]["id"] == asset.id


def test_bytes_of_an_interrupted_chunk_are_kept(
    session: Session, settings: Settings, store: MediaStore, team: Team, media: Media
) -> None:
    from tests import factories

    actor = factories.actor_for(session, user=team.editor, workspace=team.workspace)
    data = media.video.read_bytes()
    created = upload_module.create_upload(
        session,
        actor=actor,
        data=upload_module.UploadCreate(filename="clip.mp4", size=len(data)),
        settings=settings,
        store=store,
    )
    session.commit()

    def broken_body() -> Any:
        yield data[:1000]
        yield data[1000:2500]
        raise upload_module.BodyInterrupted()

    received = upload_module.receive(
        session,
        actor=actor,
        settings=settings,
        store=store,
        upload_id=created.id,
        content_range=f"bytes 0-9999/{len(data)}",
        body=broken_body(),
    )
    assert received.received_bytes == 2500
    assert store.path(created.temp_path).read_bytes() == data[:2500]


def test_out_of_order_chunk_gets_409_with_the_offset(
    client: TestClient, base: str, headers: dict[str, str], media: Media
) -> None:
    data = media.video.read_bytes()
    created = client.post(
        f"{base}/uploads", json={"filename": "clip.mp4", "size": len(data)}, headers=headers
    ).json()
    url = f"{base}/uploads/{created['id']}"
    _put(client, url, headers, data[:1000], 0, len(data))
    for start in (0, 5000):
        response = _put(client, url, headers, data[start : start + 1000], start, len(data))
        assert response.status_code == 409
        error = response.json()["error"]
        assert error["code"] == "upload_offset_mismatch" and error["offset"] == 1000
        assert response.headers["upload-offset"] == "1000"
    # Asking to finish early also says where to continue.
    early = client.put(url, headers={**headers, "Content-Range": f"bytes */{len(data)}"})
    assert early.status_code == 409 and early.json()["error"]["offset"] == 1000


def test_sha_mismatch_keeps_nothing(
    client: TestClient,
    session: Session,
    store: MediaStore,
    base: str,
    headers: dict[str, str],
    media: Media,
) -> None:
    data = media.video.read_bytes()
    response = upload_bytes(client, base, headers, data, sha256="0" * 64)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "checksum_mismatch"
    assert _assets(session) == 0
    assert _stored_files(store) == []
    upload = session.scalar(select(UploadSession))
    assert upload is not None and upload.status == "failed"


def test_size_mismatch_is_refused(
    client: TestClient, session: Session, base: str, headers: dict[str, str], media: Media
) -> None:
    data = media.video.read_bytes()
    created = client.post(
        f"{base}/uploads", json={"filename": "clip.mp4", "size": len(data)}, headers=headers
    ).json()
    url = f"{base}/uploads/{created['id']}"
    wrong_total = _put(client, url, headers, data[:100], 0, len(data) + 1)
    assert wrong_total.status_code == 422
    assert "this upload is for" in wrong_total.json()["error"]["message"]
    # A body longer or shorter than its Content-Range is refused and not kept.
    longer = client.put(
        url, content=data[:200], headers={**headers, "Content-Range": f"bytes 0-99/{len(data)}"}
    )
    assert longer.status_code == 422
    shorter = client.put(
        url, content=data[:50], headers={**headers, "Content-Range": f"bytes 0-99/{len(data)}"}
    )
    assert shorter.status_code == 422
    assert client.get(url, headers=headers).json()["offset"] == 0
    assert _assets(session) == 0


def test_too_large_is_refused_up_front(
    client: TestClient, settings: Settings, base: str, headers: dict[str, str]
) -> None:
    response = client.post(
        f"{base}/uploads",
        json={"filename": "huge.mp4", "size": settings.max_upload_bytes + 1},
        headers=headers,
    )
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "upload_too_large" and "SHORTOPS_MAX_UPLOAD_BYTES" in error["message"]


def test_files_over_a_gigabyte_are_accepted_up_front(
    client: TestClient, base: str, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The disk check alone decides (the test machine may have less free space).
    monkeypatch.setattr(upload_module, "DISK_MARGIN_BYTES", 0)
    monkeypatch.setattr(
        upload_module.shutil, "disk_usage", lambda _p: type("U", (), {"free": 10 * 1024**3})()
    )
    size = 3 * 1024**3
    response = client.post(
        f"{base}/uploads", json={"filename": "long.mov", "size": size}, headers=headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["size"] == size and body["offset"] == 0
    # Offsets past 2**31 fit (BIGINT): the next chunk is expected exactly where we say.
    url = f"{base}/uploads/{body['id']}"
    late = client.put(
        url,
        content=b"x",
        headers={**headers, "Content-Range": f"bytes {size - 1}-{size - 1}/{size}"},
    )
    assert late.status_code == 409 and late.json()["error"]["offset"] == 0


def test_not_enough_disk_space_is_refused_up_front(
    client: TestClient, base: str, headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        upload_module.shutil, "disk_usage", lambda _p: type("U", (), {"free": 1000})()
    )
    response = client.post(
        f"{base}/uploads", json={"filename": "a.mp4", "size": 5000}, headers=headers
    )
    assert response.status_code == 507
    assert response.json()["error"]["code"] == "insufficient_storage"


def test_non_media_is_refused_and_nothing_is_written(
    client: TestClient,
    session: Session,
    store: MediaStore,
    base: str,
    headers: dict[str, str],
    media: Media,
) -> None:
    response = upload_bytes(
        client, base, headers, media.not_media.read_bytes(), filename="holiday.mp4"
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "unreadable_media" and "holiday.mp4" in error["message"]
    assert _assets(session) == 0
    assert _stored_files(store) == []


def test_cancel_deletes_the_bytes(
    client: TestClient, store: MediaStore, base: str, headers: dict[str, str], media: Media
) -> None:
    data = media.video.read_bytes()
    created = client.post(
        f"{base}/uploads", json={"filename": "clip.mp4", "size": len(data)}, headers=headers
    ).json()
    url = f"{base}/uploads/{created['id']}"
    _put(client, url, headers, data[:1000], 0, len(data))
    assert client.delete(url, headers=headers).status_code == 204
    assert client.get(url, headers=headers).status_code == 404
    assert _stored_files(store) == []


def test_bad_content_range_is_explained(
    client: TestClient, base: str, headers: dict[str, str]
) -> None:
    created = client.post(
        f"{base}/uploads", json={"filename": "clip.mp4", "size": 100}, headers=headers
    ).json()
    url = f"{base}/uploads/{created['id']}"
    for header in ("", "bytes=0-9/100", "bytes 9-0/100", "bytes 0-100/100"):
        response = client.put(url, content=b"x", headers={**headers, "Content-Range": header})
        assert response.status_code == 422, header
        assert "Content-Range" in response.json()["error"]["message"]


def test_abandoned_uploads_expire(
    session: Session, settings: Settings, store: MediaStore, team: Team
) -> None:
    from tests import factories

    actor = factories.actor_for(session, user=team.editor, workspace=team.workspace)
    created = upload_module.create_upload(
        session,
        actor=actor,
        data=upload_module.UploadCreate(filename="clip.mp4", size=10),
        settings=settings,
        store=store,
    )
    session.commit()
    assert store.exists(created.temp_path)
    assert upload_module.expire_uploads(session, store=store) == 0
    later = utcnow() + upload_module.UPLOAD_TTL + timedelta(minutes=1)
    assert upload_module.expire_uploads(session, store=store, now=later) == 1
    session.commit()
    assert not store.exists(created.temp_path)
    assert session.scalar(select(func.count()).select_from(UploadSession)) == 0


def test_the_periodic_task_cleans_up(
    session: Session, settings: Settings, store: MediaStore, team: Team
) -> None:
    from sqlalchemy import update

    from shortops.media import tasks
    from tests import factories

    actor = factories.actor_for(session, user=team.editor, workspace=team.workspace)
    uploads = [
        upload_module.create_upload(
            session,
            actor=actor,
            data=upload_module.UploadCreate(filename=f"clip{n}.mp4", size=10),
            settings=settings,
            store=store,
        )
        for n in range(2)
    ]
    (abandoned, abandoned_path), (fresh, fresh_path) = [(u.id, u.temp_path) for u in uploads]
    long_ago = utcnow() - timedelta(minutes=1)  # its time ran out a minute ago
    session.execute(
        update(UploadSession).where(UploadSession.id == abandoned).values(expires_at=long_ago)
    )
    session.commit()
    tasks.expire_uploads()
    session.expire_all()
    assert not store.exists(abandoned_path) and store.exists(fresh_path)
    assert session.scalars(select(UploadSession.id)).all() == [fresh]
