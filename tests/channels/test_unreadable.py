"""Nothing gets silence: what the assistant cannot read gets a short reply, on WhatsApp and on Telegram.

Each provider's real payloads (Twilio's signed form fields, the Bot API's Update JSON) go to the
channel served in Sanic; what reaches the fake provider API is what the person reads. A stub stands
in for Rasa: these messages never reach it (tests/channels/test_unreadable_assistant.py runs them
with the trained model).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from bot import i18n
from bot.channels import store
from bot.channels.text import render_menu
from bot.handoff import store as handoff_store
from bot.handoff.escalation import escalate
from tests.channels.conftest import LANGUAGES, Harness, StubBot, eventually, new_sid
from tests.channels.fake_telegram import (
    UNREAD_CONTENT,
    callback_update,
    location_update,
    message_update,
    text_update,
    unread_update,
)
from tests.channels.telegram_harness import TelegramHarness

WA_PERSON = "whatsapp:+50937004455"
TG_CHAT = 50937004455
MEDIA_URL = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM9/Media/ME9"

# Twilio's form fields for what the assistant does not read (the Body is blank in each).
WHATSAPP_UNREAD: dict[str, dict[str, str]] = {
    "sticker": {"NumMedia": "1", "MediaUrl0": MEDIA_URL, "MediaContentType0": "image/webp", "MessageType": "sticker"},
    "contact": {"NumMedia": "1", "MediaUrl0": MEDIA_URL, "MediaContentType0": "text/vcard"},
    "reaction": {"MessageType": "reaction"},
    "interactive": {"MessageType": "interactive"},
    "unsupported": {"MessageType": "unsupported"},
}
WHATSAPP_BAD_PLACES: dict[str, dict[str, str]] = {
    "latitude 95": {"Latitude": "95.0", "Longitude": "-117.0382"},
    "longitude -200": {"Latitude": "32.5149", "Longitude": "-200"},
    "not numbers": {"Latitude": "abc", "Longitude": "def"},
    "NaN": {"Latitude": "NaN", "Longitude": "10"},
    "latitude only": {"Latitude": "32.5149", "Longitude": ""},
    "no coordinates": {"MessageType": "location"},
}
TELEGRAM_BAD_PLACES: dict[str, tuple[Any, Any]] = {
    "latitude 123.4": (123.4, -117.0382),
    "longitude -300": (32.5149, -300),
    "not numbers": ("abc", "def"),
}


@dataclass
class Person:
    """One person writing on one provider: posts that provider's payloads, reads what reached them."""

    provider: str
    channel: Any
    bot: StubBot
    engine: Engine
    cid: str
    post: Callable[..., Awaitable[httpx.Response]]  # (payload) -> the webhook's answer
    inbox: Callable[[], list[tuple[str, list[str]]]]  # (text, button titles) of each message received
    choose_first: Callable[[], Any]  # the payload that chooses the first button of the last message

    async def says(self, payload: Any) -> list[tuple[str, list[str]]]:
        """Post one message, wait until its turn is done and its replies are sent; return what the person got."""
        before = len(self.inbox())
        response = await self.post(payload)
        assert response.status_code == 200
        await self.channel.drain()
        outbox = store.outbox_messages
        await eventually(lambda: all(m.status == store.SENT for m in outbox(self.engine, conversation_id=self.cid)))
        await asyncio.sleep(0.1)  # a reply too many would arrive here
        return self.inbox()[before:]

    def reply(self, key: str, language: str) -> tuple[str, list[str]]:
        """How the channel shows a text followed by the talk-to-a-person button."""
        text, button = i18n.text(key, language), i18n.text("talk_to_person_button", language)
        return (render_menu(text, [button]), []) if self.provider == "whatsapp" else (text, [button])

    def stored(self) -> list[store.Inbound]:
        with self.engine.connect() as connection:
            rows = connection.execute(store.inbound.select().order_by(store.inbound.c.id)).all()
        return [store._inbound(row) for row in rows]


