"""The language registry: every module asks here which languages exist and what their words are.

Read from ``languages.yml`` beside this module (data, not code), once per process.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

_FILE = Path(__file__).resolve().parent / "languages.yml"


@dataclass(frozen=True)
class Language:
    """One language people may write in."""

    code: str
    name: str
    console: bool
    opt_out: frozenset[str]
    cancel: frozenset[str]
    greetings: tuple[str, ...]


@dataclass(frozen=True)
class Registry:
    """All languages, in the registry's order, and the defaults."""

    languages: tuple[Language, ...]
    default: str
    content_fallback: tuple[str, ...]
    console_source: str

    @property
    def codes(self) -> tuple[str, ...]:
        """Every supported code, in order."""
        return tuple(language.code for language in self.languages)


def fold(text: str) -> str:
    """Lower-case, accents and surrounding punctuation removed: how a keyword is compared."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.strip(" .!¡?¿\"'")


@lru_cache(maxsize=1)
def registry() -> Registry:
    """The registry read from languages.yml (validated: the defaults must be known languages)."""
    raw: dict[str, Any] = yaml.safe_load(_FILE.read_text(encoding="utf-8"))
    languages = tuple(
        Language(
            code=str(code),
            name=str(entry["name"]),
            console=bool(entry.get("console", False)),
            opt_out=frozenset(fold(str(w)) for w in entry.get("opt_out", [])),
            cancel=frozenset(fold(str(w)) for w in entry.get("cancel", [])),
            greetings=tuple(str(g) for g in entry.get("greetings", [])),
        )
        for code, entry in raw["languages"].items()
    )
    result = Registry(
        languages=languages,
        default=str(raw["default"]),
        content_fallback=tuple(str(c) for c in raw["content_fallback"]),
        console_source=str(raw["console_source"]),
    )
    unknown = {result.default, result.console_source, *result.content_fallback} - set(result.codes)
    if unknown:
        raise ValueError(f"{_FILE.name}: unknown language codes {sorted(unknown)}")
    return result


def codes() -> tuple[str, ...]:
    """Every supported language code, in order."""
    return registry().codes


def default() -> str:
    """The language of a conversation nobody has written in yet."""
    return registry().default


def content_fallback() -> tuple[str, ...]:
    """Languages tried, in order, when content has no text in the person's language."""
    return registry().content_fallback


def console_codes() -> tuple[str, ...]:
    """The staff console's languages."""
    return tuple(language.code for language in registry().languages if language.console)


def console_source() -> str:
    """The language the console's messages are written in."""
    return registry().console_source


def names() -> dict[str, str]:
    """Each language by its own name."""
    return {language.code: language.name for language in registry().languages}


def opt_out_words() -> frozenset[str]:
    """Whole messages that stop a channel's messages, in any language (folded)."""
    return frozenset(word for language in registry().languages for word in language.opt_out)


def cancel_words() -> frozenset[str]:
    """Whole messages that cancel an open request for a person, in any language (folded)."""
    return frozenset(word for language in registry().languages for word in language.cancel)


def greetings() -> dict[str, tuple[str, ...]]:
    """How people open a conversation, by language."""
    return {language.code: language.greetings for language in registry().languages}
