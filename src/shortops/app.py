"""The ASGI application: web pages, REST API, static files, error handling."""

from __future__ import annotations

import html
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.routing import iter_route_contexts
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware

from shortops import __version__
from shortops.accounts.sandbox_views import router as sandbox_views
from shortops.accounts.views import router as accounts_views
from shortops.api.body_limit import BodyLimit
from shortops.api.bounds import bounded_numbers
from shortops.api.errors import handle_shortops_error, install_error_handlers
from shortops.api.router import build_api_router
from shortops.config import Settings, get_settings
from shortops.db.session import get_engine, session_factory
from shortops.media.links import router as media_links
from shortops.media.views import router as media_views
from shortops.metrics.competitor_views import router as competitor_views
from shortops.metrics.import_views import router as import_views
from shortops.metrics.insight_views import router as insight_views
from shortops.metrics.views import router as metrics_views
from shortops.notifications.views import router as notifications_views
from shortops.publishing.views import router as publishing_views
from shortops.reports.views import router as reports_views
from shortops.system import logredact
from shortops.system.views import router as system_views
from shortops.web.pages import csrf_token
from shortops.web.plotly_css import bundle_path as plotly_bundle_path
from shortops.web.plotly_css import stylesheet as plotly_stylesheet
from shortops.web.security_headers import SecurityHeaders
from shortops.web.views import router as shell_views
from shortops.workspaces.account_views import router as account_views
from shortops.workspaces.deps import SESSION_COOKIE
from shortops.workspaces.views import router as settings_views

STATIC_DIR = Path(__file__).parent / "web" / "static"
PLOTLY_JS = plotly_bundle_path()

log = logging.getLogger("shortops")


def create_app(settings: Settings | None = None, *, embedded_worker: bool = False) -> FastAPI:
    """Build the app for `settings`; with `embedded_worker`, a queue consumer runs alongside."""
    settings = settings or get_settings()
    secret_key = settings.resolved_secret_key()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        consumer = None
        if embedded_worker:
            from shortops.worker.consumer import start_embedded_consumer

            consumer = start_embedded_consumer(settings)
        try:
            yield
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)

    app = FastAPI(
        title="shortops",
        version=__version__,
        description="REST API of shortops. Authenticate with `Authorization: Bearer <token>`; "
        "create tokens under Settings → API tokens or with `shortops tokens create`.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        dependencies=[Depends(bounded_numbers)],
    )
    app.state.settings = settings
    logredact.install()
    app.state.sessionmaker = session_factory(get_engine(settings))

    # Added first, so it runs inside the session middleware (its 413 page knows the language).
    app.add_middleware(
        BodyLimit, default_limit=settings.max_request_bytes, render=handle_shortops_error
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=secret_key,
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age,
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    # Outermost: every answer gets the headers, error pages and 413s included.
    app.add_middleware(SecurityHeaders, https=settings.secure_cookies)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(build_api_router())
    app.include_router(shell_views)
    # Before accounts_views: /publish is the queue (the accounts list moved to /accounts).
    app.include_router(publishing_views)
    app.include_router(accounts_views)
    app.include_router(account_views)
    app.include_router(settings_views)
    app.include_router(system_views)
    app.include_router(media_views)
    app.include_router(reports_views)
    app.include_router(insight_views)
    app.include_router(competitor_views)
    app.include_router(metrics_views)
    app.include_router(import_views)
    app.include_router(media_links)
    app.include_router(notifications_views)
    app.include_router(sandbox_views)

    @app.get("/docs", include_in_schema=False)
    def swagger_ui(request: Request) -> HTMLResponse:
        # Signed in: the page carries the session's CSRF token, so "Try it out" works without
        # a token (see workspaces.deps.api_token_actor); otherwise Authorize takes one.
        csrf = csrf_token(request) if request.session.get("uid") else ""
        return HTMLResponse(API_DOCS_PAGE.format(csrf=html.escape(csrf, quote=True)))

    @app.get("/static-vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        # Served from the plotly wheel itself, so charts work offline and stay in step with it.
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    @app.get("/static-vendor/plotly.css", include_in_schema=False)
    def plotly_css() -> Response:
        # Plotly's own rules as a file: with it on the page Plotly injects no <style> (CSP).
        return Response(plotly_stylesheet(PLOTLY_JS), media_type="text/css")

    return app


API_DOCS_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>shortops API</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js" data-csrf="{csrf}"></script>
</body>
</html>
"""


def route_table(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, HEAD and the static mount aside (tests, docs)."""
    table: set[tuple[str, str]] = set()
    for route in iter_route_contexts(app.routes):
        for method in route.methods or ():
            if method != "HEAD" and route.path:
                table.add((method, route.path))
    return sorted(table)
