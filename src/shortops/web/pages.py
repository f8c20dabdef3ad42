"""Rendering pages: language, CSRF token, flash messages and the shell's shared context."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from shortops.errors import ShortopsError
from shortops.kit.crypto import tokens_equal
from shortops.kit.i18n import gettext, negotiate, normalize_language
from shortops.web.templating import render
from shortops.workspaces.service import Actor

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
LANGUAGE_COOKIE = "shortops_lang"


def session_data(request: Request) -> dict[str, Any]:
    """The session, or an empty dict where the session middleware did not run (server errors)."""
    data = request.scope.get("session")
    return data if isinstance(data, dict) else {}


def request_language(request: Request) -> str:
    """Session choice, then the language cookie, then the browser's, then the default."""
    chosen = normalize_language(session_data(request).get("lang")) or normalize_language(
        request.cookies.get(LANGUAGE_COOKIE)
    )
    if chosen:
        return chosen
    negotiated = negotiate(request.headers.get("accept-language"))
    return negotiated or str(request.app.state.settings.default_language)


def translate(request: Request, message: str) -> str:
    return gettext(request_language(request), message)


def csrf_token(request: Request) -> str:
    session = session_data(request)
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return str(token)


def csrf_matches(request: Request, submitted: str | None) -> bool:
    expected = session_data(request).get("csrf")
    return bool(expected and submitted and tokens_equal(str(expected), submitted))


def flash(request: Request, message: str, kind: str = "info") -> None:
    """Queue a message (already translated) for the next page the user sees."""
    session_data(request).setdefault("flash", []).append({"kind": kind, "message": message})


def _pop_flashes(request: Request) -> list[dict[str, str]]:
    return list(session_data(request).pop("flash", []))


def page(
    request: Request,
    template: str,
    *,
    actor: Actor | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render `template` inside the shell for the current user and language."""
    language = request_language(request)
    workspaces = getattr(request.state, "workspaces", None)
    html = render(
        language,
        template,
        {
            "request": request,
            "actor": actor,
            "workspaces": workspaces or [],
            "csrf_token": csrf_token(request),
            "flashes": _pop_flashes(request),
            "lang": language,
            **context,
        },
    )
    return HTMLResponse(html, status_code=status_code)


def redirect(url: str) -> RedirectResponse:
    """A redirect after a form post (303 so the browser follows with GET)."""
    return RedirectResponse(url, status_code=303)


def safe_next(url: str | None, default: str = "/") -> str:
    """Only same-site paths: never redirect to another host after sign-in."""
    if url and url.startswith("/") and not url.startswith("//") and "\\" not in url:
        return url
    return default


def error_message(request: Request, exc: ShortopsError) -> str:
    """The error's message in the user's language."""
    language = request_language(request)
    return exc.render(lambda text: gettext(language, text))


def form_error(request: Request, template: str, exc: ShortopsError, **context: Any) -> HTMLResponse:
    """Re-render a form with the error that stopped it, under the error's status code."""
    return page(
        request, template, status_code=exc.status, error=error_message(request, exc), **context
    )
