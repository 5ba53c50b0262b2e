"""The alerts' settings, from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from bot import i18n
from bot.settings import SettingsError, get_settings


@dataclass(frozen=True)
class AlertSettings:
    """How alerts are sent and how long a subscription lasts."""

    # The approved WhatsApp template (Twilio Content SID, "HX...") of each language: the only way an
    # alert reaches a person whose 24-hour window is closed. ALERTS_WHATSAPP_TEMPLATES="es=HX...,en=HX...".
    whatsapp_templates: Mapping[str, str] = field(default_factory=dict)
    per_second: float = 27.0  # each instance's alert rate per channel: a tenth under Telegram's 30, for replies and jitter
    keep_for: timedelta = timedelta(days=90)  # a subscription lasts the retention period unless renewed


def parse_templates(raw: str) -> dict[str, str]:
    """``es=HX1,en=HX2`` -> {"es": "HX1", "en": "HX2"}; refuses unknown languages and malformed pairs."""
    templates: dict[str, str] = {}
    for pair in filter(None, (part.strip() for part in raw.split(","))):
        language, _, sid = (item.strip() for item in pair.partition("="))
        if language not in i18n.LANGUAGES or not sid:
            raise SettingsError(f"ALERTS_WHATSAPP_TEMPLATES: {pair!r} is not <language>=<ContentSid>")
        templates[language] = sid
    return templates


def alert_settings(env: Mapping[str, str] | None = None) -> AlertSettings:
    """Read the settings (the retention period is the assistant's RETENTION_DAYS)."""
    env = os.environ if env is None else env
    try:
        per_second = float(env.get("ALERTS_PER_SECOND", "27"))
    except ValueError as err:
        raise SettingsError("ALERTS_PER_SECOND must be a number") from err
    if per_second <= 0:
        raise SettingsError("ALERTS_PER_SECOND must be above 0")
    return AlertSettings(
        whatsapp_templates=parse_templates(env.get("ALERTS_WHATSAPP_TEMPLATES", "")),
        per_second=per_second,
        keep_for=timedelta(days=get_settings().retention_days),
    )
