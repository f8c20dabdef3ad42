"""Error answers: JSON `{"error": {"code", "message"}}` under /api, pages everywhere else."""

from __future__ import annotations

import functools
import logging
import re
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.routing import iter_route_contexts
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from shortops.api.bounds import MAX_INTEGER
from shortops.api.router import API_PREFIX
from shortops.errors import N_, InvalidInput, NotAuthenticated, SessionExpired, ShortopsError
from shortops.kit import validation
from shortops.kit.i18n import gettext, negotiate
from shortops.web.pages import error_message, flash, page, redirect, request_language, translate
from shortops.workspaces.deps import SESSION_COOKIE

log = logging.getLogger("shortops")

_HTTP_CODES = {
    400: ("bad_request", N_("The request could not be understood.")),
    401: ("not_authenticated", N_("Sign in first.")),
    403: ("permission_denied", N_("Your role does not allow this.")),
    406: ("not_acceptable", N_("This format cannot be produced.")),
    415: ("unsupported_media_type", N_("This content type is not accepted here.")),
    429: ("too_many_requests", N_("Too many requests: wait a moment and try again.")),
    404: ("not_found", N_("Not found.")),
    405: ("method_not_allowed", N_("This method is not allowed here.")),
    413: ("too_large", N_("The request is too large.")),
}


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(API_PREFIX) or request.url.path == "/openapi.json"


def _api_language(request: Request) -> str:
    return negotiate(request.headers.get("accept-language")) or "en"


def json_error(
    request: Request, status: int, code: str, message: str, **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {"code": code, "message": message, **extra}
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse({"error": body}, status_code=status, headers=headers)


def _error_page(request: Request, status: int, message: str) -> Response:
    return page(request, "error.html", status_code=status, status=status, message=message)


def handle_shortops_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ShortopsError)
    if _is_api(request):
        language = _api_language(request)
        message = exc.render(lambda text: gettext(language, text))
        return json_error(request, exc.status, exc.code, message)
    if isinstance(exc, NotAuthenticated):
        return _to_login(request, expired=isinstance(exc, SessionExpired))
    return _error_page(request, exc.status, error_message(request, exc))


def _to_login(request: Request, *, expired: bool) -> Response:
    language = request.session.get("lang")
    request.session.clear()
    if language:
        request.session["lang"] = language
    if expired:
        flash(
            request, translate(request, N_("Your session has expired. Sign in again.")), "warning"
        )
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    response = redirect(f"/login?next={quote(target)}")
    if expired and not request.session:
        response.delete_cookie(SESSION_COOKIE)
    return response


def handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    language = _api_language(request) if _is_api(request) else request_language(request)

    def translate_text(text: str) -> str:
        return gettext(language, text)

    if any(err.get("type") == "json_invalid" for err in exc.errors()):
        message = translate_text(N_("The body is not valid JSON."))
        return json_error(request, 400, "malformed_json", message)
    details = validation.describe(exc.errors(), translate_text)
    message = validation.summary(exc.errors(), translate_text)
    if _is_api(request):
        return json_error(request, 422, "invalid_request", message, details=details)
    return _error_page(request, 422, message)


def handle_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    code, message = _HTTP_CODES.get(
        exc.status_code, ("http_error", N_("The request could not be completed."))
    )
    response: Response
    if _is_api(request):
        language = _api_language(request)
        response = json_error(request, exc.status_code, code, gettext(language, message))
    else:
        response = _error_page(request, exc.status_code, translate(request, message))
    for name, value in (exc.headers or {}).items():
        response.headers.setdefault(name, value)
    if exc.status_code == 405:
        # Every method the address takes (Starlette names only the first route it matched).
        response.headers["Allow"] = allowed_methods(request)
    return response


def allowed_methods(request: Request) -> str:
    methods: set[str] = set()
    for route in iter_route_contexts(request.app.routes):
        if route.path and route.methods and _path_pattern(route.path).match(request.url.path):
            methods |= set(route.methods)
    if "GET" in methods:
        methods.add("HEAD")
    return ", ".join(sorted(methods))


@functools.cache
def _path_pattern(path: str) -> re.Pattern[str]:
    return compile_path(path)[0]


def handle_overflow(request: Request, exc: Exception) -> Response:
    """A number in a form or body too large for the database (see api/bounds.py): SQLite's
    driver raises OverflowError, PostgreSQL answers "out of range"; other data errors are bugs."""
    if isinstance(exc, DataError) and "out of range" not in str(exc.orig):
        return handle_unexpected(request, exc)
    refused = InvalidInput(N_("A number in the request is too large: numbers go up to {max}."),
                           max=MAX_INTEGER)  # fmt: skip
    return handle_shortops_error(request, refused)


def handle_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    message = N_("Something went wrong on our side. The error was logged; try again.")
    if _is_api(request):
        return json_error(request, 500, "internal_error", gettext(_api_language(request), message))
    return _error_page(request, 500, translate(request, message))


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ShortopsError, handle_shortops_error)
    app.add_exception_handler(RequestValidationError, handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, handle_http_error)
    app.add_exception_handler(OverflowError, handle_overflow)
    app.add_exception_handler(DataError, handle_overflow)
    app.add_exception_handler(Exception, handle_unexpected)
