"""Restart safety and several instances on one database (SQLite file and PostgreSQL schema).

Each instance is a fresh channel (its own claims owner, sender and store workers) served by its
own Sanic server; they share the database and the fake Twilio API, as two Rasa processes behind
one load balancer would.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from sqlalchemy.engine import Engine

from bot.channels import store
from tests.channels.conftest import Clock, Harness, StubBot, eventually, new_sid, start_harness, stop_harness
from tests.channels.fake_twilio import FakeTwilio

PERSON = "whatsapp:+50230001234"
LEASE = 0.4  # seconds; the heartbeat renews claims every LEASE / 4


@pytest.fixture
async def instances(any_engine: Engine, twilio: FakeTwilio, clock: Clock) -> AsyncIterator[list[Harness]]:
    """Started instances, stopped at the end of the test (tests append to the list)."""
    running: list[Harness] = []
    yield running
    for harness in running:
        await stop_harness(harness)


async def _start(instances: list[Harness], engine: Engine, twilio: FakeTwilio, clock: Clock, bot: Any, **options: Any) -> Harness:
    harness = await start_harness(engine, twilio, clock, bot, claim_lease=LEASE, **options)
    instances.append(harness)
    return harness


async def test_a_second_instance_never_takes_a_turn_in_progress(
    instances: list[Harness], any_engine: Engine, twilio: FakeTwilio, clock: Clock
) -> None:
    first = await _start(instances, any_engine, twilio, clock, StubBot(hold=asyncio.Event()))
    sid = new_sid()
    await first.send(PERSON, "hola", sid=sid)
    await eventually(lambda: first.bot.received)
    second = await _start(instances, any_engine, twilio, clock, StubBot())
    await asyncio.sleep(LEASE * 4)  # the second instance starts, then sweeps for stale claims several times
    assert second.bot.received == []
    assert store.inbound_status(any_engine, message_sid=sid) == store.PROCESSING

    assert first.bot.hold is not None
    first.bot.hold.set()
    await eventually(lambda: twilio.sent)
    await asyncio.sleep(0.3)
    assert twilio.bodies_to(PERSON) == ["echo: hola"]
    assert store.inbound_status(any_engine, message_sid=sid) == store.PROCESSED


async def test_the_turn_of_a_crashed_instance_is_taken_over_after_the_lease(
    instances: list[Harness], any_engine: Engine, twilio: FakeTwilio, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    crashed = await start_harness(any_engine, twilio, clock, StubBot(hold=asyncio.Event()), claim_lease=LEASE)
    sid = new_sid()
    await crashed.send(PERSON, "hola", sid=sid)
    await eventually(lambda: crashed.bot.received)
    with monkeypatch.context() as patch:
        patch.setattr(store, "release_claims", lambda *_args, **_kwargs: None)  # a crash releases nothing
        await stop_harness(crashed)
    assert store.inbound_status(any_engine, message_sid=sid) == store.PROCESSING

    survivor = await _start(instances, any_engine, twilio, clock, StubBot())
    assert survivor.bot.received == []  # not at once: the claim could still be alive
    await eventually(lambda: twilio.sent, timeout=5)
    await asyncio.sleep(0.3)
    assert survivor.bot.texts() == ["hola"]
    assert twilio.bodies_to(PERSON) == ["echo: hola"]
    assert store.inbound_status(any_engine, message_sid=sid) == store.PROCESSED


async def test_one_message_delivered_to_two_instances_at_once_is_answered_once(
    instances: list[Harness], any_engine: Engine, twilio: FakeTwilio, clock: Clock
) -> None:
    first = await _start(instances, any_engine, twilio, clock, StubBot())
    second = await _start(instances, any_engine, twilio, clock, StubBot())
    sids = [new_sid() for _ in range(5)]
    posts = [harness.send(PERSON, f"m{n}", sid=sid) for n, sid in enumerate(sids) for harness in (first, second, first, second)]
    responses = await asyncio.gather(*posts)
    assert {r.status_code for r in responses} == {200}
    await eventually(lambda: len(twilio.sent) >= 5, timeout=20)
    await asyncio.sleep(0.5)
    assert sorted(first.bot.texts() + second.bot.texts()) == [f"m{n}" for n in range(5)]
    assert sorted(twilio.bodies_to(PERSON)) == [f"echo: m{n}" for n in range(5)]
    assert store.count_inbound(any_engine) == 5


@dataclass
class RecordingBot:
    """Stands in for Rasa's processor: logs the user message with its message_id, replies, saves the tracker."""

    tracker_store: InMemoryTrackerStore
    hold_after: asyncio.Event | None = None
    received: list[UserMessage] = field(default_factory=list)

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, message_id=message.message_id))
        await message.output_channel.send_text_message(message.sender_id, f"echo: {message.text}")
        await self.tracker_store.save(tracker)
        if self.hold_after is not None:
            await self.hold_after.wait()  # the process stops here: the message is not closed


async def _recorded(tracker_store: InMemoryTrackerStore, sender_id: str, message_id: str) -> int:
    tracker = await tracker_store.retrieve(sender_id)
    assert tracker is not None
    return sum(1 for e in tracker.events if isinstance(e, UserUttered) and e.message_id == message_id)


@pytest.mark.parametrize("saved_before_the_stop", [True, False])
async def test_a_turn_run_again_after_a_restart_is_recorded_once(
    instances: list[Harness], any_engine: Engine, twilio: FakeTwilio, clock: Clock, saved_before_the_stop: bool
) -> None:
    tracker_store = InMemoryTrackerStore(Domain.empty())
    agent = SimpleNamespace(tracker_store=tracker_store)
    bot = RecordingBot(tracker_store, hold_after=asyncio.Event())
    if not saved_before_the_stop:
        bot = RecordingBot(InMemoryTrackerStore(Domain.empty()), hold_after=asyncio.Event())  # saved nowhere we read
    first = await start_harness(any_engine, twilio, clock, bot, agent=agent)
    sid = new_sid()
    await first.send(PERSON, "hola", sid=sid)
    await eventually(lambda: bot.received and twilio.sent)
    await stop_harness(first)  # between Rasa's save and the message being closed

    rerun = RecordingBot(tracker_store)
    second = await _start(instances, any_engine, twilio, clock, rerun, agent=agent)
    await eventually(lambda: store.inbound_status(any_engine, message_sid=sid) == store.PROCESSED)
    await asyncio.sleep(0.3)
    assert twilio.bodies_to(PERSON) == ["echo: hola"]  # the reply was queued once, sent once
    if saved_before_the_stop:
        assert rerun.received == []  # the turn is in the tracker already: not run again
    else:
        assert [m.text for m in rerun.received] == ["hola"]  # Rasa never saved it: it runs again
    assert await _recorded(tracker_store, second.cid(PERSON), sid) == 1
