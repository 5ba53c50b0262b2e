"""Translation settings from the environment: off unless TRANSLATION_URL names a server."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from bot.settings import SettingsError, int_setting


@dataclass(frozen=True)
class TranslationSettings:
    """Where the translation server is, its key, and how long to wait for it and keep its answers."""

    url: str
    api_key: str = ""
    timeout_seconds: float = 5.0
    cache_minutes: int = 720  # translations stay in memory at most this long (12 h, well inside retention)
    cache_size: int = 2000


def load_translation_settings(environ: Mapping[str, str] | None = None) -> TranslationSettings | None:
    """The settings, or None when machine translation is off (no TRANSLATION_URL)."""
    env = os.environ if environ is None else environ
    url = env.get("TRANSLATION_URL", "").strip().rstrip("/")
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise SettingsError(f"TRANSLATION_URL must be an http(s) URL, got {url!r}")
    try:
        timeout = float(env.get("TRANSLATION_TIMEOUT_SECONDS", "5"))
    except ValueError as err:
        raise SettingsError("TRANSLATION_TIMEOUT_SECONDS must be a number of seconds") from err
    if not 0 < timeout <= 60:
        raise SettingsError("TRANSLATION_TIMEOUT_SECONDS must be between 0 and 60")
    return TranslationSettings(
        url=url,
        api_key=env.get("TRANSLATION_API_KEY", ""),
        timeout_seconds=timeout,
        cache_minutes=int_setting("TRANSLATION_CACHE_MINUTES", 720, 0, env),
    )
