"""Keyed, translated texts for replies that custom actions compose with data.

Rule-driven replies live in domain.yml; these are the pieces actions put around database content
(source lines, notes, list items). Never write bot text in Python: add a key here.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bot.i18n import languages

LANGUAGES = languages.codes()
DEFAULT_LANGUAGE = languages.default()
# Channel metadata key: the language the person's app declares (Telegram's language_code), normalised.
APP_LANGUAGE = "app_language"
_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=1)
def catalogue() -> dict[str, dict[str, Any]]:
    """All message keys with their translations."""
    return yaml.safe_load((_DIR / "messages.yml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@lru_cache(maxsize=1)
def country_names() -> dict[str, dict[str, str]]:
    """Country names by ISO code and language."""
    return yaml.safe_load((_DIR / "countries.yml").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def language_or_default(language: str | None) -> str:
    """A supported language code (the default when unknown)."""
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def supported_language(code: str | None) -> str | None:
    """The supported language an IETF tag names ("pt-BR" -> "pt", "en_US" -> "en"); None for any other."""
    if not code:
        return None
    primary = code.strip().replace("_", "-").split("-")[0].lower()
    return primary if primary in LANGUAGES else None


def text(key: str, language: str | None, /, **params: object) -> str:
    """The text of a key in a language, with its placeholders filled."""
    entry = catalogue()[key]
    return str(entry[language_or_default(language)]).format(**params)


def table(key: str, language: str | None) -> dict[str, str]:
    """A translated lookup table (e.g. help point kinds)."""
    return dict(catalogue()[key][language_or_default(language)])


def country_name(code: str | None, language: str | None) -> str:
    """The name of a country in a language (the code itself when unknown)."""
    if not code:
        return ""
    return country_names().get(code, {}).get(language_or_default(language), code)


def format_date(value: date) -> str:
    """A date readable in every language without month names: day/month/year."""
    return value.strftime("%d/%m/%Y")
