"""Delete a person's conversation when they ask for it (after they confirm)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from bot.alerts import store as alerts_store
from bot.channels import store as channel_store
from bot.handoff import store as handoff_store
from bot.infodb.session import default_engine
from bot.privacy import DELETE_ACTION

logger = logging.getLogger(__name__)


class ActionDeleteMyData(Action):
    """Mark the conversation for erasure.

    The erasure itself happens where the events live: the tracker store
    (``bot.tracker_store.PrivacySQLTrackerStore``) deletes every stored event of a conversation
    whose new events include this action, instead of saving them. The confirmation is uttered by
    the rule before this action, so the person sees it even though nothing of the turn is kept.
    The person's handoff tickets (with transcripts and staff notes), what the messaging channel
    kept of their messages and their alert subscriptions are deleted here.
    """

    def __init__(self, engine: Engine | None = None) -> None:
        """Use the given engine, or DATABASE_URL's (lazily)."""
        self._engine = engine

    def name(self) -> str:
        """Return the action name."""
        return DELETE_ACTION

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Delete the handoff records; running is also the tracker store's signal."""
        engine = self._engine or default_engine()
        try:
            removed = await asyncio.to_thread(handoff_store.delete_conversation, engine, conversation_id=tracker.sender_id)
            replies = await asyncio.to_thread(channel_store.forget_conversation, engine, conversation_id=tracker.sender_id)
            await asyncio.to_thread(alerts_store.forget_conversation, engine, conversation_id=tracker.sender_id)
        except SQLAlchemyError as err:
            logger.error("deleting handoff and channel records failed (%s); the purge will remove them", type(err).__name__)
        else:
            logger.info("deleted %s handoff ticket(s) and %s channel message(s) on request", removed, replies)
        return []
