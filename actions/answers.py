"""Answer topic questions from the information database.

One action serves every topic intent: it reads the topic (the latest intent, or the topic that was
waiting for the person's country) and the two countries of the question (``actions.places``: the
country the question is about, and where the person is). It answers for the question's country
first, asks where the person is only when the answer depends on it and no country was named, and
answers in the conversation language with the sources and the date a person last checked them.
Emergencies get the emergency numbers of where the person is before anything else; help-point
questions get the nearest places.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions import replies
from actions.base import RepositoryAction
from actions.events import latest_intent, other_needs, shared_location
from actions.evidence import outcome_event
from actions.places import Places, read_places
from bot import i18n
from bot.evidence.model import COUNTRY_ANSWER, EMERGENCY, REGIONAL_FALLBACK
from bot.infodb.content import TOPICS
from bot.infodb.models import REGIONAL

logger = logging.getLogger(__name__)

EMERGENCY_TOPICS = ("report_emergency", "ask_emergency_numbers")
# Topics whose answer is followed by action_handoff (stories/rules/topics.yml): no person button.
ESCALATING_TOPICS = ("report_emergency", "report_labor_abuse")
HELP_POINT_TOPIC = "find_help_point"
# The other needs of a message whose main topic waits for the person's country.
PENDING_NEEDS = "pending_needs"


class ActionAnswerTopic(RepositoryAction):
    """Answer the topic of the latest message (or the one waiting for a country)."""

    def name(self) -> str:
        """Return the action name."""
        return "action_answer_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Send the answer (or ask for the country once)."""
        language = i18n.language_or_default(tracker.get_slot("language"))
        intent = latest_intent(tracker)
        pending = tracker.get_slot("pending_topic")
        topic = intent if intent in TOPICS else pending
        events: list[dict[str, Any]] = []
        if pending and topic == pending:
            events.append(SlotSet("pending_topic", None))
            others = [t for t in tracker.get_slot(PENDING_NEEDS) or [] if t in TOPICS and t != topic]
            if others:
                events.append(SlotSet(PENDING_NEEDS, None))
        else:
            others = [t for t in other_needs(tracker) if t in TOPICS and t != topic]
        if topic is None:
            dispatcher.utter_message(response="utter_inform_ack")
            dispatcher.utter_message(response="utter_main_menu")
            return events
        places = read_places(tracker)
        if topic == "report_emergency" and places.question and not places.location:
            # In danger, the place named is where the person is: keep it for the numbers and the ticket.
            places = Places(places.question, places.question, places.origin)
            events.append(SlotSet("country", places.question))
        try:
            messages, asked, answered = self._compose(tracker, topic, places, language, offer_person=not others)
            if not asked:
                for i, other in enumerate(others):
                    more, _, other_answered = self._compose(
                        tracker, other, places, language, may_ask=False,
                        offer_person=i == len(others) - 1 and topic not in ESCALATING_TOPICS,
                    )
                    messages += more
                    if other_answered is not None:
                        events.append(self._answered(tracker, other, places, other_answered))
        except SQLAlchemyError as err:
            # The error's text can carry query parameters; log only its type (privacy).
            logger.error("The information database is unavailable (%s).", type(err).__name__)
            messages = [{"text": i18n.text("database_unavailable", language),
                         "buttons": [replies.person_button(language)]}]
            asked, answered = False, None
        for message in messages:
            dispatcher.utter_message(**message)
        if topic == "report_emergency" and not (pending and topic == pending):  # counted once, not again on the country
            events.append(outcome_event(tracker, outcome=EMERGENCY, topic=topic, question_country=places.location))
        elif answered is not None:
            events.append(self._answered(tracker, topic, places, answered))
        if asked:
            later = [SlotSet(PENDING_NEEDS, others)] if others else []
            return [*events, SlotSet("pending_topic", topic), SlotSet("country_asked", True), *later]
        return events

    @staticmethod
    def _answered(tracker: Tracker, topic: str, places: Places, answered: str) -> dict[str, Any]:
        """The evidence event of an answer given: for the country asked about, or the regional text."""
        outcome = REGIONAL_FALLBACK if answered == REGIONAL else COUNTRY_ANSWER
        return outcome_event(tracker, outcome=outcome, topic=topic, question_country=places.answer_country(topic))

    def _compose(
        self,
        tracker: Tracker,
        topic: str,
        places: Places,
        language: str,
        *,
        may_ask: bool = True,
        offer_person: bool = True,
    ) -> tuple[list[replies.Message], bool, str | None]:
        """Build the reply; the flag says the country was asked for; then the country of the answer given.

        An other need of the message (``may_ask`` false) never asks for the country: it gets the answer
        the places known allow, the regional text at worst."""
        messages: list[replies.Message] = []
        country = places.answer_country(topic)
        known_country = country if country and country != REGIONAL else None
        asked = False
        numbers = (
            replies.hotline_messages(self.repository.hotlines(country=known_country), known_country, language)
            if topic in EMERGENCY_TOPICS and known_country
            else []
        )
        if topic == "report_emergency":
            messages += numbers  # in danger: the numbers before anything else
        if topic == "report_emergency" and country is None:
            messages.append(replies.ask_country_message(language, "hotlines_ask_country"))
            asked = True
        elif (
            may_ask
            and country is None
            and not tracker.get_slot("country_asked")
            and not (topic == HELP_POINT_TOPIC and shared_location(tracker))
            and (topic == "ask_emergency_numbers" or self.repository.country_matters(topic=topic))
        ):
            return [replies.ask_country_message(language)], True, None
        answer = self.repository.answer(topic=topic, country=country, language=language)
        offer_person = offer_person and topic not in ESCALATING_TOPICS
        messages += replies.answer_messages(answer, language, offer_person) if answer else replies.no_answer_messages(language)
        origin = places.origin_also(topic)
        if origin and answer and answer.country != REGIONAL:
            from_origin = self.repository.answer(topic=topic, country=origin, language=language)
            if from_origin and from_origin.country == origin:
                messages += replies.answer_messages(from_origin, language, offer_person)
        if topic == "ask_emergency_numbers":
            messages += numbers  # asked, not in danger: the introduction and its caveats first
        if topic == HELP_POINT_TOPIC:
            messages += self._help_points(tracker, known_country, language)
        return messages, asked, answer.country if answer else None

    def _help_points(self, tracker: Tracker, country: str | None, language: str) -> list[replies.Message]:
        location = shared_location(tracker)
        if location:
            points = self.repository.nearest(latitude=location[0], longitude=location[1])
            return replies.help_point_messages(points, language, date.today())
        if country:
            points = self.repository.help_points_in(country=country)
            return replies.help_point_messages(points, language, date.today(), country=country)
        return [{"text": i18n.text("help_points_ask_place", language)}]
