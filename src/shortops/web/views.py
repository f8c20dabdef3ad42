"""The shell: first run, sign-in, language and workspace switching, the section pages."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from zoneinfo import available_timezones

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shortops.errors import N_, InvalidCredentials, LoginThrottled, ShortopsError
from shortops.kit.clock import utcnow
from shortops.kit.i18n import LANGUAGES
from shortops.models import User
from shortops.publishing.schemas import STATUS_LABELS
from shortops.web import home as home_summary
from shortops.web.csrf import csrf_protect
from shortops.web.pages import (
    LANGUAGE_COOKIE,
    flash,
    form_error,
    page,
    redirect,
    request_language,
    safe_next,
    translate,
)
from shortops.workspaces import service, signin, web_sessions
from shortops.workspaces.deps import DbSession, client_ip, web_actor, web_actor_any
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor
from shortops.workspaces.signin import ThrottlePolicy

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)

ReaderActor = Annotated[Actor, Depends(web_actor(Permission.read))]
# Offered first on the setup form; any ISO 4217 code is accepted.
CURRENCIES = ("CNY", "USD", "EUR", "GBP", "JPY", "KRW", "HKD", "TWD", "SGD", "AUD", "CAD", "BRL",
              "INR", "IDR", "THB", "VND", "MYR", "PHP")  # fmt: skip

# Each section's empty state: what will live there, honestly what exists now, and where to go.
SECTIONS = {
    "plan": (
        N_("Plan"),
        N_("Ideas board, scripts, calendar, campaigns, hot topics and the compliance check."),
        N_(
            "Planning is not built yet. Until it is, schedule posts straight from the Publish "
            "calendar."
        ),
    ),
    "produce": (
        N_("Produce"),
        N_("Media library and per-platform renditions: fit, subtitles, covers, music."),
        N_("Drop a master video on this page, or run shortops media import FILE."),
    ),
    "publish": (
        N_("Publish"),
        N_("Connected accounts, scheduled posts and their verified live status."),
        N_("Connect your first platform account to schedule posts."),
    ),
    "engage": (
        N_("Engage"),
        N_("One comment inbox across platforms, classified, with replies and crisis alerts."),
        N_("The comment inbox is not built yet: comments are not collected so far."),
    ),
    "measure": (
        N_("Measure"),
        N_("Metrics from platform APIs and export files, dashboards and reports."),
        N_("Import a platform export file or connect an account to see numbers."),
    ),
    "earn": (
        N_("Earn"),
        N_("Brand deals, a revenue ledger per video and per source, costs and ROI."),
        N_("Deals and revenue are not built yet. Measure already shows each video's figures."),
    ),
}


def _start_session(request: Request, session: DbSession, user: User, workspace_id: int) -> None:
    language = request.session.get("lang")
    request.session.clear()
    secret = web_sessions.start(
        session,
        user=user,
        ip=client_ip(request),
        user_agent=request.headers.get("user-agent", ""),
    )
    request.session.update(
        {
            "uid": user.id,
            "sid": secret,
            "sv": user.session_version,
            "ws": workspace_id,
        }
    )
    if language:
        request.session["lang"] = language


@router.get("/", response_class=HTMLResponse)
def root(request: Request, session: DbSession) -> Response:
    if not service.is_set_up(session):
        return redirect("/setup")
    if request.session.get("uid") is None:
        return redirect("/login")
    return redirect("/home")


@router.get("/setup", response_class=HTMLResponse)
def setup_form(request: Request, session: DbSession) -> Response:
    if service.is_set_up(session):
        return redirect("/login")
    return _setup_page(request, {})


def _setup_page(
    request: Request, form: dict[str, str], error: ShortopsError | None = None
) -> Response:
    """The first-run form; the currency defaults by language (CNY for Chinese), the time zone
    to the browser's (setup.js fills it in)."""
    form = {"currency": "CNY" if request_language(request) == "zh_Hans" else "USD", **form}
    timezones, currencies = sorted(available_timezones()), CURRENCIES
    if error is not None:
        return form_error(
            request, "setup.html", error, form=form, timezones=timezones, currencies=currencies
        )
    return page(request, "setup.html", form=form, timezones=timezones, currencies=currencies)


