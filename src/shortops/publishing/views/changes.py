"""Changes people make from the queue, the calendar and the publication page: retry, review,
cancel, reschedule, complete a manual post. The work they queue goes out when they commit."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from shortops.errors import N_, InvalidInput
from shortops.kit.clock import utcnow
from shortops.models import (
    Publication,
)
from shortops.publishing import actions, flows, service
from shortops.publishing.errors import PublicationLocked
from shortops.publishing.views.calendar import calendar_page
from shortops.publishing.views.common import Writer, is_htmx
from shortops.web.csrf import csrf_protect
from shortops.web.pages import (
    error_message,
    flash,
    redirect,
    safe_next,
    translate,
)
from shortops.workspaces.deps import DbSession

router = APIRouter(prefix="/publish", dependencies=[Depends(csrf_protect)], include_in_schema=False)


@router.post("/publications/{publication_id}/retry")
def retry(request: Request, session: DbSession, actor: Writer, publication_id: int) -> Response:
    """Send a failed publication again (a publication that needs review is checked first)."""
    try:
        actions.retry_publication(session, actor=actor, publication_id=publication_id)
    except (PublicationLocked, InvalidInput) as exc:
        session.rollback()
        flash(request, error_message(request, exc), "error")
    else:
        session.commit()
        flash(request, translate(request, N_("Sent again: it publishes now.")), "success")
    return redirect(f"/publish/publications/{publication_id}")


@router.post("/publications/{publication_id}/review")
def review(
    request: Request,
    session: DbSession,
    actor: Writer,
    publication_id: int,
    outcome: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
) -> Response:
    """What the person found on the platform: live (with its link) or not there."""
    try:
        if outcome == "published":
            actions.mark_reviewed_published(
                session, actor=actor, publication_id=publication_id, url=url
            )
            message = N_("Marked published.")
        else:
            actions.mark_reviewed_failed(session, actor=actor, publication_id=publication_id)
            message = N_("Marked failed: nothing is on the platform. You can send it again.")
    except (PublicationLocked, InvalidInput) as exc:
        session.rollback()
        flash(request, error_message(request, exc), "error")
    else:
        session.commit()
        flash(request, translate(request, message), "success")
    return redirect(f"/publish/publications/{publication_id}")


@router.post("/publications/{publication_id}/cancel")
def cancel(
    request: Request,
    session: DbSession,
    actor: Writer,
    publication_id: int,
    next: Annotated[str, Form()] = "",
) -> Response:
    service.get_publication_or_raise(
        session, workspace_id=actor.workspace.id, publication_id=publication_id
    )
    try:
        service.cancel_publication(session, actor=actor, publication_id=publication_id)
    except PublicationLocked as exc:
        session.rollback()
        flash(request, error_message(request, exc), "error")
    else:
        flash(request, translate(request, N_("Cancelled: it will not be published.")), "success")
    return redirect(safe_next(next, f"/publish/publications/{publication_id}"))


@router.post("/publications/{publication_id}/reschedule", response_class=HTMLResponse)
def reschedule(
    request: Request,
    session: DbSession,
    actor: Writer,
    publication_id: int,
    at: Annotated[str, Form()] = "",
    date_: Annotated[str, Form(alias="date")] = "",
    next: Annotated[str, Form()] = "",
    view: Annotated[str, Form()] = "month",
    anchor: Annotated[str, Form()] = "",
) -> Response:
    """Move a scheduled publication: to `at` (a local date and time), or to another `date`
    keeping its time of day (a chip dropped on another day of the calendar)."""
    publication = service.get_publication_or_raise(
        session, workspace_id=actor.workspace.id, publication_id=publication_id
    )
    timezone = actor.workspace.timezone
    notice: tuple[str, str]
    try:
        when = _new_time(publication, timezone, at=at, day=date_)
        moved = service.reschedule_publication(
            session, actor=actor, publication_id=publication_id, at=when
        )
    except (InvalidInput, PublicationLocked) as exc:
        session.rollback()
        notice = ("error", error_message(request, exc))
    else:
        session.commit()
        text = translate(request, N_("Moved to {time}.")).format(
            time=service.local_time(moved.scheduled_at or utcnow(), timezone)
        )
        notice = ("success", text)
    if is_htmx(request):
        return calendar_page(
            request, session, actor, view=view, anchor=anchor, notice=notice, fragment=True
        )
    flash(request, notice[1], notice[0])
    return redirect(safe_next(next, f"/publish/publications/{publication_id}"))


def _new_time(publication: Publication, timezone: str, *, at: str, day: str) -> datetime:
    """A naive local time (read in the workspace's timezone by the service)."""
    if day.strip():
        try:
            target = date.fromisoformat(day.strip())
        except ValueError:
            raise InvalidInput(N_("“{value}” is not a date."), value=day) from None
        current = publication.scheduled_at or utcnow()
        local = current.astimezone(service.workspace_zone(timezone))
        return datetime.combine(target, local.time().replace(tzinfo=None))
    return parse_local(at)


def parse_local(value: str) -> datetime:
    text = value.strip()
    if not text:
        raise InvalidInput(N_("Choose a date and time."))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(N_("“{value}” is not a date and time."), value=value) from None
    return moment.replace(tzinfo=None) if moment.tzinfo is None else moment


@router.post("/publications/{publication_id}/complete")
def complete(
    request: Request,
    session: DbSession,
    actor: Writer,
    publication_id: int,
    url: Annotated[str, Form()] = "",
) -> Response:
    """A manual publication is live: the operator pastes its address."""
    publication = service.get_publication_or_raise(
        session, workspace_id=actor.workspace.id, publication_id=publication_id
    )
    try:
        flows.complete_manual(session, publication=publication, url=url, actor=actor)
    except (InvalidInput, PublicationLocked) as exc:
        session.rollback()
        flash(request, error_message(request, exc), "error")
    else:
        session.commit()
        done = N_("Marked as published. shortops now checks that the link answers.")
        flash(request, translate(request, done), "success")
    return redirect(f"/publish/publications/{publication_id}")
