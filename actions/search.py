"""When understanding is unsure: search the answers and offer the best three as buttons."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.base import RepositoryAction
from actions.evidence import outcome_event
from bot import i18n
from bot.evidence.model import NOT_UNDERSTOOD

logger = logging.getLogger(__name__)


class ActionSearchAnswers(RepositoryAction):
    """Offer up to three answers whose text matches the message; otherwise ask to rephrase."""

    def name(self) -> str:
        """Return the action name."""
        return "action_search_answers"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Utter the search results as buttons, or the rephrase request."""
        language = i18n.language_or_default(tracker.get_slot("language"))
        text = str((tracker.latest_message or {}).get("text") or "")
        try:
            found = self.repository.search(text=text, language=language) if not text.startswith("/") else []
        except SQLAlchemyError as err:
            # The query parameters hold the person's words: log only the error type (privacy).
            logger.error("Answer search failed: the information database is unavailable (%s).", type(err).__name__)
            found = []
        topics: dict[str, str] = {}
        for answer in found:
            topics.setdefault(answer.topic, answer.title)
        not_understood = [outcome_event(tracker, outcome=NOT_UNDERSTOOD, topic=None)]
        if not topics:
            dispatcher.utter_message(response="utter_ask_rephrase")
            return not_understood
        buttons = [{"title": title, "payload": f"/{topic}"} for topic, title in topics.items()]
        dispatcher.utter_message(text=i18n.text("search_intro", language), buttons=buttons)
        return not_understood
