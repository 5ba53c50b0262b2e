"""The conversation language after each message: detected per message, sticky when a message is ambiguous.

Used by the action server (``actions/language.py``, the slot mapping of ``language``) and, without
the round trip, inside the Rasa server (``bot/rasa_speedups.py``): one rule, two callers.
"""

from __future__ import annotations

from typing import Any

from bot.i18n import languages

SUPPORTED = languages.codes()
LANGUAGE_SLOT = "language"


def choose_language(
    current: str | None, parse: dict[str, Any], intent: str | None, targets: list[str], declared: str | None = None
) -> str | None:
    """Return the conversation language after one user message.

    An explicit switch wins; an ambiguous message ("ok", "1", an emoji, a country name, a payload
    such as Telegram's /start) or one in a language we do not speak keeps the current language,
    or, when there is none yet, takes the language the person's app `declared` (channel metadata);
    otherwise the detected language becomes the conversation language.
    """
    chosen = _choose(current, parse, intent, targets)
    if chosen is None and declared in SUPPORTED:
        return declared
    return chosen


def _choose(current: str | None, parse: dict[str, Any], intent: str | None, targets: list[str]) -> str | None:
    supported_targets = [t for t in targets if t in SUPPORTED]
    if intent == "change_language":
        return supported_targets[-1] if supported_targets else current
    if parse.get("language_supported") is False:
        return current
    detected = parse.get("language")
    if detected not in SUPPORTED:
        return current
    if parse.get("language_ambiguous") and current is not None:
        return current
    if parse.get("language_ambiguous"):
        return None
    return str(detected)
