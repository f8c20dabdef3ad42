"""What a person does with a publication the engine could not finish: retry a failed one, and
settle one that needs review (the post is live: its link; or it is not: failed).

A retry is allowed only where the platform has nothing of the post: a failed publication
(the platform refused it, or nothing was sent) gets a fresh start with a new idempotency key.
A publication whose outcome is unknown (needs review) is never retried blindly: the person
checks on the platform first and says what they found.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from sqlalchemy.orm import Session

from shortops.errors import N_, InvalidInput
from shortops.kit.clock import utcnow
from shortops.models import Account, Publication
from shortops.models import PublicationStatus as S
from shortops.publishing import service, transitions
from shortops.workspaces.service import Actor, record

RETRY_RESET: dict[str, Any] = {
    "next_attempt_at": None,
    "attempts": 0,
    "upload_started_at": None,
    "heartbeat_at": None,
    "upload_progress": 0.0,
    "ticket": None,
    "remote_id": None,
    "url": None,
    "error": None,
    "error_code": None,
    "error_params": {},
    "verification": {},
    "uploaded_sha256": "",
}


def retry_publication(
    session: Session, *, actor: Actor, publication_id: int, now: datetime | None = None
) -> Publication:
    """Schedule a failed publication again, now, as a new upload (the platform has none)."""
    now = now or utcnow()
    publication = service.get_publication_or_raise(
        session, workspace_id=actor.workspace.id, publication_id=publication_id
    )
    if publication.status == S.needs_review:
        raise InvalidInput(
            N_("Nobody knows yet whether this post went out, so it is not sent again. Check on "
               "the platform, then mark it published (with its link) or failed, and retry.")
        )  # fmt: skip
    moved = transitions.move(
        session,
        publication_id=publication.id,
        from_statuses=(S.failed,),
        to=S.scheduled,
        values={**RETRY_RESET, "scheduled_at": now, "idempotency_key": uuid4().hex},
        message=N_("Retried by {name}: sent again as a new upload."),
        params={"name": service.actor_name(actor)},
        now=now,
    )
    done = _done(session, actor, publication, moved, "publication.retried", {})
    service.publish_when_due(session, [done])
    return done


def mark_reviewed_published(
    session: Session, *, actor: Actor, publication_id: int, url: str, now: datetime | None = None
) -> Publication:
    """The person found the post live: keep its link; the publication is published."""
    now = now or utcnow()
    publication = service.get_publication_or_raise(
        session, workspace_id=actor.workspace.id, publication_id=publication_id
    )
    url, _parts = service.pasted_url(url)
    name = service.actor_name(actor)
    moved = transitions.move(
        session,
        publication_id=publication.id,
        from_statuses=(S.needs_review,),
        to=S.published,
        values={
            "url": url,
            "published_at": now,
            "next_attempt_at": None,
            "error": None,
            "error_code": None,
            "error_params": {},
            "verification": {
                "checked_at": now.isoformat(),
                "visibility": "public",
                "url": url,
                "remote_id": publication.remote_id,
                "source": "operator",
                "by": name,
            },
        },
        message=N_("Checked by {name}: live at {url}"),
        params={"name": name, "url": url},
        now=now,
    )
    data = {"outcome": "published", "url": url}
    return _done(session, actor, publication, moved, "publication.reviewed", data)


def mark_reviewed_failed(
    session: Session, *, actor: Actor, publication_id: int, now: datetime | None = None
) -> Publication:
    """The person found nothing on the platform: the publication failed (and may be retried)."""
    now = now or utcnow()
    publication = service.get_publication_or_raise(
        session, workspace_id=actor.workspace.id, publication_id=publication_id
    )
    moved = transitions.move(
        session,
        publication_id=publication.id,
        from_statuses=(S.needs_review,),
        to=S.failed,
        values={
            "next_attempt_at": None,
            "error": N_("{name} checked the platform and found no post."),
            "error_code": "not_on_platform",
            "error_params": {"name": service.actor_name(actor)},
        },
        message=N_("Checked by {name}: not on the platform."),
        params={"name": service.actor_name(actor)},
        now=now,
    )
    return _done(session, actor, publication, moved, "publication.reviewed", {"outcome": "failed"})


def _done(
    session: Session,
    actor: Actor,
    publication: Publication,
    moved: bool,
    action: str,
    data: dict[str, Any],
) -> Publication:
    session.refresh(publication)
    if not moved:
        account = session.get(Account, publication.account_id)
        raise service.locked_error(publication, account.platform if account else "")
    record(
        session,
        action=action,
        actor=actor,
        target=("publication", publication.id),
        data={"post_id": publication.post_id, **data},
    )
    return publication
