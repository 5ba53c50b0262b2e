"""Console settings: safe defaults, and refusals in production."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from bot.console.settings import load_console_settings, stored_secret
from bot.settings import SettingsError

SECRET = "a-real-console-secret-0123456789"


def test_defaults_listen_on_localhost_with_a_30_minute_idle_timeout() -> None:
    settings = load_console_settings({"CONSOLE_SECRET": SECRET})
    assert (settings.host, settings.port, settings.idle_timeout_minutes) == ("127.0.0.1", 5006, 30)
    assert (settings.max_failed_signins, settings.lockout_minutes, settings.secure_cookies) == (5, 15, False)
    assert settings.rasa_url == "http://127.0.0.1:5005/webhooks/rest/webhook"


def test_production_refuses_a_missing_secret_and_plain_http_cookies() -> None:
    with pytest.raises(SettingsError, match="CONSOLE_SECRET"):
        load_console_settings({"VENTANILLA_ENV": "production"})
    with pytest.raises(SettingsError, match="CONSOLE_SECURE_COOKIES"):
        load_console_settings({"VENTANILLA_ENV": "production", "CONSOLE_SECRET": SECRET, "CONSOLE_SECURE_COOKIES": "false"})
    assert load_console_settings({"VENTANILLA_ENV": "production", "CONSOLE_SECRET": SECRET}).secure_cookies


def test_bad_numbers_are_refused() -> None:
    with pytest.raises(SettingsError, match="CONSOLE_IDLE_MINUTES"):
        load_console_settings({"CONSOLE_SECRET": SECRET, "CONSOLE_IDLE_MINUTES": "0"})
    with pytest.raises(SettingsError, match="CONSOLE_PORT"):
        load_console_settings({"CONSOLE_SECRET": SECRET, "CONSOLE_PORT": "http"})


def test_the_generated_secret_is_kept_and_private(tmp_path: Path) -> None:
    path = tmp_path / "var" / "console-secret"
    first = stored_secret(path)
    assert len(first) >= 32 and stored_secret(path) == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
