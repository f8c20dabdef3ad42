"""Publish pages: the queue (the section's landing page), the composer with live checks, the
calendar (month and week, drag to reschedule) and one publication's page (timeline, what to do
when it failed or needs review, the publish kit of manual accounts).

Everything goes through publishing/service.py and flows.py, as the REST API does: the composer's
live check is `check_post`, "Schedule" is `create_post` (which checks again and writes nothing
on any error), and the calendar and queue are `publications_between` / `list_publications`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from babel.dates import format_skeleton, get_day_names
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shortops.accounts import service as account_service
from shortops.errors import N_, InvalidInput, NotFound
from shortops.kit.clock import utcnow
from shortops.kit.i18n import gettext
from shortops.kit.pagination import PageParams
from shortops.media import service as media_service
from shortops.media.previews import POSTER_KINDS
from shortops.media.store import MediaStore
from shortops.media.views import spec_summary
from shortops.models import (
    Account,
    AssetKind,
    MediaAsset,
    Post,
    Publication,
    Rendition,
    RenditionStatus,
)
from shortops.models import PublicationStatus as S
from shortops.providers.base import PostingRules, Provider
from shortops.providers.manual import ManualOptions, build_kit, limits_for
from shortops.providers.registry import UnknownPlatform, provider_class
from shortops.providers.types import Limits, Severity
from shortops.publishing import actions, compose, flows, renditions, service
from shortops.publishing.errors import PostInvalid, PublicationLocked
from shortops.publishing.schemas import (
    STATUS_LABELS,
    IssueRead,
    PostCreate,
    PublicationFilters,
    PublicationRead,
    Schedule,
    TargetCreate,
    TextOverrides,
)
from shortops.web.csrf import csrf_protect
from shortops.web.pages import (
    error_message,
    flash,
    page,
    redirect,
    request_language,
    safe_next,
    translate,
)
from shortops.workspaces.deps import DbSession, web_actor
from shortops.workspaces.permissions import Permission
from shortops.workspaces.service import Actor
from shortops.workspaces.views import invalid

log = logging.getLogger("shortops.publishing")

router = APIRouter(prefix="/publish", dependencies=[Depends(csrf_protect)], include_in_schema=False)

Reader = Annotated[Actor, Depends(web_actor(Permission.read))]
Writer = Annotated[Actor, Depends(web_actor(Permission.write))]

PER_PAGE = 25
POLL_S = 5
ASSETS_SHOWN = 60
ACCOUNTS_SHOWN = 200
EDITS_SHOWN = 40
# Statuses the engine still moves on its own: their rows refresh themselves.
LIVE = frozenset({S.draft, S.scheduled, S.uploading, S.processing})
TABS = ("scheduled", "uploading", "processing", "published", "failed", "needs_review", "cancelled")
# Set by the engine, not by a person (the manual kit's platform comes from the account).
HIDDEN_OPTIONS = frozenset({"platform_label"})
# Options a platform's rules make the user choose for every post (TikTok's guidelines: privacy
# has no default), though the options model allows leaving them out for other modes.
MUST_CHOOSE = {("tiktok", "privacy_level")}

OPTION_LABELS = {
    "platform_label": N_("Platform"),
    "privacy_level": N_("Who can see it"),
    "privacy": N_("Privacy"),
    "visibility": N_("Visibility"),
    "mode": N_("How to post"),
    "disable_comment": N_("Turn off comments"),
    "disable_duet": N_("Turn off duets"),
    "disable_stitch": N_("Turn off stitches"),
    "video_cover_timestamp_ms": N_("Cover frame (ms from the start)"),
    "brand_content_toggle": N_("Paid partnership (branded content)"),
    "brand_organic_toggle": N_("Promotes my own business"),
    "is_aigc": N_("AI-generated content"),
    "ai_generated": N_("AI-generated content"),
    "made_for_kids": N_("Made for kids"),
    "category_id": N_("Category id"),
    "notify_subscribers": N_("Notify subscribers"),
    "short": N_("Post as a Short"),
    "processing_polls": N_("Processing steps"),
    "simulate": N_("Simulate"),
    "short_title": N_("Short title"),
    "branded_content": N_("Paid partnership (branded content)"),
    "brand": N_("Brand"),
    "reprint_source": N_("Reprint source (empty for original work)"),
    "tid": N_("Category (分区) id"),
    "copyright": N_("Copyright"),
    "source": N_("Reprint source"),
    "no_reprint": N_("Ask others not to repost"),
    "topic_id": N_("Topic id"),
    "mission_id": N_("Event id"),
    "cover_tsp": N_("Cover frame (seconds from the start)"),
    "share_to_feed": N_("Also show in the main feed"),
    "thumb_offset_ms": N_("Cover frame (ms from the start)"),
    "collaborators": N_("Collaborators (comma-separated)"),
}
VALUE_LABELS = {
    "PUBLIC_TO_EVERYONE": N_("Everyone"),
    "MUTUAL_FOLLOW_FRIENDS": N_("Friends"),
    "FOLLOWER_OF_CREATOR": N_("Followers"),
    "SELF_ONLY": N_("Only me"),
    "public": N_("Public"),
    "private": N_("Private"),
    "unlisted": N_("Unlisted"),
    "direct": N_("Post directly"),
    "inbox": N_("Send to the inbox as a draft"),
    "none": N_("Nothing (publish normally)"),
    "fail_upload": N_("A failed upload"),
    "reject": N_("A rejection"),
    "slow_processing": N_("Slow processing"),
    "outcome_unknown": N_("An unknown outcome"),
}
YES, NO = N_("yes"), N_("no")
VISIBILITY_LABELS = {
    "public": N_("Public"),
    "private": N_("Private"),
    "unlisted": N_("Unlisted"),
    "friends": N_("Friends"),
    "followers": N_("Followers"),
    "inbox": N_("Draft in the inbox"),
    "unknown": N_("Unknown"),
}
# What to do about a failure, by the publication's error code.
REAUTH_ADVICE = N_("Reconnect the account under Accounts, then duplicate the post.")
UNAVAILABLE_ADVICE = N_(
    "The platform did not take the video, so nothing was posted. Duplicate the post to try "
    "again (the copy can be scheduled right away)."
)
ADVICE = {
    "provider_unavailable": UNAVAILABLE_ADVICE,
    "provider_rate_limited": UNAVAILABLE_ADVICE,
    "provider_rejected": N_(
        "Change what the platform names, then duplicate the post and schedule the copy."
    ),
    "provider_reauth_required": REAUTH_ADVICE,
    "account_needs_reauth": REAUTH_ADVICE,
    "account_signed_out": REAUTH_ADVICE,
    "account_disconnected": N_(
        "Reconnect the account under Accounts (or leave it out), then duplicate the post."
    ),
    "missing_app_credentials": N_(
        "Add the platform's app credentials under Settings → Platforms, then duplicate the post."
    ),
    "invalid_for_platform": N_(
        "The account's rules changed since the post was scheduled: duplicate the post, adjust "
        "its text or options, and schedule the copy."
    ),
    "rendition_failed": N_(
        "Open the video under Produce to see why its version for this platform failed, then "
        "duplicate the post."
    ),
    "video_deleted": N_("The video was deleted: compose a new post with another video."),
    "missing_media_file": N_(
        "The video file is missing from the media store: upload it again and compose a new post."
    ),
}
FAILED_ADVICE = N_("Duplicate the post to try again once the cause is fixed.")
REVIEW_ADVICE = N_(
    "Open the platform with “Check on the platform”. If the post is there, it went through: "
    "nothing more to do. If it is not, duplicate the post and schedule the copy. shortops does "
    "not upload it again by itself, so it is never posted twice."
)
CALENDAR_VIEWS = ("month", "week")

Gettext = Callable[[str], str]


def _store(request: Request) -> MediaStore:
    return MediaStore.from_settings(request.app.state.settings)


def _gettext(request: Request) -> Gettext:
    language = request_language(request)
    return lambda text: gettext(language, text)


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _provider(platform: str) -> type[Provider] | None:
    try:
        return provider_class(platform)
    except UnknownPlatform:
        return None


# --- the queue ------------------------------------------------------------------------------------


@router.get("", response_class=HTMLResponse)
def queue(
    request: Request,
    session: DbSession,
    actor: Reader,
    status: str = "all",
    account: str = "",
    post: int | None = None,
    page_number: int = 1,
) -> HTMLResponse:
    """Every publication, earliest first, by status tab and account; rows refresh themselves."""
    tab = status if status in TABS else "all"
    account_id = int(account) if account.isdigit() else None
    filters = PublicationFilters(
        statuses=(S(tab),) if tab != "all" else (),
        account_id=account_id,
        post_id=post,
    )
    params = PageParams(page=max(1, page_number), per_page=PER_PAGE)
    publications, total = service.list_publications(
        session, workspace_id=actor.workspace.id, params=params, filters=filters
    )
    accounts, _total = account_service.list_accounts(
        session, workspace_id=actor.workspace.id, params=PageParams(per_page=ACCOUNTS_SHOWN)
    )
    shown_post = None
    if post is not None:
        shown_post = service.get_post_or_raise(
            session, workspace_id=actor.workspace.id, post_id=post
        )
    query = {"status": tab, "account": account if account_id else "", "post": post or ""}
    return page(
        request,
        "publishing/queue.html",
        actor=actor,
        active="publish",
        subnav="queue",
        tab=tab,
        tabs=TABS,
        account_groups=_account_groups([account_service.account_read(a) for a in accounts]),
        account_id=account_id,
        shown_post=shown_post,
        total=total,
        page_number=params.page,
        per_page=params.per_page,
        query=query,
        here=str(request.url.path) + ("?" + request.url.query if request.url.query else ""),
        **_rows_context(request, session, actor, publications),
    )


@router.get("/rows", response_class=HTMLResponse)
def queue_rows(
    request: Request,
    session: DbSession,
    actor: Reader,
    ids: Annotated[list[int] | None, Query()] = None,
    here: str = "/publish",
) -> HTMLResponse:
    """The queue's rows again (the same publications, in the same order) for the page's poll."""
    publications = []
    for publication_id in (ids or [])[:PER_PAGE]:
        try:
            publications.append(
                service.get_publication_or_raise(
                    session, workspace_id=actor.workspace.id, publication_id=publication_id
                )
            )
        except NotFound:
            continue  # deleted with its account since the page was shown
    return page(
        request,
        "publishing/_rows.html",
        actor=actor,
        here=safe_next(here, "/publish"),
        **_rows_context(request, session, actor, publications),
    )


def _rows_context(
    request: Request, session: Session, actor: Actor, publications: Sequence[Publication]
) -> dict[str, Any]:
    reads = service.read_publications(session, publications, _gettext(request))
    titles = _post_titles(session, actor, [p.post_id for p in reads])
    accounts = _accounts_of(session, [p.account_id for p in reads])
    rows = [{"pub": p, "title": titles.get(p.post_id or 0, ""), **_who(accounts, p)} for p in reads]
    return {
        "rows": rows,
        "row_ids": [p.id for p in reads],
        "polling": any(p.status in LIVE for p in reads),
        "poll_s": POLL_S,
        "status_labels": STATUS_LABELS,
        "visibility_labels": VISIBILITY_LABELS,
        "can_write": actor.can(Permission.write),
        "now_local": _local_input(utcnow(), actor.workspace.timezone),
    }


def _post_titles(session: Session, actor: Actor, post_ids: Iterable[int | None]) -> dict[int, str]:
    titles: dict[int, str] = {}
    for post_id in {p for p in post_ids if p is not None}:
        try:
            post = service.get_post_or_raise(
                session, workspace_id=actor.workspace.id, post_id=post_id
            )
        except NotFound:
            continue
        titles[post_id] = post.title
    return titles


def _accounts_of(session: Session, account_ids: Iterable[int]) -> dict[int, Any]:
    return {
        account_id: account_service.account_read(account)
        for account_id, account in service.accounts_by_id(session, account_ids).items()
    }


def _who(accounts: dict[int, Any], publication: PublicationRead) -> dict[str, Any]:
    """How a publication's account is named in lists: platform, handle, sandbox or manual."""
    account = accounts.get(publication.account_id)
    if account is None:
        return {"platform_name": publication.platform, "handle": publication.account_handle,
                "sandbox": False, "manual": False}  # fmt: skip
    return {
        "platform_name": account.platform_name or account.platform,
        "handle": account.handle,
        "sandbox": account.is_sandbox,
        "manual": account.platform == renditions.MANUAL,
    }


