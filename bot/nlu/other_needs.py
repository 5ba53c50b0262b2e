"""Rasa NLU component: the other needs of a message that asks for several things at once.

The classifier gives "estoy en tapachula, necesito albergue y tambien un doctor para mi hija" one
intent. ``OtherNeeds`` (last in the pipeline, when the intent is settled) splits the message into
clauses and finds the topics their words name (``gazetteer/topics.yml`` and ``gazetteer/needs.yml``),
their programmes imply, or a small clause classifier reads in them (character n-grams and logistic
regression trained on the NLU data with the model; a clause counts when the classifier gives its
topic at least ``clause_threshold``). A topic is another need when it stands in a clause of its own:
not in a clause that also names the main topic (one need worded twice, "un permiso de trabajo para
trabajar en un hospital"), not a topic close to the main one (a visa and a passport), and never beside
an emergency, whose numbers go first and alone. The result is the output key ``other_needs`` (at most
two topics, in the order the person wrote them); the answer action answers them after the main one.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

import joblib
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.infodb.content import TOPICS
from bot.nlu import gazetteer
from bot.nlu.text import fold, phrase_hits, words

logger = logging.getLogger(__name__)

OTHER_NEEDS = "other_needs"
MODEL_FILE = "clauses.joblib"
# Reads each clause: its topics with their probabilities (none when no classifier is trained).
ClauseReader = Callable[[Sequence[str]], list[dict[str, float]]]
MAX_OTHER_NEEDS = 2
EMERGENCY = "report_emergency"
# A clause ends at punctuation or at a word that joins two requests, in the five languages.
CLAUSE_BREAK = re.compile(
    r"[.?!;,\n]+|\b(?:y|and|et|e|epi|ak|tambien|also|aussi|tambem|ademas|plus|pero|but|mais|men|mas|"
    r"otra cosa|another thing|autre chose|lot bagay|outra coisa)\b"
)
# Topics one answer already covers together: asking both is one need.
RELATED: dict[str, frozenset[str]] = {
    "ask_visa": frozenset({"ask_work_permit", "ask_documents"}),
    "ask_work_permit": frozenset({"ask_visa", "ask_job_offer_check", "ask_labor_rights"}),
    "ask_job_offer_check": frozenset({"ask_work_permit", "ask_labor_rights", "report_labor_abuse"}),
    "ask_labor_rights": frozenset({"ask_work_permit", "ask_job_offer_check", "report_labor_abuse"}),
    "report_labor_abuse": frozenset({"ask_labor_rights", "ask_job_offer_check", "ask_documents"}),
    "ask_asylum": frozenset({"ask_regularization"}),
    "ask_regularization": frozenset({"ask_asylum", "ask_documents"}),
    "ask_documents": frozenset({"ask_visa", "ask_regularization"}),
    "ask_emergency_numbers": frozenset({EMERGENCY}),
    "ask_trafficking": frozenset({"ask_smuggling_risks"}),
    "ask_smuggling_risks": frozenset({"ask_trafficking"}),
}


def clauses(text: str) -> list[tuple[int, int]]:
    """The character spans of a message's clauses (offsets of the original text)."""
    folded = fold(text)
    spans, start = [], 0
    for match in CLAUSE_BREAK.finditer(folded):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(folded)))
    return [(a, b) for a, b in spans if folded[a:b].strip()]


def topics_by_clause(
    text: str, entities: list[dict[str, Any]], read: ClauseReader | None = None, threshold: float = 1.0
) -> list[list[str]]:
    """The topics each clause names, by its words, by a programme it mentions or (with ``read``) by
    the clause classifier's reading at or above ``threshold``, in order."""
    table = {form: topic for form, topic in gazetteer.topic_words().items() if topic in TOPICS}
    known = gazetteer.programmes()
    spans = clauses(text)
    readings = read([fold(text[a:b]) for a, b in spans]) if read and len(spans) > 1 else [{} for _ in spans]
    found: list[list[str]] = []
    for (start, end), reading in zip(spans, readings, strict=True):
        named = [topic for _, _, topic in phrase_hits(words(fold(text[start:end])), table)]
        best = max(reading.items(), key=lambda item: item[1], default=None)
        if best and best[1] >= threshold and best[0] in TOPICS and best[0] not in named:
            named.append(best[0])
        for entity in entities:
            programme = known.get(str(entity.get("value"))) if entity.get("entity") == gazetteer.PROGRAMME else None
            if programme and programme.topic and start <= int(entity.get("start", -1)) < end:
                named.append(programme.topic)
        found.append(named)
    return found


def other_needs(
    main: str | None,
    text: str,
    entities: list[dict[str, Any]],
    read: ClauseReader | None = None,
    threshold: float = 1.0,
) -> list[str]:
    """The topics a message asks for besides ``main`` (at most ``MAX_OTHER_NEEDS``)."""
    if main not in TOPICS or main == EMERGENCY:
        return []
    named = topics_by_clause(text, entities, read, threshold)
    if len(named) < 2:
        return []
    if any(main in topics for topics in named):
        named = [topics for topics in named if main not in topics]
    close = RELATED.get(main, frozenset())
    chosen: list[str] = []
    for topics in named:
        for topic in topics:
            if topic != main and topic != EMERGENCY and topic not in close and topic not in chosen:
                chosen.append(topic)
    return chosen[:MAX_OTHER_NEEDS]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class OtherNeeds(GraphComponent):
    """Adds ``other_needs``: the topics a message asks for besides its intent."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The clause classifier's confidence for a topic to count."""
        return {"clause_threshold": 0.4}

    def __init__(
        self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, model: Any = None
    ) -> None:
        """Create the component, with a trained clause classifier when loading."""
        self._config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource, execution_context: ExecutionContext
    ) -> OtherNeeds:
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
    ) -> OtherNeeds:
        """Load the clause classifier from the model storage."""
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("No clause classifier found; other needs are found by their words only.")
            model = None
        return cls(config, model_storage, resource, model)

    def train(self, training_data: TrainingData) -> Resource:
        """Fit the clause classifier on the intent examples (folded, as clauses are read)."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        examples = [(fold(str(m.get(TEXT))), str(m.get(INTENT))) for m in training_data.intent_examples]
        if len({intent for _, intent in examples}) > 1:
            self._model = make_pipeline(
                TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
                LogisticRegression(C=10, max_iter=300),
            ).fit([t for t, _ in examples], [i for _, i in examples])
            with self._model_storage.write_to(self._resource) as directory:
                joblib.dump(self._model, directory / MODEL_FILE)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Leave the training data unchanged."""
        return training_data

    def _read(self, parts: Sequence[str]) -> list[dict[str, float]]:
        classes = [str(c) for c in self._model.classes_]
        return [dict(zip(classes, map(float, row), strict=True)) for row in self._model.predict_proba(list(parts))]

    def process(self, messages: list[Message]) -> list[Message]:
        """Find the other needs of each message."""
        read = self._read if self._model is not None else None
        threshold = float(self._config["clause_threshold"])
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            found = other_needs(intent, str(message.get(TEXT) or ""), list(message.get(ENTITIES) or []), read, threshold)
            message.set(OTHER_NEEDS, found, add_to_output=True)
        return messages
