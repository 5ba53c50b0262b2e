"""Console settings read from the environment, once, into one typed object."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.i18n import languages
from bot.settings import PROJECT_ROOT, SettingsError, int_setting, is_placeholder

DEFAULT_RASA_URL = "http://127.0.0.1:5005/webhooks/rest/webhook"


@dataclass(frozen=True)
class ConsoleSettings:
    """Everything the console needs: where to listen, its secret, session rules and its databases."""

    host: str
    port: int
    secret: str
    secure_cookies: bool
    idle_timeout_minutes: int
    max_failed_signins: int
    lockout_minutes: int
    rasa_url: str
    database_url: str
    tracker_database_url: str
    poll_interval_ms: int = 1000
    throttle_url: str = "memory://"
    proxies_count: int = 0
    session_hours: int = 12
    default_language: str = languages.default()
    # Daily jobs (retention purge, audit-log retention) checked every this many seconds; 0 = not run here.
    schedule_poll_seconds: int = 0


def stored_secret(path: Path) -> str:
    """The secret kept in a file, generated (readable by the owner only) on first use."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32) + "\n", encoding="utf-8")
        path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def load_console_settings(environ: Mapping[str, str] | None = None) -> ConsoleSettings:
    """Read the settings; refuse placeholder secrets and non-TLS cookies in production."""
    env = os.environ if environ is None else environ
    production = env.get("VENTANILLA_ENV", "development") == "production"
    secret = env.get("CONSOLE_SECRET", "")
    if is_placeholder(secret):
        if production:
            raise SettingsError("CONSOLE_SECRET must be set to a real secret in production")
        secret = stored_secret(PROJECT_ROOT / "var" / "console-secret")
    if len(secret) < 16:
        raise SettingsError("CONSOLE_SECRET must have at least 16 characters")
    secure = env.get("CONSOLE_SECURE_COOKIES", "true" if production else "false").lower() in ("1", "true", "yes")
    if production and not secure:
        raise SettingsError("CONSOLE_SECURE_COOKIES cannot be off in production (serve the console over TLS)")
    default_tracker = f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
    return ConsoleSettings(
        host=env.get("CONSOLE_HOST", "127.0.0.1"),
        port=int_setting("CONSOLE_PORT", 5006, 1, env),
        secret=secret,
        secure_cookies=secure,
        idle_timeout_minutes=int_setting("CONSOLE_IDLE_MINUTES", 30, 1, env),
        max_failed_signins=int_setting("CONSOLE_MAX_FAILED_SIGNINS", 5, 1, env),
        lockout_minutes=int_setting("CONSOLE_LOCKOUT_MINUTES", 15, 1, env),
        rasa_url=env.get("RASA_URL", DEFAULT_RASA_URL),
        database_url=env.get("DATABASE_URL", f"sqlite:///{PROJECT_ROOT / 'var' / 'ventanilla.db'}"),
        tracker_database_url=env.get("TRACKER_DATABASE_URL", default_tracker),
        throttle_url=env.get("CONSOLE_THROTTLE_URL", "memory://"),
        proxies_count=int_setting("CONSOLE_PROXIES_COUNT", 0, 0, env),
        session_hours=int_setting("CONSOLE_SESSION_HOURS", 12, 1, env),
        default_language=_language(env.get("CONSOLE_DEFAULT_LANGUAGE", languages.default())),
        schedule_poll_seconds=int_setting("SCHEDULE_POLL_SECONDS", 600, 0, env),
    )


def _language(code: str) -> str:
    from bot.console.i18n import LANGUAGES

    if code not in LANGUAGES:
        raise SettingsError(f"CONSOLE_DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}, got {code!r}")
    return code