def _account_groups(accounts: Sequence[Any]) -> list[dict[str, Any]]:
    """Accounts by platform (for filters and the composer), platforms in name order."""
    groups: dict[str, dict[str, Any]] = {}
    for account in accounts:
        name = account.platform_name or account.platform
        key = f"{account.platform}:{name}"
        group = groups.setdefault(
            key,
            {"platform": account.platform, "name": name, "sandbox": account.is_sandbox,
             "accounts": []},
        )  # fmt: skip
        group["accounts"].append(account)
    return sorted(groups.values(), key=lambda g: (not g["sandbox"], g["name"].casefold()))


# --- changes from the queue, the calendar and the publication page --------------------------------


@router.post("/publications/{publication_id}/retry")
def retry(request: Request, session: DbSession, actor: Writer, publication_id: int) -> Response:
    """Send a failed publication again (a publication that needs review is checked first)."""
    try:
        actions.retry_publication(session, actor=actor, publication_id=publication_id)
    except (PublicationLocked, InvalidInput) as exc:
        session.rollback()
        flash(request, error_message(request, exc), "error")
    else:
        session.commit()
        flash(request, translate(request, N_("Sent again: it publishes now.")), "success")
    return redirect(f"/publish/publications/{publication_id}")


@router.post("/publications/{publication_id}/review")
def review(
    request: Request,
    session: DbSession,
    actor: Writer,
    publication_id: int,
    outcome: Annotated[str, Form()] = "",
    url: Annotated[str, Form()] = "",
) -> Response:
    """What the person found on the platform: live (with its link) or not there."""
    try:
        if outcome == "published":
            actions.mark_reviewed_published(
                session, actor=actor, publication_id=publication_id, url=url
            )
            message = N_("Marked published.")
        else:
            actions.mark_reviewed_failed(session, actor=actor, publication_id=publication_id)
            message = N_("Marked failed: nothing is on the platform. You can send it again.")
    except (PublicationLocked, InvalidInput) as exc:
        session.rollback()
        flash(request, error_message(request, exc), "error")
    else:
        session.commit()
        flash(request, translate(request, message), "success")
    return redirect(f"/publish/publications/{publication_id}")


