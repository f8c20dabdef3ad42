"""The queue: publications by status, polled while anything moves."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from shortops.accounts import service as account_service
from shortops.errors import NotFound
from shortops.kit.clock import utcnow
from shortops.kit.pagination import PageParams
from shortops.models import (
    Publication,
)
from shortops.models import PublicationStatus as S
from shortops.publishing import renditions, service
from shortops.publishing.schemas import (
    STATUS_LABELS,
    PublicationFilters,
    PublicationRead,
)
from shortops.publishing.views.common import (
    ACCOUNTS_SHOWN,
    VISIBILITY_LABELS,
    Reader,
    account_groups,
    local_input,
    page_gettext,
)
from shortops.web.csrf import csrf_protect
from shortops.web.pages import (
    page,
    safe_next,
)
from shortops.workspaces.deps import DbSession
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/publish", dependencies=[Depends(csrf_protect)], include_in_schema=False)


PER_PAGE = 25


POLL_S = 5


# Statuses the engine still moves on its own: their rows refresh themselves.
LIVE = frozenset({S.draft, S.scheduled, S.uploading, S.processing})


TABS = ("scheduled", "uploading", "processing", "published", "failed", "needs_review", "cancelled")


@router.get("", response_class=HTMLResponse)
def queue(
    request: Request,
    session: DbSession,
    actor: Reader,
    status: str = "all",
    account: str = "",
    post: int | None = None,
    page_number: int = 1,
) -> HTMLResponse:
    """Every publication, earliest first, by status tab and account; rows refresh themselves."""
    tab = status if status in TABS else "all"
    account_id = int(account) if account.isdigit() else None
    filters = PublicationFilters(
        statuses=(S(tab),) if tab != "all" else (),
        account_id=account_id,
        post_id=post,
    )
    params = PageParams(page=max(1, page_number), per_page=PER_PAGE)
    publications, total = service.list_publications(
        session, workspace_id=actor.workspace.id, params=params, filters=filters
    )
    accounts, _total = account_service.list_accounts(
        session, workspace_id=actor.workspace.id, params=PageParams(per_page=ACCOUNTS_SHOWN)
    )
    shown_post = None
    if post is not None:
        shown_post = service.get_post_or_raise(
            session, workspace_id=actor.workspace.id, post_id=post
        )
    query = {"status": tab, "account": account if account_id else "", "post": post or ""}
    return page(
        request,
        "publishing/queue.html",
        actor=actor,
        active="publish",
        subnav="queue",
        tab=tab,
        tabs=TABS,
        account_groups=account_groups([account_service.account_read(a) for a in accounts]),
        account_id=account_id,
        shown_post=shown_post,
        total=total,
        page_number=params.page,
        per_page=params.per_page,
        query=query,
        here=str(request.url.path) + ("?" + request.url.query if request.url.query else ""),
        **_rows_context(request, session, actor, publications),
    )


@router.get("/rows", response_class=HTMLResponse)
def queue_rows(
    request: Request,
    session: DbSession,
    actor: Reader,
    ids: Annotated[list[int] | None, Query()] = None,
    here: str = "/publish",
) -> HTMLResponse:
    """The queue's rows again (the same publications, in the same order) for the page's poll."""
    publications = []
    for publication_id in (ids or [])[:PER_PAGE]:
        try:
            publications.append(
                service.get_publication_or_raise(
                    session, workspace_id=actor.workspace.id, publication_id=publication_id
                )
            )
        except NotFound:
            continue  # deleted with its account since the page was shown
    return page(
        request,
        "publishing/_rows.html",
        actor=actor,
        here=safe_next(here, "/publish"),
        **_rows_context(request, session, actor, publications),
    )


def _rows_context(
    request: Request, session: Session, actor: Actor, publications: Sequence[Publication]
) -> dict[str, Any]:
    reads = service.read_publications(session, publications, page_gettext(request))
    titles = post_titles(session, actor, [p.post_id for p in reads])
    accounts = accounts_of(session, [p.account_id for p in reads])
    rows = [{"pub": p, "title": titles.get(p.post_id or 0, ""), **who(accounts, p)} for p in reads]
    return {
        "rows": rows,
        "row_ids": [p.id for p in reads],
        "polling": any(p.status in LIVE for p in reads),
        "poll_s": POLL_S,
        "status_labels": STATUS_LABELS,
        "visibility_labels": VISIBILITY_LABELS,
        "can_write": actor.can(Permission.write),
        "now_local": local_input(utcnow(), actor.workspace.timezone),
    }


def post_titles(session: Session, actor: Actor, post_ids: Iterable[int | None]) -> dict[int, str]:
    titles: dict[int, str] = {}
    for post_id in {p for p in post_ids if p is not None}:
        try:
            post = service.get_post_or_raise(
                session, workspace_id=actor.workspace.id, post_id=post_id
            )
        except NotFound:
            continue
        titles[post_id] = post.title
    return titles


def accounts_of(session: Session, account_ids: Iterable[int]) -> dict[int, Any]:
    return {
        account_id: account_service.account_read(account)
        for account_id, account in service.accounts_by_id(session, account_ids).items()
    }


def who(accounts: dict[int, Any], publication: PublicationRead) -> dict[str, Any]:
    """How a publication's account is named in lists: platform, handle, sandbox or manual."""
    account = accounts.get(publication.account_id)
    if account is None:
        return {"platform_name": publication.platform, "handle": publication.account_handle,
                "sandbox": False, "manual": False}  # fmt: skip
    return {
        "platform_name": account.platform_name or account.platform,
        "handle": account.handle,
        "sandbox": account.is_sandbox,
        "manual": account.platform == renditions.MANUAL,
    }
