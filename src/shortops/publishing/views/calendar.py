"""The calendar: scheduled and published posts by month or week, moved by drag and drop."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from babel.dates import format_skeleton, get_day_names
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from shortops.kit.clock import utcnow
from shortops.publishing import service
from shortops.publishing.schemas import (
    STATUS_LABELS,
)
from shortops.publishing.views.common import Reader, page_gettext
from shortops.publishing.views.queue import accounts_of, post_titles, who
from shortops.web.csrf import csrf_protect
from shortops.web.pages import (
    page,
    request_language,
)
from shortops.workspaces.deps import DbSession
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor

router = APIRouter(prefix="/publish", dependencies=[Depends(csrf_protect)], include_in_schema=False)


CALENDAR_VIEWS = ("month", "week")


@router.get("/calendar", response_class=HTMLResponse)
def calendar(
    request: Request,
    session: DbSession,
    actor: Reader,
    view: str = "month",
    date_: Annotated[str, Query(alias="date")] = "",
) -> HTMLResponse:
    """Publications by local day, a month or a week at a time; drag a scheduled one to move it."""
    return calendar_page(request, session, actor, view=view, anchor=date_)


def calendar_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    view: str,
    anchor: str,
    notice: tuple[str, str] | None = None,
    fragment: bool = False,
) -> HTMLResponse:
    timezone = actor.workspace.timezone
    zone = service.workspace_zone(timezone)
    today = utcnow().astimezone(zone).date()
    view = view if view in CALENDAR_VIEWS else "month"
    try:
        day = date.fromisoformat(anchor) if anchor else today
    except ValueError:
        day = today
    if view == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
    else:
        month = day.replace(day=1)
        first = month - timedelta(days=month.weekday())
        next_month = (month + timedelta(days=32)).replace(day=1)
        last = next_month + timedelta(days=(7 - next_month.weekday()) % 7)
        previous = (month - timedelta(days=1)).replace(day=1)
        following = next_month
    start = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last, time(), tzinfo=zone).astimezone(UTC)
    publications = service.publications_between(
        session, workspace_id=actor.workspace.id, start=start, end=end
    )
    reads = service.read_publications(session, publications, page_gettext(request))
    titles = post_titles(session, actor, [p.post_id for p in reads])
    accounts = accounts_of(session, [p.account_id for p in reads])
    by_day: dict[date, list[dict[str, Any]]] = {}
    for read in reads:
        if read.scheduled_at is None:
            continue
        local = read.scheduled_at.astimezone(zone)
        by_day.setdefault(local.date(), []).append(
            {"pub": read, "time": f"{local:%H:%M}", "title": titles.get(read.post_id or 0, ""),
             **who(accounts, read)}
        )  # fmt: skip
    days = [first + timedelta(days=n) for n in range((last - first).days)]
    language = request_language(request)
    return page(
        request,
        "publishing/_calendar.html" if fragment else "publishing/calendar.html",
        actor=actor,
        active="publish",
        subnav="calendar",
        view=view,
        anchor=day.isoformat(),
        heading=_calendar_heading(view, day, first, language),
        weeks=[days[i : i + 7] for i in range(0, len(days), 7)],
        weekday_names=_weekday_names(language),
        month=day.month,
        today=today,
        by_day=by_day,
        previous=previous.isoformat(),
        following=following.isoformat(),
        notice=notice,
        truncated=len(publications) >= service.CALENDAR_LIMIT,
        status_labels=STATUS_LABELS,
        can_write=actor.can(Permission.write),
        timezone=timezone,
    )


def _babel_locale(language: str) -> str:
    return "zh_Hans_CN" if language == "zh_Hans" else "en_US"


def _calendar_heading(view: str, day: date, first: date, language: str) -> str:
    locale = _babel_locale(language)
    if view == "week":
        last = first + timedelta(days=6)
        return (
            f"{format_skeleton('yMMMd', _noon(first), locale=locale)}"
            f" – {format_skeleton('yMMMd', _noon(last), locale=locale)}"
        )
    return format_skeleton("yMMMM", _noon(day), locale=locale)


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12))


def _weekday_names(language: str) -> list[str]:
    names = get_day_names("abbreviated", locale=_babel_locale(language))
    return [str(names[i]) for i in range(7)]  # Monday first
