"""What goes in and out of a provider. Plain data: persisted as JSON by the caller.

Times are timezone-aware UTC datetimes. Nothing here talks to a platform.
"""

from __future__ import annotations

import enum
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Capability(enum.StrEnum):
    publish = "publish"
    native_schedule = "native_schedule"  # the platform itself can hold a post until a time
    post_metrics = "post_metrics"
    account_metrics = "account_metrics"
    read_comments = "read_comments"
    reply = "reply"


class Limits(Frozen):
    """What one post may be on this platform (CONSTRAINTS.md); checked before scheduling."""

    min_duration_s: float = 0
    max_duration_s: float | None = None
    max_bytes: int | None = None
    # Accepted width/height ratios (e.g. 9/16); empty = any.
    aspect_ratios: tuple[float, ...] = ()
    aspect_tolerance: float = 0.02
    min_width: int | None = None
    title_max: int | None = None  # characters (see `count_units`)
    caption_max: int | None = None
    hashtags_max: int | None = None
    # How the platform counts text: "chars" (code points) or "utf16" (TikTok counts UTF-16 units).
    count_units: Literal["chars", "utf16"] = "chars"
    title_required: bool = False
    containers: tuple[str, ...] = ("mp4", "mov")
    profile_slug: str | None = None  # the Produce profile a rendition for this platform uses
    # The cover the platform shows, when it takes a cover file: its rendition's cover of this
    # shape is sent unless the post names a cover image.
    cover_shape: Literal["portrait", "landscape"] | None = None


class AppCredentials(Frozen):
    """A workspace's app registration on a platform (Settings → Platforms)."""

    client_id: str
    client_secret: str
    redirect_uri: str
    # Where the platform's endpoints live, by name ("auth", "api", "upload" …); empty = the real
    # platform. Set for sandboxes and the fake servers the tests run.
    endpoints: dict[str, str] = Field(default_factory=dict)
    extra: dict[str, str] = Field(default_factory=dict)


class AuthStart(Frozen):
    """Where to send the browser, and what to keep until it comes back."""

    url: str
    state: str
    code_verifier: str | None = None  # PKCE, when the platform supports it


class Tokens(Frozen):
    """An account's credentials, stored encrypted on the Account row."""

    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    refresh_expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()
    remote_id: str | None = None  # some platforms name the user in the token answer (open_id)
    extra: dict[str, Any] = Field(default_factory=dict)


class Profile(Frozen):
    remote_id: str
    handle: str
    display_name: str = ""
    avatar_url: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class Severity(enum.StrEnum):
    error = "error"  # blocks scheduling
    warning = "warning"  # shown, does not block


class Issue(Frozen):
    """One thing wrong with a publish request, in words a user can act on."""

    field: str
    message: str  # English template (N_), filled with `params`, translated where shown
    params: dict[str, Any] = Field(default_factory=dict)
    severity: Severity = Severity.error
    code: str = "invalid"

    def render(self, gettext: Any = None) -> str:
        text = gettext(self.message) if gettext else self.message
        try:
            return str(text.format(**self.params))
        except (KeyError, IndexError):
            return self.message


class MediaFile(Frozen):
    """The rendition to upload, with the facts the platform checks."""

    path: Path
    size_bytes: int
    duration_s: float
    width: int
    height: int
    content_type: str = "video/mp4"
    sha256: str = ""
    # A signed, expiring URL shortops serves the file at, for platforms that pull (Instagram).
    public_url: str | None = None


class PublishRequest(Frozen):
    media: MediaFile
    cover: Path | None = None
    title: str = ""
    caption: str = ""
    hashtags: tuple[str, ...] = ()
    # The provider's own options model, dumped (privacy, comments, disclosures …).
    options: dict[str, Any] = Field(default_factory=dict)
    # Unique per publication: providers pass it where the platform takes one.
    idempotency_key: str
    publish_at: datetime | None = None  # only for Capability.native_schedule

    def text_with_hashtags(self) -> str:
        """The caption followed by the hashtags not already in it."""
        present = {word.lower() for word in self.caption.split() if word.startswith("#")}
        tags = [f"#{tag.lstrip('#')}" for tag in self.hashtags]
        extra = [tag for tag in tags if tag.lower() not in present]
        return " ".join(part for part in (self.caption.strip(), " ".join(extra)) if part)


class Ticket(Frozen):
    """The platform's handle on a publish in progress; persisted the moment it exists."""

    reference: str  # publish_id, container id, upload session URL …
    data: dict[str, Any] = Field(default_factory=dict)


class Pending(Frozen):
    state: Literal["pending"] = "pending"
    detail: str = ""
    progress: float | None = None  # 0..1 when the platform tells
    poll_after_s: float = 10


class Published(Frozen):
    state: Literal["published"] = "published"
    remote_id: str
    url: str
    visibility: str = "public"  # public | private | unlisted | friends | inbox …
    detail: str = ""


class Failed(Frozen):
    state: Literal["failed"] = "failed"
    reason: str  # English template (N_) or the platform's own words
    params: dict[str, Any] = Field(default_factory=dict)
    permanent: bool = True
    platform_code: str = ""


PublishState = Pending | Published | Failed


class Progress(Frozen):
    """Bytes sent so far, for the upload bar."""

    sent: int
    total: int


# --- reads: metrics ------------------------------------------------------------------------------


class PostMetrics(Frozen):
    """One post's cumulative counters as the platform reports them at `captured_at`.

    A figure the platform does not report is None, never 0 (Instagram answers "no data yet"
    with an empty list). Rates are fractions; times are seconds.
    """

    remote_id: str
    captured_at: datetime
    views: int | None = None
    likes: int | None = None
    comments: int | None = None
    shares: int | None = None
    saves: int | None = None
    watch_time_s: float | None = None
    avg_view_s: float | None = None
    completion_rate: float | None = None
    followers_gained: int | None = None
    impressions: int | None = None
    reach: int | None = None
    extra: dict[str, Any] = Field(default_factory=dict)


class RemotePost(Frozen):
    """A post found on the account (published through shortops or not), with its counters."""

    remote_id: str
    url: str | None = None
    title: str = ""
    published_at: datetime | None = None
    duration_s: float | None = None
    metrics: PostMetrics | None = None


class PostPage(Frozen):
    """One page of the account's posts, newest first; `cursor` fetches the next page."""

    posts: tuple[RemotePost, ...] = ()
    cursor: str | None = None


class ReadBudget(Frozen):
    """How much reading a platform allows, as its documentation says (API_CONTRACTS.md), so a
    poller can stay inside it. None where the platform publishes no figure."""

    requests_per_minute: int | None = None
    # The per-minute figure counts each endpoint on its own (TikTok: 600/min for each of
    # user/info, video/list and video/query), not all reads together.
    per_endpoint: bool = False
    # A daily quota in the platform's own units (YouTube: units a Google Cloud project may
    # spend a day), and the time zone whose midnight resets it.
    units_per_day: int | None = None
    resets_at_midnight_in: str | None = None
    # What one call of each provider method spends: in units where there is a daily unit
    # quota, else in requests ("list_posts" = one page). Upper bounds.
    costs: dict[str, int] = Field(default_factory=dict)


class AccountMetrics(Frozen):
    """The account's cumulative counters at `captured_at`; None where not reported."""

    captured_at: datetime
    followers: int | None = None
    following: int | None = None
    total_views: int | None = None
    total_likes: int | None = None
    posts_count: int | None = None
    extra: dict[str, Any] = Field(default_factory=dict)
