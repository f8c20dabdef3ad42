"""Dispatch, before the upload: read the publication and everything it needs (account, provider,
rendition, cover), then tokens, live rules and the platform's checks."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from shortops.accounts import service as accounts_service
from shortops.accounts.credentials import (
    provider_for,
)
from shortops.db.session import session_scope
from shortops.errors import N_, ShortopsError
from shortops.media import rendition_service
from shortops.media import service as media_service
from shortops.media.spec import EditSpec
from shortops.models import (
    Account,
    MediaAsset,
    NotificationKind,
    Post,
    Publication,
    Rendition,
    RenditionStatus,
)
from shortops.providers.base import NO_APP_CREDENTIALS, PostingRules, Provider
from shortops.providers.errors import (
    AuthExpired,
    ProviderError,
    ReauthRequired,
    Rejected,
)
from shortops.providers.registry import UnknownPlatform, provider_class
from shortops.providers.types import (
    MediaFile,
    Severity,
)
from shortops.publishing import renditions, service, transitions
from shortops.publishing.engine.base import (
    RENDITION_WAIT,
    SKIPPED,
    Followup,
    Job,
    Outcome,
    Reason,
    S,
    file_missing,
    video_deleted,
)
from shortops.publishing.engine.outcomes import Outcomes

log = logging.getLogger("shortops.publishing")


class Loading(Outcomes):
    def _load(self, session: Session, publication_id: int, now: datetime) -> Job | Outcome:
        """Step 1: everything the database can tell before the platform is asked anything."""
        publication = session.get(Publication, publication_id, populate_existing=True)
        if publication is None or publication.status != S.scheduled:
            return SKIPPED
        if not transitions.is_due(publication, now):
            return SKIPPED  # an early or outdated message: the right one is queued
        account = session.get(Account, publication.account_id)
        assert account is not None  # the foreign key cascades
        try:
            cls = provider_class(account.platform)
        except UnknownPlatform as exc:
            return self._fail(session, publication_id, Reason.of(exc))
        for issue in service.account_issues(account, cls):
            kind = (
                NotificationKind.needs_reauth
                if issue.code != "account_disconnected"
                else NotificationKind.publish_failed
            )
            reason = Reason(issue.message, issue.params, issue.code)
            return self._fail(session, publication_id, reason, kind=kind)
        post = session.get(Post, publication.post_id) if publication.post_id else None
        if post is None or post.asset_id is None:
            return self._fail(session, publication_id, video_deleted())
        media = self._media(session, publication, post, account, cls, now)
        if isinstance(media, Outcome):
            return media
        provider = provider_for(
            session,
            workspace_id=publication.workspace_id,
            platform=account.platform,
            http=self.http(account.platform),
        )
        if cls.uses_oauth and provider.app is None:
            return self._fail(
                session,
                publication_id,
                Reason(
                    NO_APP_CREDENTIALS,
                    {"platform": cls.name},
                    "missing_app_credentials",
                ),
            )  # fmt: skip
        request = service.publish_request(
            account=account,
            media=media,
            cover=self._cover(session, publication, post, cls),
            text=service.target_text(
                title=post.title,
                caption=post.caption,
                hashtags=post.hashtags,
                overrides=publication.overrides,
            ),
            options=publication.options or {},
            idempotency_key=publication.idempotency_key,
        )
        assert publication.scheduled_at is not None
        return Job(
            publication_id=publication.id,
            workspace_id=publication.workspace_id,
            account_id=account.id,
            platform=account.platform,
            platform_name=accounts_service.account_platform_name(account),
            handle=account.handle,
            attempts=publication.attempts,
            scheduled_at=publication.scheduled_at,
            provider=provider,
            request=request,
        )

    def _cover(
        self, session: Session, publication: Publication, post: Post, cls: type[Provider]
    ) -> Path | None:
        """The post's cover image, else the rendition's own cover in the platform's shape."""
        chosen = session.get(MediaAsset, post.cover_asset_id) if post.cover_asset_id else None
        if chosen is not None:
            return self.store.path(chosen.storage_path)
        rendition = (
            session.get(Rendition, publication.rendition_id) if publication.rendition_id else None
        )
        if rendition is None or not cls.limits.cover_shape:
            return None
        stored = renditions.rendition_cover(rendition.covers, cls.limits.cover_shape)
        return self.store.path(stored) if stored and self.store.exists(stored) else None

    def _media(
        self,
        session: Session,
        publication: Publication,
        post: Post,
        account: Account,
        cls: type[Provider],
        now: datetime,
    ) -> MediaFile | Outcome:
        """The file to upload; waits while the rendition is being made."""
        asset = session.get(MediaAsset, post.asset_id)
        if asset is None:
            return self._fail(session, publication.id, video_deleted())
        rendition = (
            session.get(Rendition, publication.rendition_id) if publication.rendition_id else None
        )
        slug = (
            rendition.profile_slug
            if rendition is not None
            else renditions.profile_slug_for(account, cls, asset)
        )
        if slug is None:
            if not self.store.exists(asset.storage_path):
                return self._fail(session, publication.id, file_missing(asset.filename))
            return renditions.asset_media(self.store, asset)
        lost = (
            rendition is not None
            and rendition.status == RenditionStatus.ready
            and not self.store.exists(rendition.output_path)
        )
        if rendition is None or lost:
            # Deleted, or its file went missing: ask again, for the same edit (content-
            # addressed, so a rendition that exists is reused and a lost file is made again).
            spec = EditSpec.model_validate(rendition.spec) if rendition and rendition.spec else None
            try:
                profile = media_service.get_profile_or_raise(
                    session, workspace_id=publication.workspace_id, slug=slug
                )
                rendition, must_render = rendition_service.request_rendition(
                    session,
                    workspace_id=publication.workspace_id,
                    asset=asset,
                    profile=profile,
                    spec=spec or EditSpec(),
                    created_by_id=None,
                    file_exists=self.store.exists,
                )
            except ShortopsError as exc:
                return self._fail(session, publication.id, Reason.of(exc))
            publication.rendition_id = rendition.id
            return self._wait_for_rendition(
                session, publication, now, (rendition.id,) if must_render else ()
            )
        if rendition.status in (RenditionStatus.queued, RenditionStatus.rendering):
            return self._wait_for_rendition(session, publication, now, ())
        if rendition.status != RenditionStatus.ready:
            detail = (
                service.render_message(rendition.error_template, rendition.error_params)
                if rendition.error_template
                else rendition.error or rendition.status.value
            )
            return self._fail(
                session,
                publication.id,
                Reason(
                    N_("The {profile} version of the video could not be made: {detail}"),
                    {"profile": str(rendition.profile.get("name") or slug), "detail": detail},
                    rendition.error_code or "rendition_failed",
                ),
            )
        return renditions.rendition_media(self.store, rendition)

    def _wait_for_rendition(
        self, session: Session, publication: Publication, now: datetime, render_ids: tuple[int, ...]
    ) -> Outcome:
        at = now + RENDITION_WAIT
        if publication.next_attempt_at is None:
            transitions.add_event(
                session,
                publication_id=publication.id,
                status=S.scheduled,
                message=N_("Waiting for the video to be made for this platform."),
            )
        transitions.set_next_attempt(
            session, publication_id=publication.id, status=S.scheduled, at=at
        )
        return Outcome("waiting", Followup("dispatch", publication.id, at), render_ids)

    def _prepare(self, job: Job) -> Job | Outcome:
        """Step 2: tokens, the account's live rules, and the platform's own validation."""
        try:
            job.tokens = self._tokens(job.account_id, job.provider)
            rules = self._posting_rules(job)
        except ProviderError as exc:
            return self._before_upload_error(job, exc)
        found = job.provider.validate(job.request, rules)
        issues = [issue for issue in found if issue.severity == Severity.error]
        if issues:
            reasons = " ".join(
                service.sentence(service.render_message(i.message, i.params)) for i in issues
            )
            reason = Reason(
                N_("{platform} would refuse this post: {reasons}"),
                {"platform": job.platform_name, "reasons": reasons},
                "invalid_for_platform",
            )
            with session_scope(self.settings) as session:
                return self._fail(session, job.publication_id, reason)
        return job

    def _posting_rules(self, job: Job) -> PostingRules | None:
        try:
            return job.provider.posting_rules(job.tokens)
        except AuthExpired:
            job.tokens = self._refresh_now(job.account_id, job.provider, job.tokens)
            return job.provider.posting_rules(job.tokens)

    def _before_upload_error(self, job: Job, exc: ProviderError) -> Outcome:
        """A platform error while nothing had been sent (refresh, rules): retry or fail."""
        with session_scope(self.settings) as session:
            if isinstance(exc, ReauthRequired):
                self._mark_reauth(session, job.account_id, exc)
                return self._fail(
                    session, job.publication_id, Reason.of(exc), kind=NotificationKind.needs_reauth
                )
            if isinstance(exc, Rejected):
                return self._fail(session, job.publication_id, Reason.of(exc))
            return self._retry(session, job, exc, from_statuses=(S.scheduled,))
