"""Rasa NLU components that keep bad input, or a missed emergency, from derailing understanding.

``MessageGuard`` (first in the pipeline) bounds the text the pipeline reads, so a 20,000-character
message costs no more than a long one. ``UnsupportedLanguageRouter`` (last) turns a message written
in a language we do not speak into the ``unsupported_language`` intent, which the dialogue answers
with the language menu instead of a confident wrong answer. ``EmergencyPriority`` (after the fallback
classifier) chooses ``report_emergency`` when a danger word backs the classifier's belief, or the
belief alone is strong enough for that language: missing a person in danger costs far more than
showing safety advice to someone who is not, but a false alarm pushes real cases down the queue.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import rasa_speedups
from bot.nlu.danger import RESCUE_LOOKUP, WEAK_LOOKUP, load_lexicon
from bot.nlu.language_detector import LANGUAGE, LANGUAGE_SUPPORTED
from bot.settings import PROJECT_ROOT

# The Rasa server imports this module when it loads the model (MessageGuard is the first component):
# the place to remove the per-turn work Rasa 3.6 repeats (bot/rasa_speedups.py).
rasa_speedups.install()

UNSUPPORTED_LANGUAGE_INTENT = "unsupported_language"
FALLBACK_INTENT = "nlu_fallback"


class _StatelessComponent(GraphComponent):
    """A component with a config and nothing to train or persist."""

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = {**self.get_default_config(), **config}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        """Create the component from its config."""
        return cls(config)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave training data unchanged."""
        return training_data


# The confidence of a rule's reading: the words are there or they are not.
RULE_CONFIDENCE = 1.0


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MessageGuard(_StatelessComponent):
    """Cuts the text the pipeline reads to a bounded length (the stored message is untouched)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Return the default maximum number of characters read."""
        return {"max_characters": 2000}

    def process(self, messages: list[Message]) -> list[Message]:
        """Truncate over-long texts at a word boundary."""
        limit = int(self._config["max_characters"])
        for message in messages:
            text = message.get(TEXT)
            if isinstance(text, str) and len(text) > limit:
                cut = text[:limit]
                message.set(TEXT, cut.rsplit(" ", 1)[0] if " " in cut else cut)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class UnsupportedLanguageRouter(_StatelessComponent):
    """Routes messages in an unsupported language to the ``unsupported_language`` intent."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """No options."""
        return {}

    def process(self, messages: list[Message]) -> list[Message]:
        """Override the intent of messages the language detector marked as unsupported."""
        for message in messages:
            if message.get(LANGUAGE_SUPPORTED) is False:
                intent = {"name": UNSUPPORTED_LANGUAGE_INTENT, "confidence": 1.0}
                message.set(INTENT, intent, add_to_output=True)
                ranking = [intent, *(message.get(INTENT_RANKING_KEY) or [])]
                message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class EmergencyPriority(_StatelessComponent):
    """Decides ``report_emergency`` from the classifier's belief and a danger-lexicon signal.

    - A danger word or phrase (nlu/lookups/danger.yml) and the emergency intent at or above
      ``lexicon_threshold``: emergency, whatever ranks first.
    - Without a danger word, a runner-up emergency is promoted at ``threshold`` (per language in
      ``thresholds``), and a first-ranked emergency below ``keep_threshold`` (per language in
      ``keep_thresholds``) gives way to the runner-up: "ajuda pf" or "sos robot" open no ticket.
    - A weaker sign (the ``danger_weak`` lookup: fear, being kept from leaving) alone makes the
      emergency win from ``weak_threshold``; a weaker sign beside another sign of either list makes it
      win whatever the classifier gives it ("they won't let me get out of the car ... I'm very scared").
    - A cry for rescue (the ``rescue`` lookup: "socorro", "alguem me acode", "anmwe") is an
      emergency whatever its confidence, unless the message was read as a topic question
      ("socorro, como tiro o visto") or a request the person makes of the assistant
      (``rescue_yields_to``).
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The promoted intent, the lexicon and the confidence levels."""
        return {
            "intent": "report_emergency",
            "threshold": 0.15,
            "thresholds": {},
            "keep_threshold": 0.0,
            "keep_thresholds": {},
            "lexicon": None,
            "lexicon_threshold": 0.01,
            "weak_threshold": 0.2,
            "rescue_overrides": ["ask_capabilities", "request_human", "greet", "inform", "nlu_fallback",
                                 "bot_challenge", "out_of_scope", "affirm", "deny", "thank", "goodbye"],
        }

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        path = self._config["lexicon"]
        if path and not Path(path).is_absolute():
            path = str(PROJECT_ROOT / path)
        self._lexicon = load_lexicon(str(path)) if path else None
        self._rescue = load_lexicon(str(path), RESCUE_LOOKUP) if path else None
        self._weak = load_lexicon(str(path), WEAK_LOOKUP) if path else None

    def _level(self, key: str, language: str | None) -> float:
        per_language = self._config[f"{key}s"] or {}
        return float(per_language.get(language, self._config[key]))

    def process(self, messages: list[Message]) -> list[Message]:
        """Choose or withdraw the emergency intent."""
        for message in messages:
            self._decide(message)
        return messages

    def _decide(self, message: Message) -> None:
        name = self._config["intent"]
        ranking = list(message.get(INTENT_RANKING_KEY) or [])
        classified = [r for r in ranking if r.get("name") != FALLBACK_INTENT]
        emergency = next((r for r in classified if r.get("name") == name), None)
        current = (message.get(INTENT) or {}).get("name")
        text = str(message.get(TEXT) or "")
        if current in self._config["rescue_overrides"] and self._rescue and self._rescue.matches(text):
            chosen = {"name": name, "confidence": RULE_CONFIDENCE}  # a rule's reading: the cry is there or not
            message.set(INTENT, dict(chosen), add_to_output=True)
            message.set(INTENT_RANKING_KEY, [chosen, *(r for r in ranking if r is not emergency)], add_to_output=True)
            return
        strong = set(self._lexicon.matches(text)) if self._lexicon else set()
        weak = set(self._weak.matches(text)) if self._weak else set()
        if weak and len(strong | weak) >= 2 and current != name:
            chosen = {"name": name, "confidence": RULE_CONFIDENCE}
            message.set(INTENT, chosen, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [chosen, *(r for r in ranking if r is not emergency)], add_to_output=True)
            return
        if emergency is None:
            return
        language = message.get(LANGUAGE)
        confidence = float(emergency.get("confidence", 0.0))
        if (strong and confidence >= float(self._config["lexicon_threshold"])) or (
            weak and confidence >= float(self._config["weak_threshold"])
        ):
            chosen = emergency
        elif classified[0] is emergency:
            runner_up = classified[1] if len(classified) > 1 else None
            keep = confidence >= self._level("keep_threshold", language)
            if not keep and (message.get(INTENT) or {}).get("name") == FALLBACK_INTENT:
                return  # too unsure for an emergency, and for anything else: the fallback stays
            chosen = emergency if keep or runner_up is None else runner_up
        elif confidence >= self._level("threshold", language):
            chosen = emergency
        else:
            return
        if current == chosen.get("name"):
            return
        message.set(INTENT, dict(chosen), add_to_output=True)
        message.set(INTENT_RANKING_KEY, [chosen, *(r for r in ranking if r is not chosen)], add_to_output=True)