@router.post("/publications/{publication_id}/cancel")
def cancel(
    request: Request,
    session: DbSession,
    actor: Writer,
    publication_id: int,
    next: Annotated[str, Form()] = "",
) -> Response:
    service.get_publication_or_raise(
        session, workspace_id=actor.workspace.id, publication_id=publication_id
    )
    try:
        service.cancel_publication(session, actor=actor, publication_id=publication_id)
    except PublicationLocked as exc:
        session.rollback()
        flash(request, error_message(request, exc), "error")
    else:
        flash(request, translate(request, N_("Cancelled: it will not be published.")), "success")
    return redirect(safe_next(next, f"/publish/publications/{publication_id}"))


@router.post("/publications/{publication_id}/reschedule", response_class=HTMLResponse)
def reschedule(
    request: Request,
    session: DbSession,
    actor: Writer,
    publication_id: int,
    at: Annotated[str, Form()] = "",
    date_: Annotated[str, Form(alias="date")] = "",
    next: Annotated[str, Form()] = "",
    view: Annotated[str, Form()] = "month",
    anchor: Annotated[str, Form()] = "",
) -> Response:
    """Move a scheduled publication: to `at` (a local date and time), or to another `date`
    keeping its time of day (a chip dropped on another day of the calendar)."""
    publication = service.get_publication_or_raise(
        session, workspace_id=actor.workspace.id, publication_id=publication_id
    )
    timezone = actor.workspace.timezone
    notice: tuple[str, str]
    try:
        when = _new_time(publication, timezone, at=at, day=date_)
        moved = service.reschedule_publication(
            session, actor=actor, publication_id=publication_id, at=when
        )
    except (InvalidInput, PublicationLocked) as exc:
        session.rollback()
        notice = ("error", error_message(request, exc))
    else:
        session.commit()
        text = translate(request, N_("Moved to {time}.")).format(
            time=service.local_time(moved.scheduled_at or utcnow(), timezone)
        )
        notice = ("success", text)
    if _is_htmx(request):
        return _calendar_page(
            request, session, actor, view=view, anchor=anchor, notice=notice, fragment=True
        )
    flash(request, notice[1], notice[0])
    return redirect(safe_next(next, f"/publish/publications/{publication_id}"))


def _new_time(publication: Publication, timezone: str, *, at: str, day: str) -> datetime:
    """A naive local time (read in the workspace's timezone by the service)."""
    if day.strip():
        try:
            target = date.fromisoformat(day.strip())
        except ValueError:
            raise InvalidInput(N_("“{value}” is not a date."), value=day) from None
        current = publication.scheduled_at or utcnow()
        local = current.astimezone(service.workspace_zone(timezone))
        return datetime.combine(target, local.time().replace(tzinfo=None))
    return _parse_local(at)


