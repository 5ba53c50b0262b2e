"""Delete a person's conversation when they ask for it (after they confirm)."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from bot.privacy import DELETE_ACTION


class ActionDeleteMyData(Action):
    """Mark the conversation for erasure.

    The erasure itself happens where the events live: the tracker store
    (``bot.tracker_store.PrivacySQLTrackerStore``) deletes every stored event of a conversation
    whose new events include this action, instead of saving them. The confirmation is uttered by
    the rule before this action, so the person sees it even though nothing of the turn is kept.
    """

    def name(self) -> str:
        """Return the action name."""
        return DELETE_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Nothing to do here: running is the signal."""
        return []
