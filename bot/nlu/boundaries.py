"""Rasa NLU component: boundaries of the intent contract that words settle (``gazetteer/boundaries.yml``).

"mi patron me quito el pasaporte" is ``report_labor_abuse`` by the contract ("passport kept by
employer"), though the classifier leans towards a documents question. A rule applies only when every
one of its word groups is in the message and the classifier read one of the intents it lists.

A requirement (``keep`` rows) works the other way: an intent the contract defines by something the
message must name stands only when it does. ``change_language`` names a language ("en español", "pale
kreyol", "otro idioma"); "sou brasileiro casado com mexicana, como tiro a residencia" names none, so the
classifier's next reading takes its place.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.i18n import languages
from bot.nlu.gazetteer import GAZETTEER_DIR
from bot.nlu.guards import _StatelessComponent
from bot.nlu.text import fold, phrase_hits, words

RULE_CONFIDENCE = 1.0
FALLBACK = "nlu_fallback"


@dataclass(frozen=True)
class Boundary:
    """One rule: the intent, the readings it corrects, and the word groups that must all appear."""

    intent: str
    readings: frozenset[str]
    groups: tuple[frozenset[tuple[str, ...]], ...]
    openers: frozenset[tuple[str, ...]] = frozenset()

    def applies(self, reading: str, tokens: list[str]) -> bool:
        """Whether this rule settles a message read as ``reading`` with these folded words."""
        return (
            reading in self.readings
            and all(_has_any(tokens, group) for group in self.groups)
            and (not self.openers or any(tuple(tokens[:len(o)]) == o for o in self.openers))
        )


def _has_any(tokens: list[str], group: frozenset[tuple[str, ...]]) -> bool:
    return bool(phrase_hits(tokens, dict.fromkeys(group, True)))


@dataclass(frozen=True)
class Requirement:
    """An intent that stands only when the message has one of these words or an entity of this kind."""

    intent: str
    words: frozenset[tuple[str, ...]]
    entity: str | None

    def unmet(self, reading: str, tokens: list[str], entities: list[dict[str, Any]]) -> bool:
        """Whether the message was read as this intent without naming what it needs."""
        if reading != self.intent:
            return False
        named = self.entity is not None and any(e.get("entity") == self.entity for e in entities)
        return not named and not _has_any(tokens, self.words)


def _rows(path: Path) -> list[dict[str, Any]]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8")) or [])


@lru_cache(maxsize=1)
def requirements(path: Path = GAZETTEER_DIR / "boundaries.yml") -> tuple[Requirement, ...]:
    """The shipped requirements."""
    language_names = {tuple(words(fold(str(form)))) for forms in _language_forms(path.parent) for form in forms}
    return tuple(
        Requirement(
            str(row["keep"]),
            frozenset({tuple(words(fold(str(w)))) for w in row.get("any_of") or []} | (
                language_names if row.get("or_entity") == "target_language" else set())),
            row.get("or_entity"),
        )
        for row in _rows(path) if "keep" in row
    )


def _language_forms(directory: Path) -> list[list[str]]:
    """The names of the supported languages (gazetteer/languages.yml), also found as entities."""
    data: dict[str, Any] = yaml.safe_load((directory / "languages.yml").read_text(encoding="utf-8")) or {}
    return [[str(f) for f in forms or []] for forms in data.values()]


@lru_cache(maxsize=1)
def boundaries(path: Path = GAZETTEER_DIR / "boundaries.yml") -> tuple[Boundary, ...]:
    """The shipped boundary rules."""
    rows = [row for row in _rows(path) if "intent" in row]
    return tuple(
        Boundary(
            str(row["intent"]),
            frozenset(str(r) for r in row.get("from") or ()),
            tuple(frozenset(tuple(words(fold(str(w)))) for w in group) for group in row.get("all_of") or ()),
            frozenset(tuple(words(fold(str(w)))) for w in _openers(row)),
        )
        for row in rows
    )


def _openers(row: dict[str, Any]) -> list[str]:
    """A row's opening words: its own, and the registry's greetings in every language when it asks for them."""
    own = [str(w) for w in row.get("opens_with") or ()]
    if not row.get("opens_with_greetings"):
        return own
    return own + [greeting for forms in languages.greetings().values() for greeting in forms]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentBoundaries(_StatelessComponent):
    """Moves a message across a contract boundary its words settle."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Apply the first boundary rule that fits each message."""
        for message in messages:
            intent = dict(message.get(INTENT) or {})
            tokens = words(fold(str(message.get(TEXT) or "")))
            entities = list(message.get(ENTITIES) or [])
            rule = next((b for b in boundaries() if b.applies(str(intent.get("name")), tokens)), None)
            if rule is None:
                if any(r.unmet(str(intent.get("name")), tokens, entities) for r in requirements()):
                    self._next_reading(message, str(intent.get("name")))
                continue
            chosen = {"name": rule.intent, "confidence": RULE_CONFIDENCE}
            rest = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != rule.intent]
            message.set(INTENT, chosen, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [chosen, *rest], add_to_output=True)
        return messages

    @staticmethod
    def _next_reading(message: Message, unmet: str) -> None:
        """Give the message the classifier's next reading (or leave it unsure)."""
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != unmet]
        following = next((r for r in ranking if r.get("name") != FALLBACK), None)
        chosen = dict(following) if following else {"name": FALLBACK, "confidence": 0.0}
        rest = [r for r in ranking if r.get("name") != chosen["name"]]
        message.set(INTENT, chosen, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *rest, {"name": unmet, "confidence": 0.0}], add_to_output=True)
