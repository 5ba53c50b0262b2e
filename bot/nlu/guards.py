"""Rasa NLU components that keep bad input, or a missed emergency, from derailing understanding.

``MessageGuard`` (first in the pipeline) bounds the text the pipeline reads, so a 20,000-character
message costs no more than a long one. ``UnsupportedLanguageRouter`` (last) turns a message written
in a language we do not speak into the ``unsupported_language`` intent, which the dialogue answers
with the language menu instead of a confident wrong answer. ``EmergencyPriority`` (after the fallback
classifier) chooses ``report_emergency`` whenever the classifier gives it a fair share of its belief:
missing a person in danger costs far more than showing safety advice to someone who is not.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.language_detector import LANGUAGE_SUPPORTED

UNSUPPORTED_LANGUAGE_INTENT = "unsupported_language"


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
    """Promotes the emergency intent when its confidence reaches a low threshold."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The promoted intent and the confidence at which it is promoted."""
        return {"intent": "report_emergency", "threshold": 0.15}

    def process(self, messages: list[Message]) -> list[Message]:
        """Choose the emergency intent if the classifier ranks it at or above the threshold."""
        name, threshold = self._config["intent"], float(self._config["threshold"])
        for message in messages:
            current = (message.get(INTENT) or {}).get("name")
            ranking = list(message.get(INTENT_RANKING_KEY) or [])
            emergency = next((r for r in ranking if r.get("name") == name), None)
            if current != name and emergency and emergency.get("confidence", 0.0) >= threshold:
                message.set(INTENT, dict(emergency), add_to_output=True)
                message.set(
                    INTENT_RANKING_KEY, [emergency, *(r for r in ranking if r is not emergency)], add_to_output=True
                )
        return messages
