"""The tracker store erases a conversation on request and purges idle ones, on SQLite and PostgreSQL."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
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
