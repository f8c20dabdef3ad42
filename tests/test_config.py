"""Settings: defaults, the generated secret key and refusal of placeholder keys."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from shortops.config import Settings
from shortops.errors import ConfigurationError


def test_secret_key_is_generated_once_with_private_permissions(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path / "home")
    first = settings.resolved_secret_key()
    key_file = tmp_path / "home" / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert Settings(home=tmp_path / "home").resolved_secret_key() == first


@pytest.mark.parametrize("placeholder", ["changeme", "secret", "CHANGE-ME", "short-key"])
def test_placeholder_or_short_secret_keys_are_refused(tmp_path: Path, placeholder: str) -> None:
    with pytest.raises(ConfigurationError, match="placeholder or shorter"):
        Settings(home=tmp_path, secret_key=placeholder).resolved_secret_key()


def test_placeholder_in_the_key_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("changeme\n")
    with pytest.raises(ConfigurationError, match="secret_key"):
        Settings(home=tmp_path).resolved_secret_key()


def test_defaults_live_in_home(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'shortops.db'}"
    assert settings.queue_backend == "sqlite"
    assert settings.run_embedded_worker is True


def test_redis_queue_turns_the_embedded_worker_off_by_default(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, queue_url="redis://127.0.0.1:6379/0")
    assert settings.queue_backend == "redis"
    assert settings.run_embedded_worker is False
    assert Settings(home=tmp_path, queue_url="redis://x", embedded_worker=True).run_embedded_worker


def test_environment_prefix_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHORTOPS_HOME", str(tmp_path / "elsewhere"))
    monkeypatch.setenv("SHORTOPS_PORT", "9123")
    settings = Settings()
    assert settings.home == tmp_path / "elsewhere"
    assert settings.port == 9123
