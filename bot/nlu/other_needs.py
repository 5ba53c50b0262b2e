"""Rasa NLU component: the other needs of a message that asks for several things at once.

The classifier gives "estoy en tapachula, necesito albergue y tambien un doctor para mi hija" one
intent. ``OtherNeeds`` (last in the pipeline, when the intent is settled) splits the message into
clauses and finds the topics their words name (``gazetteer/topics.yml`` and ``gazetteer/needs.yml``)
or their programmes imply. A topic is another need when its words stand in a clause of their own:
not in a clause that also names the main topic (one need worded twice, "un permiso de trabajo para
trabajar en un hospital"), not a topic close to the main one (a visa and a passport), and never beside
an emergency, whose numbers go first and alone. The result is the output key ``other_needs`` (at most
two topics, in the order the person wrote them); the answer action answers them after the main one.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.infodb.content import TOPICS
from bot.nlu import gazetteer
from bot.nlu.guards import _StatelessComponent
from bot.nlu.text import fold, phrase_hits, words

OTHER_NEEDS = "other_needs"
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


def topics_by_clause(text: str, entities: list[dict[str, Any]]) -> list[list[str]]:
    """The topics each clause names, by its words or by a programme it mentions, in order."""
    table = {form: topic for form, topic in gazetteer.topic_words().items() if topic in TOPICS}
    known = gazetteer.programmes()
    found: list[list[str]] = []
    for start, end in clauses(text):
        named = [topic for _, _, topic in phrase_hits(words(fold(text[start:end])), table)]
        for entity in entities:
            programme = known.get(str(entity.get("value"))) if entity.get("entity") == gazetteer.PROGRAMME else None
            if programme and programme.topic and start <= int(entity.get("start", -1)) < end:
                named.append(programme.topic)
        found.append(named)
    return found


def other_needs(main: str | None, text: str, entities: list[dict[str, Any]]) -> list[str]:
    """The topics a message asks for besides ``main`` (at most ``MAX_OTHER_NEEDS``)."""
    if main not in TOPICS or main == EMERGENCY:
        return []
    named = topics_by_clause(text, entities)
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


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class OtherNeeds(_StatelessComponent):
    """Adds ``other_needs``: the topics a message asks for besides its intent."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Find the other needs of each message."""
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            found = other_needs(intent, str(message.get(TEXT) or ""), list(message.get(ENTITIES) or []))
            message.set(OTHER_NEEDS, found, add_to_output=True)
        return messages
