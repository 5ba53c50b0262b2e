"""Rasa NLU component: boundaries of the intent contract that words settle (``gazetteer/boundaries.yml``).

"mi patron me quito el pasaporte" is ``report_labor_abuse`` by the contract ("passport kept by
employer"), though the classifier leans towards a documents question. A rule applies only when every
one of its word groups is in the message and the classifier read one of the intents it lists.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.gazetteer import GAZETTEER_DIR
from bot.nlu.guards import _StatelessComponent
from bot.nlu.text import fold, phrase_hits, words

RULE_CONFIDENCE = 1.0


@dataclass(frozen=True)
class Boundary:
    """One rule: the intent, the readings it corrects, and the word groups that must all appear."""

    intent: str
    readings: frozenset[str]
    groups: tuple[frozenset[tuple[str, ...]], ...]

    def applies(self, reading: str, tokens: list[str]) -> bool:
        """Whether this rule settles a message read as ``reading`` with these folded words."""
        return reading in self.readings and all(_has_any(tokens, group) for group in self.groups)


def _has_any(tokens: list[str], group: frozenset[tuple[str, ...]]) -> bool:
    return bool(phrase_hits(tokens, dict.fromkeys(group, True)))


@lru_cache(maxsize=1)
def boundaries(path: Path = GAZETTEER_DIR / "boundaries.yml") -> tuple[Boundary, ...]:
    """The shipped boundary rules."""
    rows: list[dict[str, Any]] = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return tuple(
        Boundary(
            str(row["intent"]),
            frozenset(str(r) for r in row.get("from") or ()),
            tuple(frozenset(tuple(words(fold(str(w)))) for w in group) for group in row["all_of"]),
        )
        for row in rows
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentBoundaries(_StatelessComponent):
    """Moves a message across a contract boundary its words settle."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Apply the first boundary rule that fits each message."""
        for message in messages:
            intent = dict(message.get(INTENT) or {})
            tokens = words(fold(str(message.get(TEXT) or "")))
            rule = next((b for b in boundaries() if b.applies(str(intent.get("name")), tokens)), None)
            if rule is None:
                continue
            chosen = {"name": rule.intent, "confidence": RULE_CONFIDENCE}
            rest = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != rule.intent]
            message.set(INTENT, chosen, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [chosen, *rest], add_to_output=True)
        return messages
