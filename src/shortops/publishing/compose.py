"""Composing a post: checking it against every target's platform, and creating it.

A flow, not a service: the check asks each provider (`validate`) and media (will the render
work?) directly, so callers pass in nothing but the post. The composer's live platform rules
(`live_rules`, TikTok's creator_info) are read here too, and kept a few minutes per account.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import uuid4

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from shortops.accounts.credentials import app_credentials, load_tokens, provider_for
from shortops.errors import N_, InvalidInput, NotFound, ShortopsError
from shortops.kit.clock import utcnow
from shortops.media import flows as media_flows
from shortops.media import rendition_service
from shortops.media import service as media_service
from shortops.media.profiles import PlatformProfile
from shortops.media.spec import EditSpec
from shortops.media.store import MediaStore
from shortops.models import (
    Account,
    AccountStatus,
    AssetKind,
    MediaAsset,
    Post,
    Publication,
    Rendition,
    Workspace,
)
from shortops.providers.base import NO_APP_CREDENTIALS, PostingRules, Provider
from shortops.providers.http import Http
from shortops.providers.registry import UnknownPlatform, provider_class
from shortops.providers.types import (
    Capability,
    Issue,
    Severity,
)
from shortops.publishing import renditions
from shortops.publishing.errors import PostInvalid
from shortops.publishing.schemas import (
    PostCreate,
    Schedule,
    TargetCreate,
    TargetReport,
    ValidationReport,
    When,
)
from shortops.publishing.service import (
    Gettext,
    S,
    account_issues,
    get_post_or_raise,
    issue_read,
    local_time,
    new_issue,
    publish_request,
    publish_when_due,
    render_message,
    resolve_when,
    schedule_issues,
    sentence,
    target_text,
)
from shortops.publishing.transitions import add_event
from shortops.workspaces.service import Actor, record

log = logging.getLogger("shortops.publishing")


@dataclass
class TargetCheck:
    """One target of a post as checked: its account, platform and every issue found."""

    account_id: int
    account: Account | None = None
    platform: str = ""
    handle: str = ""
    provider: type[Provider] | None = None
    profile: PlatformProfile | None = None
    # The edit this target posts; None with a profile: a plain version is made.
    rendition: Rendition | None = None
    options: dict[str, Any] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(issue.severity == Severity.error for issue in self.issues)

    @property
    def label(self) -> str:
        """The target as people name it: TikTok @handle (or #id without an account)."""
        if self.account is None:
            return f"#{self.account_id}"
        name = self.provider.name if self.provider is not None else self.platform
        return f"{name} @{self.handle}"


@dataclass
class PostCheck:
    """Everything wrong with a post, per target, found without writing anything."""

    scheduled_at: datetime | None
    issues: list[Issue]
    targets: list[TargetCheck]
    asset: MediaAsset | None = None
    cover: MediaAsset | None = None

    @property
    def ok(self) -> bool:
        errors = [i for i in self.issues if i.severity == Severity.error]
        return not errors and all(target.ok for target in self.targets)

    def summary(self, gettext: Gettext | None = None) -> str:
        """Every error in one line, each target's prefixed with its platform and handle."""
        parts = [
            render_message(i.message, i.params, gettext)
            for i in self.issues
            if i.severity == Severity.error
        ]
        for target in self.targets:
            for issue in target.issues:
                if issue.severity == Severity.error:
                    text = render_message(issue.message, issue.params, gettext)
                    parts.append(f"{target.label}: {text}")
        return " ".join(sentence(part) for part in parts)

    def report(self, gettext: Gettext | None = None) -> ValidationReport:
        return ValidationReport(
            ok=self.ok,
            scheduled_at=self.scheduled_at,
            issues=[issue_read(i, gettext) for i in self.issues],
            targets=[
                TargetReport(
                    account_id=t.account_id,
                    platform=t.platform,
                    handle=t.handle,
                    ok=t.ok,
                    rendition_id=t.rendition.id if t.rendition is not None else None,
                    issues=[issue_read(i, gettext) for i in t.issues],
                )
                for t in self.targets
            ],
        )


def check_post(
    session: Session,
    *,
    workspace: Workspace,
    data: PostCreate,
    store: MediaStore,
    now: datetime | None = None,
) -> PostCheck:
    """Check a post against every target's platform without writing anything (the composer's
    live validation, and the gate of `create_post`)."""
    now = now or utcnow()
    issues: list[Issue] = []
    scheduled_at = resolve_when(data.schedule.at, timezone=workspace.timezone, now=now)
    issues += schedule_issues(scheduled_at, now=now, timezone=workspace.timezone)
    chosen = {
        t.rendition_id: renditions.chosen_rendition(
            session, workspace_id=workspace.id, rendition_id=t.rendition_id
        )
        for t in data.targets
        if t.rendition_id is not None
    }
    asset_id = _asset_id(data, chosen, issues)
    asset = _asset(session, workspace.id, asset_id) if asset_id is not None else None
    if asset is None and asset_id is not None:
        issues.append(
            new_issue("asset_id", "not_found", N_("No video with id {id} in this workspace."),
                   id=asset_id)
        )  # fmt: skip
    elif asset is not None and asset.kind != AssetKind.video:
        issues.append(
            new_issue("asset_id", "not_video", N_("“{filename}” is not a video."),
                   filename=asset.filename)
        )  # fmt: skip
        asset = None
    cover = None
    if data.cover_asset_id is not None:
        cover = _asset(session, workspace.id, data.cover_asset_id)
        if cover is None or cover.kind != AssetKind.image:
            issues.append(
                new_issue("cover_asset_id", "not_image",
                       N_("The cover must be an image from the media library (id {id} is not)."),
                       id=data.cover_asset_id)
            )  # fmt: skip
            cover = None
    seen: set[int] = set()
    https: dict[str, Http] = {}
    targets = [
        _check_target(
            session,
            workspace_id=workspace.id,
            target=target,
            data=data,
            asset=asset,
            cover=cover,
            store=store,
            seen=seen,
            https=https,
            chosen=chosen.get(target.rendition_id) if target.rendition_id is not None else None,
        )
        for target in data.targets
    ]
    for http in https.values():
        http.close()
    return PostCheck(scheduled_at, issues, targets, asset=asset, cover=cover)


def _asset_id(
    data: PostCreate,
    chosen: dict[int, tuple[Rendition | None, list[Issue]]],
    issues: list[Issue],
) -> int | None:
    """The post's video: as given, else the one its chosen renditions were made from."""
    of_renditions = {r.asset_id for r, _ in chosen.values() if r is not None}
    if data.asset_id is not None:
        wrong = sorted(
            r.id for r, _ in chosen.values() if r is not None and r.asset_id != data.asset_id
        )
        if wrong:
            issues.append(
                new_issue("rendition_id", "other_video",
                       N_("Rendition {ids} is not made from this post's video."),
                       ids=", ".join(map(str, wrong)))
            )  # fmt: skip
        return data.asset_id
    if len(of_renditions) > 1:
        issues.append(
            new_issue("rendition_id", "several_videos",
                   N_("The chosen renditions are made from different videos: a post has one."))
        )  # fmt: skip
    if len(of_renditions) == 1:
        return next(iter(of_renditions))
    if not chosen:
        issues.append(
            new_issue("asset_id", "missing", N_("Choose the video to post, or an edit of it."))
        )
    return None


def _asset(session: Session, workspace_id: int, asset_id: int) -> MediaAsset | None:
    return session.scalar(
        select(MediaAsset).where(MediaAsset.id == asset_id, MediaAsset.workspace_id == workspace_id)
    )


def _check_target(
    session: Session,
    *,
    workspace_id: int,
    target: TargetCreate,
    data: PostCreate,
    asset: MediaAsset | None,
    cover: MediaAsset | None,
    store: MediaStore,
    seen: set[int],
    https: dict[str, Http],
    chosen: tuple[Rendition | None, list[Issue]] | None = None,
) -> TargetCheck:
    account = session.scalar(
        select(Account).where(Account.id == target.account_id, Account.workspace_id == workspace_id)
    )
    check = TargetCheck(account_id=target.account_id, options=dict(target.options))
    if account is None:
        check.issues.append(
            new_issue("account", "not_found", N_("No account with id {id} in this workspace."),
                   id=target.account_id)
        )  # fmt: skip
        return check
    check.account, check.platform, check.handle = account, account.platform, account.handle
    if account.id in seen:
        check.issues.append(
            new_issue("account", "duplicate_account", N_("The post names @{handle} twice."),
                   handle=account.handle)
        )  # fmt: skip
    seen.add(account.id)
    try:
        cls = provider_class(account.platform)
    except UnknownPlatform:
        check.issues.append(
            new_issue("account", "unknown_platform",
                   N_("No connector for the platform “{platform}” is installed, so @{handle} "
                      "cannot publish."),
                   platform=account.platform, handle=account.handle)
        )  # fmt: skip
        return check
    check.provider = cls
    check.issues += account_issues(account, cls)
    if Capability.publish not in cls.capabilities:
        check.issues.append(
            new_issue("account", "cannot_publish",
                   N_("{platform} accounts cannot publish through shortops."), platform=cls.name)
        )  # fmt: skip
        return check
    app = None
    if cls.uses_oauth:
        app = app_credentials(session, workspace_id=workspace_id, platform=account.platform)
        if app is None:
            check.issues.append(
                new_issue("account", "missing_app_credentials", NO_APP_CREDENTIALS,
                          platform=cls.name)
            )  # fmt: skip
    # Invalid options stay as given: the provider's validate() names each one below.
    with suppress(ValidationError):
        check.options = cls.options_model.model_validate(target.options).model_dump(mode="json")
    slug = renditions.profile_slug_for(account, cls, asset)
    if slug is not None:
        try:
            check.profile = media_service.get_profile_or_raise(
                session, workspace_id=workspace_id, slug=slug
            )
        except NotFound as exc:
            check.issues.append(new_issue("media", exc.code, exc.message_template, **exc.params))
            return check
    if chosen is not None:
        check.rendition, found = chosen
        check.issues += found
    elif asset is not None and check.profile is not None:
        choice = renditions.default_choice(session, asset=asset, profile=check.profile)
        check.rendition = choice.rendition
        check.issues += choice.issues
    if asset is None:
        return check
    if account.platform not in https:
        https[account.platform] = Http(account.platform)
    provider = cls(app, http=https[account.platform])
    media = renditions.planned_media(
        session, store=store, asset=asset, profile=check.profile, rendition=check.rendition
    )
    request = publish_request(
        account=account,
        media=media,
        cover=store.path(cover.storage_path) if cover is not None else None,
        text=target_text(
            title=data.title,
            caption=data.caption,
            hashtags=data.hashtags,
            overrides=target.overrides.model_dump(),
        ),
        options=check.options,
        idempotency_key="check",
    )
    try:
        check.issues += provider.validate(request)
    except ShortopsError as exc:
        check.issues.append(new_issue("media", exc.code, exc.message_template, **exc.params))
    if check.profile is not None and check.rendition is None:
        try:
            media_flows.precheck(store, asset, check.profile, EditSpec())
        except ShortopsError as exc:
            check.issues.append(new_issue("media", exc.code, exc.message_template, **exc.params))
    return check


@dataclass
class CreatedPost:
    """A new post (its renders and publications go to the queue when it commits)."""

    post: Post
    publications: list[Publication]
    render_ids: list[int]


def create_post(
    session: Session,
    *,
    actor: Actor,
    data: PostCreate,
    store: MediaStore,
    now: datetime | None = None,
) -> CreatedPost:
    """Check the post and create it with one scheduled publication per target.

    Nothing is written when any target has an error (PostInvalid lists all of them). Each
    target's rendition is requested now (a ready one is reused), so it is ready by the time.
    """
    workspace = actor.workspace
    check = check_post(session, workspace=workspace, data=data, store=store, now=now)
    if not check.ok:
        raise PostInvalid(check, check.summary())
    assert check.asset is not None and check.scheduled_at is not None
    post = Post(
        workspace_id=workspace.id,
        title=data.title,
        caption=data.caption,
        hashtags=list(data.hashtags),
        asset_id=check.asset.id,
        cover_asset_id=check.cover.id if check.cover is not None else None,
        created_by_id=actor.user.id,
    )
    session.add(post)
    session.flush()
    renditions: dict[str, int] = {}
    render_ids: list[int] = []
    publications = []
    when = local_time(check.scheduled_at, workspace.timezone)
    for target, wanted in zip(check.targets, data.targets, strict=True):
        rendition_id = target.rendition.id if target.rendition is not None else None
        if rendition_id is None and target.profile is not None:
            slug = target.profile.slug
            if slug not in renditions:
                rendition, must_render = rendition_service.request_rendition(
                    session,
                    workspace_id=workspace.id,
                    asset=check.asset,
                    profile=target.profile,
                    spec=EditSpec(),
                    created_by_id=actor.user.id,
                    file_exists=store.exists,
                )
                renditions[slug] = rendition.id
                if must_render:
                    render_ids.append(rendition.id)
            rendition_id = renditions[slug]
        publication = Publication(
            workspace_id=workspace.id,
            post_id=post.id,
            account_id=target.account_id,
            scheduled_at=check.scheduled_at,
            status=S.scheduled,
            options=target.options,
            overrides=wanted.overrides.model_dump(exclude_none=True),
            idempotency_key=uuid4().hex,
            rendition_id=rendition_id,
        )
        session.add(publication)
        publications.append(publication)
    session.flush()
    for publication in publications:
        add_event(session, publication_id=publication.id, status=S.scheduled,
                  message=N_("Scheduled for {time}."), params={"time": when})  # fmt: skip
    record(
        session,
        action="post.created",
        actor=actor,
        target=("post", post.id),
        data={
            "publications": [p.id for p in publications],
            "accounts": [p.account_id for p in publications],
            "scheduled_at": check.scheduled_at.isoformat(),
        },
    )
    rendition_service.render_after_commit(session, render_ids)
    publish_when_due(session, publications)
    return CreatedPost(post, publications, render_ids)


def duplicate_post(
    session: Session,
    *,
    actor: Actor,
    post_id: int,
    at: When,
    store: MediaStore,
    now: datetime | None = None,
) -> CreatedPost:
    """A new post with the same text, video and targets (options and overrides), at `at`."""
    original = get_post_or_raise(session, workspace_id=actor.workspace.id, post_id=post_id)
    if original.asset_id is None:
        raise InvalidInput(N_("The video of this post was deleted, so it cannot be copied."))
    rows = session.scalars(
        select(Publication).where(Publication.post_id == original.id).order_by(Publication.id)
    )
    targets: list[TargetCreate] = []
    for row in rows:
        if any(t.account_id == row.account_id for t in targets):
            continue
        targets.append(
            TargetCreate(account_id=row.account_id, options=row.options, overrides=row.overrides)
        )
    if not targets:
        raise InvalidInput(N_("This post has no accounts to copy."))
    data = PostCreate(
        title=original.title,
        caption=original.caption,
        hashtags=list(original.hashtags),
        asset_id=original.asset_id,
        cover_asset_id=original.cover_asset_id,
        targets=targets,
        schedule=Schedule(at=at),
    )
    created = create_post(session, actor=actor, data=data, store=store, now=now)
    record(
        session,
        action="post.duplicated",
        actor=actor,
        target=("post", created.post.id),
        data={"from_post": original.id},
    )
    return created


# --- the composer's live platform rules -----------------------------------------------------------

# How long an account's live rules are kept: the composer re-renders on every change, and the
# check before the upload reads them again anyway.
RULES_TTL_S = 300.0
RULES_KEPT = 1000
_rules: dict[tuple[int, int], tuple[float, PostingRules | None]] = {}
_rules_lock = threading.Lock()


def live_rules(
    session: Session, *, account: Account, clock: Callable[[], float] = time.monotonic
) -> PostingRules | None:
    """The account's posting rules as the platform states them now (a read), or None.

    Only platforms that have such rules are asked (TikTok's creator_info), and each account at
    most once per RULES_TTL_S with the same stored tokens. Anything
    going wrong leaves the composer with the options model's full choices.
    """
    try:
        cls = provider_class(account.platform)
    except UnknownPlatform:
        return None
    if (
        cls.posting_rules is Provider.posting_rules
        or account.status != AccountStatus.connected
        or account.credentials is None
    ):
        return None
    # New tokens (a reconnect, a refresh) are a new key: the platform is asked again.
    key = (account.id, hash(account.credentials))
    now = clock()
    with _rules_lock:
        kept = _rules.get(key)
    if kept is not None and kept[0] > now:
        return kept[1]
    rules = _read_rules(session, account)
    with _rules_lock:
        if len(_rules) >= RULES_KEPT:
            _rules.clear()
        _rules[key] = (now + RULES_TTL_S, rules)
    return rules


def _read_rules(session: Session, account: Account) -> PostingRules | None:
    http = Http(account.platform, timeout_s=5, read_attempts=1)
    try:
        provider = provider_for(
            session, workspace_id=account.workspace_id, platform=account.platform, http=http
        )
        return provider.posting_rules(load_tokens(account))
    except Exception as exc:  # the composer opens whatever the platform says
        log.info("posting rules of account %s unavailable: %s", account.id, exc)
        return None
    finally:
        http.close()
