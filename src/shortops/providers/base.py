"""The contract every platform connector follows.

A provider is constructed per use with the workspace's app registration (None for providers
without one: sandbox, manual) and an `Http` client. It keeps no state between calls: tokens come
in with each call, and refreshed tokens go out as return values for the caller to store.

Publishing has two phases so that nothing is posted twice:

1. `validate(request)` is pure and runs when the post is scheduled (and again before upload);
2. `start_publish(tokens, request, record=…)` is the only irreversible call. As soon as the
   platform hands out a reference (publish id, upload session, container id) the provider passes
   it to `record`, which persists it before anything else is sent, so a crash after that point
   leaves a reference to reconcile instead of a mystery;
3. `check_publish(tokens, ticket)` is a read, called until it returns `Published` or `Failed`.

Errors are the closed set in `providers/errors.py`, nothing else.
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from shortops.errors import N_
from shortops.kit.clock import utcnow
from shortops.providers.http import Http
from shortops.providers.types import (
    AccountMetrics,
    AppCredentials,
    AuthStart,
    Capability,
    Issue,
    Limits,
    PostMetrics,
    PostPage,
    Profile,
    Progress,
    PublishRequest,
    PublishState,
    ReadBudget,
    Severity,
    Ticket,
    Tokens,
)

RecordTicket = Callable[[Ticket], None]
OnProgress = Callable[[Progress], None]


# What every part of shortops says when a platform's app credentials are missing.
NO_APP_CREDENTIALS = N_(
    "{platform} has no app credentials in this workspace. Add them under Settings → Platforms."
)


class NoOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PostingRules(BaseModel):
    """What the platform says about this account right now (TikTok's creator_info …)."""

    model_config = ConfigDict(frozen=True)

    privacy_options: tuple[str, ...] = ()
    comments_disabled: bool = False
    duet_disabled: bool = False
    stitch_disabled: bool = False
    max_duration_s: float | None = None
    can_post: bool = True
    detail: str = ""


class Provider(abc.ABC):
    slug: ClassVar[str]
    name: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    limits: ClassVar[Limits] = Limits()
    options_model: ClassVar[type[BaseModel]] = NoOptions
    # False for providers that connect without a platform sign-in (sandbox, manual).
    uses_oauth: ClassVar[bool] = True
    # Shown wherever the provider's data appears, so simulated data is never taken for real.
    is_sandbox: ClassVar[bool] = False
    default_scopes: ClassVar[tuple[str, ...]] = ()
    # Refresh at least this long before the access token runs out. Platforms whose expired token
    # cannot be refreshed at all (Instagram's long-lived token) need days of margin, so a few
    # hours of downtime never cost a reconnect.
    refresh_ahead: ClassVar[timedelta] = timedelta(0)

    def __init__(
        self,
        app: AppCredentials | None = None,
        *,
        http: Http | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.app = app
        self.http = http or Http(self.slug)
        self.clock = clock

    # --- auth -------------------------------------------------------------------------------

    def authorization_url(self, state: str, *, scopes: tuple[str, ...] | None = None) -> AuthStart:
        raise NotImplementedError

    def exchange_code(self, code: str, *, code_verifier: str | None = None) -> Tokens:
        raise NotImplementedError

    def refresh(self, tokens: Tokens) -> Tokens:
        """New tokens; platforms that rotate refresh tokens return the new one here."""
        raise NotImplementedError

    def get_profile(self, tokens: Tokens) -> Profile:
        raise NotImplementedError

    def revoke(self, tokens: Tokens) -> None:  # noqa: B027 (optional: not every platform has it)
        """Tell the platform to forget the tokens (best effort)."""

    # --- publish ----------------------------------------------------------------------------

    def posting_rules(self, tokens: Tokens) -> PostingRules | None:
        """The account's live posting rules, for platforms that have them (a read)."""
        return None

    def validate(self, request: PublishRequest, rules: PostingRules | None = None) -> list[Issue]:
        """Everything wrong with `request` on this platform, before anything is sent."""
        issues = check_limits(self.limits, request, rules)
        issues += self._check_options(request.options)
        return issues

    @abc.abstractmethod
    def start_publish(
        self,
        tokens: Tokens,
        request: PublishRequest,
        *,
        record: RecordTicket,
        on_progress: OnProgress | None = None,
    ) -> Ticket:
        """Upload and publish; the one irreversible call (see the module's docstring)."""

    @abc.abstractmethod
    def check_publish(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        """Where the publish stands now (a read)."""

    def live_url(self, remote_id: str) -> str | None:
        """The public URL of a published post, when it can be built from its id."""
        return None

    # --- reads: metrics ----------------------------------------------------------------------
    # Capability.post_metrics / account_metrics say which of these a provider has. They are
    # reads: `Http` retries them with backoff and honours Retry-After; a platform's quota or
    # rate limit becomes RateLimited(retry_after) so the poller can wait its turn.

    # How many post ids one platform request of `fetch_post_metrics` carries (the platform's
    # batch limit); a longer list is fetched in batches of this size.
    metrics_batch: ClassVar[int] = 1
    # The platform's documented read budget; `read_budget_now()` applies the app
    # registration's overrides (a raised quota).
    read_budget: ClassVar[ReadBudget] = ReadBudget()

    def read_budget_now(self) -> ReadBudget:
        """The read budget for this app registration."""
        return self.read_budget

    def list_posts(self, tokens: Tokens, *, cursor: str | None = None) -> PostPage:
        """The account's posts, newest first, one page at a time, each with its counters."""
        raise NotImplementedError

    def fetch_post_metrics(self, tokens: Tokens, remote_ids: Sequence[str]) -> list[PostMetrics]:
        """Counters of the posts (sent `metrics_batch` at a time); a post the platform no longer
        has is left out of the answer (deleted or private), not an error."""
        raise NotImplementedError

    def fetch_account_metrics(self, tokens: Tokens) -> AccountMetrics:
        """The account's follower and total counters now."""
        raise NotImplementedError

    # --- helpers ----------------------------------------------------------------------------

    def endpoint(self, name: str, default: str) -> str:
        """The base URL named `name`, overridden by the app registration (sandboxes, fakes)."""
        if self.app is not None and self.app.endpoints.get(name):
            return self.app.endpoints[name].rstrip("/")
        return default.rstrip("/")

    def require_app(self) -> AppCredentials:
        if self.app is None:
            from shortops.providers.errors import ReauthRequired

            raise ReauthRequired(NO_APP_CREDENTIALS, platform=self.name)
        return self.app

    def _check_options(self, options: dict[str, Any]) -> list[Issue]:
        try:
            self.options_model.model_validate(options)
        except ValidationError as exc:
            return [
                Issue(
                    field="options." + ".".join(str(part) for part in error["loc"]),
                    message=N_("{platform} option {option}: {problem}"),
                    params={
                        "platform": self.name,
                        "option": ".".join(str(part) for part in error["loc"]),
                        "problem": error["msg"],
                    },
                    code="invalid_option",
                )
                for error in exc.errors()
            ]
        return []


# --- limits -------------------------------------------------------------------------------------


def text_length(text: str, units: str) -> int:
    """Length as the platform counts it (TikTok counts UTF-16 code units: emoji count twice)."""
    return len(text.encode("utf-16-le")) // 2 if units == "utf16" else len(text)


def check_limits(
    limits: Limits, request: PublishRequest, rules: PostingRules | None = None
) -> list[Issue]:
    """The request against the platform's documented limits (and the account's live rules)."""
    issues: list[Issue] = []
    media = request.media
    max_duration = limits.max_duration_s
    if rules is not None and rules.max_duration_s is not None:
        max_duration = min(max_duration or rules.max_duration_s, rules.max_duration_s)
    if max_duration is not None and media.duration_s > max_duration + 0.05:
        issues.append(
            Issue(
                field="media",
                code="too_long",
                message=N_(
                    "The video is {duration} s long; this account can post up to {limit} s."
                ),
                params={"duration": round(media.duration_s, 1), "limit": round(max_duration)},
            )
        )
    if media.duration_s + 0.05 < limits.min_duration_s:
        issues.append(
            Issue(
                field="media",
                code="too_short",
                message=N_(
                    "The video is {duration} s long; the platform needs at least {limit} s."
                ),
                params={"duration": round(media.duration_s, 1), "limit": limits.min_duration_s},
            )
        )
    if limits.max_bytes is not None and media.size_bytes > limits.max_bytes:
        issues.append(
            Issue(
                field="media",
                code="too_large",
                message=N_("The video is {size} MB; the platform takes files up to {limit} MB."),
                params={
                    "size": round(media.size_bytes / 1e6, 1),
                    "limit": round(limits.max_bytes / 1e6),
                },
            )
        )
    if limits.min_width is not None and min(media.width, media.height) < limits.min_width:
        issues.append(
            Issue(
                field="media",
                code="too_small",
                message=N_("The video is {width}×{height}; the platform needs at least {limit} "
                           "pixels on the short side."),
                params={"width": media.width, "height": media.height, "limit": limits.min_width},
            )
        )  # fmt: skip
    if limits.aspect_ratios and media.height:
        ratio = media.width / media.height
        if all(abs(ratio - wanted) > limits.aspect_tolerance for wanted in limits.aspect_ratios):
            issues.append(
                Issue(
                    field="media",
                    code="aspect",
                    severity=Severity.warning,
                    message=N_("The video is {width}×{height}; the platform shows {shapes} best."),
                    params={
                        "width": media.width,
                        "height": media.height,
                        "shapes": ", ".join(_ratio_name(r) for r in limits.aspect_ratios),
                    },
                )
            )
    issues += _text_issues(limits, request)
    if rules is not None and not rules.can_post:
        issues.append(
            Issue(
                field="account",
                code="cannot_post",
                message=N_("The platform does not let this account post now: {detail}"),
                params={"detail": rules.detail},
            )
        )
    return issues


def _text_issues(limits: Limits, request: PublishRequest) -> list[Issue]:
    issues: list[Issue] = []
    units = limits.count_units
    if limits.title_required and not request.title.strip():
        issues.append(
            Issue(field="title", code="required", message=N_("This platform needs a title."))
        )
    checks = (
        ("title", request.title, limits.title_max),
        ("caption", request.text_with_hashtags(), limits.caption_max),
    )
    for field, text, limit in checks:
        length = text_length(text, units)
        if limit is not None and length > limit:
            issues.append(
                Issue(
                    field=field,
                    code="too_long",
                    message=N_("The {field} has {length} characters; the platform allows {limit}."),
                    params={"field": field, "length": length, "limit": limit},
                )
            )
    if limits.hashtags_max is not None and len(request.hashtags) > limits.hashtags_max:
        issues.append(
            Issue(
                field="hashtags",
                code="too_many",
                message=N_("{count} hashtags; the platform allows {limit}."),
                params={"count": len(request.hashtags), "limit": limits.hashtags_max},
            )
        )
    return issues


def _ratio_name(ratio: float) -> str:
    known = {9 / 16: "9:16", 16 / 9: "16:9", 1.0: "1:1", 4 / 5: "4:5", 3 / 4: "3:4", 4 / 3: "4:3"}
    for value, name in known.items():
        if abs(value - ratio) < 0.01:
            return name
    return f"{ratio:.2f}:1"
