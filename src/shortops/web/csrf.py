"""CSRF protection for every unsafe request to the web pages."""

from __future__ import annotations

from fastapi import Request

from shortops.errors import CsrfFailed
from shortops.web.pages import CSRF_FIELD, CSRF_HEADER, csrf_matches

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def csrf_protect(request: Request) -> None:
    """Refuse a form post (or htmx request) whose token does not match the session's."""
    if request.method in SAFE_METHODS:
        return
    submitted = request.headers.get(CSRF_HEADER)
    if submitted is None and "form" in request.headers.get("content-type", ""):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        submitted = value if isinstance(value, str) else None
    if not csrf_matches(request, submitted):
        raise CsrfFailed()
