"""The two countries of a question: where the person is, and the country the question is about.

Where the person is (the ``country`` slot) decides emergency numbers, help points and local
procedures. The country a question is about is read from the latest message only: a destination
("trabajar en Canadá"), a country named in a topic question, or the country of a programme or
institution (H-2A, SAWP, COMAR). An answer is chosen by that country first, then where the person
is, then (for questions that do not depend on where one stands) where they come from.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rasa_sdk import Tracker

from bot.infodb.models import REGIONAL
from bot.nlu.gazetteer import COUNTRY, DESTINATION, PROGRAMME, programmes

# Topics answered where the person stands: a country named here is where they are or need help.
LOCAL_TOPICS = frozenset({"report_emergency", "ask_emergency_numbers", "find_help_point", "ask_shelter", "ask_health"})
# Topics where the person's own country also has something to say (programmes that place workers abroad).
ORIGIN_TOPICS = frozenset({"ask_work_permit", "ask_job_offer_check"})
INFORM = "inform"


@dataclass(frozen=True)
class Places:
    """The countries a turn knows about (ISO codes; ``REGIONAL`` means 'another country')."""

    question: str | None
    location: str | None
    origin: str | None

    def answer_country(self, topic: str) -> str | None:
        """The country whose answer fits: the question's, where the person is, where they come from."""
        if self.question:
            return self.question
        if self.location:
            return self.location
        return None if topic in LOCAL_TOPICS else self.origin

    def origin_also(self, topic: str) -> str | None:
        """The person's own country, when its programmes add to an answer about another country."""
        chosen = self.answer_country(topic)
        if topic in ORIGIN_TOPICS and self.origin and chosen and self.origin not in (chosen, REGIONAL):
            return self.origin
        return None


def _entities(tracker: Tracker) -> list[dict[str, Any]]:
    return list((tracker.latest_message or {}).get("entities") or [])


def question_country(tracker: Tracker, location: str | None, origin: str | None) -> str | None:
    """The country the latest message asks about, if it names one."""
    entities = _entities(tracker)
    intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
    known = programmes()
    for entity in entities:
        if entity.get("entity") == PROGRAMME and str(entity.get("value")) in known:
            programme = known[str(entity["value"])]
            return next((c for c in programme.also if c in (location, origin)), programme.country)
    countries = [e for e in entities if e.get("entity") == COUNTRY and e.get("value") != REGIONAL]
    for wanted in (DESTINATION, None):
        for entity in countries:
            if entity.get("role") == wanted and not (wanted is None and intent == INFORM):
                return str(entity["value"])
    return None


def read_places(tracker: Tracker) -> Places:
    """The countries of the latest turn."""
    location = tracker.get_slot("country")
    origin = tracker.get_slot("origin")
    return Places(question_country(tracker, location, origin), location, origin)