def _parse_local(value: str) -> datetime:
    text = value.strip()
    if not text:
        raise InvalidInput(N_("Choose a date and time."))
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(N_("“{value}” is not a date and time."), value=value) from None
    return moment.replace(tzinfo=None) if moment.tzinfo is None else moment


@router.post("/publications/{publication_id}/complete")
def complete(
    request: Request,
    session: DbSession,
    actor: Writer,
    publication_id: int,
    url: Annotated[str, Form()] = "",
) -> Response:
    """A manual publication is live: the operator pastes its address."""
    publication = service.get_publication_or_raise(
        session, workspace_id=actor.workspace.id, publication_id=publication_id
    )
    try:
        flows.complete_manual(session, publication=publication, url=url, actor=actor)
    except (InvalidInput, PublicationLocked) as exc:
        session.rollback()
        flash(request, error_message(request, exc), "error")
    else:
        session.commit()
        done = N_("Marked as published. shortops now checks that the link answers.")
        flash(request, translate(request, done), "success")
    return redirect(f"/publish/publications/{publication_id}")


# --- one publication ------------------------------------------------------------------------------


@router.get("/publications/{publication_id}", response_class=HTMLResponse)
def publication_page(
    request: Request, session: DbSession, actor: Reader, publication_id: int
) -> HTMLResponse:
    """Facts, status, the verified link, the timeline, what to do, and a manual kit."""
    workspace_id = actor.workspace.id
    publication = service.get_publication_or_raise(
        session, workspace_id=workspace_id, publication_id=publication_id
    )
    read = service.read_publication(session, publication, _gettext(request))
    account_row = session.get(Account, publication.account_id)
    account = account_service.account_read(account_row) if account_row else None
    post = None
    if publication.post_id is not None:
        try:
            post = service.get_post_or_raise(
                session, workspace_id=workspace_id, post_id=publication.post_id
            )
        except NotFound:
            post = None
    manual = account_row is not None and account_row.platform == renditions.MANUAL
    kit = None
    if manual and account_row is not None and post is not None:
        kit = _kit(request, session, actor, publication, account_row, post)
    advice = None
    if read.status == S.failed:
        advice = ADVICE.get(read.error_code or "", FAILED_ADVICE)
    elif read.status == S.needs_review:
        advice = REVIEW_ADVICE
    return page(
        request,
        "publishing/publication.html",
        actor=actor,
        active="publish",
        subnav="queue",
        pub=read,
        account=account,
        post=post,
        kit=kit,
        manual=manual,
        advice=advice,
        live=read.status in LIVE,
        poll_s=POLL_S,
        status_labels=STATUS_LABELS,
        visibility_labels=VISIBILITY_LABELS,
        options=_options_view(read.options),
        can_write=actor.can(Permission.write),
        can_complete=manual and read.status in (S.scheduled, S.processing, S.needs_review),
        now_local=_local_input(utcnow(), actor.workspace.timezone),
        scheduled_local=_local_input(read.scheduled_at, actor.workspace.timezone),
    )


def _options_view(options: dict[str, Any]) -> list[tuple[str, Any]]:
    """A publication's options as (label, value) for people: labels and values in words (the
    template translates them), booleans as yes or no, unset ones left out."""
    shown: list[tuple[str, Any]] = []
    for key, value in options.items():
        if value is None or value == "" or value == []:
            continue
        if isinstance(value, bool):
            value = YES if value else NO
        elif isinstance(value, str):
            value = VALUE_LABELS.get(value, value)
        elif isinstance(value, list):
            value = ", ".join(str(item) for item in value)
        shown.append((OPTION_LABELS.get(key, key), value))
    return shown


def _kit(
    request: Request,
    session: Session,
    actor: Actor,
    publication: Publication,
    account: Account,
    post: Post,
) -> dict[str, Any]:
    """The publish kit of a manual publication: texts, files and the checklist, translated."""
    overrides = publication.overrides or {}
    options_in = service.request_options(account, publication.options or {})
    try:
        options = ManualOptions.model_validate(options_in)
    except ValidationError:
        options = ManualOptions(platform_label=account.platform_label)
    text = service.target_text(
        title=post.title, caption=post.caption, hashtags=post.hashtags, overrides=overrides
    )
    title, caption, hashtags = text.title, text.caption, list(text.hashtags)
    asset = session.get(MediaAsset, post.asset_id) if post.asset_id else None
    video_url = f"/produce/assets/{post.asset_id}/file" if asset else None
    filename = asset.filename if asset else ""
    cover_urls: list[tuple[str, str]] = []
    if publication.rendition_id is not None:
        try:
            rendition = media_service.get_rendition_or_raise(
                session, workspace_id=actor.workspace.id, rendition_id=publication.rendition_id
            )
        except NotFound:
            rendition = None
        if rendition is not None and rendition.status == RenditionStatus.ready:
            video_url = f"/produce/renditions/{rendition.id}/file"
            filename = media_service.download_stem(session, rendition) + ".mp4"
            read = media_service.rendition_read(rendition)
            cover_urls = [
                (name, f"/produce/renditions/{rendition.id}/covers/{name}") for name in read.covers
            ]
    kit = build_kit(
        platform_label=account.platform_label,
        title=str(title),
        caption=str(caption),
        hashtags=tuple(str(tag) for tag in hashtags or ()),
        options=options,
        filename=filename,
    )
    translate_ = _gettext(request)
    if post.cover_asset_id is not None:
        cover_urls.insert(0, ("cover", f"/produce/assets/{post.cover_asset_id}/file"))
    return {
        "platform_name": kit.platform_name,
        "upload_url": kit.upload_url,
        "title": kit.title,
        "short_title": kit.short_title,
        "caption": kit.caption,
        "video_url": video_url,
        "cover_urls": cover_urls,
        "checklist": [
            {
                "text": service.render_message(item.text, item.params, translate_),
                "required": item.required,
                "code": item.code,
            }
            for item in kit.checklist
        ],
    }


