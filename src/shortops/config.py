"""Settings, read only through `get_settings()`.

Every field is documented in docs/configuration.md; a test fails when one is not.
"""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shortops.errors import N_, ConfigurationError

SECRET_KEY_FILE = "secret_key"
MIN_SECRET_KEY_LENGTH = 32
# Values people copy from examples; a deployment running with one of them has no secret at all.
PLACEHOLDER_SECRET_KEYS = frozenset(
    {"changeme", "change-me", "change_me", "secret", "secret-key", "your-secret-key", "xxx", "test"}
)


class Settings(BaseSettings):
    """Every knob of shortops, from the environment (prefix SHORTOPS_) or a .env file."""

    model_config = SettingsConfigDict(env_prefix="SHORTOPS_", env_file=".env", extra="ignore")

    home: Path = Field(
        default_factory=lambda: Path(platformdirs.user_data_dir("shortops", appauthor=False)),
        description="Data directory: database, queue, media, secret key.",
    )
    cache_dir: Path = Field(
        default_factory=lambda: Path(platformdirs.user_cache_dir("shortops", appauthor=False)),
        description="Facts worth keeping between runs that can always be found again "
        "(what the FFmpeg build can do). Safe to delete.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL. Default: SQLite file shortops.db in the home directory.",
    )
    queue_url: str | None = Field(
        default=None,
        description="Task queue: redis://… for Redis; default: SQLite file queue.db in home.",
    )
    secret_key: str | None = Field(
        default=None,
        description="Signs sessions and encrypts stored credentials. Generated on first run.",
    )
    host: str = Field(default="127.0.0.1", description="Address `shortops serve` listens on.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port `shortops serve` uses.")
    public_url: str | None = Field(
        default=None,
        description="The address people and platforms reach shortops at (OAuth redirects, "
        "signed media links). Default: http://HOST:PORT.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="Log level of the server and the worker."
    )
    embedded_worker: bool | None = Field(
        default=None,
        description="Run a queue consumer inside `shortops serve`. Default: on for a SQLite queue.",
    )
    worker_threads: int = Field(default=2, ge=1, le=64, description="Consumer threads per worker.")
    session_max_age: int = Field(
        default=14 * 24 * 3600, ge=60, description="Seconds a login session stays valid."
    )
    secure_cookies: bool = Field(
        default=False, description="Send cookies only over HTTPS (turn on behind TLS)."
    )
    allow_private_targets: bool = Field(
        default=False,
        description="Let webhooks and SMTP servers be on private, loopback or link-local "
        "addresses (refused by default: a workspace owner could otherwise probe the server's "
        "own network).",
    )
    youtube_api_key: str | None = Field(
        default=None,
        description="A YouTube Data API key (Google Cloud console → Credentials → API key): "
        "lets Measure → Competitors read public channels' subscribers, views and recent videos.",
    )
    youtube_api_url: str = Field(
        default="https://www.googleapis.com",
        description="Where the YouTube Data API answers (change only for a test server).",
    )
    login_max_failures: int = Field(
        default=5, ge=1, description="Failed logins for one email before it is locked out."
    )
    login_lockout_seconds: int = Field(
        default=900, ge=1, description="How long a locked-out email must wait."
    )
    ffmpeg: str | None = Field(
        default=None,
        description="FFmpeg executable. Default: the one shipped in the imageio-ffmpeg wheel.",
    )
    ffprobe: str | None = Field(
        default=None,
        description="ffprobe executable. Default: ffprobe on PATH, else probing with FFmpeg.",
    )
    media_dir: Path | None = Field(
        default=None, description="Where uploaded media and renditions live. Default: home/media."
    )
    render_timeout_seconds: int = Field(
        default=3600, ge=10, description="An FFmpeg job running longer than this is stopped."
    )
    render_concurrency: int = Field(
        default_factory=lambda: max(1, os.cpu_count() or 1),
        ge=1,
        le=64,
        description="FFmpeg jobs run at once by a worker (default: CPU cores).",
    )
    max_upload_bytes: int = Field(
        default=20 * 1024**3, ge=1024, description="Largest file accepted for upload."
    )
    max_request_bytes: int = Field(
        default=2 * 1024**2,
        ge=64 * 1024,
        le=1024**3,
        description="Largest request body for forms and the JSON API (export imports and "
        "video upload chunks have their own, larger limits).",
    )
    default_language: Literal["en", "zh_Hans"] = Field(
        default="en", description="UI language when the browser states no preference."
    )
    publish_upload_lease_seconds: int = Field(
        default=120,
        ge=2,
        le=3600,
        description="An upload whose worker has not signalled for this long counts as abandoned "
        "(it is then reconciled with the platform or sent for review, never uploaded again).",
    )
    publish_max_attempts: int = Field(
        default=5,
        ge=1,
        le=50,
        description="Tries of a publication that failed before anything was sent (network, rate "
        "limit, expired token) before it is marked failed.",
    )
    publish_max_processing_hours: float = Field(
        default=6,
        gt=0,
        le=24 * 14,
        description="How long a platform may keep a post processing before it needs review.",
    )
    manual_kit_overdue_minutes: int = Field(
        default=120,
        ge=1,
        description="Minutes after its time that an unfinished manual publish kit escalates.",
    )

    @field_validator("log_level", mode="before")
    @classmethod
    def _lower_log_level(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("home", "cache_dir", mode="before")
    @classmethod
    def _expand_home(cls, value: object) -> object:
        return Path(os.path.expanduser(str(value))) if value is not None else value

    @property
    def resolved_public_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_media_dir(self) -> Path:
        return self.media_dir or self.home / "media"

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'shortops.db'}"

    @property
    def resolved_queue_url(self) -> str:
        return self.queue_url or f"sqlite:///{self.home / 'queue.db'}"

    @property
    def queue_backend(self) -> Literal["sqlite", "redis"]:
        return (
            "redis" if self.resolved_queue_url.startswith(("redis://", "rediss://")) else "sqlite"
        )

    @property
    def database_backend(self) -> str:
        return self.resolved_database_url.split(":", 1)[0].split("+", 1)[0]

    @property
    def run_embedded_worker(self) -> bool:
        if self.embedded_worker is not None:
            return self.embedded_worker
        return self.queue_backend == "sqlite"

    def ensure_home(self) -> Path:
        """The home folder, private to this user (an existing one is narrowed to 0700)."""
        self.home.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = self.home.stat()
        if info.st_mode & 0o077 and info.st_uid == os.getuid():
            self.home.chmod(0o700)
        return self.home

    def resolved_secret_key(self) -> str:
        """The configured key, else the one stored in home (created with mode 0600 on first use)."""
        if self.secret_key is not None:
            return _checked_secret(self.secret_key, "SHORTOPS_SECRET_KEY")
        path = self.ensure_home() / SECRET_KEY_FILE
        if path.exists():
            return _checked_secret(path.read_text().strip(), str(path))
        key = secrets.token_urlsafe(48)
        # O_EXCL: two processes starting together must not overwrite each other's key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _checked_secret(path.read_text().strip(), str(path))
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


def _checked_secret(value: str, source: str) -> str:
    if value.strip().lower() in PLACEHOLDER_SECRET_KEYS or len(value) < MIN_SECRET_KEY_LENGTH:
        raise ConfigurationError(
            N_(
                "The secret key from {source} is a placeholder or shorter than {min_length} "
                "characters. Set a long random value (python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))') or remove it to let shortops generate one."
            ),
            source=source,
            min_length=MIN_SECRET_KEY_LENGTH,
        )
    return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests call `get_settings.cache_clear()` after changing env)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"SHORTOPS_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigurationError(
            N_("Invalid setting: {problems}. See docs/configuration.md."), problems=problems
        ) from None
