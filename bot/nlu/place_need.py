"""Rasa NLU component: a message with a place and a need is the need, not a bare detail.

The classifier reads "estoy en guatemala y necesito llamar a la policia" as ``inform`` because the
place dominates it. ``PlaceAndNeed`` (after the fallback classifier, whose ``nlu_fallback`` it reads
through to the classifier's own best guess)
looks at what is left once places, programmes, role cues and filler words are taken out: if words
remain, the message asks for something, and the best-ranked intent that is a need replaces
``inform``. A programme or institution named in a message the classifier did not read as a topic question
("h2a?", "y la comar", "sawp kanada kiyes ki peye tikè a") asks about that programme's topic.
A word that names a need on its own (``gazetteer/needs.yml``: police, ambulance, shelter, hospital in
five languages) settles a message the classifier was unsure of, or read as a bare detail or as out
of scope.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.infodb.content import TOPICS
from bot.nlu import gazetteer
from bot.nlu.guards import _StatelessComponent
from bot.nlu.text import fold, words

INFORM = "inform"
# Readings a word that names a need settles (besides an unsure one): a bare detail, and "not about
# our topics", which a message naming a hospital, the police or a shelter is not.
SETTLED_BY_NEED_WORDS = frozenset({INFORM, "out_of_scope"})
FALLBACK = "nlu_fallback"
# Never rewritten: a person in danger keeps the emergency reading whatever else the message names.
EMERGENCY = "report_emergency"
# Intents that are not a need: a detail, or conversation glue around it.
NOT_A_NEED = frozenset({INFORM, "greet", "goodbye", "thank", "affirm", "deny"})
# Requests a programme's name never replaces: what the person asks the assistant itself to do.
REQUESTS = frozenset({"request_human", "delete_my_data", "change_language", EMERGENCY})
# The confidence of a rule's reading: the gazetteer either names the programme or it does not.
RULE_CONFIDENCE = 1.0
SHORTEST_CONTENT_WORD = 3
# How far down an unsure ranking a topic word may reach.
UNSURE_CANDIDATES = 3


@lru_cache(maxsize=1)
def _empty_words() -> frozenset[str]:
    """Filler words, articles and the words of the cues that say where the person is or comes from
    (a destination cue, "trabajar en", is itself a need)."""
    table = gazetteer.cues()
    names = (gazetteer.LOCATION, gazetteer.ORIGIN, "articles", "filler")
    cue_words = {w for name in names for cue in table.get(name, []) for w in cue}
    return frozenset(cue_words)


def residue(text: str, entities: list[dict[str, Any]]) -> list[str]:
    """The words of a message that are neither a place, a programme, a cue nor filler."""
    chars = list(text)
    for entity in entities:
        if entity.get("entity") in (gazetteer.COUNTRY, gazetteer.PROGRAMME):
            for i in range(int(entity.get("start", 0)), min(int(entity.get("end", 0)), len(chars))):
                chars[i] = " "
    empty = _empty_words()
    return [w for w in words(fold("".join(chars))) if len(w) >= SHORTEST_CONTENT_WORD and w not in empty]


def _programme_topic(entities: list[dict[str, Any]]) -> str | None:
    known = gazetteer.programmes()
    for entity in entities:
        if entity.get("entity") == gazetteer.PROGRAMME:
            programme = known.get(str(entity.get("value")))
            if programme and programme.topic:
                return programme.topic
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PlaceAndNeed(_StatelessComponent):
    """Keeps the need of a message that also names a place (or a programme)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """The least confidence a need must have in the ranking to replace ``inform``; the
        confidence under which a programme's topic replaces the classifier's choice."""
        return {"min_need_confidence": 0.01, "programme_below": 0.5}

    def process(self, messages: list[Message]) -> list[Message]:
        """Rewrite the intent of messages that carry a need beside a place or a programme."""
        for message in messages:
            self._rewrite(message)
        return messages

    def _rewrite(self, message: Message) -> None:
        intent = dict(message.get(INTENT) or {})
        ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != FALLBACK]
        unsure = intent.get("name") == FALLBACK
        if unsure:
            # Unsure: read the classifier's own best guess; nothing changes unless a rule applies.
            intent = dict(ranking[0]) if ranking else {}
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
        entities = list(message.get(ENTITIES) or [])
        text = str(message.get(TEXT) or "")
        if name and (name != INFORM or unsure) and _is_bare_detail(name, text, entities):
            # Only a place and words that ask for nothing ("ahorita en saltillo", "moi je suis
            # haitien"): a detail, whatever the classifier made of an unknown town or a filler word.
            self._swap(message, ranking, INFORM, name, confidence)
            return
        if not name or name == EMERGENCY:
            return
        chosen: str | None = None
        topic = _programme_topic(entities)
        named = gazetteer.need_named(text) if unsure or name in SETTLED_BY_NEED_WORDS else None
        if unsure and not named and not topic:
            # A topic word (gazetteer/topics.yml) settles an unsure reading only towards a topic the
            # classifier itself ranks near the top; a programme's own topic comes first.
            near = {str(r.get("name")) for r in ranking[:UNSURE_CANDIDATES]}
            named = next((t for t in gazetteer.topics_named(text) if t in near), None)
        if named and (named != name or unsure):
            # The word settles it (also when it confirms the classifier's unsure best guess); an unsure
            # reading takes the rule's certainty, a detail keeps its own.
            chosen = named
            confidence = RULE_CONFIDENCE if unsure else confidence
        elif topic and (topic != name or unsure) and name not in REQUESTS and (
            name not in TOPICS or confidence < float(self._config["programme_below"])
        ):
            chosen, confidence = topic, RULE_CONFIDENCE
        elif name == INFORM and residue(text, entities):
            need = next((r for r in ranking if r.get("name") not in NOT_A_NEED), None)
            if need and float(need.get("confidence") or 0.0) >= float(self._config["min_need_confidence"]):
                chosen = str(need["name"])
        if chosen is None:
            return
        self._swap(message, ranking, chosen, name, confidence)

    @staticmethod
    def _swap(message: Message, ranking: list[dict[str, Any]], chosen: str, name: str, confidence: float) -> None:
        # The classifier was sure the message is about a place; the need takes that certainty and the
        # displaced reading takes the need's.
        need_confidence = _confidence_of(ranking, chosen)
        new_intent = {"name": chosen, "confidence": max(confidence, need_confidence)}
        displaced = {"name": name, "confidence": min(confidence, need_confidence)}
        rest = [r for r in ranking if r.get("name") not in (chosen, name)]
        head = [new_intent] if chosen == name else [new_intent, displaced]
        message.set(INTENT, new_intent, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [*head, *rest], add_to_output=True)


def _is_bare_detail(name: str, text: str, entities: list[dict[str, Any]]) -> bool:
    """A message made of a place and filler only. A place with no cue read as a topic question may be
    a follow-up ("y en canada?"), so only a cued place (where the person is or comes from, or a
    nationality) overrides a topic reading; requests to the assistant are never overridden."""
    places = [e for e in entities if e.get("entity") == gazetteer.COUNTRY]
    if not places or (name in REQUESTS and name != EMERGENCY) or residue(text, entities):
        return False
    cued = any(e.get("role") in (gazetteer.LOCATION, gazetteer.ORIGIN) for e in places)
    return cued or name not in TOPICS or name == EMERGENCY


def _confidence_of(ranking: list[dict[str, Any]], name: str) -> float:
    return next((float(r.get("confidence") or 0.0) for r in ranking if r.get("name") == name), 0.0)
