"""The media library: every asset, newest first, with upload."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from shortops.kit.pagination import PageParams
from shortops.media import service
from shortops.media.previews import CLIP_KINDS, POSTER_KINDS
from shortops.media.schemas import (
    KIND_LABELS,
)
from shortops.media.views.common import Reader
from shortops.models import AssetKind
from shortops.web.csrf import csrf_protect
from shortops.web.pages import page
from shortops.workspaces.deps import DbSession
from shortops.workspaces.permissions import Permission

router = APIRouter(prefix="/produce", dependencies=[Depends(csrf_protect)], include_in_schema=False)


PER_PAGE = 30


@router.get("", response_class=HTMLResponse)
def library(
    request: Request,
    session: DbSession,
    actor: Reader,
    kind: str = "",
    page_number: int = 1,
) -> HTMLResponse:
    """The media library: upload zone and every asset with its facts."""
    chosen = AssetKind(kind) if kind in AssetKind.__members__ else None
    params = PageParams(page=max(1, page_number), per_page=PER_PAGE)
    assets, total = service.list_assets(
        session, workspace_id=actor.workspace.id, params=params, kind=chosen
    )
    renditions = service.renditions_by_asset(
        session, workspace_id=actor.workspace.id, asset_ids=[a.id for a in assets]
    )
    return page(
        request,
        "media/library.html",
        actor=actor,
        active="produce",
        assets=[service.asset_read(a, renditions[a.id]) for a in assets],
        posters={a.id: a.kind in POSTER_KINDS for a in assets},
        clips={a.id: a.kind in CLIP_KINDS for a in assets},
        total=total,
        kind=chosen.value if chosen else "",
        kind_labels=KIND_LABELS,
        page_number=params.page,
        per_page=params.per_page,
        can_write=actor.can(Permission.write),
        max_upload_bytes=request.app.state.settings.max_upload_bytes,
    )