# --- the composer ---------------------------------------------------------------------------------


@dataclass
class OptionField:
    """One platform option as a form control, read from the options model's JSON schema."""

    name: str
    label: str
    kind: str  # select | checkbox | number | text | list
    default: Any = None
    choices: list[tuple[Any, str]] = field(default_factory=list)
    required: bool = False
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    step: str = "1"
    max_length: int | None = None
    locked: bool = False  # the platform turned it off for this account (TikTok's creator_info)


def option_fields(model: type[BaseModel], platform: str = "") -> list[OptionField]:
    """The options model's fields as controls: enums are selects, booleans checkboxes, numbers
    and strings inputs; fields without a default are required."""
    schema = model.model_json_schema()
    definitions = schema.get("$defs", {})
    required = set(schema.get("required", []))
    found: list[OptionField] = []
    for name, prop in schema.get("properties", {}).items():
        if name in HIDDEN_OPTIONS:
            continue
        spec, nullable = _unwrap(prop, definitions)
        label = OPTION_LABELS.get(name, str(prop.get("title") or name))
        kind = _kind(spec)
        option = OptionField(
            name=name,
            label=label,
            kind=kind,
            default=prop.get("default"),
            required=name in required or (platform, name) in MUST_CHOOSE,
            nullable=nullable,
            max_length=spec.get("maxLength"),
        )
        if kind == "select":
            option.choices = [
                (value, VALUE_LABELS.get(str(value), str(value))) for value in spec["enum"]
            ]
        if kind == "number":
            option.minimum = spec.get("minimum", spec.get("exclusiveMinimum"))
            option.maximum = spec.get("maximum")
            option.step = "1" if spec.get("type") == "integer" else "any"
        found.append(option)
    return found


