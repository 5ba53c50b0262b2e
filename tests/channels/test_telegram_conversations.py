"""A conversation in each language through the Telegram channel and the trained test model.

Rasa's real agent (the model `make test` trains, the live action server, the privacy tracker
store) answers updates posted to the webhook; what the fake Bot API receives is what the person
would see. Fails when VENTANILLA_TEST_MODEL is not set (`make test` sets it), as the WhatsApp ones do.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot import i18n
from bot.channels.store import channel_engine
from bot.handoff import store as handoff_store
from tests.channels.conftest import Clock, eventually
from tests.channels.fake_telegram import FakeTelegram, callback_update, text_update, voice_update
from tests.channels.telegram_harness import TelegramHarness, start_telegram, stop_telegram
from tests.services import require_model
from tests.test_assistant import DOMAIN, response


@pytest.fixture(autouse=True)
def _trained_model() -> None:
    """Fails, like the WhatsApp conversations, when the test model is missing (tests.services)."""
    require_model()


GREETINGS = {
    "es": "hola buenas tardes",
    "en": "hello good morning",
    "fr": "bonjour madame",
    "ht": "bonjou tout moun",
    "pt": "olá bom dia",
}
SWITCH_TO = {"es": "pt", "en": "fr", "fr": "ht", "ht": "es", "pt": "en"}


def buttons(key: str, language: str) -> list[dict[str, str]]:
    """The buttons of a response variation in one language."""
    for variation in DOMAIN["responses"][key]:
        values = [c["value"] for c in variation.get("condition") or [] if c.get("name") == "language"]
        if values and values[0] == language:
            return list(variation["buttons"])
    raise KeyError((key, language))


class RasaAgent:
    """Rasa's channel handler: agent.handle_message for each UserMessage."""

    def __init__(self, agent: Any) -> None:
        self.agent = agent

    async def __call__(self, message: Any) -> None:
        await self.agent.handle_message(message)


@pytest.fixture
async def live(seeded_database_url: str, telegram_api: FakeTelegram, clock: Clock, agent: Any) -> AsyncIterator[TelegramHarness]:
    # One database for the channel and the action server, as in production (DATABASE_URL): the
    # ticket action_handoff opens is the one the channel's handoff gate sees.
    engine = channel_engine(seeded_database_url)
    running = await start_telegram(engine, telegram_api, clock, RasaAgent(agent), agent=agent)  # type: ignore[arg-type]
    yield running
    await stop_telegram(running)


async def _say(live: TelegramHarness, chat: int, update: dict[str, Any], replies: int) -> list[Any]:
    before = len(live.api.to(chat))
    assert (await live.post(update)).status_code == 200
    await eventually(lambda: len(live.api.to(chat)) >= before + replies, timeout=30)
    await asyncio.sleep(0.5)  # a reply too many would arrive here
    return live.api.to(chat)[before:]


@pytest.mark.parametrize("language", ["es", "en", "fr", "ht", "pt"])
async def test_a_conversation_in_each_language(live: TelegramHarness, language: str) -> None:
    chat = 8800000000 + i18n.LANGUAGES.index(language)
    welcome = await _say(live, chat, text_update(chat, GREETINGS[language]), 3)
    assert [m.text for m in welcome] == [
        response("utter_welcome", language),
        response("utter_privacy_notice", language),
        response("utter_main_menu", language),
    ]
    assert welcome[-1].titles() == [b["title"] for b in buttons("utter_main_menu", language)]

    capabilities = await _say(live, chat, text_update(chat, "/help"), 2)
    assert [m.text for m in capabilities] == [response("utter_capabilities", language), response("utter_main_menu", language)]

    [menu] = await _say(live, chat, text_update(chat, "/language"), 1)
    assert menu.text == response("utter_choose_language", language)
    target = SWITCH_TO[language]
    index = [b["payload"] for b in buttons("utter_choose_language", language)].index(
        f'/change_language{{"target_language": "{target}"}}'
    )
    [changed] = await _say(live, chat, callback_update(chat, menu.data()[index]), 1)
    assert changed.text == response("utter_language_changed", target)

    # A voice note goes to a person: the real action_handoff opens a ticket and answers in the new language.
    passed, queued = await _say(live, chat, voice_update(chat, file_id=f"voice-{language}"), 2)
    assert passed.text == i18n.text("media_passed_to_desk", target)
    ticket = handoff_store.open_ticket_for(live.engine, conversation_id=live.cid(chat))
    assert ticket is not None and ticket.channel == "telegram" and ticket.language == target
    position = handoff_store.queue_position(live.engine, ticket_id=ticket.id)  # other tests' tickets may wait too
    assert queued.text.startswith(i18n.text("handoff_queued", target, position=position))
    assert queued.titles() == [i18n.text("handoff_cancel_button", target)]

    # While the desk has the chat, the bot is silent and the message reaches the transcript.
    assert (await live.post(text_update(chat, GREETINGS[language]))).status_code == 200
    await live.channel.drain()
    await asyncio.sleep(0.5)
    assert live.api.to(chat)[-1].text == queued.text
    bodies = [m.body for m in handoff_store.ticket_messages(live.engine, ticket_id=ticket.id)]
    assert GREETINGS[language] in bodies
