"""Request bodies are limited while they stream in (issue "Security and robustness", F2): a
huge body is answered 413 before it is read or parsed, whatever the route and the token."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.api.body_limit import MAX_IMPORT_BYTES, limit_for
from shortops.config import Settings
from shortops.media.upload import MAX_CHUNK_SIZE
from shortops.models import AuditEvent, Post
from tests import factories

MB = 1024 * 1024


def _pieces(total: int, piece: int = 256 * 1024) -> Iterator[bytes]:
    """A body sent chunked, with no Content-Length to refuse it by."""
    sent = 0
    while sent < total:
        size = min(piece, total - sent)
        sent += size
        yield b" " * size


def _token(session: Session) -> tuple[Any, dict[str, str]]:
    owner = factories.create_user(session, email="big@example.com")
    workspace = factories.create_workspace(session, owner=owner)
    _t, secret = factories.create_token(session, user=owner, workspace=workspace)
    return workspace, {"Authorization": f"Bearer {secret}"}


def test_a_declared_huge_json_body_is_refused_before_the_token_is_checked(
    client: TestClient, session: Session, settings: Settings
) -> None:
    workspace, headers = _token(session)
    url = f"/api/v1/workspaces/{workspace.id}/posts"
    body = b'{"title": "' + b"x" * (settings.max_request_bytes + 10) + b'"}'
    for auth in (headers, {}):  # with and without a token: the same 413
        sent = {**auth, "Content-Type": "application/json"}
        answer = client.post(url, content=body, headers=sent)
        assert answer.status_code == 413, answer.text[:200]
        error = answer.json()["error"]
        assert error["code"] == "too_large"
        assert "larger than 2.0 MB" in error["message"]
    assert session.scalar(select(func.count()).select_from(Post)) == 0


def test_a_chunked_body_is_cut_off_at_the_limit(
    client: TestClient, session: Session, settings: Settings
) -> None:
    workspace, headers = _token(session)
    answer = client.post(
        f"/api/v1/workspaces/{workspace.id}/posts",
        content=_pieces(settings.max_request_bytes * 3),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert answer.status_code == 413, answer.text[:200]
    assert answer.json()["error"]["code"] == "too_large"
    # Just under the limit the body is read and judged on its content as usual.
    under = client.post(
        f"/api/v1/workspaces/{workspace.id}/posts",
        content=_pieces(settings.max_request_bytes - 10),
        headers={**headers, "Content-Type": "application/json"},
    )
    assert under.status_code in (400, 422), under.text[:200]


def test_a_huge_form_gets_a_page_in_the_users_language(
    client: TestClient, session: Session
) -> None:
    owner = factories.create_user(session, email="form@example.com")
    factories.create_workspace(session, owner=owner)
    factories.login(client, owner.email)
    client.post("/language", data={"language": "zh_Hans", "csrf_token": factories.csrf(client)})
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    answer = client.post(
        "/settings", data={"name": "x" * (3 * MB), "csrf_token": factories.csrf(client)}
    )
    assert answer.status_code == 413
    assert "<html" in answer.text and "请求内容超过" in answer.text
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_imports_and_upload_chunks_have_their_own_larger_limits(settings: Settings) -> None:
    default = settings.max_request_bytes
    assert limit_for("POST", "/api/v1/workspaces/7/metrics/imports", default=default) == (
        MAX_IMPORT_BYTES
    )
    assert limit_for("POST", "/measure/import", default=default) == MAX_IMPORT_BYTES
    assert limit_for("PUT", "/api/v1/workspaces/7/uploads/u-1", default=default) > MAX_CHUNK_SIZE
    assert limit_for("PUT", "/produce/uploads/u-1", default=default) > MAX_CHUNK_SIZE
    # Look-alike paths and other methods keep the small limit.
    assert limit_for("POST", "/api/v1/workspaces/7/uploads/u-1", default=default) == default
    assert limit_for("PUT", "/api/v1/workspaces/7/uploads/u-1/x", default=default) == default
    assert limit_for("GET", "/measure/import", default=default) == default


def test_every_route_taking_files_or_chunks_has_a_larger_limit(app: Any) -> None:
    """A new file-taking route left on the small limit would refuse every real file."""
    import inspect

    from fastapi.routing import iter_route_contexts

    readers = ("UploadFile", "_uploaded(", "request_chunks", "upload.receive")
    found = []
    for route in iter_route_contexts(app.routes):
        if not route.path or route.endpoint is None:
            continue
        try:
            source = inspect.getsource(route.endpoint)
        except TypeError:
            continue  # not our code
        if not any(reader in source for reader in readers):
            continue
        path = route.path.replace("{workspace_id}", "7").replace("{upload_id}", "u-1")
        for method in route.methods or ():
            found.append((method, route.path))
            assert limit_for(method, path, default=1) >= MAX_CHUNK_SIZE, (method, route.path)
    # Two import routes (API, page), two competitor-file routes and two chunk routes.
    assert len(found) == 6, found


def test_an_export_larger_than_the_form_limit_is_accepted(
    client: TestClient, session: Session, settings: Settings
) -> None:
    from tests.metrics import exports as ex

    workspace, headers = _token(session)
    overview = ex.csv_bytes(ex.TIKTOK_OVERVIEW, bom=True, quote_all=True)
    padding = b"\r\n" * ((settings.max_request_bytes // 2) + 1024)  # blank lines, skipped
    answer = client.post(
        f"/api/v1/workspaces/{workspace.id}/metrics/imports",
        headers=headers,
        data={"account": "tt", "platform": "tiktok", "year": "2025"},
        files=[("files", ("Overview.csv", overview + padding, "text/csv"))],
    )
    assert answer.status_code != 413, answer.text[:300]
