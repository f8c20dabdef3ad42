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
    Capability,
    Failed,
    Limits,
    Pending,
    Profile,
    Progress,
    Published,
    PublishRequest,
    PublishState,
    Ticket,
    Tokens,
)

SLOW_EXTRA_POLLS = 5
POLL_AFTER_S = 2.0
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

    def fetch_post_metrics(self, tokens: Tokens, remote_id: str) -> dict[str, float]:
        """Cumulative counters of a live post: a fixed curve of its age, seeded by its id.

        Keys are named like the columns of MetricSnapshot; the numbers are made up and every
        place that shows them labels them as sandbox data.
        """
        with self.store.locked():
            self._subject(self.store.state(), tokens)
            post = self.store.get_post(remote_id)
        if post is None or post["status"] != "published" or not post["published_at"]:
            raise Rejected(platform=self.name, detail=f"no live post {remote_id}")
        hours = _hours_since(post["published_at"], self.clock())
        return post_metrics_curve(remote_id, hours, float(post["media"]["duration_s"] or 0))

    def fetch_account_metrics(self, tokens: Tokens) -> dict[str, float]:
        """Followers and totals of the simulated account, derived from its live posts."""
        with self.store.locked():
            subject = self._subject(self.store.state(), tokens)
            posts = [p for p in self.store.posts() if p["account"] == subject and p["published_at"]]
        now = self.clock()
        per_post = [
            post_metrics_curve(p["id"], _hours_since(p["published_at"], now), 0) for p in posts
        ]
        views = sum(m["views"] for m in per_post)
        likes = sum(m["likes"] for m in per_post)
        gained = sum(m["followers_gained"] for m in per_post)
        return {
            "followers": 100 + gained,
            "following": 12,
            "total_views": views,
            "total_likes": likes,
            "posts_count": len(posts),
        }


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


def _hours_since(iso: str, now: datetime) -> float:
    return (now - datetime.fromisoformat(iso)).total_seconds() / 3600
