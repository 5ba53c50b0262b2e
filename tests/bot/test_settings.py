"""Settings come from the environment and refuse unsafe production values."""

from __future__ import annotations

import pytest

from bot.settings import SettingsError, load_settings


def test_defaults_run_on_embedded_sqlite(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TRACKER_DATABASE_URL", "RETENTION_DAYS", "VENTANILLA_ENV", "RASA_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.tracker_database_url.startswith("sqlite:///")
    assert settings.retention_days == 90


def test_production_refuses_a_placeholder_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VENTANILLA_ENV", "production")
    monkeypatch.setenv("RASA_AUTH_TOKEN", "changeme")
    with pytest.raises(SettingsError, match="RASA_AUTH_TOKEN"):
        load_settings()


def test_retention_must_be_a_positive_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETENTION_DAYS", "ninety")
    with pytest.raises(SettingsError, match="RETENTION_DAYS"):
        load_settings()
