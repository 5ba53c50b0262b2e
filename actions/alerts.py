"""Alerts by consent: subscribe (for a country and, from an answer's button, its topic) and stop.

The subscription keeps only the reply address the channel already holds and the person's choices;
the reply says what the person will get, for how long, and how to stop (a button, or the words).
Alerts reach people only on a messaging channel (WhatsApp, SMS, Telegram), never the REST channel.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from actions import replies
from actions.places import read_places
from bot import i18n
from bot.alerts import store as alerts_store
from bot.alerts.settings import alert_settings
from bot.channels import registry
from bot.channels import store as channel_store
from bot.infodb.content import TOPICS
from bot.infodb.models import REGIONAL
from bot.infodb.session import default_engine

logger = logging.getLogger(__name__)

STOP_PAYLOAD = "/stop_alerts"
TOPIC_ENTITY = "alert_topic"


def stop_button(language: str) -> dict[str, str]:
    """The button that stops every alert."""
    return {"title": i18n.text("alerts_stop_button", language), "payload": STOP_PAYLOAD}


class _AlertsAction(Action, ABC):
    """An alerts action over DATABASE_URL's database (abstract: the action server registers only its subclasses)."""

    def __init__(self, engine: Engine | None = None) -> None:
        """Use the given engine, or DATABASE_URL's (lazily)."""
        self._engine = engine

    @abstractmethod
    def name(self) -> str:
        """Return the action name."""

    @property
    def engine(self) -> Engine:
        """The database, opened on first use."""
        if self._engine is None:
            self._engine = default_engine()
        return self._engine


def _topic(tracker: Tracker) -> str | None:
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == TOPIC_ENTITY and entity.get("value") in TOPICS:
            return str(entity["value"])
    return None


class ActionSubscribeAlerts(_AlertsAction):
    """Subscribe the person to alerts for the country of the question (or where they are)."""

    def name(self) -> str:
        """Return the action name."""
        return "action_subscribe_alerts"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Subscribe, or say why not (no messaging channel, no country yet, the database is down)."""
        language = i18n.language_or_default(tracker.get_slot("language"))
        spec = registry.find(tracker.get_latest_input_channel())
        if spec is None:
            dispatcher.utter_message(text=i18n.text("alerts_channel_only", language))
            return []
        places = read_places(tracker)
        country = places.question or places.location
        if not country or country == REGIONAL:
            dispatcher.utter_message(text=i18n.text("alerts_ask_country", language))
            return []
        topic = _topic(tracker)
        settings = alert_settings()
        try:
            conversation = await asyncio.to_thread(
                channel_store.get_conversation, self.engine, conversation_id=tracker.sender_id
            )
            if conversation is None:
                raise LookupError("no reply address")
            await asyncio.to_thread(
                alerts_store.subscribe, self.engine, conversation_id=tracker.sender_id, channel=spec.name,
                address=conversation.address, language=language, country=country, topic=topic,
                now=datetime.utcnow(), keep_for=settings.keep_for,
            )
        except (SQLAlchemyError, LookupError) as err:
            logger.error("alert subscription not stored (%s)", type(err).__name__)
            dispatcher.utter_message(text=i18n.text("database_unavailable", language),
                                     buttons=[replies.person_button(language)])
            return []
        key = "alerts_subscribed_topic" if topic else "alerts_subscribed"
        dispatcher.utter_message(
            text=i18n.text(key, language, country=i18n.country_name(country, language), days=settings.keep_for.days),
            buttons=[stop_button(language)],
        )
        return []


class ActionStopAlerts(_AlertsAction):
    """Stop every alert to the person."""

    def name(self) -> str:
        """Return the action name."""
        return "action_stop_alerts"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[dict[str, Any]]:
        """Stop, and say so (or that there was nothing to stop)."""
        language = i18n.language_or_default(tracker.get_slot("language"))
        try:
            stopped = await asyncio.to_thread(
                alerts_store.stop, self.engine, conversation_id=tracker.sender_id, now=datetime.utcnow()
            )
        except SQLAlchemyError as err:
            logger.error("alerts not stopped (%s)", type(err).__name__)
            dispatcher.utter_message(text=i18n.text("database_unavailable", language),
                                     buttons=[replies.person_button(language)])
            return []
        dispatcher.utter_message(text=i18n.text("alerts_stopped" if stopped else "alerts_none", language))
        return []
