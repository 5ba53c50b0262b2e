"""Hand the conversation to desk staff: ``action_handoff``.

Rules run it when the person asks for a person, after two failed attempts to understand, on a
voice note or image (the channel sends ``/request_human`` with ``handoff_reason: media``), on
``report_labor_abuse`` and, urgently, on ``report_emergency`` (after the emergency numbers).
From then on the channels give the person's messages to the desk (``bot.handoff.gate``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from actions.events import latest_intent, latest_user_metadata
from actions.evidence import outcome_event
from bot import i18n
from bot.channels import registry
from bot.db import utc_now
from bot.evidence.model import HANDED_TO_STAFF
from bot.handoff import policy
from bot.handoff.escalation import escalate, escalation_messages, summarize
from bot.infodb.session import default_engine

logger = logging.getLogger(__name__)

def reason_for(tracker: Tracker) -> str:
    """Why the conversation goes to a person (``bot.handoff.policy``)."""
    media = latest_user_metadata(tracker).get("handoff_reason") == policy.MEDIA
    return policy.reason_for(latest_intent(tracker), media=media)


class ActionHandoff(Action):
    """Open (or find) the conversation's ticket and tell the person their place and what to do if in danger."""

    def __init__(self, engine: Engine | None = None, clock: Callable[[], datetime] = utc_now) -> None:
        """Use the given engine, or DATABASE_URL's (lazily)."""
        self._engine = engine
        self.clock = clock

    def name(self) -> str:
        """Return the action name."""
        return "action_handoff"

    @property
    def engine(self) -> Engine:
        """The database engine, created on first use."""
        if self._engine is None:
            self._engine = default_engine()
        return self._engine

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[dict[str, Any]]:
        """Escalate, then utter the queue message."""
        language = i18n.language_or_default(tracker.get_slot("language"))
        channel = tracker.get_latest_input_channel() or ""
        if registry.find(channel) is None:  # only a messaging channel's outbox carries staff replies back
            dispatcher.utter_message(text=i18n.text("handoff_unavailable_channel", language))
            return []
        metadata = latest_user_metadata(tracker)
        media = metadata.get("media") if isinstance(metadata.get("media"), dict) else None
        try:
            result = await asyncio.to_thread(
                escalate,
                self.engine,
                conversation_id=tracker.sender_id,
                channel=channel,
                language=language,
                country=tracker.get_slot("country"),
                reason=reason_for(tracker),
                summary=summarize(list(tracker.events)),
                now=self.clock(),
                media=media,
            )
        except SQLAlchemyError as err:
            logger.error("handoff failed: the database is unavailable (%s)", type(err).__name__)
            dispatcher.utter_message(
                text=f"{i18n.text('handoff_failed', language)} {i18n.text('handoff_urgent_advice', language)}"
            )
            return []
        logger.info(
            "handoff ticket %s %s (reason %s, urgent %s)",
            result.ticket.id,
            "opened" if result.created else "already open",
            result.ticket.reason,
            result.ticket.urgent,
        )
        if reason_for(tracker) == policy.MEDIA:
            dispatcher.utter_message(text=i18n.text("media_passed_to_desk", language))
        for message in escalation_messages(result, language):
            dispatcher.utter_message(**message)
        if not result.created:
            return []
        return [outcome_event(tracker, outcome=HANDED_TO_STAFF, topic=result.ticket.reason)]
