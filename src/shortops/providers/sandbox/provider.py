"""The sandbox: a simulated platform on this machine, for trying shortops and for tests.

It behaves like a real platform where it matters to the publishing engine (tokens that can expire
and rotate, a two-phase publish that stays "processing" for a while, a public URL when it is
live) and is deterministic: a post's id comes from the account and the idempotency key, it is
processing for exactly `processing_polls` status checks, and its metrics follow a fixed curve.
Failures are switched on per post with the `simulate` option, so users can see what a failed,
rejected, slow or uncertain upload looks like, and tests can drive each one:

    none              goes live after `processing_polls` checks
    fail_upload       start_publish raises Transient before anything is "sent" (safe to retry)
    reject            the upload is accepted, then processing ends in Failed (permanent)
    slow_processing   processing takes SLOW_EXTRA_POLLS more checks
    outcome_unknown   the post is created and its reference recorded, then start_publish raises
                      OutcomeUnknown, as after a dropped connection: check_publish reconciles it

Nothing leaves the machine: the file is not copied, only its path, size and hash are noted, and
the page at /sandbox/posts/{id} plays it from there. Every page showing sandbox data says so.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from shortops.config import get_settings
from shortops.errors import N_
from shortops.providers.base import OnProgress, Provider, RecordTicket
from shortops.providers.errors import (
    AuthExpired,
    OutcomeUnknown,
    ReauthRequired,
    Rejected,
    Transient,
)
from shortops.providers.sandbox.store import SandboxStore
from shortops.providers.types import (
    AccountMetrics,
    Capability,
    Failed,
    Limits,
    Pending,
    PostMetrics,
    PostPage,
    Profile,
    Progress,
    Published,
    PublishRequest,
    PublishState,
    RemotePost,
    Ticket,
    Tokens,
)

SLOW_EXTRA_POLLS = 5
POLL_AFTER_S = 2.0
LIST_PAGE = 20
Simulation = Literal["none", "fail_upload", "reject", "slow_processing", "outcome_unknown"]


class SandboxOptions(BaseModel):
    """Per-post options of the sandbox."""

    model_config = ConfigDict(extra="forbid")

    visibility: Literal["public", "private", "unlisted"] = "public"
    processing_polls: int = Field(default=1, ge=0, le=100)
    simulate: Simulation = "none"


class SandboxProvider(Provider):
    slug = "sandbox"
    name = "Sandbox"
    capabilities = frozenset(
        {Capability.publish, Capability.post_metrics, Capability.account_metrics}
    )
    # Generous, like a 9:16 short on the big platforms.
    limits = Limits(
        min_duration_s=1,
        max_duration_s=600,
        max_bytes=1_000_000_000,
        aspect_ratios=(9 / 16,),
        title_max=150,
        caption_max=2200,
        hashtags_max=30,
        profile_slug="tiktok",
    )
    options_model = SandboxOptions
    uses_oauth = False
    is_sandbox = True

    def __init__(self, *args: Any, store: SandboxStore | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.store = store or SandboxStore.default()

    # --- accounts ---------------------------------------------------------------------------

    def sign_up(self, handle: str | None = None) -> Tokens:
        """A new simulated user, signed in (the sandbox's stand-in for an OAuth sign-in)."""
        with self.store.locked():
            state = self.store.state()
            number = len(state["users"]) + 1
            remote_id = f"sbx-user-{number}"
            state["users"][remote_id] = {
                "handle": handle or f"sandbox_creator_{number}",
                "display_name": f"Sandbox creator {number}",
                "created_at": self.clock().isoformat(),
            }
            tokens = self._issue(state, remote_id)
            self.store.save_state(state)
        return tokens

    def refresh(self, tokens: Tokens) -> Tokens:
        """New tokens; the sandbox rotates refresh tokens, spending the old one."""
        with self.store.locked():
            state = self.store.state()
            subject = state["refresh_tokens"].pop(tokens.refresh_token or "", None)
            if subject is None:
                raise ReauthRequired(
                    platform=self.name, detail="the refresh token is unknown or was used already"
                )
            fresh = self._issue(state, str(subject))
            self.store.save_state(state)
        return fresh

    def get_profile(self, tokens: Tokens) -> Profile:
        with self.store.locked():
            state = self.store.state()
            subject = self._subject(state, tokens)
            user = state["users"][subject]
        return Profile(remote_id=subject, handle=user["handle"], display_name=user["display_name"])

    def revoke(self, tokens: Tokens) -> None:
        with self.store.locked():
            state = self.store.state()
            state["access_tokens"].pop(tokens.access_token, None)
            state["refresh_tokens"].pop(tokens.refresh_token or "", None)
            self.store.save_state(state)

    def expire_access_tokens(self) -> None:
        """Make every access token issued so far expire (what a platform does after a while)."""
        with self.store.locked():
            state = self.store.state()
            for entry in state["access_tokens"].values():
                entry["expired"] = True
            self.store.save_state(state)

    def _issue(self, state: dict[str, Any], subject: str) -> Tokens:
        access = f"sbx_at_{secrets.token_urlsafe(18)}"
        refresh = f"sbx_rt_{secrets.token_urlsafe(18)}"
        state["access_tokens"][access] = {"subject": subject, "expired": False}
        state["refresh_tokens"][refresh] = subject
        # No expiry: a sandbox account stays connected until it is disconnected.
        return Tokens(access_token=access, refresh_token=refresh, remote_id=subject)

    def _subject(self, state: dict[str, Any], tokens: Tokens) -> str:
        entry = state["access_tokens"].get(tokens.access_token)
        if entry is None or entry["subject"] not in state["users"]:
            raise ReauthRequired(
                platform=self.name, detail="the sandbox does not know this sign-in"
            )
        if entry["expired"]:
            raise AuthExpired(platform=self.name)
        return str(entry["subject"])

    # --- publish ----------------------------------------------------------------------------

    def start_publish(
        self,
        tokens: Tokens,
        request: PublishRequest,
        *,
        record: RecordTicket,
        on_progress: OnProgress | None = None,
    ) -> Ticket:
        options = SandboxOptions.model_validate(request.options)
        with self.store.locked():
            subject = self._subject(self.store.state(), tokens)
            if options.simulate == "fail_upload":
                raise Transient(platform=self.name, detail="simulated: the upload did not start")
            post_id = post_id_for(subject, request.idempotency_key)
            ticket = Ticket(reference=post_id, data={"simulate": options.simulate})
            # Like a platform that honours idempotency keys: the same key is the same post.
            if self.store.get_post(post_id) is None:
                self.store.save_post(self._new_post(post_id, subject, request, options))
        record(ticket)
        if on_progress is not None:
            size = request.media.size_bytes
            on_progress(Progress(sent=size, total=size))
        if options.simulate == "outcome_unknown":
            raise OutcomeUnknown(
                platform=self.name, detail="simulated: the connection dropped after the upload"
            )
        return ticket

    def _new_post(
        self, post_id: str, subject: str, request: PublishRequest, options: SandboxOptions
    ) -> dict[str, Any]:
        media = request.media
        extra = SLOW_EXTRA_POLLS if options.simulate == "slow_processing" else 0
        return {
            "id": post_id,
            "account": subject,
            "idempotency_key": request.idempotency_key,
            "title": request.title,
            "caption": request.text_with_hashtags(),
            "media": {
                "path": str(media.path),
                "sha256": media.sha256,
                "size_bytes": media.size_bytes,
                "duration_s": media.duration_s,
                "width": media.width,
                "height": media.height,
                "content_type": media.content_type,
            },
            "visibility": options.visibility,
            "simulate": options.simulate,
            "processing_polls": options.processing_polls + extra,
            "polls": 0,
            "status": "processing",
            "created_at": self.clock().isoformat(),
            "published_at": None,
        }

    def check_publish(self, tokens: Tokens, ticket: Ticket) -> PublishState:
        with self.store.locked():
            self._subject(self.store.state(), tokens)
            post = self.store.get_post(ticket.reference)
            if post is None:
                return Failed(
                    reason=N_("The sandbox has no post {reference} (was its data deleted?)."),
                    params={"reference": ticket.reference},
                    platform_code="not_found",
                )
            if post["status"] == "processing":
                if post["polls"] < post["processing_polls"]:
                    post["polls"] += 1
                    self.store.save_post(post)
                    return Pending(
                        detail="processing",
                        progress=post["polls"] / (post["processing_polls"] + 1),
                        poll_after_s=POLL_AFTER_S,
                    )
                if post["simulate"] == "reject":
                    post["status"] = "rejected"
                else:
                    post["status"] = "published"
                    post["published_at"] = self.clock().isoformat()
                self.store.save_post(post)
        if post["status"] == "rejected":
            return Failed(
                reason=N_("The sandbox rejected the video (simulated rejection)."),
                platform_code="simulated_reject",
            )
        return Published(
            remote_id=post["id"], url=self.live_url(post["id"]), visibility=post["visibility"]
        )

    def live_url(self, remote_id: str) -> str:
        return f"{get_settings().resolved_public_url}/sandbox/posts/{remote_id}"

    # --- metrics ----------------------------------------------------------------------------
    # The numbers are made up (a fixed curve of each post's age, seeded by its id) and every
    # place that shows them labels them as sandbox data.

    def list_posts(self, tokens: Tokens, *, cursor: str | None = None) -> PostPage:
        """The account's live posts, newest first, LIST_PAGE a page (the cursor is an offset)."""
        posts = self._live_posts(tokens)
        posts.sort(key=lambda p: (p["published_at"], p["id"]), reverse=True)
        offset = int(cursor or 0) if (cursor or "0").isdigit() else -1
        if offset < 0:
            raise Rejected(platform=self.name, detail=f"not a sandbox cursor: {cursor!r}")
        page = posts[offset : offset + LIST_PAGE]
        now = self.clock()
        found = tuple(
            RemotePost(
                remote_id=post["id"],
                url=self.live_url(post["id"]),
                title=post["title"],
                published_at=datetime.fromisoformat(post["published_at"]),
                duration_s=float(post["media"]["duration_s"] or 0) or None,
                metrics=_metrics(post, now),
            )
            for post in page
        )
        more = offset + LIST_PAGE < len(posts)
        return PostPage(posts=found, cursor=str(offset + LIST_PAGE) if more else None)

    def fetch_post_metrics(self, tokens: Tokens, remote_ids: Sequence[str]) -> list[PostMetrics]:
        """Cumulative counters of the live posts among `remote_ids`; others are left out."""
        live = {post["id"]: post for post in self._live_posts(tokens)}
        now = self.clock()
        return [_metrics(live[i], now) for i in dict.fromkeys(remote_ids) if i in live]

    def fetch_account_metrics(self, tokens: Tokens) -> AccountMetrics:
        """Followers and totals of the simulated account, derived from its live posts."""
        posts = self._live_posts(tokens)
        now = self.clock()
        per_post = [
            post_metrics_curve(p["id"], _hours_since(p["published_at"], now), 0) for p in posts
        ]
        return AccountMetrics(
            captured_at=now,
            followers=100 + sum(int(m["followers_gained"]) for m in per_post),
            following=12,
            total_views=sum(int(m["views"]) for m in per_post),
            total_likes=sum(int(m["likes"]) for m in per_post),
            posts_count=len(posts),
        )

    def _live_posts(self, tokens: Tokens) -> list[dict[str, Any]]:
        with self.store.locked():
            subject = self._subject(self.store.state(), tokens)
            return [
                p
                for p in self.store.posts()
                if p["account"] == subject and p["status"] == "published" and p["published_at"]
            ]


def post_id_for(subject: str, idempotency_key: str) -> str:
    """The post id a publish gets: the same account and key always give the same post."""
    return "sbx" + hashlib.sha256(f"{subject}:{idempotency_key}".encode()).hexdigest()[:16]


def post_metrics_curve(post_id: str, hours: float, duration_s: float) -> dict[str, float]:
    """Views grow fast for two days and then level off; the other counters follow views."""
    seed = int(hashlib.sha256(post_id.encode()).hexdigest()[:8], 16)
    reach = 500 + seed % 5000
    progress = min(1.0, max(0.0, hours) / 48) ** 0.5
    views = int(reach * progress)
    avg_view_s = round(min(duration_s, 4 + seed % 7), 1) if duration_s else 0.0
    return {
        "views": views,
        "likes": views * (5 + seed % 7) // 100,
        "comments": views * (1 + seed % 3) // 200,
        "shares": views // 150,
        "saves": views // 120,
        "followers_gained": views // 250,
        "impressions": int(views * 1.6),
        "reach": int(views * 1.2),
        "avg_view_s": avg_view_s,
        "watch_time_s": round(views * avg_view_s, 1),
        "completion_rate": round(avg_view_s / duration_s, 3) if duration_s else 0.0,
    }


def _metrics(post: dict[str, Any], now: datetime) -> PostMetrics:
    """A live post's counters now, from the curve (no duration: no watch figures)."""
    duration_s = float(post["media"]["duration_s"] or 0)
    curve = post_metrics_curve(post["id"], _hours_since(post["published_at"], now), duration_s)
    watched = {
        "avg_view_s": curve["avg_view_s"],
        "watch_time_s": curve["watch_time_s"],
        "completion_rate": curve["completion_rate"],
    }
    counters = {key: int(value) for key, value in curve.items() if key not in watched}
    return PostMetrics(
        remote_id=post["id"],
        captured_at=now,
        **counters,
        **(watched if duration_s else {}),
    )


def _hours_since(iso: str, now: datetime) -> float:
    return (now - datetime.fromisoformat(iso)).total_seconds() / 3600
