"""Publish pages: the queue (the section's landing page), the composer with live checks, the
calendar (month and week, drag to reschedule) and one publication's page (timeline, what to do
when it failed or needs review, the publish kit of manual accounts).

Everything goes through publishing/service.py, compose.py and flows.py, as the REST API does:
the composer's live check is `compose.check_post`, "Schedule" is `compose.create_post` (which
checks again and writes nothing on any error), and the calendar and queue are
`publications_between` / `list_publications`. One module per page; `option_form` builds the
platform option controls from each provider's options model.
"""

from __future__ import annotations

from fastapi import APIRouter

from shortops.publishing.views import calendar, changes, composer, publication, queue

router = APIRouter()
for _page in (queue, changes, publication, composer, calendar):
    router.include_router(_page.router)