def _unwrap(prop: dict[str, Any], definitions: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The property's own schema (a $ref followed, `X | None` unwrapped) and whether None is ok."""
    nullable = False
    spec = prop
    if "anyOf" in prop:
        branches = [b for b in prop["anyOf"] if b.get("type") != "null"]
        nullable = len(branches) < len(prop["anyOf"])
        spec = branches[0] if branches else {}
    if "$ref" in spec:
        spec = definitions.get(spec["$ref"].rsplit("/", 1)[-1], {})
    return spec, nullable


def _kind(spec: dict[str, Any]) -> str:
    if "enum" in spec:
        return "select"
    kind = spec.get("type")
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    if kind == "array":
        return "list"
    return "text"


def _option_value(option: OptionField, raw: list[str] | None, shown: bool) -> tuple[bool, Any]:
    """(given, value) of one option from the posted form; not given = the platform's default."""
    if option.kind == "checkbox":
        if raw:
            return True, True
        return (True, False) if shown else (False, None)
    text = (raw or [""])[-1].strip()
    if not text:
        return False, None
    if option.kind == "select":
        for value, _label in option.choices:
            if str(value) == text:
                return True, value
        return True, text  # not one of the choices: the check names it
    if option.kind == "number":
        try:
            return True, int(text) if option.step == "1" else float(text.replace(",", "."))
        except ValueError:
            return True, text
    if option.kind == "list":
        return True, _split_list(text)
    return True, text


def _split_list(text: str) -> list[str]:
    for separator in ("，", "、", ";", "\n"):
        text = text.replace(separator, ",")
    return [part.strip() for part in text.split(",") if part.strip()]


def split_hashtags(text: str) -> list[str]:
    """Hashtags as typed: separated by commas, spaces or '#' (Chinese commas too)."""
    for separator in ("，", "、", ",", "#", "\n", "\t"):
        text = text.replace(separator, " ")
    return [part for part in text.split(" ") if part]


@dataclass
class ComposerTarget:
    """One account the composer offers, with its platform's options and text limits."""

    account: Any  # AccountRead
    provider: type[Provider] | None
    fields: list[OptionField]
    limits: Limits


@dataclass
class ComposerState:
    """The composer's fields as typed (shown again as they were after an error)."""

    asset_id: str = ""
    cover_asset_id: str = ""
    title: str = ""
    caption: str = ""
    hashtags: str = ""
    when: str = "at"
    at: str = ""
    targets: list[int] = field(default_factory=list)
    renditions: dict[int, str] = field(default_factory=dict)  # account -> chosen edit ("": auto)
    overrides: dict[int, dict[str, str]] = field(default_factory=dict)
    options: dict[int, dict[str, Any]] = field(default_factory=dict)


async def _form_lists(request: Request) -> dict[str, list[str]]:
    form = await request.form()
    values: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            values.setdefault(key, []).append(value)
    return values


FormLists = Annotated[dict[str, list[str]], Depends(_form_lists)]


def _one(form: dict[str, list[str]], key: str) -> str:
    return (form.get(key) or [""])[-1]


def _composer_targets(session: Session, actor: Actor) -> dict[int, ComposerTarget]:
    accounts, _total = account_service.list_accounts(
        session, workspace_id=actor.workspace.id, params=PageParams(per_page=ACCOUNTS_SHOWN)
    )
    targets: dict[int, ComposerTarget] = {}
    for row in accounts:
        cls = _provider(row.platform)
        fields = option_fields(cls.options_model, row.platform) if cls is not None else []
        limits = cls.limits if cls is not None else Limits()
        if row.platform == renditions.MANUAL:
            limits = limits_for(row.platform_label)
        targets[row.id] = ComposerTarget(account_service.account_read(row), cls, fields, limits)
    return targets


def _state_from_form(
    form: dict[str, list[str]], targets: dict[int, ComposerTarget]
) -> ComposerState:
    state = ComposerState(
        asset_id=_one(form, "asset_id"),
        cover_asset_id=_one(form, "cover_asset_id"),
        title=_one(form, "title"),
        caption=_one(form, "caption"),
        hashtags=_one(form, "hashtags"),
        when=_one(form, "when") or "at",
        at=_one(form, "at"),
    )
    for value in form.get("targets", []):
        if value.isdigit() and int(value) not in state.targets:
            state.targets.append(int(value))
    for account_id, target in targets.items():
        prefix = f"t{account_id}."
        state.renditions[account_id] = _one(form, prefix + "rendition_id")
        state.overrides[account_id] = {
            key: _one(form, prefix + key) for key in ("title", "caption", "hashtags")
        }
        shown = bool(form.get(prefix + "options_shown"))
        chosen: dict[str, Any] = {}
        for option in target.fields:
            given, value = _option_value(option, form.get(prefix + "opt." + option.name), shown)
            if given:
                chosen[option.name] = value
        if target.account.platform == renditions.MANUAL and target.account.platform_label:
            # Named explicitly: the check otherwise sees the options model's empty default
            # instead of the account's platform and skips that platform's limits.
            chosen["platform_label"] = target.account.platform_label
        state.options[account_id] = chosen
    return state


def _post_from_state(request: Request, state: ComposerState) -> tuple[PostCreate | None, list[str]]:
    """The post the composer describes, or the problems that keep it from being one."""
    problems: list[str] = []
    asset_id = int(state.asset_id) if state.asset_id.strip().isdigit() else None
    chosen = {a: int(r) for a, r in state.renditions.items() if a in state.targets and r.isdigit()}
    if asset_id is None and not chosen:
        problems.append(translate(request, N_("Choose a video.")))
    if not state.targets:
        problems.append(translate(request, N_("Choose at least one account.")))
    at: Any = "now"
    if state.when != "now":
        try:
            at = _parse_local(state.at)
        except InvalidInput as exc:
            problems.append(error_message(request, exc))
    if problems:
        return None, problems
    try:
        targets = [
            TargetCreate(
                account_id=account_id,
                rendition_id=chosen.get(account_id),
                options=state.options.get(account_id, {}),
                overrides=_overrides(state.overrides.get(account_id, {})),
            )
            for account_id in state.targets
        ]
        data = PostCreate(
            title=state.title.strip(),
            caption=state.caption.strip(),
            hashtags=split_hashtags(state.hashtags),
            asset_id=asset_id,
            cover_asset_id=int(state.cover_asset_id) if state.cover_asset_id.isdigit() else None,
            targets=targets,
            schedule=Schedule(at=at),
        )
    except ValidationError as exc:
        return None, [invalid(request, exc).render()]
    return data, []


def _overrides(values: dict[str, str]) -> TextOverrides:
    """A blank override field means "the post's own text"."""
    title, caption, hashtags = (values.get(k, "").strip() for k in ("title", "caption", "hashtags"))
    return TextOverrides(
        title=title or None,
        caption=caption or None,
        hashtags=split_hashtags(hashtags) if hashtags else None,
    )


@dataclass
class CheckView:
    """A check's issues as the composer shows them: the post's, and each account's."""

    post: list[IssueRead] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    targets: dict[int, list[IssueRead]] = field(default_factory=dict)
    posts: dict[int, int | None] = field(default_factory=dict)  # account -> rendition it posts
    checked: bool = False  # the live check has run
    ran: bool = False  # ... and got as far as the accounts (a video and accounts were chosen)
    ok: bool = False

    @property
    def errors(self) -> int:
        issues = [*self.post, *(i for found in self.targets.values() for i in found)]
        return len(self.problems) + sum(1 for i in issues if i.severity == Severity.error)

    @property
    def warnings(self) -> int:
        issues = [*self.post, *(i for found in self.targets.values() for i in found)]
        return sum(1 for i in issues if i.severity == Severity.warning)


def _check_view(
    request: Request, check: compose.PostCheck | None, problems: list[str]
) -> CheckView:
    view = CheckView(problems=problems, checked=True)
    if check is None:
        return view
    view.ran = True
    translate_ = _gettext(request)
    view.post = [service.issue_read(issue, translate_) for issue in check.issues]
    for target in check.targets:
        view.targets.setdefault(target.account_id, []).extend(
            service.issue_read(issue, translate_) for issue in target.issues
        )
        view.posts[target.account_id] = target.rendition.id if target.rendition else None
    view.ok = check.ok and not problems
    return view


@router.get("/new", response_class=HTMLResponse)
def composer(
    request: Request,
    session: DbSession,
    actor: Writer,
    asset: int | None = None,
    duplicate: int | None = None,
) -> HTMLResponse:
    """A new post; `asset` picks the video, `duplicate` copies a post's text, video and targets."""
    state = ComposerState(at=_default_time(actor.workspace.timezone))
    if asset is not None:
        state.asset_id = str(asset)
    if duplicate is not None:
        _copy_post(session, actor, state, duplicate)
    return _composer_page(request, session, actor, state)


def _default_time(timezone: str) -> str:
    """The next full hour, at least 30 minutes ahead, as a datetime-local value."""
    moment = utcnow() + timedelta(minutes=30)
    moment = moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return _local_input(moment, timezone)


def _copy_post(session: Session, actor: Actor, state: ComposerState, post_id: int) -> None:
    post = service.get_post_or_raise(session, workspace_id=actor.workspace.id, post_id=post_id)
    state.asset_id = str(post.asset_id or "")
    state.cover_asset_id = str(post.cover_asset_id or "")
    state.title, state.caption = post.title, post.caption
    state.hashtags = " ".join(post.hashtags)
    rows, _total = service.list_publications(
        session,
        workspace_id=actor.workspace.id,
        params=PageParams(per_page=50),
        filters=PublicationFilters(post_id=post.id),
    )
    for row in rows:
        if row.account_id in state.targets:
            continue
        state.targets.append(row.account_id)
        state.options[row.account_id] = dict(row.options or {})
        overrides = row.overrides or {}
        state.overrides[row.account_id] = {
            "title": str(overrides.get("title") or ""),
            "caption": str(overrides.get("caption") or ""),
            "hashtags": " ".join(overrides.get("hashtags") or []),
        }


@router.post("/new/check", response_class=HTMLResponse)
def composer_check(
    request: Request, session: DbSession, actor: Writer, form: FormLists
) -> HTMLResponse:
    """The composer's live check (htmx): every issue of every ticked account, nothing written."""
    targets = _composer_targets(session, actor)
    state = _state_from_form(form, targets)
    data, problems = _post_from_state(request, state)
    check = None
    if data is not None:
        store = _store(request)
        check = compose.check_post(session, workspace=actor.workspace, data=data, store=store)
    session.rollback()  # a check writes nothing, whatever a provider's validate touched
    return page(
        request,
        "publishing/_checks.html",
        actor=actor,
        checks=_check_view(request, check, problems),
        account_ids=list(targets),
        ticked=state.targets,
        state=state,
        edits=_edits(request, session, actor, state),
    )


@router.post("/new", response_class=HTMLResponse)
def create(request: Request, session: DbSession, actor: Writer, form: FormLists) -> Response:
    """Schedule the post: checked again here; on any error nothing is written."""
    targets = _composer_targets(session, actor)
    state = _state_from_form(form, targets)
    data, problems = _post_from_state(request, state)
    if data is None:
        return _composer_page(
            request, session, actor, state, checks=_check_view(request, None, problems),
            status_code=422,
        )  # fmt: skip
    store = _store(request)
    try:
        created = compose.create_post(session, actor=actor, data=data, store=store)
    except PostInvalid as exc:
        session.rollback()
        return _composer_page(
            request, session, actor, state, checks=_check_view(request, exc.report, []),
            status_code=exc.status,
        )  # fmt: skip
    session.commit()
    names = ", ".join(_target_name(targets.get(p.account_id)) for p in created.publications)
    if data.schedule.at == "now":
        message = translate(request, N_("Publishing now on {accounts}."))
    else:
        message = translate(request, N_("Scheduled for {time} on {accounts}."))
    when = service.local_time(
        created.publications[0].scheduled_at or utcnow(), actor.workspace.timezone
    )
    flash(request, message.format(accounts=names, time=when), "success")
    return redirect(f"/publish?post={created.post.id}")


def _target_name(target: ComposerTarget | None) -> str:
    if target is None:
        return "?"
    account = target.account
    return f"{account.platform_name or account.platform} @{account.handle.lstrip('@')}"


def _composer_page(
    request: Request,
    session: Session,
    actor: Actor,
    state: ComposerState,
    *,
    checks: CheckView | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    workspace_id = actor.workspace.id
    videos, video_total = media_service.list_assets(
        session, workspace_id=workspace_id, params=PageParams(per_page=ASSETS_SHOWN),
        kind=AssetKind.video,
    )  # fmt: skip
    if state.asset_id.isdigit() and all(str(v.id) != state.asset_id for v in videos):
        try:
            videos.insert(
                0,
                media_service.get_asset_or_raise(
                    session, workspace_id=workspace_id, asset_id=int(state.asset_id)
                ),
            )
        except NotFound:
            state.asset_id = ""
    images, _total = media_service.list_assets(
        session, workspace_id=workspace_id, params=PageParams(per_page=ASSETS_SHOWN),
        kind=AssetKind.image,
    )  # fmt: skip
    targets = _composer_targets(session, actor)
    groups = _account_groups([t.account for t in targets.values()])
    asked = [i for i in targets if i in state.targets or len(targets) <= 20]
    rules = {
        account_id: compose.live_rules(session, account=account)
        for account_id, account in service.accounts_by_id(session, asked).items()
    }
    return page(
        request,
        "publishing/composer.html",
        actor=actor,
        active="publish",
        subnav="new",
        can_write=True,
        status_code=status_code,
        state=state,
        videos=[media_service.asset_read(v) for v in videos],
        posters={v.id: v.kind in POSTER_KINDS for v in videos},
        video_total=video_total,
        images=[media_service.asset_read(i) for i in images],
        groups=groups,
        targets=targets,
        controls={
            account_id: _controls(target, state.options.get(account_id), rules.get(account_id))
            for account_id, target in targets.items()
        },
        checks=checks or CheckView(),
        edits=_edits(request, session, actor, state),
        timezone=actor.workspace.timezone,
        now_local=_local_input(utcnow(), actor.workspace.timezone),
    )


def _controls(
    target: ComposerTarget, chosen: dict[str, Any] | None, rules: PostingRules | None
) -> list[dict[str, Any]]:
    """The option controls of one account with their current values, narrowed by the
    account's live rules where the platform has them (TikTok's privacy options, switched-off
    comments, duets and stitches)."""
    controls = []
    for option in target.fields:
        value = (chosen or {}).get(option.name, option.default)
        choices = option.choices
        locked = False
        if rules is not None:
            if option.name == "privacy_level" and rules.privacy_options:
                choices = [c for c in choices if c[0] in rules.privacy_options]
            disabled = {
                "disable_comment": rules.comments_disabled,
                "disable_duet": rules.duet_disabled,
                "disable_stitch": rules.stitch_disabled,
            }
            if disabled.get(option.name):
                locked, value = True, True
        controls.append({"field": option, "value": value, "choices": choices, "locked": locked})
    return controls


# --- the calendar ---------------------------------------------------------------------------------


@router.get("/calendar", response_class=HTMLResponse)
def calendar(
    request: Request,
    session: DbSession,
    actor: Reader,
    view: str = "month",
    date_: Annotated[str, Query(alias="date")] = "",
) -> HTMLResponse:
    """Publications by local day, a month or a week at a time; drag a scheduled one to move it."""
    return _calendar_page(request, session, actor, view=view, anchor=date_)


def _calendar_page(
    request: Request,
    session: Session,
    actor: Actor,
    *,
    view: str,
    anchor: str,
    notice: tuple[str, str] | None = None,
    fragment: bool = False,
) -> HTMLResponse:
    timezone = actor.workspace.timezone
    zone = service.workspace_zone(timezone)
    today = utcnow().astimezone(zone).date()
    view = view if view in CALENDAR_VIEWS else "month"
    try:
        day = date.fromisoformat(anchor) if anchor else today
    except ValueError:
        day = today
    if view == "week":
        first = day - timedelta(days=day.weekday())
        last = first + timedelta(days=7)
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
    else:
        month = day.replace(day=1)
        first = month - timedelta(days=month.weekday())
        next_month = (month + timedelta(days=32)).replace(day=1)
        last = next_month + timedelta(days=(7 - next_month.weekday()) % 7)
        previous = (month - timedelta(days=1)).replace(day=1)
        following = next_month
    start = datetime.combine(first, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(last, time(), tzinfo=zone).astimezone(UTC)
    publications = service.publications_between(
        session, workspace_id=actor.workspace.id, start=start, end=end
    )
    reads = service.read_publications(session, publications, _gettext(request))
    titles = _post_titles(session, actor, [p.post_id for p in reads])
    accounts = _accounts_of(session, [p.account_id for p in reads])
    by_day: dict[date, list[dict[str, Any]]] = {}
    for read in reads:
        if read.scheduled_at is None:
            continue
        local = read.scheduled_at.astimezone(zone)
        by_day.setdefault(local.date(), []).append(
            {"pub": read, "time": f"{local:%H:%M}", "title": titles.get(read.post_id or 0, ""),
             **_who(accounts, read)}
        )  # fmt: skip
    days = [first + timedelta(days=n) for n in range((last - first).days)]
    language = request_language(request)
    return page(
        request,
        "publishing/_calendar.html" if fragment else "publishing/calendar.html",
        actor=actor,
        active="publish",
        subnav="calendar",
        view=view,
        anchor=day.isoformat(),
        heading=_calendar_heading(view, day, first, language),
        weeks=[days[i : i + 7] for i in range(0, len(days), 7)],
        weekday_names=_weekday_names(language),
        month=day.month,
        today=today,
        by_day=by_day,
        previous=previous.isoformat(),
        following=following.isoformat(),
        notice=notice,
        truncated=len(publications) >= service.CALENDAR_LIMIT,
        status_labels=STATUS_LABELS,
        can_write=actor.can(Permission.write),
        timezone=timezone,
    )


def _babel_locale(language: str) -> str:
    return "zh_Hans_CN" if language == "zh_Hans" else "en_US"


def _calendar_heading(view: str, day: date, first: date, language: str) -> str:
    locale = _babel_locale(language)
    if view == "week":
        last = first + timedelta(days=6)
        return (
            f"{format_skeleton('yMMMd', _noon(first), locale=locale)}"
            f" – {format_skeleton('yMMMd', _noon(last), locale=locale)}"
        )
    return format_skeleton("yMMMM", _noon(day), locale=locale)


def _noon(day: date) -> datetime:
    return datetime.combine(day, time(12))


def _weekday_names(language: str) -> list[str]:
    names = get_day_names("abbreviated", locale=_babel_locale(language))
    return [str(names[i]) for i in range(7)]  # Monday first


# --- time helpers ---------------------------------------------------------------------------------


def _local_input(moment: datetime | None, timezone: str) -> str:
    """A UTC time as a datetime-local input's value in the workspace's timezone."""
    if moment is None:
        return ""
    return f"{moment.astimezone(service.workspace_zone(timezone)):%Y-%m-%dT%H:%M}"


__all__ = ["option_fields", "router", "split_hashtags"]


@dataclass(frozen=True)
class EditChoice:
    """An edit of the chosen video the composer offers: a rendition made in Produce."""

    id: int
    profile_slug: str
    label: str
    ready: bool


def _edits(
    request: Request, session: Session, actor: Actor, state: ComposerState
) -> list[EditChoice]:
    """The chosen video's edits that can be posted, newest first (with the ones a target
    already names, whichever video they are of)."""
    asset_id = int(state.asset_id) if state.asset_id.isdigit() else None
    named = [int(r) for r in state.renditions.values() if r.isdigit()]
    if asset_id is None and not named:
        return []
    rows = session.scalars(
        select(Rendition)
        .where(
            Rendition.workspace_id == actor.workspace.id,
            Rendition.status.in_(renditions.POSTABLE),
            or_(Rendition.asset_id == asset_id, Rendition.id.in_(named)),
        )
        .order_by(Rendition.created_at.desc(), Rendition.id.desc())
        .limit(EDITS_SHOWN)
    )
    language = request_language(request)
    timezone = actor.workspace.timezone
    choices = []
    for row in rows:
        name = str((row.profile or {}).get("name") or row.profile_slug)
        summary = spec_summary(language, row.spec or {})
        when = service.local_time(row.created_at, timezone)
        parts = [f"#{row.id}", name, summary or gettext(language, N_("Plain")), when]
        if row.status != RenditionStatus.ready:
            parts.append(gettext(language, N_("being made")))
        choices.append(
            EditChoice(row.id, row.profile_slug, " · ".join(p for p in parts if p),
                       row.status == RenditionStatus.ready)
        )  # fmt: skip
    return choices
