"""No one is left without an answer: a turn that gives no reply gets an apology in the person's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from rasa.core.channels.channel import UserMessage

from bot import i18n
from bot.channels import store
from tests.channels.conftest import LANGUAGES, Clock, Harness, eventually, start_harness, stop_harness
from tests.channels.fake_twilio import FakeTwilio
from tests.services import require_model

PERSON = "whatsapp:+50370001234"


def apology(language: str) -> str:
    return f"{i18n.text('assistant_unavailable', language)} {i18n.text('handoff_urgent_advice', language)}"


async def test_a_turn_that_says_nothing_gets_the_apology_in_the_persons_language(harness: Harness) -> None:
    async def silent(_message: UserMessage) -> None:
        return None

    harness.channel._on_new_message = silent
    LANGUAGES[harness.cid(PERSON)] = "ht"
    try:
        await harness.send(PERSON, "mwen bezwen èd")
        await harness.channel.drain()
        await eventually(lambda: harness.twilio.bodies_to(PERSON))
    finally:
        LANGUAGES.clear()
    assert harness.twilio.bodies_to(PERSON) == [apology("ht")]


async def test_a_turn_that_raises_still_gets_the_apology(harness: Harness) -> None:
    async def broken(_message: UserMessage) -> None:
        raise RuntimeError("the model could not be loaded")

    harness.channel._on_new_message = broken
    await harness.send(PERSON, "hola")
    await harness.channel.drain()
    await eventually(lambda: harness.twilio.bodies_to(PERSON))
    assert harness.twilio.bodies_to(PERSON) == [apology("es")]


@pytest.fixture
async def rasa_without_actions(tmp_path: Path, twilio: FakeTwilio, clock: Clock) -> AsyncIterator[Harness]:
    """The trained assistant with its action server down (nothing listens on the action endpoint)."""
    path = require_model()
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    from bot.infodb.schema import migrate

    agent = Agent.load(path, action_endpoint=EndpointConfig("http://127.0.0.1:9/webhook"))
    url = f"sqlite:///{tmp_path / 'channels.db'}"
    migrate(url)
    harness = await start_harness(store.channel_engine(url), twilio, clock, agent.handle_message, agent=agent, language_of=None)
    yield harness
    await stop_harness(harness)


async def test_with_the_action_server_down_a_question_gets_the_apology(rasa_without_actions: Harness) -> None:
    harness = rasa_without_actions
    await harness.send(PERSON, "hello good morning")
    await harness.channel.drain()
    queued = len(store.outbox_messages(harness.engine))
    await eventually(lambda: len(harness.twilio.bodies_to(PERSON)) == queued)
    greeted = queued  # welcome, privacy notice, menu
    await harness.send(PERSON, "how can I apply for asylum in Mexico")
    await harness.channel.drain()
    await eventually(lambda: len(harness.twilio.bodies_to(PERSON)) > greeted)
    # without the action server the language slot stays unset; the apology follows the detected language
    assert harness.twilio.bodies_to(PERSON)[greeted:] == [apology("en")]
