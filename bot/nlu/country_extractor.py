"""Rasa NLU component: countries (ISO 3166 codes, with a role), language names and programmes.

The entities come from a spaCy entity ruler over the gazetteers (``bot/nlu/gazetteer/``).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.language import Language

from bot.nlu import gazetteer


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class CountryExtractor(GraphComponent, EntityExtractorMixin):
    """Adds ``country`` (with a ``role`` when a cue gives one), ``target_language`` and ``programme``."""

    def __init__(self, config: dict[str, Any], nlp: Language | None = None) -> None:
        """Create the extractor; the spaCy pipeline is built from the gazetteers unless given."""
        self._config = config
        self._nlp = nlp or gazetteer.default_pipeline()

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> CountryExtractor:
        """Create the extractor (nothing to train: the gazetteers are the model)."""
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        """Append the gazetteer entities to each message."""
        for message in messages:
            found = [_entity(match) for match in gazetteer.find(self._nlp, str(message.get(TEXT) or ""))]
            message.set(
                ENTITIES,
                message.get(ENTITIES, []) + self.add_extractor_name(found),
                add_to_output=True,
            )
        return messages


def _entity(match: gazetteer.Match) -> dict[str, Any]:
    """A Rasa entity from a gazetteer match (``role`` only when a cue gave one)."""
    entity: dict[str, Any] = {
        "entity": match.label,
        "value": match.value,
        "start": match.start,
        "end": match.end,
        "confidence_entity": 1.0,
    }
    if match.role:
        entity["role"] = match.role
    return entity
