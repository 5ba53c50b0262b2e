"""Rasa NLU component that puts the message's language in the parse result.

Adds four top-level keys: ``language`` (always one of the supported codes), ``language_confidence``,
``language_ambiguous`` (the text says nothing reliable about its language: "ok", "1", an emoji, a
country name, a button payload) and ``language_supported`` (False when the text is clearly in
another language, e.g. German or Russian). Stickiness is decided later, with the conversation in
view, by the ``action_detect_language`` slot mapping.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Protocol

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.i18n import languages
from bot.nlu.language_model import LanguageModel
from bot.nlu.text import letter_scripts, words

logger = logging.getLogger(__name__)

LANGUAGE = "language"
LANGUAGE_CONFIDENCE = "language_confidence"
LANGUAGE_AMBIGUOUS = "language_ambiguous"
LANGUAGE_SUPPORTED = "language_supported"
MODEL_FILE = "language_model.json"


class GenericIdentifier(Protocol):
    """What we need of a general-purpose identifier (py3langid's shape)."""

    def classify(self, text: str) -> tuple[str, float]:
        """Return the language code and its probability."""


def _load_generic_identifier() -> GenericIdentifier:
    from py3langid.langid import MODEL_FILE as LANGID_MODEL
    from py3langid.langid import LanguageIdentifier

    return LanguageIdentifier.from_pickled_model(LANGID_MODEL, norm_probs=True)  # type: ignore[no-any-return]


def metadata_language(message: Message) -> str | None:
    """Return the language declared on a training example's intent block, if any."""
    metadata = message.get("metadata") or {}
    for scope in ("example", "intent"):
        value = (metadata.get(scope) or {}).get(LANGUAGE)
        if value:
            return str(value)
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class LanguageDetector(GraphComponent):
    """Detects which of the supported languages a message is written in."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Return the component's default configuration."""
        return {
            "languages": list(languages.codes()),
            "default_language": languages.default(),
            "alpha": 0.02,
            "ambiguous_below": 0.6,
            "foreign_min_words": 3,
            "foreign_max_known_ratio": 0.34,
            "foreign_min_probability": 0.9,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: LanguageModel | None = None,
    ) -> None:
        """Create the component, with a trained model when loading."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model or LanguageModel()
        self._generic: GenericIdentifier | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        """Create an untrained component."""
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> LanguageDetector:
        """Load the trained model from the model storage."""
        try:
            with model_storage.read_from(resource) as directory:
                data = json.loads((directory / MODEL_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            logger.warning("No trained language model found; every message will be ambiguous.")
            return cls(config, model_storage, resource)
        return cls(config, model_storage, resource, LanguageModel.from_dict(data))

    def train(self, training_data: TrainingData) -> Resource:
        """Learn the languages from the language metadata of the training examples."""
        allowed = set(self._config["languages"])
        examples: list[tuple[str, str]] = []
        for message in training_data.intent_examples:
            language = metadata_language(message)
            if language is not None and language in allowed:
                examples.append((str(message.get(TEXT)), language))
        if not examples:
            logger.warning("No training example declares its language; language detection is off.")
        self._model = LanguageModel.fit(examples, alpha=float(self._config["alpha"]))
        with self._model_storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_text(
                json.dumps(self._model.to_dict(), ensure_ascii=False), encoding="utf-8"
            )
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave the training data unchanged (the detector adds nothing to train on)."""
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Add the language keys to every message."""
        for message in messages:
            for key, value in self.detect(str(message.get(TEXT) or "")).items():
                message.set(key, value, add_to_output=True)
        return messages

    def detect(self, text: str) -> dict[str, Any]:
        """Return the language keys for one text."""
        result: dict[str, Any] = {
            LANGUAGE: self._config["default_language"],
            LANGUAGE_CONFIDENCE: 0.0,
            LANGUAGE_AMBIGUOUS: True,
            LANGUAGE_SUPPORTED: True,
        }
        stripped = text.strip()
        if not stripped or stripped.startswith("/"):
            return result
        scripts = letter_scripts(stripped)
        if not scripts:
            return result
        if max(scripts, key=scripts.__getitem__) != "LATIN":
            result[LANGUAGE_SUPPORTED] = False
            return result
        prediction = self._model.predict(stripped)
        if prediction is None:
            return result
        result[LANGUAGE] = prediction.language
        result[LANGUAGE_CONFIDENCE] = round(prediction.confidence, 4)
        result[LANGUAGE_AMBIGUOUS] = (
            prediction.confidence < self._config["ambiguous_below"] or self._model.is_shared(stripped)
        )
        if self._looks_foreign(stripped, prediction.known_word_ratio):
            result[LANGUAGE_SUPPORTED] = False
            result[LANGUAGE_AMBIGUOUS] = True
        return result

    def _looks_foreign(self, text: str, known_word_ratio: float) -> bool:
        """Whether a longer text is mostly unknown words that a generic identifier calls foreign."""
        if len(words(text)) < self._config["foreign_min_words"]:
            return False
        if known_word_ratio > self._config["foreign_max_known_ratio"]:
            return False
        if self._generic is None:
            self._generic = _load_generic_identifier()
        code, probability = self._generic.classify(text)
        return (
            code not in self._config["languages"]
            and probability >= self._config["foreign_min_probability"]
        )