@router.post("/setup", response_class=HTMLResponse)
def setup_submit(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    workspace: Annotated[str, Form()] = "",
    timezone: Annotated[str, Form()] = "",
    currency: Annotated[str, Form()] = "",
) -> Response:
    form = {
        "email": email,
        "name": name,
        "workspace": workspace,
        "timezone": timezone,
        "currency": currency,
    }
    if service.is_set_up(session):
        flash(request, translate(request, N_("shortops is already set up. Sign in.")), "info")
        return redirect("/login")
    try:
        user, created = service.set_up(
            session,
            email=email,
            password=password,
            workspace_name=workspace,
            name=name,
            timezone=timezone,
            currency=currency,
        )
    except ShortopsError as exc:
        return _setup_page(request, form, exc)
    _start_session(request, session, user, created.id)
    flash(request, translate(request, N_("Welcome! Your workspace is ready.")), "success")
    return redirect("/home")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: DbSession, next: str = "/") -> Response:
    if not service.is_set_up(session):
        return redirect("/setup")
    return page(request, "login.html", form={}, next=safe_next(next))


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    session: DbSession,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    settings = request.app.state.settings
    policy = ThrottlePolicy(
        settings.login_max_failures, timedelta(seconds=settings.login_lockout_seconds)
    )
    try:
        user = signin.authenticate(
            session, email=email, password=password, policy=policy, ip=client_ip(request)
        )
    except (InvalidCredentials, LoginThrottled) as exc:
        # The failure count must persist even though the sign-in fails: commit it here.
        session.commit()
        shown = email[: signin.MAX_EMAIL_LENGTH]  # a huge one is not echoed back
        return form_error(request, "login.html", exc, form={"email": shown}, next=safe_next(next))
    workspaces = service.list_workspaces_for_user(session, user=user)
    _start_session(request, session, user, workspaces[0][0].id if workspaces else 0)
    if user.language:
        request.session["lang"] = user.language
    return redirect(safe_next(next, "/home"))


@router.post("/logout")
def logout(request: Request, session: DbSession) -> Response:
    # Ends the session on the server too, so a copied cookie stops working with this one.
    web_sessions.end(session, secret=request.session.get("sid", ""))
    language = request.session.get("lang")
    request.session.clear()
    if language:
        request.session["lang"] = language
    flash(request, translate(request, N_("You are signed out.")), "info")
    return redirect("/login")


@router.post("/language")
def switch_language(
    request: Request,
    session: DbSession,
    language: Annotated[str, Form()] = "en",
    next: Annotated[str, Form()] = "/",
) -> Response:
    """Switch the UI language (remembered in the session, a cookie and the user's profile)."""
    if language not in LANGUAGES:
        language = "en"
    request.session["lang"] = language
    user_id = request.session.get("uid")
    if user_id is not None:
        user = session.get(User, user_id)
        if user is not None:
            service.set_user_language(session, user=user, language=language)
    response: RedirectResponse = redirect(safe_next(next))
    response.set_cookie(
        LANGUAGE_COOKIE,
        language,
        max_age=365 * 24 * 3600,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
    )
    return response


@router.post("/workspaces/switch")
def switch_workspace(
    request: Request,
    session: DbSession,
    actor: Annotated[Actor, Depends(web_actor_any)],
    workspace_id: Annotated[int, Form()],
) -> Response:
    workspace, _role = service.get_workspace_for_user_or_raise(
        session, user=actor.user, workspace_id=workspace_id
    )
    request.session["ws"] = workspace.id
    flash(
        request,
        translate(request, N_("Switched to {name}.")).format(name=workspace.name),
        "success",
    )
    return redirect("/home")


# Where each unbuilt section sends the user meanwhile: (label, link).
SECTION_LINKS = {
    "plan": (N_("Open the calendar"), "/publish/calendar"),
    "engage": (N_("See the queue"), "/publish"),
    "earn": (N_("Open Measure"), "/measure"),
}


def _section_page(request: Request, actor: Actor, key: str) -> HTMLResponse:
    title, what, next_step = SECTIONS[key]
    return page(
        request,
        "section.html",
        actor=actor,
        active=key,
        title=title,
        what=what,
        next_step=next_step,
        link=SECTION_LINKS.get(key),
    )


@router.get("/home", response_class=HTMLResponse)
def home_page(request: Request, session: DbSession, actor: ReaderActor) -> HTMLResponse:
    """What is happening now: today's queue, what needs a person, the latest renders."""
    data = home_summary.summary(
        session,
        workspace_id=actor.workspace.id,
        timezone=actor.workspace.timezone,
        now=utcnow(),
        gettext=lambda text: translate(request, text),
    )
    return page(
        request,
        "home.html",
        actor=actor,
        active="home",
        home=data,
        status_labels=STATUS_LABELS,
        can_write=actor.can(Permission.write),
    )


@router.get("/plan", response_class=HTMLResponse)
def plan(request: Request, actor: ReaderActor) -> HTMLResponse:
    return _section_page(request, actor, "plan")


# /produce is the media library (shortops.media.views).


@router.get("/engage", response_class=HTMLResponse)
def engage(request: Request, actor: ReaderActor) -> HTMLResponse:
    return _section_page(request, actor, "engage")


# /measure is the Measure dashboards (shortops.metrics.views).


@router.get("/earn", response_class=HTMLResponse)
def earn(request: Request, actor: ReaderActor) -> HTMLResponse:
    return _section_page(request, actor, "earn")
