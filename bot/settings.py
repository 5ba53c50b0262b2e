"""Settings read from the environment, once, into one typed object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# The one list of values that are not secrets (every settings section checks its secrets against it).
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "token", "test", "key", "password"})


def is_placeholder(value: str) -> bool:
    """Whether a secret setting holds a placeholder rather than a real secret."""
    return value.strip().lower() in PLACEHOLDER_SECRETS


class SettingsError(RuntimeError):
    """Raised when the environment holds an unusable setting."""


@dataclass(frozen=True)
class Settings:
    """Runtime settings of the assistant and its action server."""

    environment: str
    database_url: str
    tracker_database_url: str
    retention_days: int
    rasa_auth_token: str
    audit_retention_days: int = 365

    @property
    def is_production(self) -> bool:
        """Whether the strict production checks apply."""
        return self.environment == "production"


def int_setting(name: str, default: int, minimum: int, env: Mapping[str, str] | None = None) -> int:
    """A whole-number setting from the environment, refused with a clear error when unusable."""
    raw = (os.environ if env is None else env).get(name, str(default))
    try:
        value = int(raw)
    except ValueError as err:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from err
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, got {value}")
    return value


def load_settings() -> Settings:
    """Read the settings from the environment and refuse unsafe production values."""
    default_tracker = f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
    settings = Settings(
        environment=os.environ.get("VENTANILLA_ENV", "development"),
        database_url=os.environ.get("DATABASE_URL", f"sqlite:///{PROJECT_ROOT / 'var' / 'ventanilla.db'}"),
        tracker_database_url=os.environ.get("TRACKER_DATABASE_URL", default_tracker),
        retention_days=int_setting("RETENTION_DAYS", 90, 1),
        rasa_auth_token=os.environ.get("RASA_AUTH_TOKEN", ""),
        audit_retention_days=int_setting("AUDIT_RETENTION_DAYS", 365, 1),
    )
    if settings.is_production and is_placeholder(settings.rasa_auth_token):
        raise SettingsError("RASA_AUTH_TOKEN must be set to a real secret in production")
    return settings


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (read on first use, never at import)."""
    return load_settings()
