"""Every route, as every role, as a member of another workspace and as a visitor: nothing leaks.

The tables below must list every route the app has: a new route without an entry fails
`test_every_route_is_in_the_matrix`, so no page or endpoint escapes this walk.
"""

from __future__ import annotations

import hashlib
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from itertools import count
from pathlib import Path
from typing import Any

import imageio_ffmpeg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shortops.accounts import flows as account_flows
from shortops.accounts import service as account_service
from shortops.accounts.credentials import load_tokens
from shortops.accounts.schemas import PlatformAppWrite
from shortops.app import route_table
from shortops.config import get_settings
from shortops.kit.clock import utcnow
from shortops.media import links
from shortops.media.profiles import BUILTIN_PROFILES
from shortops.media.store import MediaStore
from shortops.models import (
    Account,
    AccountStatus,
    ApiToken,
    AssetKind,
    AuditEvent,
    CustomProfile,
    EditTemplate,
    MediaAsset,
    Membership,
    MetricImport,
    NotificationKind,
    Post,
    Publication,
    PublicationStatus,
    Rendition,
    RenditionStatus,
    Role,
    UploadSession,
    Workspace,
)
from shortops.notifications import service as notification_service
from shortops.notifications.schemas import NotificationSettingsWrite
from shortops.providers.sandbox import SandboxProvider
from shortops.providers.types import MediaFile, PublishRequest
from shortops.workspaces.permissions import Permission, role_allows, scope_for, scopes_allowed_for
from tests import factories
from tests.accounts import oauth_fake

PUBLIC = "public"
MEMBER = "member"  # any signed-in member, whatever the role

API_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/api/v1/health"): PUBLIC,
    ("GET", "/api/v1/workspaces"): Permission.read,
    ("POST", "/api/v1/workspaces"): Permission.manage_workspace,
    ("GET", "/api/v1/workspaces/{workspace_id}"): Permission.read,
    ("PATCH", "/api/v1/workspaces/{workspace_id}"): Permission.manage_workspace,
    ("GET", "/api/v1/workspaces/{workspace_id}/members"): Permission.read,
    ("POST", "/api/v1/workspaces/{workspace_id}/members"): Permission.manage_members,
    ("PATCH", "/api/v1/workspaces/{workspace_id}/members/{user_id}"): Permission.manage_members,
    ("DELETE", "/api/v1/workspaces/{workspace_id}/members/{user_id}"): Permission.manage_members,
    ("GET", "/api/v1/workspaces/{workspace_id}/tokens"): Permission.manage_own_tokens,
    ("POST", "/api/v1/workspaces/{workspace_id}/tokens"): Permission.manage_own_tokens,
    ("DELETE", "/api/v1/workspaces/{workspace_id}/tokens/{token_id}"): Permission.manage_own_tokens,
    ("GET", "/api/v1/workspaces/{workspace_id}/audit"): Permission.view_audit,
    ("GET", "/api/v1/workspaces/{workspace_id}/accounts"): Permission.read,
    # accounts, platform apps, notifications
    ("GET", "/api/v1/workspaces/{workspace_id}/accounts/{account_id}"): Permission.read,
    ("POST", "/api/v1/workspaces/{workspace_id}/accounts/connect/{platform}"): Permission.write,
    ("POST", "/api/v1/workspaces/{workspace_id}/accounts/sandbox"): Permission.write,
    ("POST", "/api/v1/workspaces/{workspace_id}/accounts/manual"): Permission.write,
    ("DELETE", "/api/v1/workspaces/{workspace_id}/accounts/{account_id}"): Permission.write,
    ("GET", "/api/v1/workspaces/{workspace_id}/platform-apps"): Permission.manage_workspace,
    (
        "GET",
        "/api/v1/workspaces/{workspace_id}/platform-apps/{platform}",
    ): Permission.manage_workspace,
    (
        "PUT",
        "/api/v1/workspaces/{workspace_id}/platform-apps/{platform}",
    ): Permission.manage_workspace,
    (
        "DELETE",
        "/api/v1/workspaces/{workspace_id}/platform-apps/{platform}",
    ): Permission.manage_workspace,
    ("GET", "/api/v1/workspaces/{workspace_id}/notifications"): Permission.read,
    ("GET", "/api/v1/workspaces/{workspace_id}/notifications/unread-count"): Permission.read,
    ("POST", "/api/v1/workspaces/{workspace_id}/notifications/read-all"): Permission.read,
    (
        "POST",
        "/api/v1/workspaces/{workspace_id}/notifications/{notification_id}/read",
    ): Permission.read,
    ("GET", "/api/v1/workspaces/{workspace_id}/notification-settings"): Permission.manage_workspace,
    ("PUT", "/api/v1/workspaces/{workspace_id}/notification-settings"): Permission.manage_workspace,
    (
        "POST",
        "/api/v1/workspaces/{workspace_id}/notification-settings/test",
    ): Permission.manage_workspace,
    # publishing
    ("POST", "/api/v1/workspaces/{workspace_id}/posts"): Permission.write,
    ("POST", "/api/v1/workspaces/{workspace_id}/posts/validate"): Permission.write,
    ("GET", "/api/v1/workspaces/{workspace_id}/posts"): Permission.read,
    ("GET", "/api/v1/workspaces/{workspace_id}/posts/{post_id}"): Permission.read,
    ("POST", "/api/v1/workspaces/{workspace_id}/posts/{post_id}/duplicate"): Permission.write,
    ("GET", "/api/v1/workspaces/{workspace_id}/publications"): Permission.read,
    ("GET", "/api/v1/workspaces/{workspace_id}/publications/{publication_id}"): Permission.read,
    (
        "POST",
        "/api/v1/workspaces/{workspace_id}/publications/{publication_id}/cancel",
    ): Permission.write,
    (
        "POST",
        "/api/v1/workspaces/{workspace_id}/publications/{publication_id}/reschedule",
    ): Permission.write,
    (
        "POST",
        "/api/v1/workspaces/{workspace_id}/publications/{publication_id}/complete",
    ): Permission.write,
    (
        "POST",
        "/api/v1/workspaces/{workspace_id}/publications/{publication_id}/retry",
    ): Permission.write,
    (
        "POST",
        "/api/v1/workspaces/{workspace_id}/publications/{publication_id}/review",
    ): Permission.write,
    # media library
    ("GET", "/api/v1/workspaces/{workspace_id}/assets"): Permission.read,
    ("GET", "/api/v1/workspaces/{workspace_id}/assets/{asset_id}"): Permission.read,
    ("GET", "/api/v1/workspaces/{workspace_id}/assets/{asset_id}/file"): Permission.read,
    ("DELETE", "/api/v1/workspaces/{workspace_id}/assets/{asset_id}"): Permission.write,
    ("POST", "/api/v1/workspaces/{workspace_id}/uploads"): Permission.write,
    ("GET", "/api/v1/workspaces/{workspace_id}/uploads/{upload_id}"): Permission.write,
    ("PUT", "/api/v1/workspaces/{workspace_id}/uploads/{upload_id}"): Permission.write,
    ("DELETE", "/api/v1/workspaces/{workspace_id}/uploads/{upload_id}"): Permission.write,
    ("POST", "/api/v1/workspaces/{workspace_id}/renditions"): Permission.write,
    ("GET", "/api/v1/workspaces/{workspace_id}/renditions"): Permission.read,
    ("GET", "/api/v1/workspaces/{workspace_id}/renditions/{rendition_id}"): Permission.read,
    (
        "POST",
        "/api/v1/workspaces/{workspace_id}/renditions/{rendition_id}/cancel",
    ): Permission.write,
    ("GET", "/api/v1/workspaces/{workspace_id}/renditions/{rendition_id}/file"): Permission.read,
    (
        "GET",
        "/api/v1/workspaces/{workspace_id}/renditions/{rendition_id}/covers/{name}",
    ): Permission.read,
    ("GET", "/api/v1/workspaces/{workspace_id}/profiles"): Permission.read,
    ("POST", "/api/v1/workspaces/{workspace_id}/profiles"): Permission.write,
    ("DELETE", "/api/v1/workspaces/{workspace_id}/profiles/{slug}"): Permission.write,
    ("GET", "/api/v1/workspaces/{workspace_id}/templates"): Permission.read,
    ("POST", "/api/v1/workspaces/{workspace_id}/templates"): Permission.write,
    ("GET", "/api/v1/workspaces/{workspace_id}/templates/{template_id}"): Permission.read,
    ("PATCH", "/api/v1/workspaces/{workspace_id}/templates/{template_id}"): Permission.write,
    ("DELETE", "/api/v1/workspaces/{workspace_id}/templates/{template_id}"): Permission.write,
    # measure
    ("GET", "/api/v1/workspaces/{workspace_id}/metrics/totals"): Permission.analyze,
    ("GET", "/api/v1/workspaces/{workspace_id}/metrics/overview"): Permission.analyze,
    ("GET", "/api/v1/workspaces/{workspace_id}/metrics/posts"): Permission.analyze,
    ("GET", "/api/v1/workspaces/{workspace_id}/metrics/best-time"): Permission.analyze,
    ("GET", "/api/v1/workspaces/{workspace_id}/metrics/drivers"): Permission.analyze,
    ("GET", "/api/v1/workspaces/{workspace_id}/metrics/forecasts"): Permission.analyze,
    ("GET", "/api/v1/workspaces/{workspace_id}/metrics/alerts"): Permission.analyze,
    ("GET", "/api/v1/workspaces/{workspace_id}/metrics/competitors"): Permission.analyze,
    ("POST", "/api/v1/workspaces/{workspace_id}/metrics/competitors"): Permission.import_metrics,
    (
        "DELETE",
        "/api/v1/workspaces/{workspace_id}/metrics/competitors/{competitor_id}",
    ): Permission.import_metrics,
    (
        "GET",
        "/api/v1/workspaces/{workspace_id}/metrics/competitors/{competitor_id}/snapshots",
    ): Permission.analyze,
    (
        "POST",
        "/api/v1/workspaces/{workspace_id}/metrics/competitors/{competitor_id}/snapshots",
    ): Permission.import_metrics,
    (
        "POST",
        "/api/v1/workspaces/{workspace_id}/metrics/competitors/{competitor_id}/imports",
    ): Permission.import_metrics,
    (
        "POST",
        "/api/v1/workspaces/{workspace_id}/metrics/competitors/{competitor_id}/refresh",
    ): Permission.import_metrics,
    ("GET", "/api/v1/workspaces/{workspace_id}/metrics/benchmark"): Permission.analyze,
    ("GET", "/api/v1/workspaces/{workspace_id}/metrics/imports"): Permission.analyze,
    ("POST", "/api/v1/workspaces/{workspace_id}/metrics/imports"): Permission.import_metrics,
    ("GET", "/api/v1/workspaces/{workspace_id}/metrics/imports/{import_id}"): Permission.analyze,
}

