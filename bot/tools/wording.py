"""Checks of the words people read, driven by content/glossary.yml.

- wrong variants: a concept written with a word the glossary lists under `avoid` (one word per
  concept, the assistant's gender, the form of address) or a phrase that says something else;
- misleading numbers: a thousands separator that reads as a decimal point in the language
  (Babel knows each locale's symbols);
- unexplained terms: an acronym or legal term whose first use in an answer body has no short
  explanation in the same sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from babel.numbers import get_decimal_symbol, get_group_symbol

from bot.tools.shipped_text import CONTENT_DIR

GLOSSARY = CONTENT_DIR / "glossary.yml"
# Digits grouped by threes with a comma or a point, not part of a longer run (a phone number, a date).
_GROUPED = re.compile(r"(?<![\d.,\-/])\d{1,3}(?:([.,])\d{3})+(?![\d\-/]|[.,]\d)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


@dataclass(frozen=True)
class Wrong:
    """A listed wrong variant found in a text."""

    found: str
    use: str
    concept: str


@lru_cache(maxsize=1)
def glossary() -> dict[str, Any]:
    """content/glossary.yml as read."""
    return yaml.safe_load(GLOSSARY.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _pattern(phrase: str) -> re.Pattern[str]:
    """A whole-word, case-insensitive pattern (no word boundary after a trailing apostrophe)."""
    tail = r"(?!\w)" if phrase[-1].isalnum() else ""
    return re.compile(rf"(?<!\w){re.escape(phrase)}{tail}", re.IGNORECASE)


@lru_cache(maxsize=8)
def _wrong_variants(language: str) -> tuple[tuple[re.Pattern[str], str, str], ...]:
    data = glossary()
    rules: list[tuple[re.Pattern[str], str, str]] = []
    for concept, by_language in data["terms"].items():
        entry = by_language.get(language) or {}
        rules += [(_pattern(p), entry["use"], concept) for p in entry.get("avoid") or []]
    for phrase in data["phrases"].get(language) or []:
        rules += [(_pattern(p), phrase["use"], phrase["meaning"]) for p in phrase["avoid"]]
    return tuple(rules)


def wrong_variants(language: str, text: str) -> list[Wrong]:
    """Every listed wrong variant in a text of a language (proper names left aside)."""
    for name in glossary().get("proper_names") or []:
        text = text.replace(name, " ")
    found = []
    for pattern, use, concept in _wrong_variants(language):
        found += [Wrong(m.group(0), use, concept) for m in pattern.finditer(text)]
    return found


def _separators(language: str) -> tuple[set[str], set[str]]:
    """Decimal symbols and group symbols over a language's reader locales."""
    locales = glossary()["number_locales"][language]
    return {get_decimal_symbol(loc) for loc in locales}, {get_group_symbol(loc) for loc in locales}


def misleading_numbers(language: str, text: str) -> list[str]:
    """Grouped figures whose separator reads as a decimal point (or is no group symbol) in a language."""
    decimals, groups = _separators(language)
    return [m.group(0) for m in _GROUPED.finditer(text) if m.group(1) in decimals or m.group(1) not in groups]


def _sentence_at(text: str, index: int) -> str:
    start = 0
    for sentence in _SENTENCE_END.split(text):
        position = text.find(sentence, start)
        if position <= index < position + len(sentence):
            return sentence
        start = position + len(sentence)
    return text


def unexplained_terms(language: str, body: str) -> list[str]:
    """Acronyms and legal terms whose first use in an answer body is not explained in its sentence."""
    missing = []
    for term, entry in glossary()["explain"].items():
        patterns = [_pattern(form) if not form.isupper() else re.compile(rf"(?<!\w){form}(?!\w)")
                    for form in entry["forms"]]
        first = min((m.start() for pattern in patterns for m in pattern.finditer(body)), default=None)
        if first is None:
            continue
        sentence = _sentence_at(body, first).lower()
        if not any(phrase.lower() in sentence for phrase in entry[language]):
            missing.append(term)
    return missing


_ADDRESS = re.compile(r"\b[\w.-]+\.(?:gob|gov|org|int|com)(?:\.\w+)*(?:/[\w/.-]*\w)?")


def names_and_addresses(body: str) -> dict[str, int]:
    """How often an answer body names each listed body (acronym) and each web address.

    A translation that drops a clause ("or at a MINTRAB office") names the body less often than
    the Spanish source. Spellings of one body ("HCR (ACNUR)") count once: the most frequent one.
    """
    counts: dict[str, int] = {}
    for term, entry in glossary()["explain"].items():
        if all(form.isupper() for form in entry["forms"]):
            found = max(len(re.findall(rf"(?<!\w){form}(?!\w)", body)) for form in entry["forms"])
            if found:
                counts[term] = found
    for address in _ADDRESS.findall(body):
        counts[address] = counts.get(address, 0) + 1
    return counts
