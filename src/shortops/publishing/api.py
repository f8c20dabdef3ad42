"""REST: posts and publications under /api/v1/workspaces/{workspace_id}/…

Creating, rescheduling and duplicating commit first and queue the work after, so no message ever
names a row that was rolled back.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from shortops.api.pagination import PageQuery
from shortops.kit.i18n import gettext, negotiate
from shortops.kit.pagination import Page
from shortops.media.store import MediaStore
from shortops.models import PublicationStatus
from shortops.publishing import actions, compose, flows, service
from shortops.publishing.errors import PostInvalid
from shortops.publishing.schemas import (
    CompleteIn,
    DuplicateIn,
    PostCreate,
    PostRead,
    PublicationFilters,
    PublicationRead,
    RescheduleIn,
    ReviewIn,
    ValidationReport,
)
from shortops.workspaces.deps import DbSession, api_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/workspaces/{workspace_id}", tags=["publishing"])

Reader = Annotated[Actor, Depends(api_actor(Permission.read))]
Writer = Annotated[Actor, Depends(api_actor(Permission.write))]


def _store(request: Request) -> MediaStore:
    return MediaStore.from_settings(request.app.state.settings)


def _gettext(request: Request) -> Callable[[str], str]:
    language = negotiate(request.headers.get("accept-language")) or "en"
    return lambda text: gettext(language, text)


def invalid_post_response(request: Request, exc: PostInvalid) -> JSONResponse:
    """422 with every issue of every target (the shape of POST …/posts/validate) in `report`."""
    translate = _gettext(request)
    check: compose.PostCheck = exc.report
    message = translate(exc.message_template).format(problems=check.summary(translate))
    return JSONResponse(
        {
            "error": {
                "code": exc.code,
                "message": message,
                "report": check.report(translate).model_dump(mode="json"),
            }
        },
        status_code=exc.status,
    )


# --- posts ----------------------------------------------------------------------------------------


@router.post("/posts", response_model=PostRead, status_code=201)
def create_post(
    data: PostCreate, request: Request, session: DbSession, actor: Writer
) -> PostRead | JSONResponse:
    """Create a post and schedule it on every target account (all checks pass, or nothing)."""
    store = _store(request)
    try:
        created = compose.create_post(session, actor=actor, data=data, store=store)
    except PostInvalid as exc:
        return invalid_post_response(request, exc)
    session.commit()
    return service.read_posts(session, [created.post], _gettext(request))[0]


@router.post("/posts/validate", response_model=ValidationReport)
def validate_post(
    data: PostCreate, request: Request, session: DbSession, actor: Writer
) -> ValidationReport:
    """Check a post against every target without creating anything (live composer feedback)."""
    store = _store(request)
    check = compose.check_post(session, workspace=actor.workspace, data=data, store=store)
    return check.report(_gettext(request))


@router.get("/posts", response_model=Page[PostRead])
def list_posts(
    request: Request, session: DbSession, params: PageQuery, actor: Reader
) -> Page[PostRead]:
    """Posts, newest first, each with its publications."""
    rows, total = service.list_posts(session, workspace_id=actor.workspace.id, params=params)
    return Page(
        items=service.read_posts(session, rows, _gettext(request)),
        page=params.page,
        per_page=params.per_page,
        total=total,
    )


@router.get("/posts/{post_id}", response_model=PostRead)
def get_post(post_id: int, request: Request, session: DbSession, actor: Reader) -> PostRead:
    post = service.get_post_or_raise(session, workspace_id=actor.workspace.id, post_id=post_id)
    return service.read_posts(session, [post], _gettext(request))[0]


@router.post("/posts/{post_id}/duplicate", response_model=PostRead, status_code=201)
def duplicate_post(
    post_id: int, data: DuplicateIn, request: Request, session: DbSession, actor: Writer
) -> PostRead | JSONResponse:
    """A copy of the post (text, video, accounts, options) scheduled at `at`."""
    store = _store(request)
    try:
        created = compose.duplicate_post(
            session, actor=actor, post_id=post_id, at=data.at, store=store
        )
    except PostInvalid as exc:
        return invalid_post_response(request, exc)
    session.commit()
    return service.read_posts(session, [created.post], _gettext(request))[0]


# --- publications ---------------------------------------------------------------------------------


@router.get("/publications", response_model=Page[PublicationRead])
def list_publications(
    request: Request,
    session: DbSession,
    params: PageQuery,
    actor: Reader,
    status: Annotated[
        list[PublicationStatus] | None, Query(description="Repeat for several statuses")
    ] = None,
    account_id: int | None = None,
    post_id: int | None = None,
    start: Annotated[
        datetime | None, Query(alias="from", description="Scheduled at or after (ISO 8601)")
    ] = None,
    end: Annotated[datetime | None, Query(alias="to", description="Scheduled before")] = None,
) -> Page[PublicationRead]:
    """The queue, earliest first; filters by status, account, post and a time range."""
    filters = PublicationFilters(
        statuses=tuple(status or ()),
        account_id=account_id,
        post_id=post_id,
        start=_aware(start),
        end=_aware(end),
    )
    rows, total = service.list_publications(
        session, workspace_id=actor.workspace.id, params=params, filters=filters
    )
    return Page(
        items=service.read_publications(session, rows, _gettext(request)),
        page=params.page,
        per_page=params.per_page,
        total=total,
    )


def _aware(moment: datetime | None) -> datetime | None:
    """A time without an offset in a query is read as UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