WEB_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/"): PUBLIC,
    ("GET", "/setup"): PUBLIC,
    ("POST", "/setup"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("POST", "/language"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    # Signed, expiring links: the signature is the permission (platforms have no session).
    ("GET", "/media/links/{token}"): PUBLIC,
    ("GET", "/static-vendor/plotly.min.js"): PUBLIC,
    ("GET", "/static-vendor/plotly.css"): PUBLIC,
    ("POST", "/workspaces/switch"): MEMBER,
    # Creating a workspace makes its creator owner: only owners and admins may (web and API).
    ("GET", "/settings/workspaces/new"): Permission.manage_workspace,
    ("POST", "/settings/workspaces"): Permission.manage_workspace,
    ("GET", "/settings/account"): MEMBER,
    ("POST", "/settings/account/password"): MEMBER,
    ("POST", "/settings/account/sessions/end-others"): MEMBER,
    ("GET", "/home"): Permission.read,
    ("GET", "/plan"): Permission.read,
    ("GET", "/produce"): Permission.read,
    ("GET", "/publish"): Permission.read,
    # accounts, platform sign-in, sandbox posts, notifications
    ("GET", "/accounts"): Permission.read,
    ("POST", "/accounts/sandbox"): Permission.write,
    ("POST", "/accounts/manual"): Permission.write,
    ("POST", "/accounts/connect/{platform}"): Permission.write,
    ("GET", "/accounts/callback/{platform}"): Permission.write,
    ("POST", "/accounts/{account_id}/disconnect"): Permission.write,
    ("GET", "/settings/platforms"): Permission.manage_workspace,
    ("POST", "/settings/platforms/{platform}"): Permission.manage_workspace,
    ("POST", "/settings/platforms/{platform}/delete"): Permission.manage_workspace,
    ("GET", "/sandbox/posts/{remote_id}"): Permission.read,
    ("GET", "/sandbox/posts/{remote_id}/video"): Permission.read,
    ("GET", "/notifications"): Permission.read,
    ("GET", "/notifications/bell"): Permission.read,
    ("POST", "/notifications/read-all"): Permission.read,
    ("POST", "/notifications/{notification_id}/read"): Permission.read,
    ("GET", "/settings/notifications"): Permission.manage_workspace,
    ("POST", "/settings/notifications"): Permission.manage_workspace,
    ("POST", "/settings/notifications/test"): Permission.manage_workspace,
    ("GET", "/engage"): Permission.read,
    ("GET", "/measure"): Permission.analyze,
    ("GET", "/measure/posts"): Permission.analyze,
    ("GET", "/measure/posts/{publication_id}"): Permission.analyze,
    ("GET", "/measure/accounts/{account_id}"): Permission.analyze,
    ("GET", "/measure/compare"): Permission.analyze,
    ("GET", "/measure/insights"): Permission.analyze,
    ("GET", "/measure/competitors"): Permission.analyze,
    ("POST", "/measure/competitors"): Permission.import_metrics,
    ("GET", "/measure/competitors/{competitor_id}"): Permission.analyze,
    ("POST", "/measure/competitors/{competitor_id}/snapshots"): Permission.import_metrics,
    ("POST", "/measure/competitors/{competitor_id}/import"): Permission.import_metrics,
    ("POST", "/measure/competitors/{competitor_id}/refresh"): Permission.import_metrics,
    ("POST", "/measure/competitors/{competitor_id}/delete"): Permission.import_metrics,
    ("GET", "/measure/import"): Permission.import_metrics,
    ("POST", "/measure/import"): Permission.import_metrics,
    ("GET", "/measure/imports"): Permission.analyze,
    ("GET", "/measure/imports/{import_id}"): Permission.analyze,
    ("GET", "/measure/reports"): Permission.analyze,
    ("POST", "/measure/reports"): Permission.analyze,
    ("GET", "/measure/reports/{report_id}"): Permission.analyze,
    ("GET", "/measure/reports/{report_id}/pdf"): Permission.analyze,
    ("POST", "/measure/reports/schedules/{kind}"): Permission.manage_workspace,
    ("GET", "/earn"): Permission.read,
    ("GET", "/settings"): Permission.read,
    ("POST", "/settings"): Permission.manage_workspace,
    ("GET", "/settings/members"): Permission.read,
    ("POST", "/settings/members"): Permission.manage_members,
    ("POST", "/settings/members/{user_id}/role"): Permission.manage_members,
    ("POST", "/settings/members/{user_id}/remove"): Permission.manage_members,
    ("GET", "/settings/tokens"): Permission.manage_own_tokens,
    ("POST", "/settings/tokens"): Permission.manage_own_tokens,
    ("POST", "/settings/tokens/{token_id}/revoke"): Permission.manage_own_tokens,
    ("GET", "/settings/audit"): Permission.view_audit,
    ("GET", "/settings/system"): Permission.manage_workspace,
    # media library (/produce)
    ("GET", "/produce/assets/{asset_id}"): Permission.read,
    ("GET", "/produce/assets/{asset_id}/renditions"): Permission.read,
    ("GET", "/produce/assets/{asset_id}/poster"): Permission.read,
    ("GET", "/produce/assets/{asset_id}/preview"): Permission.read,
    ("POST", "/produce/assets/{asset_id}/preview-frame"): Permission.write,
    ("GET", "/produce/assets/{asset_id}/file"): Permission.read,
    ("POST", "/produce/assets/{asset_id}/renditions"): Permission.write,
    ("POST", "/produce/assets/{asset_id}/delete"): Permission.write,
    ("POST", "/produce/renditions/{rendition_id}/cancel"): Permission.write,
    ("GET", "/produce/renditions/{rendition_id}/file"): Permission.read,
    ("GET", "/produce/renditions/{rendition_id}/covers/{name}"): Permission.read,
    ("POST", "/produce/uploads"): Permission.write,
    ("GET", "/produce/uploads/{upload_id}"): Permission.write,
    ("PUT", "/produce/uploads/{upload_id}"): Permission.write,
    ("GET", "/produce/profiles"): Permission.read,
    ("POST", "/produce/profiles"): Permission.write,
    ("POST", "/produce/profiles/{slug}/delete"): Permission.write,
    ("POST", "/produce/templates/{template_id}/rename"): Permission.write,
    ("POST", "/produce/templates/{template_id}/delete"): Permission.write,
    # publish pages (/publish)
    ("GET", "/publish/rows"): Permission.read,
    ("GET", "/publish/new"): Permission.write,
    ("POST", "/publish/new"): Permission.write,
    ("POST", "/publish/new/check"): Permission.write,
    ("GET", "/publish/calendar"): Permission.read,
    ("GET", "/publish/publications/{publication_id}"): Permission.read,
    ("POST", "/publish/publications/{publication_id}/cancel"): Permission.write,
    ("POST", "/publish/publications/{publication_id}/reschedule"): Permission.write,
    ("POST", "/publish/publications/{publication_id}/complete"): Permission.write,
    ("POST", "/publish/publications/{publication_id}/retry"): Permission.write,
    ("POST", "/publish/publications/{publication_id}/review"): Permission.write,
}

# Placeholder values for routes called without a valid id (visitors are refused before lookup).
ANY_MEDIA_IDS = {
    "asset_id": 1,
    "rendition_id": 1,
    "template_id": 1,
    "upload_id": "up_x",
    "slug": "x",
    "name": "portrait",
    "account_id": 1,
    "platform": oauth_fake.SLUG,
    "notification_id": 1,
    "remote_id": "sbx0000000000000000",
    "post_id": 1,
    "publication_id": 1,
    "import_id": 1,
    "competitor_id": 1,
    "report_id": 1,
    "kind": "weekly",
}


PUBLIC_CHANNEL = "UCfakeChannel0000000001"


@pytest.fixture(autouse=True)
def _public_youtube(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A fake YouTube that takes shortops' API key, so a competitor's refresh succeeds where
    the role may run it (set before `settings` reads the environment)."""
    from tests.fakes.youtube import FakeYouTube

    server = FakeYouTube()
    server.api_keys.add("matrix-key")
    monkeypatch.setenv("SHORTOPS_YOUTUBE_API_KEY", "matrix-key")
    monkeypatch.setenv("SHORTOPS_YOUTUBE_API_URL", server.url)
    yield
    server.close()


@dataclass
class World:
    """Workspace A with one member per role and a target member; workspace B with an outsider."""

    a: Workspace
    b: Workspace
    members: dict[Role, Any]
    target: Any
    outsider: Any
    a_secrets: list[str]
    media: MediaWorld | None = None
    accounts: AccountsWorld | None = None


@pytest.fixture
def world(session: Session, monkeypatch: pytest.MonkeyPatch) -> World:
    owner = factories.create_user(session, email="owner@a.example", name="Owner A")
    a = factories.create_workspace(session, owner=owner, name="Alpha Secret Brand")
    members = {Role.owner: owner}
    for role in (Role.admin, Role.editor, Role.analyst, Role.viewer):
        user = factories.create_user(session, email=f"{role.value}@a.example")
        factories.add_member(session, workspace=a, user=user, role=role)
        members[role] = user
    target = factories.create_user(session, email="target@a.example")
    factories.add_member(session, workspace=a, user=target, role=Role.viewer)
    outsider = factories.create_user(session, email="outsider@b.example")
    b = factories.create_workspace(session, owner=outsider, name="Bravo")
    factories.create_account(session, workspace=a, handle="alpha_handle")
    found = World(
        a, b, members, target, outsider, ["Alpha Secret Brand", "@a.example", "alpha_handle"]
    )
    found.media = _media_world(session, a, owner)
    found.accounts = _accounts_world(session, a, owner, monkeypatch)
    found.a_secrets.append(found.media.asset.filename)
    return found


def test_every_route_is_in_the_matrix(app: Any) -> None:
    routes = set(route_table(app))
    assert {r for r in routes if r[1].startswith("/api/")} == set(API_ROUTES)
    assert {r for r in routes if not r[1].startswith("/api/")} == set(WEB_ROUTES)


# --- API ----------------------------------------------------------------------------------------


def _api_call(
    client: TestClient,
    session: Session,
    world: World,
    method: str,
    path: str,
    secret: str,
    *,
    workspace_id: int,
    actor_user: Any,
) -> Any:
    """Call one API route with a valid body and ids, so only authorization can refuse it."""
    ids: dict[str, Any] = {"workspace_id": workspace_id, "user_id": world.target.id}
    if "{token_id}" in path:
        ids["token_id"] = _revocable_token_id(session, world, actor_user, workspace_id)
    ids.update(_media_ids(session, world, method, path))
    ids.update(_account_ids(session, world, method, path))
    ids.update(_publishing_ids(session, world, path))
    ids.update(_metrics_ids(session, world, path))
    url = path.format(**ids)
    if (method, path) == ("POST", "/api/v1/workspaces/{workspace_id}/metrics/imports"):
        return client.post(
            url,
            files=[("files", ("Overview.csv", _overview_csv(), "text/csv"))],
            data={"account": f"alpha_tiktok_{next(_calls)}", "year": "2026"},
            headers={"Authorization": f"Bearer {secret}"},
        )
    if path.endswith("/competitors/{competitor_id}/imports"):
        return client.post(
            url,
            files=[("file", ("rival.csv", b"date,followers\n2026-11-01,120\n", "text/csv"))],
            headers={"Authorization": f"Bearer {secret}"},
        )
    if (method, path) == ("PUT", "/api/v1/workspaces/{workspace_id}/uploads/{upload_id}"):
        return client.put(
            url,
            content=b"0123456789",
            headers={"Authorization": f"Bearer {secret}", "Content-Range": "bytes 0-9/100"},
        )
    n = next(_calls)
    media = world.media
    assert media is not None
    bodies = {
        ("POST", "/api/v1/workspaces/{workspace_id}/uploads"): {"filename": "a.mp4", "size": 100},
        ("POST", "/api/v1/workspaces/{workspace_id}/renditions"): {
            "asset_id": media.asset.id,
            "profiles": ["tiktok"],
        },
        ("POST", "/api/v1/workspaces/{workspace_id}/profiles"): {"slug": f"p{n}", "name": "P"},
        ("POST", "/api/v1/workspaces/{workspace_id}/templates"): {"name": f"Template {n}"},
        ("PATCH", "/api/v1/workspaces/{workspace_id}/templates/{template_id}"): {"name": "Ours"},
        ("POST", "/api/v1/workspaces"): {"name": "Made by API"},
        ("PATCH", "/api/v1/workspaces/{workspace_id}"): {"name": "Renamed"},
        ("POST", "/api/v1/workspaces/{workspace_id}/members"): {
            "email": f"new-{method}-{actor_user.id}@c.example",
            "password": factories.PASSWORD,
            "role": "viewer",
        },
        ("PATCH", "/api/v1/workspaces/{workspace_id}/members/{user_id}"): {"role": "analyst"},
        ("POST", "/api/v1/workspaces/{workspace_id}/tokens"): {"name": "t", "scopes": ["read"]},
        ("POST", "/api/v1/workspaces/{workspace_id}/accounts/manual"): {
            "platform_label": "Weibo",
            "handle": f"weibo-{n}",
        },
        ("PUT", "/api/v1/workspaces/{workspace_id}/platform-apps/{platform}"): {
            "client_id": "cid",
            "client_secret": "client-secret-value",
        },
        ("PUT", "/api/v1/workspaces/{workspace_id}/notification-settings"): {
            "webhook_url": UNREACHABLE_HOOK,
        },
        ("POST", "/api/v1/workspaces/{workspace_id}/metrics/competitors"): {
            "platform": "youtube",
            "handle": f"rival-api-{n}",
        },
        (
            "POST",
            "/api/v1/workspaces/{workspace_id}/metrics/competitors/{competitor_id}/snapshots",
        ): {"followers": 100},
        ("POST", "/api/v1/workspaces/{workspace_id}/posts"): _post_body(world),
        ("POST", "/api/v1/workspaces/{workspace_id}/posts/validate"): _post_body(world),
        ("POST", "/api/v1/workspaces/{workspace_id}/posts/{post_id}/duplicate"): {"at": "now"},
        (
            "POST",
            "/api/v1/workspaces/{workspace_id}/publications/{publication_id}/reschedule",
        ): {"at": "2099-01-01T00:00:00Z"},
        (
            "POST",
            "/api/v1/workspaces/{workspace_id}/publications/{publication_id}/complete",
        ): {"url": "https://weibo.com/alpha/1"},
        (
            "POST",
            "/api/v1/workspaces/{workspace_id}/publications/{publication_id}/review",
        ): {"outcome": "failed"},
    }
    headers = {"Authorization": f"Bearer {secret}"}
    return client.request(method, url, json=bodies.get((method, path)), headers=headers)


def _own_token(session: Session, user: Any, workspace: Workspace) -> tuple[ApiToken, str]:
    return factories.create_token(session, user=user, workspace=workspace, scopes=None)


def _revocable_token_id(session: Session, world: World, user: Any, workspace_id: int) -> int:
    """The caller's own fresh token when they belong to the workspace, else one of A's owner."""
    workspace = session.get(Workspace, workspace_id)
    assert workspace is not None
    is_member = session.scalar(
        select(Membership.id).where(
            Membership.workspace_id == workspace_id, Membership.user_id == user.id
        )
    )
    owner = user if is_member else world.members[Role.owner]
    return _own_token(session, owner, workspace if is_member else world.a)[0].id


@pytest.mark.parametrize("role", list(Role))
def test_api_routes_as_each_role(
    client: TestClient, session: Session, world: World, role: Role
) -> None:
    user = world.members[role]
    _token, secret = factories.create_token(session, user=user, workspace=world.a)
    for (method, path), rule in API_ROUTES.items():
        response = _api_call(
            client, session, world, method, path, secret, workspace_id=world.a.id, actor_user=user
        )
        if rule == PUBLIC or _token_can(role, Permission(rule)):
            assert response.status_code < 400, (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path, response.text)
            assert response.json()["error"]["code"] in {"permission_denied", "missing_scope"}
        _restore_target(session, world)


def _token_can(role: Role, permission: Permission) -> bool:
    """A token holds at most the scopes its member's role may grant (see permissions.py)."""
    return role_allows(role, permission) and scope_for(permission) in scopes_allowed_for(role)


def _restore_target(session: Session, world: World) -> None:
    """Put the target member back as a viewer, so every call sees the same workspace."""
    session.expire_all()
    membership = session.scalar(
        select(Membership).where(
            Membership.workspace_id == world.a.id, Membership.user_id == world.target.id
        )
    )
    if membership is None:
        session.add(Membership(workspace_id=world.a.id, user_id=world.target.id, role=Role.viewer))
    else:
        membership.role = Role.viewer
    session.commit()


@pytest.mark.parametrize("permission", list(Permission))
def test_api_token_scopes_limit_even_an_owner(
    client: TestClient, session: Session, world: World, permission: Permission
) -> None:
    owner = world.members[Role.owner]
    for (method, path), rule in API_ROUTES.items():
        if rule != permission:
            continue
        needed = scope_for(permission)
        for scope in scopes_allowed_for(Role.owner) - {needed}:
            _t, secret = factories.create_token(
                session, user=owner, workspace=world.a, scopes=[scope]
            )
            response = _api_call(
                client,
                session,
                world,
                method,
                path,
                secret,
                workspace_id=world.a.id,
                actor_user=owner,
            )
            assert response.status_code == 403, (scope, method, path)
            assert response.json()["error"]["code"] == "missing_scope"
            _restore_target(session, world)


def test_api_outsider_sees_nothing_of_another_workspace(
    client: TestClient, session: Session, world: World
) -> None:
    _t, secret = factories.create_token(session, user=world.outsider, workspace=world.b)
    before = _counts(session)
    for (method, path), _rule in API_ROUTES.items():
        if "{workspace_id}" not in path:
            continue
        response = _api_call(
            client,
            session,
            world,
            method,
            path,
            secret,
            workspace_id=world.a.id,
            actor_user=world.outsider,
        )
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"]["code"] == "not_found"
        _assert_no_leak(response.text, world)
    # Ids of workspace A used inside the outsider's own workspace are just as unknown.
    a_token, _ = factories.create_token(session, user=world.members[Role.owner], workspace=world.a)
    headers = {"Authorization": f"Bearer {secret}"}
    b = world.b.id
    for method, url in [
        ("PATCH", f"/api/v1/workspaces/{b}/members/{world.target.id}"),
        ("DELETE", f"/api/v1/workspaces/{b}/members/{world.target.id}"),
        ("DELETE", f"/api/v1/workspaces/{b}/tokens/{a_token.id}"),
    ]:
        response = client.request(method, url, json={"role": "owner"}, headers=headers)
        assert response.status_code == 404, (method, url, response.text)
    for method, url in [
        ("GET", "/api/v1/workspaces"),
        ("GET", f"/api/v1/workspaces/{b}/members"),
        ("GET", f"/api/v1/workspaces/{b}/accounts"),
        ("GET", f"/api/v1/workspaces/{b}/audit"),
    ]:
        response = client.request(method, url, headers=headers)
        assert response.status_code == 200
        _assert_no_leak(response.text, world)
    session.expire_all()
    assert session.get(ApiToken, a_token.id).revoked_at is None  # type: ignore[union-attr]
    assert _counts(session)["memberships"] == before["memberships"]


def test_api_visitor_is_asked_to_authenticate(client: TestClient, world: World) -> None:
    for (method, path), rule in API_ROUTES.items():
        url = path.format(
            workspace_id=world.a.id, user_id=world.target.id, token_id=1, **ANY_MEDIA_IDS
        )
        response = client.request(method, url, json={})
        if rule == PUBLIC:
            assert response.status_code == 200
            continue
        assert response.status_code == 401, (method, path)
        assert response.json()["error"]["code"] == "not_authenticated"
        assert response.headers["www-authenticate"] == "Bearer"


# --- web ----------------------------------------------------------------------------------------


def _web_call(
    client: TestClient,
    session: Session,
    world: World,
    method: str,
    path: str,
    *,
    actor_user: Any,
    workspace: Workspace,
) -> Any:
    token, _ = _own_token(session, actor_user, workspace) if "{token_id}" in path else (None, "")
    url = path.format(
        user_id=world.target.id,
        token_id=token.id if token else 0,
        **_media_ids(session, world, method, path),
        **_account_ids(session, world, method, path),
        **_publishing_ids(session, world, path),
        **_metrics_ids(session, world, path),
    )
    if method == "GET":
        return client.get(url, follow_redirects=False)
    if path.startswith("/produce/uploads"):
        # The upload script's JSON endpoints: CSRF header, JSON or raw bytes.
        headers = {"X-CSRF-Token": factories.csrf(client, "/login")}
        if method == "PUT":
            headers["Content-Range"] = "bytes 0-9/100"
            return client.put(url, content=b"0123456789", headers=headers)
        return client.post(url, json={"filename": "a.mp4", "size": 100}, headers=headers)
    forms = {
        "/setup": {"email": "x@y.example", "password": factories.PASSWORD, "workspace": "W"},
        "/login": {"email": actor_user.email, "password": factories.PASSWORD},
        "/language": {"language": "en", "next": "/plan"},
        "/workspaces/switch": {"workspace_id": str(workspace.id)},
        "/settings/workspaces": {"name": "New WS", "timezone": "UTC", "currency": "USD"},
        # A wrong current password: the answer proves the route let the user in, and the
        # password the other calls sign in with stays as it is.
        "/settings/account/password": {"current": "not-it", "new": "x", "confirm": "x"},
        "/settings": {"name": "Renamed", "timezone": "UTC", "currency": "USD"},
        "/settings/members": {
            "email": f"web-{actor_user.id}@c.example",
            "password": factories.PASSWORD,
            "role": "viewer",
        },
        "/settings/members/{user_id}/role": {"role": "analyst"},
        "/settings/tokens": {"name": "web", "scopes": "read"},
        "/produce/assets/{asset_id}/renditions": {"profiles": "tiktok"},
        "/accounts/manual": {"platform_label": "Weibo", "handle": "weibo-web"},
        "/settings/platforms/{platform}": {"client_id": "cid", "client_secret": "secret-value"},
        "/settings/notifications": {"webhook_url": UNREACHABLE_HOOK, "kinds": "needs_reauth"},
        "/produce/assets/{asset_id}/preview-frame": {"preview_profile": "tiktok"},
        "/produce/profiles": {"slug": f"web-{next(_calls)}", "name": "Web"},
        "/produce/templates/{template_id}/rename": {"name": "Alpha style"},
        "/publish/new": _composer_form(world),
        "/publish/new/check": _composer_form(world),
        "/publish/publications/{publication_id}/reschedule": {"at": "2099-01-01T00:00"},
        "/publish/publications/{publication_id}/complete": {"url": "https://weibo.com/alpha/1"},
        "/publish/publications/{publication_id}/review": {"outcome": "failed"},
        "/measure/reports": {"kind": "weekly", "start": "2026-11-25"},
        "/measure/competitors": {"platform": "youtube", "handle": f"rival-web-{next(_calls)}"},
        "/measure/competitors/{competitor_id}/snapshots": {"followers": "1.2万"},
        "/measure/reports/schedules/{kind}": {"enabled": "1", "emails": "boss@c.example"},
    }
    data = {**forms.get(path, {}), "csrf_token": factories.csrf(client, "/login")}
    if path == "/measure/competitors/{competitor_id}/import":
        files = [("file", ("rival.csv", b"date,followers\n2026-11-01,120\n", "text/csv"))]
        return client.post(url, data=data, files=files, follow_redirects=False)
    if path == "/measure/import":
        data.update(account="", new_account=f"alpha_tt_{next(_calls)}", year="2026")
        files = [("files", ("Overview.csv", _overview_csv(), "text/csv"))]
        return client.post(url, data=data, files=files, follow_redirects=False)
    return client.post(url, data=data, follow_redirects=False)


def _signed_in(app: Any, user: Any) -> TestClient:
    client = TestClient(app)
    factories.login(client, user.email)
    return client


def _in_workspace(app: Any, client: TestClient, user: Any, workspace: Workspace) -> TestClient:
    """Make `workspace` current again (earlier calls may have signed out or switched)."""
    if client.get("/settings", follow_redirects=False).status_code == 303:
        client = _signed_in(app, user)
    response = client.post(
        "/workspaces/switch",
        data={"workspace_id": str(workspace.id), "csrf_token": factories.csrf(client)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    return client


@pytest.mark.parametrize("role", list(Role))
def test_web_routes_as_each_role(app: Any, session: Session, world: World, role: Role) -> None:
    user = world.members[role]
    client = _signed_in(app, user)
    for (method, path), rule in WEB_ROUTES.items():
        client = _in_workspace(app, client, user, world.a)
        response = _web_call(
            client, session, world, method, path, actor_user=user, workspace=world.a
        )
        allowed = rule in (PUBLIC, MEMBER) or role_allows(role, Permission(rule))
        if path == "/setup" and method == "POST":
            assert response.status_code == 303  # already set up: sent to sign in, nothing made
        elif path == "/settings/account/password":
            assert response.status_code == 422, (role, response.status_code)
            assert "The current password is not right." in response.text
        elif allowed:
            assert response.status_code in (200, 201, 303), (role, method, path, response.text)
        else:
            assert response.status_code == 403, (role, method, path)
        _restore_target(session, world)


def test_web_visitor_is_sent_to_sign_in(app: Any, session: Session, world: World) -> None:
    for (method, path), rule in WEB_ROUTES.items():
        if rule == PUBLIC:
            continue
        client = TestClient(app)
        csrf = factories.csrf(client, "/login")
        url = path.format(user_id=world.target.id, token_id=1, **ANY_MEDIA_IDS)
        response = client.request(
            method,
            url,
            data={"csrf_token": csrf} if method != "GET" else None,
            follow_redirects=False,
        )
        assert response.status_code == 303, (method, path)
        assert response.headers["location"].startswith("/login?next=")


def test_web_outsider_cannot_reach_another_workspace(
    app: Any, session: Session, world: World
) -> None:
    client = _signed_in(app, world.outsider)
    before = _counts(session)
    a_token, _ = factories.create_token(session, user=world.members[Role.owner], workspace=world.a)
    csrf = factories.csrf(client)
    for url, data in [
        ("/workspaces/switch", {"workspace_id": str(world.a.id)}),
        (f"/settings/members/{world.target.id}/role", {"role": "owner"}),
        (f"/settings/members/{world.target.id}/remove", {}),
        (f"/settings/tokens/{a_token.id}/revoke", {}),
    ]:
        response = client.post(url, data={**data, "csrf_token": csrf}, follow_redirects=False)
        assert response.status_code == 404, (url, response.text)
        _assert_no_leak(response.text, world)
    for (method, path), _rule in WEB_ROUTES.items():
        if method == "GET" and "{" not in path:
            response = client.get(path)
            assert response.status_code == 200, path
            _assert_no_leak(response.text, world)
    session.expire_all()
    assert session.get(ApiToken, a_token.id).revoked_at is None  # type: ignore[union-attr]
    assert _counts(session)["memberships"] == before["memberships"]


def _counts(session: Session) -> dict[str, int]:
    session.expire_all()
    return {
        "memberships": session.scalar(select(func.count()).select_from(Membership)) or 0,
        "audit": session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
    }


def _assert_no_leak(body: str, world: World) -> None:
    for secret in world.a_secrets:
        assert secret not in body, f"{secret!r} leaked"


# --- media library ------------------------------------------------------------------------------

_calls = count(1)


@dataclass
class MediaWorld:
    """Workspace A's library: a video with a poster, a ready rendition with a cover, a template."""

    asset: MediaAsset
    rendition: Rendition
    template: EditTemplate


def _store() -> MediaStore:
    return MediaStore.from_settings(get_settings())


def _asset(
    session: Session, workspace: Workspace, name: str, content: bytes | None = None
) -> MediaAsset:
    """An asset row with a file in the store (the matrix checks access, not media)."""
    store = _store()
    content = content or f"{name}-{next(_calls)}".encode()
    sha = hashlib.sha256(content).hexdigest()
    path = store.asset_path(sha, ".mp4")
    store.path(path).parent.mkdir(parents=True, exist_ok=True)
    store.path(path).write_bytes(content)
    for preview, data in ((store.poster_path(sha), b"jpeg"), (store.preview_path(sha), b"mp4")):
        store.path(preview).parent.mkdir(parents=True, exist_ok=True)
        store.path(preview).write_bytes(data)
    asset = MediaAsset(
        workspace_id=workspace.id,
        sha256=sha,
        filename=name,
        content_type="video/mp4",
        kind=AssetKind.video,
        size_bytes=len(content),
        storage_path=path,
        duration_s=10.0,
        width=1080,
        height=1920,
        probe={"facts": {"duration_s": 10.0, "width": 1080, "height": 1920, "has_video": True}},
    )
    session.add(asset)
    session.commit()
    return asset


def _rendition(
    session: Session, asset: MediaAsset, status: RenditionStatus = RenditionStatus.queued
) -> Rendition:
    store = _store()
    key = hashlib.sha256(f"rendition-{next(_calls)}".encode()).hexdigest()
    rendition = Rendition(
        workspace_id=asset.workspace_id,
        asset_id=asset.id,
        profile_slug="tiktok",
        profile={"name": "TikTok"},
        spec={},
        key=key,
        status=status,
    )
    if status == RenditionStatus.ready:
        rendition.output_probe = {"facts": {"duration_s": 12.0, "width": 1080, "height": 1920}}
        rendition.output_path = store.rendition_path(key)
        rendition.covers = {"portrait": store.cover_path(key, "portrait")}
        for path in (rendition.output_path, rendition.covers["portrait"]):
            store.path(path).parent.mkdir(parents=True, exist_ok=True)
            store.path(path).write_bytes(b"media")
    session.add(rendition)
    session.commit()
    return rendition


def _profile(slug: str) -> dict[str, Any]:
    """A complete custom profile, as the service stores one (pages list every profile)."""
    tiktok = BUILTIN_PROFILES["tiktok"].model_dump(mode="json")
    return {**tiktok, "slug": slug, "name": slug, "builtin": False}


@lru_cache(maxsize=1)
def _real_video() -> bytes:
    """Three seconds of 480×854 video (TikTok's shortest), made once per test run."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "real.mp4"
        subprocess.run(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi",
             "-i", "testsrc2=size=480x854:rate=30:duration=3",
             "-c:v", "libx264", "-pix_fmt", "yuv420p", str(out)],
            check=True,
            capture_output=True,
        )  # fmt: skip
        return out.read_bytes()


def _media_world(session: Session, workspace: Workspace, owner: Any) -> MediaWorld:
    asset = _asset(session, workspace, "alpha-secret-master.mp4")
    rendition = _rendition(session, asset, RenditionStatus.ready)
    template = EditTemplate(workspace_id=workspace.id, name="Alpha style", spec={})
    session.add(template)
    session.add(
        CustomProfile(workspace_id=workspace.id, slug="alpha-own", profile=_profile("alpha-own"))
    )
    session.commit()
    return MediaWorld(asset, rendition, template)


def _upload(session: Session, workspace: Workspace, user_id: int) -> str:
    store = _store()
    upload_id = f"up_{next(_calls)}"
    temp = store.upload_path(upload_id)
    store.path(temp).parent.mkdir(parents=True, exist_ok=True)
    store.path(temp).touch()
    session.add(
        UploadSession(
            id=upload_id,
            workspace_id=workspace.id,
            user_id=user_id,
            filename="a.mp4",
            size_bytes=100,
            temp_path=temp,
            expires_at=utcnow() + timedelta(hours=1),
        )
    )
    session.commit()
    return upload_id


def _media_ids(session: Session, world: World, method: str, path: str) -> dict[str, Any]:
    """Ids for the media placeholders of `path`: destructive calls get a fresh object each."""
    media = world.media
    assert media is not None
    owner = world.members[Role.owner]
    ids: dict[str, Any] = {
        "asset_id": media.asset.id,
        "rendition_id": media.rendition.id,
        "template_id": media.template.id,
        "name": "portrait",
    }
    if "{asset_id}" in path and (method == "DELETE" or path.endswith("/delete")):
        ids["asset_id"] = _asset(session, world.a, "disposable.mp4").id
    if path.endswith("/preview-frame"):
        # The only route that reads the picture: it needs a real video.
        ids["asset_id"] = _asset(session, world.a, "real.mp4", _real_video()).id
    if path.endswith("/cancel"):
        ids["rendition_id"] = _rendition(session, media.asset).id
    if "{template_id}" in path and (method == "DELETE" or path.endswith("/delete")):
        template = EditTemplate(workspace_id=world.a.id, name=f"Disposable {next(_calls)}")
        session.add(template)
        session.commit()
        ids["template_id"] = template.id
    if "{slug}" in path:
        slug = f"disposable-{next(_calls)}"
        session.add(CustomProfile(workspace_id=world.a.id, slug=slug, profile=_profile(slug)))
        session.commit()
        ids["slug"] = slug
    if "{upload_id}" in path:
        ids["upload_id"] = _upload(session, world.a, owner.id)
    if "{token}" in path:
        # A signed link is its own permission: anyone holding it may fetch that one file.
        ids["token"] = links.rendition_link(media.rendition.id).rsplit("/", 1)[1]
    return ids


def test_api_outsider_cannot_use_another_workspaces_media_ids(
    client: TestClient, session: Session, world: World
) -> None:
    """A token of workspace B naming A's asset, rendition or template in B's URLs: 404."""
    media = world.media
    assert media is not None
    _t, secret = factories.create_token(session, user=world.outsider, workspace=world.b)
    headers = {"Authorization": f"Bearer {secret}"}
    b = f"/api/v1/workspaces/{world.b.id}"
    for method, url in [
        ("GET", f"{b}/assets/{media.asset.id}"),
        ("GET", f"{b}/assets/{media.asset.id}/file"),
        ("DELETE", f"{b}/assets/{media.asset.id}"),
        ("GET", f"{b}/renditions/{media.rendition.id}"),
        ("GET", f"{b}/renditions/{media.rendition.id}/file"),
        ("GET", f"{b}/renditions/{media.rendition.id}/covers/portrait"),
        ("POST", f"{b}/renditions/{media.rendition.id}/cancel"),
        ("GET", f"{b}/templates/{media.template.id}"),
        ("DELETE", f"{b}/templates/{media.template.id}"),
    ]:
        response = client.request(method, url, headers=headers)
        assert response.status_code == 404, (method, url, response.text)
        _assert_no_leak(response.text, world)
    response = client.post(
        f"{b}/renditions",
        json={"asset_id": media.asset.id, "profiles": ["tiktok"]},
        headers=headers,
    )
    assert response.status_code == 404
    for listing in ("assets", "renditions", "templates", "profiles"):
        response = client.get(f"{b}/{listing}", headers=headers)
        assert response.status_code == 200
        _assert_no_leak(response.text, world)
    session.expire_all()
    assert session.get(MediaAsset, media.asset.id) is not None
    assert session.get(EditTemplate, media.template.id) is not None


def test_web_outsider_cannot_reach_another_workspaces_media(
    app: Any, session: Session, world: World
) -> None:
    media = world.media
    assert media is not None
    client = _signed_in(app, world.outsider)
    csrf = factories.csrf(client)
    for url in [
        f"/produce/assets/{media.asset.id}",
        f"/produce/assets/{media.asset.id}/renditions",
        f"/produce/assets/{media.asset.id}/poster",
        f"/produce/assets/{media.asset.id}/preview",
        f"/produce/assets/{media.asset.id}/file",
        f"/produce/renditions/{media.rendition.id}/file",
        f"/produce/renditions/{media.rendition.id}/covers/portrait",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        _assert_no_leak(response.text, world)
    for url, data in [
        (f"/produce/assets/{media.asset.id}/delete", {}),
        (f"/produce/assets/{media.asset.id}/renditions", {"profiles": "tiktok"}),
        (f"/produce/renditions/{media.rendition.id}/cancel", {}),
        (f"/produce/assets/{media.asset.id}/preview-frame", {}),
        (f"/produce/templates/{media.template.id}/rename", {"name": "Taken over"}),
        (f"/produce/templates/{media.template.id}/delete", {}),
        ("/produce/profiles/alpha-own/delete", {}),
    ]:
        response = client.post(url, data={**data, "csrf_token": csrf}, follow_redirects=False)
        assert response.status_code == 404, (url, response.text)
        _assert_no_leak(response.text, world)
    session.expire_all()
    assert session.get(MediaAsset, media.asset.id) is not None
    assert session.scalar(select(func.count()).select_from(Rendition)) == 1
    template = session.get(EditTemplate, media.template.id)
    assert template is not None and template.name == "Alpha style"
    assert session.scalar(select(CustomProfile.id).where(CustomProfile.slug == "alpha-own"))


# --- accounts and notifications -----------------------------------------------------------------

# Nothing listens on the discard port: a webhook sent there fails at once, on loopback.
UNREACHABLE_HOOK = "http://127.0.0.1:9/hook"


@dataclass
class AccountsWorld:
    """Workspace A's accounts side: an OAuth app, a sandbox account with a live post, a
    notification and delivery settings."""

    sandbox_account: Any
    sandbox_post: str
    notification_id: int


def _accounts_world(
    session: Session, workspace: Workspace, owner: Any, monkeypatch: pytest.MonkeyPatch
) -> AccountsWorld:
    oauth_fake.register(monkeypatch)
    actor = factories.actor_for(session, user=owner, workspace=workspace)
    _platform_app(session, actor)
    account = account_flows.connect_sandbox(session, actor=actor, handle="alpha_sandbox")
    session.commit()
    video = get_settings().resolved_media_dir / "renditions" / "alpha-sandbox.mp4"
    video.parent.mkdir(parents=True, exist_ok=True)
    video.write_bytes(b"alpha sandbox video")
    media = MediaFile(path=video, size_bytes=19, duration_s=5, width=1080, height=1920)
    ticket = SandboxProvider().start_publish(
        load_tokens(account),
        PublishRequest(media=media, title="Alpha launch", idempotency_key="alpha-1"),
        record=lambda ticket: None,
    )
    notification_service.save_notification_settings(
        session,
        actor=actor,
        data=NotificationSettingsWrite(webhook_url=UNREACHABLE_HOOK),
    )
    note = _notification(session, workspace)
    session.commit()
    return AccountsWorld(account, ticket.reference, note)


def _platform_app(session: Session, actor: Any) -> None:
    if account_service.get_platform_app(
        session, workspace_id=actor.workspace.id, platform=oauth_fake.SLUG
    ):
        return
    account_service.save_platform_app(
        session,
        actor=actor,
        platform=oauth_fake.SLUG,
        data=PlatformAppWrite(
            client_id="alpha-client",
            client_secret="alpha-client-secret",
            endpoints={"auth": "http://127.0.0.1:9", "api": "http://127.0.0.1:9"},
        ),
    )
    session.commit()


def _notification(session: Session, workspace: Workspace) -> int:
    note = notification_service.notify(
        session,
        workspace_id=workspace.id,
        kind=NotificationKind.publish_failed,
        message="Alpha post failed.",
    )
    session.commit()
    return note.id


def _account_ids(session: Session, world: World, method: str, path: str) -> dict[str, Any]:
    """Ids for the accounts placeholders of `path`: destructive calls get a fresh object each."""
    accounts = world.accounts
    assert accounts is not None
    owner = world.members[Role.owner]
    actor = factories.actor_for(session, user=owner, workspace=world.a)
    ids: dict[str, Any] = {
        "account_id": accounts.sandbox_account.id,
        "platform": oauth_fake.SLUG,
        "notification_id": accounts.notification_id,
        "remote_id": accounts.sandbox_post,
    }
    if "{account_id}" in path and (method == "DELETE" or path.endswith("/disconnect")):
        disposable = account_flows.connect_sandbox(session, actor=actor)
        session.commit()
        ids["account_id"] = disposable.id
    if "{platform}" in path:
        _platform_app(session, actor)
    if "{notification_id}" in path:
        ids["notification_id"] = _notification(session, world.a)
    return ids


def test_outsider_cannot_use_another_workspaces_accounts_or_notifications(
    app: Any, client: TestClient, session: Session, world: World
) -> None:
    accounts = world.accounts
    assert accounts is not None
    _t, secret = factories.create_token(session, user=world.outsider, workspace=world.b)
    headers = {"Authorization": f"Bearer {secret}"}
    b = f"/api/v1/workspaces/{world.b.id}"
    for method, url in [
        ("GET", f"{b}/accounts/{accounts.sandbox_account.id}"),
        ("DELETE", f"{b}/accounts/{accounts.sandbox_account.id}"),
        ("POST", f"{b}/notifications/{accounts.notification_id}/read"),
    ]:
        response = client.request(method, url, headers=headers)
        assert response.status_code == 404, (method, url, response.text)
        _assert_no_leak(response.text, world)
    connect = client.post(
        f"{b}/accounts/connect/{oauth_fake.SLUG}",
        headers=headers,
        json={"account_id": accounts.sandbox_account.id},
    )
    assert connect.status_code == 404
    for listing in ("accounts", "notifications", "platform-apps"):
        response = client.get(f"{b}/{listing}", headers=headers)
        assert response.status_code == 200
        _assert_no_leak(response.text, world)
        assert "alpha-client" not in response.text and "alpha_sandbox" not in response.text
        assert "Alpha post failed" not in response.text

    web = _signed_in(app, world.outsider)
    csrf = factories.csrf(web)
    for url in [
        f"/sandbox/posts/{accounts.sandbox_post}",
        f"/sandbox/posts/{accounts.sandbox_post}/video",
    ]:
        response = web.get(url)
        assert response.status_code == 404, url
        _assert_no_leak(response.text, world)
    for url in [
        f"/accounts/{accounts.sandbox_account.id}/disconnect",
        f"/notifications/{accounts.notification_id}/read",
    ]:
        response = web.post(url, data={"csrf_token": csrf}, follow_redirects=False)
        assert response.status_code == 404, (url, response.text)
    for url in ("/accounts", "/notifications", "/notifications/bell", "/settings/platforms"):
        response = web.get(url)
        assert response.status_code == 200, url
        assert "alpha_sandbox" not in response.text and "Alpha post failed" not in response.text
        assert "alpha-client" not in response.text
    session.expire_all()
    account = session.get(Account, accounts.sandbox_account.id)
    assert account is not None and account.status == AccountStatus.connected


# --- publishing ---------------------------------------------------------------------------------


def _post_body(world: World) -> dict[str, Any]:
    """A post that passes every check: the library's video on A's sandbox account, now."""
    assert world.media is not None and world.accounts is not None
    return {
        "title": "Alpha launch",
        "asset_id": world.media.asset.id,
        "targets": [{"account_id": world.accounts.sandbox_account.id}],
        "schedule": {"at": "now"},
    }


def _composer_form(world: World) -> dict[str, Any]:
    """The composer's fields for the post of `_post_body`: A's video on A's sandbox account."""
    assert world.media is not None and world.accounts is not None
    return {
        "title": "Alpha launch",
        "asset_id": str(world.media.asset.id),
        "targets": str(world.accounts.sandbox_account.id),
        "when": "now",
    }


def _publishing_ids(session: Session, world: World, path: str) -> dict[str, Any]:
    """A fresh scheduled publication (a manual one for /complete) for every call that names one:
    cancelling or completing leaves the previous one unusable."""
    if "{post_id}" not in path and "{publication_id}" not in path:
        return {}
    assert world.media is not None and world.accounts is not None
    account = world.accounts.sandbox_account
    if path.endswith("/complete"):
        account = Account(
            workspace_id=world.a.id,
            platform="manual",
            remote_id=f"weibo/alpha-{next(_calls)}",
            handle="alpha_weibo",
            platform_label="Weibo",
        )
        session.add(account)
        session.flush()
    post = Post(workspace_id=world.a.id, title="Alpha launch", asset_id=world.media.asset.id)
    session.add(post)
    session.flush()
    publication = Publication(
        workspace_id=world.a.id,
        post_id=post.id,
        account_id=account.id,
        scheduled_at=utcnow() + timedelta(days=1),
        status=_status_for(path),
        idempotency_key=f"alpha-{next(_calls)}",
    )
    session.add(publication)
    session.commit()
    return {"post_id": post.id, "publication_id": publication.id}


def _status_for(path: str) -> PublicationStatus:
    """Retry takes a failed publication, review one that needs review; the rest scheduled ones."""
    if path.endswith("/retry"):
        return PublicationStatus.failed
    if path.endswith("/review"):
        return PublicationStatus.needs_review
    return PublicationStatus.scheduled


def test_api_outsider_cannot_use_another_workspaces_posts(
    client: TestClient, session: Session, world: World
) -> None:
    """A token of workspace B naming A's posts and publications in B's URLs: 404, no change."""
    ids = _publishing_ids(session, world, "/publications/{publication_id}/cancel")
    _t, secret = factories.create_token(session, user=world.outsider, workspace=world.b)
    headers = {"Authorization": f"Bearer {secret}"}
    b = f"/api/v1/workspaces/{world.b.id}"
    post, publication = ids["post_id"], ids["publication_id"]
    for method, url, body in [
        ("GET", f"{b}/posts/{post}", None),
        ("POST", f"{b}/posts/{post}/duplicate", {"at": "now"}),
        ("GET", f"{b}/publications/{publication}", None),
        ("POST", f"{b}/publications/{publication}/cancel", None),
        ("POST", f"{b}/publications/{publication}/reschedule", {"at": "now"}),
        ("POST", f"{b}/publications/{publication}/complete", {"url": "https://x.example/1"}),
        ("POST", f"{b}/publications/{publication}/retry", None),
        ("POST", f"{b}/publications/{publication}/review", {"outcome": "failed"}),
    ]:
        response = client.request(method, url, json=body, headers=headers)
        assert response.status_code == 404, (method, url, response.text)
        _assert_no_leak(response.text, world)
    # A's accounts and videos are unknown in B's posts too: refused, nothing created.
    response = client.post(f"{b}/posts", json=_post_body(world), headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "post_invalid"
    _assert_no_leak(response.text, world)
    for listing in ("posts", "publications"):
        response = client.get(f"{b}/{listing}", headers=headers)
        assert response.status_code == 200 and response.json()["total"] == 0
    session.expire_all()
    row = session.get(Publication, publication)
    assert row is not None and row.status == PublicationStatus.scheduled


# --- measure ------------------------------------------------------------------------------------


def _overview_csv() -> bytes:
    """A TikTok Studio Overview export, as TikTok writes it (BOM, every field quoted)."""
    return (
        '\ufeff"Date","Video Views","Profile Views","Likes","Comments","Shares"\n'
        '"April 12","1591","40","120","8","3"\n"April 13","1200","31","90","5","2"'
    ).encode()


def _metrics_ids(session: Session, world: World, path: str) -> dict[str, Any]:
    if "{kind}" in path:
        return {"kind": "weekly"}
    if "{report_id}" in path:
        return {"report_id": _report_id(session, world)}
    if "{competitor_id}" in path:
        # A new one each call: a DELETE removes it.
        from shortops.models import Competitor

        rival = Competitor(
            workspace_id=world.a.id,
            platform="youtube",
            handle=f"rival{next(_calls)}",
            remote_id=PUBLIC_CHANNEL,  # the fake YouTube's channel: a refresh finds it
        )
        session.add(rival)
        session.commit()
        return {"competitor_id": rival.id}
    if "{import_id}" not in path:
        return {}
    row = MetricImport(
        workspace_id=world.a.id,
        kind="tiktok_studio",
        platform="tiktok",
        filename="Overview.csv",
        sha256="0" * 64,
        rows=2,
    )
    session.add(row)
    session.commit()
    return {"import_id": row.id}


def _report_id(session: Session, world: World) -> int:
    """Workspace A's weekly report (made once, then reused)."""
    from datetime import date

    from shortops.models import Report, ReportKind
    from shortops.reports import flows as report_flows

    found = session.scalar(select(Report.id).where(Report.workspace_id == world.a.id))
    if found is not None:
        return found
    report, _data = report_flows.make_report(
        session,
        settings=get_settings(),
        workspace=world.a,
        kind=ReportKind.weekly,
        start=date(2026, 11, 23),
        end=date(2026, 11, 29),
        language="en",
    )
    session.commit()
    return report.id


def test_outsider_cannot_see_another_workspaces_reports(
    app: Any, session: Session, world: World
) -> None:
    report_id = _report_id(session, world)
    client = _signed_in(app, world.outsider)
    for url in (f"/measure/reports/{report_id}", f"/measure/reports/{report_id}/pdf"):
        response = client.get(url)
        assert response.status_code == 404, url
        _assert_no_leak(response.text, world)
