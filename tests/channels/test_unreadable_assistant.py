"""With the trained assistant: Telegram's /start greets in the app's language, and what cannot be read is
answered in the language of the conversation as Rasa keeps it (the tracker's language slot).

Provider payloads -> the channel -> Rasa's agent (test model, live action server, privacy tracker
store) -> the outbox -> the fake provider API. Needs VENTANILLA_TEST_MODEL (`make test` sets it).
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot import i18n
from bot.channels import store
from bot.channels.text import render_menu
from tests.channels.conftest import Clock, Harness, eventually, new_sid, start_harness, stop_harness
from tests.channels.fake_telegram import FakeTelegram, text_update, unread_update
from tests.channels.fake_twilio import FakeTwilio
from tests.channels.telegram_harness import TelegramHarness, start_telegram, stop_telegram
from tests.test_assistant import response

pytestmark = pytest.mark.skipif(
    not os.environ.get("VENTANILLA_TEST_MODEL"), reason="needs the trained test model (make test sets VENTANILLA_TEST_MODEL)"
)
TURN_TIMEOUT = 60.0
WELCOME = ("utter_welcome", "utter_privacy_notice", "utter_main_menu")


@pytest.fixture
async def telegram(
    seeded_database_url: str, telegram_api: FakeTelegram, clock: Clock, agent: Any
) -> AsyncIterator[TelegramHarness]:
    engine = store.channel_engine(seeded_database_url)
    running = await start_telegram(engine, telegram_api, clock, agent.handle_message, agent=agent)
    yield running
    await stop_telegram(running)


@pytest.fixture
async def whatsapp(seeded_database_url: str, twilio: FakeTwilio, clock: Clock, agent: Any) -> AsyncIterator[Harness]:
    engine = store.channel_engine(seeded_database_url)
    running = await start_harness(engine, twilio, clock, agent.handle_message, agent=agent, language_of=None)
    yield running
    await stop_harness(running)


def new_chat() -> int:
    return 7_700_000_000 + uuid.uuid4().int % 100_000_000


async def all_sent(engine: Engine, cid: str) -> None:
    """Wait until every reply queued for a conversation was accepted by the provider."""
    outbox = store.outbox_messages
    await eventually(lambda: all(m.status == store.SENT for m in outbox(engine, conversation_id=cid)), TURN_TIMEOUT)


async def tg_says(tg: TelegramHarness, chat: int, update: dict[str, Any]) -> list[Any]:
    """Post one update; return what reached the chat once its turn is done and its replies are sent."""
    before = len(tg.api.to(chat))
    sid = f"tg:{tg.api.bot_id}:{update['update_id']}"
    assert (await tg.post(update)).status_code == 200
    await eventually(lambda: store.inbound_status(tg.engine, message_sid=sid) == store.PROCESSED, TURN_TIMEOUT)
    await all_sent(tg.engine, tg.cid(chat))
    await asyncio.sleep(0.3)
    return tg.api.to(chat)[before:]


async def wa_says(wa: Harness, person: str, body: str = "", **fields: str) -> list[str]:
    """Send one WhatsApp message; return what reached the person once its turn is done and its replies are sent."""
    before = len(wa.twilio.bodies_to(person))
    sid = new_sid()
    assert (await wa.send(person, body, sid=sid, **fields)).status_code == 200
    await eventually(lambda: store.inbound_status(wa.engine, message_sid=sid) == store.PROCESSED, TURN_TIMEOUT)
    await all_sent(wa.engine, wa.cid(person))
    return wa.twilio.bodies_to(person)[before:]


@pytest.mark.parametrize(
    ("language_code", "language"),
    [("fr", "fr"), ("pt-BR", "pt"), ("ht", "ht"), ("en-US", "en"), ("es-419", "es"), ("de", None)],
)
async def test_telegram_start_greets_in_the_apps_language_until_the_person_writes(
    telegram: TelegramHarness, agent: Any, language_code: str, language: str | None
) -> None:
    chat = new_chat()
    welcome = await tg_says(telegram, chat, text_update(chat, "/start", language=language_code))
    # An app language we do not speak gets the default (unconditioned) variation, as before.
    assert [m.text for m in welcome] == [response(key, language) for key in WELCOME]
    tracker = await agent.tracker_store.retrieve(telegram.cid(chat))
    assert tracker.get_slot("language") == language

    # Once the person writes words, the language they write in wins over the app's.
    await tg_says(telegram, chat, text_update(chat, "hola, necesito información sobre el asilo", language=language_code))
    tracker = await agent.tracker_store.retrieve(telegram.cid(chat))
    assert tracker.get_slot("language") == "es"


async def test_telegram_a_sticker_is_answered_in_the_language_the_person_writes_not_the_apps(
    telegram: TelegramHarness,
) -> None:
    chat = new_chat()
    await tg_says(telegram, chat, text_update(chat, "bonjou tout moun", language="fr"))
    [reply] = await tg_says(telegram, chat, unread_update(chat, "sticker", language="fr"))
    assert reply.text == i18n.text("unreadable_message_type", "ht")
    assert reply.titles() == [i18n.text("talk_to_person_button", "ht")]


async def test_whatsapp_what_cannot_be_read_is_answered_in_the_conversation_language(whatsapp: Harness, agent: Any) -> None:
    person = f"whatsapp:+55119{uuid.uuid4().int % 10**8:08d}"
    await wa_says(whatsapp, person, "olá bom dia")
    button = [i18n.text("talk_to_person_button", "pt")]
    assert await wa_says(whatsapp, person, "   ") == [render_menu(i18n.text("unreadable_empty", "pt"), button)]
    sticker = {"NumMedia": "1", "MediaUrl0": "https://x/ME5", "MediaContentType0": "image/webp", "MessageType": "sticker"}
    assert await wa_says(whatsapp, person, **sticker) == [render_menu(i18n.text("unreadable_message_type", "pt"), button)]
    assert await wa_says(whatsapp, person, Latitude="-95.1", Longitude="-46.6") == [
        render_menu(i18n.text("unreadable_location", "pt"), button)
    ]
    # Rasa never read them: the conversation holds the greeting only.
    tracker = await agent.tracker_store.retrieve(whatsapp.cid(person))
    assert [e.text for e in tracker.events if e.type_name == "user"] == ["olá bom dia"]
    # The menu's only entry asks for a person: the real action_handoff answers in Portuguese.
    handed = await wa_says(whatsapp, person, "1")
    assert handed[0].startswith(i18n.text("handoff_queued", "pt", position="\x00").split("\x00")[0])


async def test_whatsapp_an_empty_first_message_gets_the_reply_in_the_default_language(whatsapp: Harness) -> None:
    person = f"whatsapp:+50237{uuid.uuid4().int % 10**8:08d}"
    replies = await wa_says(whatsapp, person, "")
    button = [i18n.text("talk_to_person_button", i18n.DEFAULT_LANGUAGE)]
    assert replies == [render_menu(i18n.text("unreadable_empty", i18n.DEFAULT_LANGUAGE), button)]


async def test_rest_an_empty_message_gets_the_rephrase_request_in_the_conversation_language(agent: Any) -> None:
    # The REST channel (and the console's try page behind it) hands any text to Rasa: an empty one is
    # read as low confidence, and the fallback rules answer it in the conversation language.
    sender = f"rest-{uuid.uuid4()}"
    await agent.handle_text("bonjour madame", sender_id=sender)
    replies = await agent.handle_text("", sender_id=sender)
    assert [r.get("text") for r in replies] == [response("utter_ask_rephrase", "fr")]
