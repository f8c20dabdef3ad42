"""The sandbox platform's "public" post page: where a sandbox post's URL points.

Only members of the workspace whose sandbox account made the post can see it; the page says
plainly that it is simulated. It lives here, not in the sandbox provider: a provider package
owns no page and imports no domain (a third-party provider never could).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, HTMLResponse
from sqlalchemy.orm import Session

from shortops.accounts import service
from shortops.errors import N_, NotFound
from shortops.providers.sandbox.provider import SandboxProvider
from shortops.providers.sandbox.store import SandboxStore
from shortops.web.pages import page
from shortops.workspaces.deps import DbSession, web_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/sandbox", include_in_schema=False)

Reader = Annotated[Actor, Depends(web_actor(Permission.read))]


def _post_or_raise(session: Session, actor: Actor, post_id: str) -> tuple[dict[str, Any], Any]:
    post = SandboxStore.default().get_post(post_id)
    account = None
    if post is not None:
        account = service.get_by_remote_id(
            session,
            workspace_id=actor.workspace.id,
            platform=SandboxProvider.slug,
            remote_id=str(post["account"]),
        )
    if post is None or account is None:
        raise NotFound(N_("There is no sandbox post {id} in this workspace."), id=post_id)
    return post, account


def _playable(request: Request, post: dict[str, Any]) -> Path | None:
    """The video, when it is still there and inside the media folder (never any other file)."""
    root = request.app.state.settings.resolved_media_dir.resolve()
    path = Path(str(post["media"]["path"])).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


@router.get("/posts/{remote_id}", response_class=HTMLResponse)
def post_page(request: Request, session: DbSession, actor: Reader, remote_id: str) -> HTMLResponse:
    post, account = _post_or_raise(session, actor, remote_id)
    return page(
        request,
        "accounts/sandbox_post.html",
        actor=actor,
        active="publish",
        post=post,
        account=account,
        playable=_playable(request, post) is not None,
    )


@router.get("/posts/{remote_id}/video")
def post_video(request: Request, session: DbSession, actor: Reader, remote_id: str) -> FileResponse:
    post, _account = _post_or_raise(session, actor, remote_id)
    path = _playable(request, post)
    if path is None:
        raise NotFound(N_("The video of this sandbox post is no longer in the media library."))
    return FileResponse(path, media_type=str(post["media"].get("content_type") or "video/mp4"))