def whatsapp_person(harness: Harness) -> Person:
    async def post(fields: dict[str, str]) -> httpx.Response:
        fields = dict(fields)
        return await harness.send(WA_PERSON, fields.pop("Body", ""), sid=new_sid(), **fields)

    def inbox() -> list[tuple[str, list[str]]]:
        return [(body, []) for body in harness.twilio.bodies_to(WA_PERSON)]

    def choose_first() -> dict[str, str]:
        return {"Body": "1"}  # its number in the numbered menu

    return Person("whatsapp", harness.channel, harness.bot, harness.engine, harness.cid(WA_PERSON), post, inbox, choose_first)


def telegram_person(tg: TelegramHarness) -> Person:
    async def post(update: dict[str, Any]) -> httpx.Response:
        return await tg.post(update)

    def inbox() -> list[tuple[str, list[str]]]:
        return [(m.text, m.titles()) for m in tg.api.to(TG_CHAT)]

    def choose_first() -> dict[str, Any]:
        return callback_update(TG_CHAT, tg.api.to(TG_CHAT)[-1].data()[0])  # a press on its inline keyboard

    return Person("telegram", tg.channel, tg.bot, tg.engine, tg.cid(TG_CHAT), post, inbox, choose_first)


@pytest.fixture
def person(request: pytest.FixtureRequest) -> Person:
    """A person on the provider the test names (indirect parametrisation), the channel served in Sanic."""
    if request.param == "whatsapp":
        return whatsapp_person(request.getfixturevalue("whatsapp_harness"))
    return telegram_person(request.getfixturevalue("tg"))


@pytest.fixture(autouse=True)
def _no_conversation_languages() -> Iterator[None]:
    yield
    LANGUAGES.clear()


def empty_text(provider: str, body: str) -> Any:
    return {"Body": body} if provider == "whatsapp" else text_update(TG_CHAT, body)


def unread(provider: str, kind: str, language: str = "es") -> Any:
    return WHATSAPP_UNREAD[kind] if provider == "whatsapp" else unread_update(TG_CHAT, kind, language=language)


def bad_place(provider: str, case: str, language: str = "es") -> Any:
    if provider == "whatsapp":
        return WHATSAPP_BAD_PLACES[case]
    return location_update(TG_CHAT, *TELEGRAM_BAD_PLACES[case], language=language)


def _assert_stored_and_closed(person: Person, kind: str) -> None:
    [message] = person.stored()
    assert message.kind == kind
    assert store.inbound_status(person.engine, message_sid=message.message_sid) == store.PROCESSED
    assert message.body is None and message.latitude is None  # erased like any processed message
    assert person.bot.received == []  # nothing for Rasa to read


@pytest.mark.parametrize("person", ["whatsapp", "telegram"], indirect=True)
@pytest.mark.parametrize(("body", "language"), [("", "fr"), ("   ", "ht"), ("\n\t ", "pt"), ("/", "en"), (" // ", "es")])
async def test_an_empty_or_blank_text_is_told_so_in_the_conversation_language(person: Person, body: str, language: str) -> None:
    LANGUAGES[person.cid] = language
    got = await person.says(empty_text(person.provider, body))
    assert got == [person.reply("unreadable_empty", language)]
    _assert_stored_and_closed(person, "text")


@pytest.mark.parametrize(
    ("person", "kind", "language"),
    [
        ("whatsapp", "sticker", "fr"),
        ("whatsapp", "contact", "ht"),
        ("whatsapp", "reaction", "pt"),
        ("whatsapp", "interactive", "en"),
        ("whatsapp", "unsupported", "es"),
        ("telegram", "sticker", "fr"),
        ("telegram", "poll", "ht"),
        ("telegram", "contact", "pt"),
        ("telegram", "dice", "en"),
        ("telegram", "animation", "es"),
    ],
    indirect=["person"],
)
async def test_a_message_type_the_assistant_does_not_read_is_told_so(person: Person, kind: str, language: str) -> None:
    LANGUAGES[person.cid] = language
    got = await person.says(unread(person.provider, kind))
    assert got == [person.reply("unreadable_message_type", language)]
    _assert_stored_and_closed(person, "unsupported")


@pytest.mark.parametrize(
    ("person", "case", "language"),
    [
        (provider, case, language)
        for provider, cases in (("whatsapp", WHATSAPP_BAD_PLACES), ("telegram", TELEGRAM_BAD_PLACES))
        for case, language in zip(cases, ["ht", "fr", "pt", "en", "es", "ht"], strict=False)
    ],
    indirect=["person"],
)
async def test_a_location_with_impossible_coordinates_is_told_to_share_it_again(person: Person, case: str, language: str) -> None:
    LANGUAGES[person.cid] = language
    got = await person.says(bad_place(person.provider, case))
    assert got == [person.reply("unreadable_location", language)]
    _assert_stored_and_closed(person, "bad_location")


