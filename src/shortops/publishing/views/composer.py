"""The composer: one post for many accounts, checked live against every platform."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from shortops.accounts import service as account_service
from shortops.errors import N_, InvalidInput, NotFound
from shortops.kit.clock import utcnow
from shortops.kit.i18n import gettext
from shortops.kit.pagination import PageParams
from shortops.media import service as media_service
from shortops.media.previews import POSTER_KINDS
from shortops.media.views.edit_form import spec_summary
from shortops.models import (
    AssetKind,
    Rendition,
    RenditionStatus,
)
from shortops.providers.base import PostingRules, Provider
from shortops.providers.manual import limits_for
from shortops.providers.types import Limits, Severity
from shortops.publishing import compose, renditions, service
from shortops.publishing.errors import PostInvalid
from shortops.publishing.schemas import (
    IssueRead,
    PostCreate,
    PublicationFilters,
    Schedule,
    TargetCreate,
    TextOverrides,
)
from shortops.publishing.views.changes import parse_local
from shortops.publishing.views.common import (
    ACCOUNTS_SHOWN,
    Writer,
    account_groups,
    local_input,
    media_store,
    page_gettext,
    provider_or_none,
)
from shortops.publishing.views.option_form import (
    OptionField,
    option_fields,
    option_value,
    split_hashtags,
)
from shortops.web.csrf import csrf_protect
from shortops.web.pages import (
    error_message,
    flash,
    page,
    redirect,
    request_language,
    translate,
)
from shortops.workspaces.deps import DbSession
from shortops.workspaces.service import Actor
from shortops.workspaces.views import invalid

router = APIRouter(prefix="/publish", dependencies=[Depends(csrf_protect)], include_in_schema=False)


ASSETS_SHOWN = 60


EDITS_SHOWN = 40


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
        cls = provider_or_none(row.platform)
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
            given, value = option_value(option, form.get(prefix + "opt." + option.name), shown)
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
            at = parse_local(state.at)
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
    translate_ = page_gettext(request)
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
    return local_input(moment, timezone)


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
        store = media_store(request)
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
    store = media_store(request)
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
    groups = account_groups([t.account for t in targets.values()])
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
        now_local=local_input(utcnow(), actor.workspace.timezone),
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
