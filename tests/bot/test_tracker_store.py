"""The tracker store erases a conversation on request and purges idle ones, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.privacy import DELETE_ACTION
from bot.tracker_store import PrivacySQLTrackerStore
from tests.services import POSTGRES_URL, require


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PrivacySQLTrackerStore]:
    url = f"sqlite:///{tmp_path / 'tracker.db'}" if request.param == "sqlite" else require(POSTGRES_URL)
    yield PrivacySQLTrackerStore(url=url)


def conversation(sender: str, at: float | None = None) -> DialogueStateTracker:
    at = at or time.time()
    tracker = DialogueStateTracker(sender, slots=[])
    for event in (
        ActionExecuted("action_session_start", timestamp=at),
        SessionStarted(timestamp=at),
        ActionExecuted("action_listen", timestamp=at),
        UserUttered("soy de honduras", {"name": "inform"}, timestamp=at + 1),
        BotUttered("gracias", timestamp=at + 2),
    ):
        tracker.update(event)
    return tracker


def stored(store: PrivacySQLTrackerStore, sender: str) -> int:
    with store.session_scope() as session:
        return session.query(store.SQLEvent).filter(store.SQLEvent.sender_id == sender).count()


async def test_saves_and_retrieves_a_conversation(store: PrivacySQLTrackerStore) -> None:
    sender = f"t-{uuid.uuid4()}"
    await store.save(conversation(sender))
    again = await store.retrieve(sender)
    assert again is not None
    assert again.latest_message is not None and again.latest_message.text == "soy de honduras"


async def test_confirmed_deletion_erases_every_stored_event(store: PrivacySQLTrackerStore) -> None:
    sender, other = f"t-{uuid.uuid4()}", f"t-{uuid.uuid4()}"
    tracker = conversation(sender)
    await store.save(tracker)
    await store.save(conversation(other))
    assert stored(store, sender) == 5

    tracker.update(UserUttered("si", {"name": "affirm"}))
    tracker.update(ActionExecuted(DELETE_ACTION))
    await store.save(tracker)

    assert stored(store, sender) == 0
    assert await store.retrieve(sender) is None
    assert stored(store, other) == 5


async def test_purge_removes_only_conversations_idle_past_retention(store: PrivacySQLTrackerStore) -> None:
    now = time.time()
    old, recent = f"t-{uuid.uuid4()}", f"t-{uuid.uuid4()}"
    await store.save(conversation(old, at=now - 91 * 86400))
    await store.save(conversation(recent, at=now - 89 * 86400))

    removed = store.purge_older_than(90, now=now)

    assert removed >= 1
    assert stored(store, old) == 0
    assert stored(store, recent) == 5


class RecordingBroker:
    """An event broker that keeps what it is given."""

    def __init__(self) -> None:
        self.published: list[dict] = []

    def publish(self, event: dict) -> None:
        self.published.append(event)


async def test_a_save_publishes_and_stores_what_rasa_s_own_save_does(tmp_path: Path) -> None:
    """Two turns and a new session: the same rows and the same broker events as Rasa's SQL store."""
    from rasa.core.tracker_store import SQLTrackerStore

    ours, theirs = RecordingBroker(), RecordingBroker()
    store = PrivacySQLTrackerStore(url=f"sqlite:///{tmp_path / 'ours.db'}", event_broker=ours)  # type: ignore[arg-type]
    rasa_store = SQLTrackerStore(dialect="sqlite", db=str(tmp_path / "rasa.db"), event_broker=theirs)  # type: ignore[arg-type]
    sender = f"t-{uuid.uuid4()}"
    at = time.time()
    tracker = conversation(sender, at)
    later = [
        [ActionExecuted("action_listen", timestamp=at + 3), UserUttered("y en mexico", {"name": "inform"}, timestamp=at + 4),
         BotUttered("en mexico...", timestamp=at + 5),
         SlotSet("evidence", {"outcome": "answered", "topic": "asylum", "language": "es"}, timestamp=at + 5)],
        [ActionExecuted("action_session_start", timestamp=at + 9000), SessionStarted(timestamp=at + 9000),
         ActionExecuted("action_listen", timestamp=at + 9000), UserUttered("hola", {"name": "greet"}, timestamp=at + 9001)],
    ]
    for events in [[], *later]:
        for event in events:
            tracker.update(event)
        await store.save(tracker)
        await rasa_store.save(tracker)
        # the next turn starts from the stored session, as the processor does
        retrieved = await store.retrieve(sender)
        assert retrieved is not None
        tracker = retrieved

    def rows(s: SQLTrackerStore) -> list[tuple]:
        with s.session_scope() as session:
            return [(e.type_name, e.timestamp, e.intent_name, e.action_name, e.data)
                    for e in session.query(s.SQLEvent).order_by(s.SQLEvent.id)]

    assert rows(store) == rows(rasa_store) and len(rows(store)) == 13
    # The broker gets the evidence marker as Rasa publishes it, and nothing else: no person's text.
    assert len(theirs.published) == 13
    assert ours.published == [e for e in theirs.published if e["event"] == "slot" and e["name"] == "evidence"]
    assert len(ours.published) == 1 and "text" not in ours.published[0]