@pytest.mark.parametrize("person", ["whatsapp"], indirect=True)
async def test_on_whatsapp_without_a_conversation_language_the_reply_is_in_the_default_language(person: Person) -> None:
    got = await person.says(WHATSAPP_UNREAD["sticker"])
    assert got == [person.reply("unreadable_message_type", i18n.DEFAULT_LANGUAGE)]


@pytest.mark.parametrize("person", ["telegram"], indirect=True)
@pytest.mark.parametrize(
    ("language_code", "expected"), [("pt-BR", "pt"), ("ht", "ht"), ("en-US", "en"), ("fr", "fr"), ("de", "es"), ("", "es")]
)
async def test_on_telegram_without_a_conversation_language_the_reply_follows_the_app(
    person: Person, language_code: str, expected: str
) -> None:
    assert (await person.says(unread_update(TG_CHAT, "sticker", language=language_code))) == [
        person.reply("unreadable_message_type", expected)
    ]
    assert (await person.says(bad_place("telegram", "not numbers", language=language_code))) == [
        person.reply("unreadable_location", expected)
    ]


@pytest.mark.parametrize("person", ["telegram"], indirect=True)
async def test_on_telegram_the_conversation_language_wins_over_the_app(person: Person) -> None:
    LANGUAGES[person.cid] = "ht"
    got = await person.says(unread_update(TG_CHAT, "dice", language="fr"))
    assert got == [person.reply("unreadable_message_type", "ht")]


@pytest.mark.parametrize("person", ["whatsapp", "telegram"], indirect=True)
async def test_the_button_of_the_reply_asks_for_a_person(person: Person) -> None:
    await person.says(unread(person.provider, "sticker"))
    await person.says(person.choose_first())
    assert person.bot.texts() == ["/request_human"]


@pytest.mark.parametrize(
    ("person", "kind", "transcript"),
    [("whatsapp", "sticker", "[image/webp]"), ("whatsapp", "reaction", "[reaction]"), ("telegram", "poll", "[poll]")],
    indirect=["person"],
)
async def test_while_the_desk_has_the_conversation_it_gets_them_and_the_bot_stays_silent(
    person: Person, kind: str, transcript: str
) -> None:
    await person.says(empty_text(person.provider, "hola"))  # the channel knows where to reply
    result = escalate(
        person.engine,
        conversation_id=person.cid,
        channel=person.provider,
        language="es",
        country="MX",
        reason="request_human",
        summary=[],
        now=datetime.utcnow(),
    )
    person.bot.received.clear()
    got = await person.says(unread(person.provider, kind))
    got += await person.says(bad_place(person.provider, "not numbers"))
    assert got == []
    bodies = [m.body for m in handoff_store.ticket_messages(person.engine, ticket_id=result.ticket.id)]
    assert bodies[-2:] == [transcript, "[location] ?"]
    assert person.bot.received == []


@pytest.mark.parametrize("person", ["telegram"], indirect=True)
async def test_on_telegram_the_words_sent_with_a_gif_are_read(person: Person) -> None:
    await person.says(message_update(TG_CHAT, caption="hola, necesito ayuda", **UNREAD_CONTENT["animation"]))
    assert person.bot.texts() == ["hola, necesito ayuda"]


async def test_a_whatsapp_form_without_a_sender_gets_400_and_stores_nothing(harness: Harness) -> None:
    form = {"MessageSid": new_sid(), "AccountSid": "AC" + "0" * 32, "Body": "hola", "NumMedia": "0"}
    response = await harness.post(form)
    assert response.status_code == 400
    assert store.count_inbound(harness.engine) == 0


async def test_a_telegram_location_without_a_latitude_gets_400_and_stores_nothing(tg: TelegramHarness) -> None:
    update = message_update(TG_CHAT, location={"longitude": -117.0382})
    response = await tg.post(update)
    assert response.status_code == 400
    assert store.count_inbound(tg.engine) == 0
