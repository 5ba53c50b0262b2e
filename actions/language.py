"""Keep the conversation language: detected per message, sticky when a message is ambiguous.

The rule is ``bot.i18n.conversation.choose_language``; the Rasa server applies it without calling
this action (``bot/rasa_speedups.py``), and this action stays for a server run without the speedups."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.events import entity_values, latest_intent, latest_user_metadata
from bot.i18n import APP_LANGUAGE
from bot.i18n.conversation import LANGUAGE_SLOT, choose_language

__all__ = ["ActionDetectLanguage", "choose_language"]


class ActionDetectLanguage(Action):
    """Slot mapping for ``language``: run by Rasa after every user message, before any reply."""

    def name(self) -> str:
        """Return the action name."""
        return "action_detect_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Set the language slot when it changes."""
        current = tracker.get_slot(LANGUAGE_SLOT)
        chosen = choose_language(
            current,
            tracker.latest_message or {},
            latest_intent(tracker),
            entity_values(tracker, "target_language"),
            latest_user_metadata(tracker).get(APP_LANGUAGE),
        )
        return [SlotSet(LANGUAGE_SLOT, chosen)] if chosen != current else []
