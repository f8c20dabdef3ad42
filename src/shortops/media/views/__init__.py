"""Produce pages: the media library, an asset with its renditions and render form (with a
preview of one frame), platform profiles and edit templates, and the upload endpoints the page's
upload script talks to (the same resumable protocol as the REST API, with the session cookie and
the CSRF header instead of a token). One module per page; `edit_form` turns the render form
into an edit spec and back."""

from __future__ import annotations

from fastapi import APIRouter

from shortops.media.views import asset, library, profiles, uploads

router = APIRouter()
for _page in (library, asset, profiles, uploads):
    router.include_router(_page.router)
