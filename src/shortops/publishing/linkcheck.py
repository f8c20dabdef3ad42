"""After a person marks a manual post live, shortops checks that the link they pasted answers.

The platforms without an API have no way to confirm a post, so the pasted link is all there is;
a typo or a draft's private link would leave the post's figures and links pointing nowhere. The
check is a plain GET, redirects followed: any answer below 400 counts (many platforms answer a
logged-out visitor with a sign-in page, which still proves the address exists). The publication
stays published either way — a person said it is live — but a link that does not answer is
written in its timeline and sent as a notification, with what to do.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
from sqlalchemy.orm import Session

from shortops.accounts import service as accounts_service
from shortops.config import Settings
from shortops.db.session import session_scope
from shortops.errors import N_
from shortops.kit import outbound
from shortops.kit.clock import utcnow
from shortops.models import Account, NotificationKind, Post, Publication, PublicationStatus
from shortops.notifications.service import notify
from shortops.publishing import transitions
from shortops.publishing.renditions import MANUAL
from shortops.publishing.service import publication_link

log = logging.getLogger("shortops.publishing")

TIMEOUT_S = 15.0
MAX_REDIRECTS = 5
# Some platforms refuse clients that do not look like a browser.
USER_AGENT = "Mozilla/5.0 (compatible; shortops link check)"

ClientFactory = Callable[[], httpx.Client]


ANSWERS = N_("The link answers (HTTP {status}).")
REFUSED = N_(
    "The link answers HTTP {status}, an error. Check that it is the post's public link, and "
    "paste it again if not."
)
UNREACHABLE = N_(
    "The link could not be reached ({error}). Check that it is the post's public link, and "
    "paste it again if not."
)
SILENT = N_(
    "The link did not answer within {seconds} s. Check that it is the post's public link, and "
    "paste it again if not."
)
PRIVATE = N_(
    "The link leads to {host}, a private or local address, which shortops does not open. "
    "Check that it is the post's public link, and paste it again if not."
)
LOOPS = N_(
    "The link redirects more than {count} times. Check that it is the post's public link, and "
    "paste it again if not."
)


@dataclass(frozen=True)
class LinkAnswer:
    ok: bool
    status: int | None  # the last HTTP status, None when nothing answered
    message: str  # an N_ template for the timeline, filled with `params`
    params: dict[str, object]


def default_client() -> httpx.Client:
    return httpx.Client(
        follow_redirects=True,
        max_redirects=MAX_REDIRECTS,
        timeout=TIMEOUT_S,
        headers={"User-Agent": USER_AGENT},
        # A pasted link (or where it redirects) must not reach the server's own network.
        event_hooks={"request": [outbound.refuse_private_request]},
    )


def ask(url: str, client: httpx.Client) -> LinkAnswer:
    """GET `url` (redirects followed, the body not read) and say whether it answers."""
    try:
        with client.stream("GET", url) as response:
            status = response.status_code
    except outbound.PrivateTargetRefused as refused:
        return LinkAnswer(False, None, PRIVATE, {"host": refused.params.get("host", "")})
    except httpx.TooManyRedirects:
        return LinkAnswer(False, None, LOOPS, {"count": MAX_REDIRECTS})
    except httpx.TimeoutException:
        return LinkAnswer(False, None, SILENT, {"seconds": f"{TIMEOUT_S:g}"})
    except httpx.HTTPError as exc:
        return LinkAnswer(False, None, UNREACHABLE, {"error": type(exc).__name__})
    if status >= 400:
        return LinkAnswer(False, status, REFUSED, {"status": status})
    return LinkAnswer(True, status, ANSWERS, {"status": status})


def check_live_link(
    settings: Settings,
    publication_id: int,
    *,
    client_factory: ClientFactory = default_client,
    now: datetime | None = None,
) -> LinkAnswer | None:
    """Check a manual publication's pasted link; None when there is nothing to check."""
    with session_scope(settings) as session:
        publication = session.get(Publication, publication_id)
        if publication is None or publication.status != PublicationStatus.published:
            return None
        account = session.get(Account, publication.account_id)
        if account is None or account.platform != MANUAL or not publication.url:
            return None
        url = publication.url
    with client_factory() as client:
        answer = ask(url, client)
    with session_scope(settings) as session:
        _record(session, publication_id, url, answer, now or utcnow())
    return answer


def _record(
    session: Session, publication_id: int, url: str, answer: LinkAnswer, now: datetime
) -> None:
    publication = session.get(Publication, publication_id)
    if publication is None or publication.url != url:  # changed meanwhile: that one is checked
        return
    publication.verification = {
        **(publication.verification or {}),
        "link": {"ok": answer.ok, "status": answer.status, "checked_at": now.isoformat()},
    }
    transitions.add_event(
        session,
        publication_id=publication_id,
        status=publication.status,
        message=answer.message,
        params=answer.params,
    )
    if answer.ok:
        return
    account = session.get(Account, publication.account_id)
    post = session.get(Post, publication.post_id) if publication.post_id else None
    notify(
        session,
        workspace_id=publication.workspace_id,
        kind=NotificationKind.live_link_broken,
        message=N_("The link pasted for “{title}” on {platform} does not answer: check it."),
        params={
            "title": post.title if post and post.title else url,
            "platform": accounts_service.account_platform_name(account) if account else "",
        },
        link=publication_link(publication_id),
    )
    log.info("live link of publication %s: %s %s", publication_id, answer.status, answer.params)
