"""Finding out where a publish stands when its answer was lost, by listing the account's latest
posts: the one way the providers that need it (Bilibili, Kuaishou) do it.

The platform's answer to the one irreversible call can be lost (the connection broke): the
publication's ticket then holds what was sent, and the account's latest posts are searched for
it, by its title or caption, made no earlier than a minute before the publish started. Until the
platform's list may lag no more, "not there" means "look again"; after that, nothing was posted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shortops.errors import N_
from shortops.providers.parsing import epoch, timestamp
from shortops.providers.types import Failed, Pending, PublishState, Ticket

UPLOAD_NEVER_FINISHED = N_(
    "The upload to {platform} never finished, so nothing was posted. Publish again."
)
# Posts made this long before the publish started are someone else's with the same text.
CLOCK_SKEW = timedelta(minutes=1)


@dataclass(frozen=True)
class Listing:
    """How the platform's list of recent posts names what the search needs."""

    text_key: str  # the field matched against what was sent ("title", "caption")
    sent_key: str  # where the ticket keeps what was sent
    created_key: str  # a Unix time, seconds or milliseconds
    id_key: str  # the post's id on the platform


@dataclass(frozen=True)
class Waiting:
    """What to say while looking, and what when the post is not there in the end."""

    grace: timedelta
    checking: str
    poll_after_s: float
    not_found: str


def reconcile_by_listing(
    ticket: Ticket,
    *,
    platform: str,
    listing: Listing,
    waiting: Waiting,
    now: datetime,
    recent: Callable[[], Any],
    interpret: Callable[[str, dict[str, Any]], PublishState],
) -> PublishState:
    """Where a publish stands when its id never came back. `recent()` reads the account's latest
    posts (a list of objects); `interpret(id, post)` tells a found post's state."""
    data = ticket.data
    if data.get("stage") == "uploading":
        # The publish call itself was never sent: nothing can have been posted.
        return Failed(
            reason=UPLOAD_NEVER_FINISHED,
            params={"platform": platform},
            permanent=False,
            platform_code="upload_incomplete",
        )
    started = timestamp(data.get("started_at"))
    sent = str(data.get(listing.sent_key) or "")
    posts = recent()
    for post in posts if isinstance(posts, list) else []:
        if not isinstance(post, dict) or str(post.get(listing.text_key) or "") != sent:
            continue
        created = epoch(post.get(listing.created_key))
        if started and created and created < started - CLOCK_SKEW:
            continue  # an older post with the same text
        found = str(post.get(listing.id_key) or "")
        if found:
            return interpret(found, post)
    if started is not None and now - started < waiting.grace:
        return Pending(detail=waiting.checking, poll_after_s=waiting.poll_after_s)
    return Failed(
        reason=waiting.not_found,
        params={"platform": platform},
        permanent=False,
        platform_code="not_found",
    )