@router.get("/publications/{publication_id}", response_model=PublicationRead)
def get_publication(
    publication_id: int, request: Request, session: DbSession, actor: Reader
) -> PublicationRead:
    """One publication with its timeline."""
    publication = service.get_publication_or_raise(
        session, workspace_id=actor.workspace.id, publication_id=publication_id
    )
    return service.read_publication(session, publication, _gettext(request))


@router.post("/publications/{publication_id}/cancel", response_model=PublicationRead)
def cancel_publication(
    publication_id: int, request: Request, session: DbSession, actor: Writer
) -> PublicationRead:
    """Cancel a scheduled publication (`409 publication_locked` once the upload has begun)."""
    publication = service.cancel_publication(session, actor=actor, publication_id=publication_id)
    return service.read_publication(session, publication, _gettext(request))


@router.post("/publications/{publication_id}/reschedule", response_model=PublicationRead)
def reschedule_publication(
    publication_id: int, data: RescheduleIn, request: Request, session: DbSession, actor: Writer
) -> PublicationRead:
    """Move a scheduled publication to another time."""
    publication = service.reschedule_publication(
        session, actor=actor, publication_id=publication_id, at=data.at
    )
    session.commit()
    return service.read_publication(session, publication, _gettext(request))


@router.post("/publications/{publication_id}/complete", response_model=PublicationRead)
def complete_publication(
    publication_id: int, data: CompleteIn, request: Request, session: DbSession, actor: Writer
) -> PublicationRead:
    """Mark a manual publication published with the live post's URL."""
    publication = service.get_publication_or_raise(
        session, workspace_id=actor.workspace.id, publication_id=publication_id
    )
    flows.complete_manual(session, publication=publication, url=data.url, actor=actor)
    session.commit()
    return service.read_publication(session, publication, _gettext(request))


@router.post("/publications/{publication_id}/retry", response_model=PublicationRead)
def retry_publication(
    publication_id: int, request: Request, session: DbSession, actor: Writer
) -> PublicationRead:
    """Send a failed publication again, now, as a new upload. A publication that needs review
    is refused (`422`): say what the platform shows first (`…/review`)."""
    publication = actions.retry_publication(session, actor=actor, publication_id=publication_id)
    session.commit()
    return service.read_publication(session, publication, _gettext(request))


@router.post("/publications/{publication_id}/review", response_model=PublicationRead)
def review_publication(
    publication_id: int, data: ReviewIn, request: Request, session: DbSession, actor: Writer
) -> PublicationRead:
    """Settle a publication that needs review with what the platform shows: live (its url)
    or not there (failed, and then it may be retried)."""
    if data.outcome == "published":
        publication = actions.mark_reviewed_published(
            session, actor=actor, publication_id=publication_id, url=data.url or ""
        )
    else:
        publication = actions.mark_reviewed_failed(
            session, actor=actor, publication_id=publication_id
        )
    return service.read_publication(session, publication, _gettext(request))
