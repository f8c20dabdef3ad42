"""One publication: its timeline, options, and (for manual accounts) the publish kit."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError
from sqlalchemy.orm import Session

from shortops.accounts import service as account_service
from shortops.errors import N_, NotFound
from shortops.kit.clock import utcnow
from shortops.media import rendition_service
from shortops.media import service as media_service
from shortops.models import (
    Account,
    MediaAsset,
    Post,
    Publication,
    RenditionStatus,
)
from shortops.models import PublicationStatus as S
from shortops.providers.manual import ManualOptions, build_kit
from shortops.publishing import renditions, service
from shortops.publishing.schemas import (
    STATUS_LABELS,
)
from shortops.publishing.views.common import (
    ADVICE,
    FAILED_ADVICE,
    REVIEW_ADVICE,
    VISIBILITY_LABELS,
    Reader,
    local_input,
    page_gettext,
)
from shortops.publishing.views.option_form import OPTION_LABELS, VALUE_LABELS
from shortops.publishing.views.queue import LIVE, POLL_S
from shortops.web.csrf import csrf_protect
from shortops.web.pages import (
    page,
)
from shortops.workspaces.deps import DbSession
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/publish", dependencies=[Depends(csrf_protect)], include_in_schema=False)

YES, NO = N_("yes"), N_("no")


@router.get("/publications/{publication_id}", response_class=HTMLResponse)
def publication_page(
    request: Request, session: DbSession, actor: Reader, publication_id: int
) -> HTMLResponse:
    """Facts, status, the verified link, the timeline, what to do, and a manual kit."""
    workspace_id = actor.workspace.id
    publication = service.get_publication_or_raise(
        session, workspace_id=workspace_id, publication_id=publication_id
    )
    read = service.read_publication(session, publication, page_gettext(request))
    account_row = session.get(Account, publication.account_id)
    account = account_service.account_read(account_row) if account_row else None
    post = None
    if publication.post_id is not None:
        try:
            post = service.get_post_or_raise(
                session, workspace_id=workspace_id, post_id=publication.post_id
            )
        except NotFound:
            post = None
    manual = account_row is not None and account_row.platform == renditions.MANUAL
    kit = None
    if manual and account_row is not None and post is not None:
        kit = _kit(request, session, actor, publication, account_row, post)
    advice = None
    if read.status == S.failed:
        advice = ADVICE.get(read.error_code or "", FAILED_ADVICE)
    elif read.status == S.needs_review:
        advice = REVIEW_ADVICE
    return page(
        request,
        "publishing/publication.html",
        actor=actor,
        active="publish",
        subnav="queue",
        pub=read,
        account=account,
        post=post,
        kit=kit,
        manual=manual,
        advice=advice,
        live=read.status in LIVE,
        poll_s=POLL_S,
        status_labels=STATUS_LABELS,
        visibility_labels=VISIBILITY_LABELS,
        options=_options_view(read.options),
        can_write=actor.can(Permission.write),
        can_complete=manual and read.status in (S.scheduled, S.processing, S.needs_review),
        now_local=local_input(utcnow(), actor.workspace.timezone),
        scheduled_local=local_input(read.scheduled_at, actor.workspace.timezone),
    )


def _options_view(options: dict[str, Any]) -> list[tuple[str, Any]]:
    """A publication's options as (label, value) for people: labels and values in words (the
    template translates them), booleans as yes or no, unset ones left out."""
    shown: list[tuple[str, Any]] = []
    for key, value in options.items():
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, bool):
            value = YES if value else NO
        elif isinstance(value, str):
            value = VALUE_LABELS.get(value, value)
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        shown.append((OPTION_LABELS.get(key, key), value))
    return shown


def _kit(
    request: Request,
    session: Session,
    actor: Actor,
    publication: Publication,
    account: Account,
    post: Post,
) -> dict[str, Any]:
    """The publish kit of a manual publication: texts, files and the checklist, translated."""
    overrides = publication.overrides or {}
    options_in = service.request_options(account, publication.options or {})
    try:
        options = ManualOptions.model_validate(options_in)
    except ValidationError:
        options = ManualOptions(platform_label=account.platform_label)
    text = service.target_text(
        title=post.title, caption=post.caption, hashtags=post.hashtags, overrides=overrides
    )
    title, caption, hashtags = text.title, text.caption, list(text.hashtags)
    asset = session.get(MediaAsset, post.asset_id) if post.asset_id else None
    video_url = f"/produce/assets/{post.asset_id}/file" if asset else None
    filename = asset.filename if asset else ""
    cover_urls: list[tuple[str, str]] = []
    if publication.rendition_id is not None:
        try:
            rendition = rendition_service.get_rendition_or_raise(
                session, workspace_id=actor.workspace.id, rendition_id=publication.rendition_id
            )
        except NotFound:
            rendition = None
        if rendition is not None and rendition.status == RenditionStatus.ready:
            video_url = f"/produce/renditions/{rendition.id}/file"
            filename = rendition_service.download_stem(session, rendition) + ".mp4"
            read = media_service.rendition_read(rendition)
            cover_urls = [
                (name, f"/produce/renditions/{rendition.id}/covers/{name}") for name in read.covers
            ]
    kit = build_kit(
        platform_label=account.platform_label,
        title=str(title),
        caption=str(caption),
        hashtags=tuple(str(tag) for tag in hashtags or ()),
        options=options,
        filename=filename,
    )
    translate_ = page_gettext(request)
    if post.cover_asset_id is not None:
        cover_urls.insert(0, ("cover", f"/produce/assets/{post.cover_asset_id}/file"))
    return {
        "platform_name": kit.platform_name,
        "upload_url": kit.upload_url,
        "title": kit.title,
        "short_title": kit.short_title,
        "caption": kit.caption,
        "video_url": video_url,
        "cover_urls": cover_urls,
        "checklist": [
            {
                "text": service.render_message(item.text, item.params, translate_),
                "required": item.required,
                "code": item.code,
            }
            for item in kit.checklist
        ],
    }
