"""Rasa's SQL tracker store with the privacy duties the assistant promises.

* A conversation is erased when the person confirms ``delete_my_data``: the store sees the
  deletion action among the new events and deletes every stored event instead of saving.
* ``purge_older_than`` deletes conversations idle for longer than the retention period.
* The database comes from ``TRACKER_DATABASE_URL`` (SQLite by default, PostgreSQL in production).
* A save counts the stored events of the session once: Rasa 3.6 first loads the whole stored
  conversation back into a tracker (every event parsed) only to learn how many events are new for the
  event broker, then counts them again to store them. The new events are the same; they are published
  and stored in the same order.
* The event broker gets only the evidence markers (``_stream_new_events``), never a person's text.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
from typing import Any

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine import make_url

from bot.db import sqlite_fast_commits
from bot.evidence.model import EVIDENCE_SLOT
from bot.privacy import DELETE_ACTION
from bot.settings import get_settings

logger = logging.getLogger(__name__)


def _turn_ran(tracker: DialogueStateTracker, action_name: str) -> bool:
    """Whether the current turn (the events since the latest user message) ran an action.

    Read from the tracker in memory: no extra query on the path of every message.
    """
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, ActionExecuted) and event.action_name == action_name:
            return True
    return False


def _is_evidence(event: Event) -> bool:
    return isinstance(event, SlotSet) and event.key == EVIDENCE_SLOT


class PrivacySQLTrackerStore(SQLTrackerStore):
    """SQL tracker store that honours deletion requests and the retention period."""

    def __init__(
        self,
        domain: Domain | None = None,
        event_broker: EventBroker | None = None,
        url: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Connect to ``url`` or, by default, to ``TRACKER_DATABASE_URL``."""
        parsed = make_url(url or get_settings().tracker_database_url)
        for key in ("dialect", "host", "port", "db", "username", "password", "query"):
            kwargs.pop(key, None)
        super().__init__(
            domain=domain,
            dialect=parsed.drivername,
            host=parsed.host,
            port=parsed.port,
            db=parsed.database or "",
            username=parsed.username,  # type: ignore[arg-type]
            password=parsed.password,  # type: ignore[arg-type]
            event_broker=event_broker,
            query=dict(parsed.query) or None,
            **kwargs,
        )
        # make run's SQLite: kept-open connections, commits that do not wait for the disk (bot/db.py).
        self.engine: sa.engine.Engine = sqlite_fast_commits(self.engine)  # type: ignore[has-type]
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Save new events, or erase the conversation when this turn asked for it."""
        if _turn_ran(tracker, DELETE_ACTION):
            removed = self.delete_conversation(tracker.sender_id)
            logger.info("Erased a conversation on request (%d stored events).", removed)
            return
        if self.max_event_history is not None:
            # A tracker cut to its latest events cannot be compared by count: Rasa's own way.
            await super().save(tracker)
            return
        with self.session_scope() as session:
            stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
            new_events = list(itertools.islice(tracker.events, stored, len(tracker.events)))
            if self.event_broker is not None:
                await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
            session.add_all(self._row(tracker.sender_id, event) for event in new_events)
            session.commit()

    async def _stream_new_events(self, event_broker: EventBroker, new_events: list[Event], sender_id: str) -> None:
        """Publish only what the evidence counts: the ``evidence`` slot's markers (categories, no text).

        Rasa publishes every event, the person's messages included; the broker's one consumer
        (bot/evidence) counts only these, and a text never published cannot linger in a broker queue
        or table. Publishing and consuming the rest was about a tenth of the cluster's CPU per turn.
        """
        await super()._stream_new_events(event_broker, [e for e in new_events if _is_evidence(e)], sender_id)

    def _row(self, sender_id: str, event: Event) -> Any:
        """An event as Rasa's SQL tracker store stores it."""
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    def delete_conversation(self, sender_id: str) -> int:
        """Delete every stored event of one conversation; return how many were deleted."""
        with self.session_scope() as session:
            result = session.execute(
                sa.delete(self.SQLEvent).where(self.SQLEvent.sender_id == sender_id)
            )
            session.commit()
            return int(result.rowcount or 0)

    def purge_older_than(self, days: int, now: float | None = None) -> int:
        """Delete conversations whose latest event is older than ``days``; return how many."""
        cutoff = (now if now is not None else time.time()) - days * 86400
        with self.session_scope() as session:
            stale = (
                sa.select(self.SQLEvent.sender_id)
                .group_by(self.SQLEvent.sender_id)
                .having(sa.func.max(self.SQLEvent.timestamp) < cutoff)
            )
            senders = list(session.execute(stale).scalars())
            if senders:
                session.execute(sa.delete(self.SQLEvent).where(self.SQLEvent.sender_id.in_(senders)))
                session.commit()
            return len(senders)
