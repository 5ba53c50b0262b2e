"""Telegram messages in and out: commands, inline keyboards and presses, typed slashes, location, media, long replies."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bot import i18n
from bot.channels import store
from tests.channels.conftest import LANGUAGES, eventually
from tests.channels.fake_telegram import (
    callback_update,
    document_update,
    location_update,
    photo_update,
    text_update,
    voice_update,
)
from tests.channels.telegram_harness import TelegramHarness

CHAT = 50937001122
MENU = [
    {
        "text": "¿Qué necesitas?",
        "buttons": [
            {"title": "Idioma: Kreyòl", "payload": '/change_language{"target_language": "ht"}'},
            {"title": "Hablar con una persona", "payload": "/request_human"},
            {"title": "Una opción con un payload muy largo", "payload": '/inform{"country": "' + "X" * 80 + '"}'},
        ],
    }
]


async def _turn(tg: TelegramHarness, update: dict[str, Any], sent: int = 1) -> None:
    before = len(tg.api.sent)
    response = await tg.post(update)
    assert response.status_code == 200
    await eventually(lambda: len(tg.api.sent) >= before + sent)
    await asyncio.sleep(0.1)


@pytest.mark.parametrize(
    ("typed", "intent"),
    [
        ("/start", "/greet"),
        ("/start campaign-42", "/greet"),  # a deep link's parameter is not read
        ("/help", "/ask_capabilities"),
        ("/help@VentanillaBot", "/ask_capabilities"),
        ("/language", "/change_language"),
        ("/language pt", '/change_language{"target_language": "pt"}'),
        ("/human", "/request_human"),
        ("/delete", "/delete_my_data"),
    ],
)
async def test_declared_commands_become_their_intents(tg: TelegramHarness, typed: str, intent: str) -> None:
    await _turn(tg, text_update(CHAT, typed))
    assert tg.bot.texts() == [intent]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("/restart", "restart"),
        ('/inform{"country": "MX"}', 'inform{"country": "MX"}'),
        ('/greet{"language": "en"}', 'greet{"language": "en"}'),
        ("/language de", "/change_language"),  # an unknown language code is not passed as an entity
        ('/language {"target_language": "en"}', "/change_language"),
        ("  //request_human", "request_human"),
        ("/session_start", "session_start"),
    ],
)
async def test_other_text_starting_with_a_slash_stays_text(tg: TelegramHarness, typed: str, expected: str) -> None:
    await _turn(tg, text_update(CHAT, typed))
    assert tg.bot.texts() == [expected]


async def test_buttons_become_an_inline_keyboard_with_short_callback_data(tg: TelegramHarness) -> None:
    tg.bot.replies["hola"] = MENU
    await _turn(tg, text_update(CHAT, "hola"))
    [message] = tg.api.to(CHAT)
    assert message.text == "¿Qué necesitas?"  # no numbered menu on Telegram
    assert message.titles() == ["Idioma: Kreyòl", "Hablar con una persona", "Una opción con un payload muy largo"]
    assert all(len(data.encode()) <= 64 for data in message.data())
    assert not any("/" in data or "{" in data for data in message.data())  # the payload is not exposed


@pytest.mark.parametrize("index", [0, 1, 2])
async def test_a_press_is_answered_and_mapped_to_its_payload(tg: TelegramHarness, index: int) -> None:
    tg.bot.replies["hola"] = MENU
    await _turn(tg, text_update(CHAT, "hola"))
    data = tg.api.to(CHAT)[0].data()[index]
    await _turn(tg, callback_update(CHAT, data, query_id="press-1"))
    assert tg.bot.texts()[-1] == MENU[0]["buttons"][index]["payload"]
    assert tg.api.answers == [("press-1", None)]  # the spinner stops, no notice


async def test_an_older_keyboard_still_works_after_newer_messages(tg: TelegramHarness) -> None:
    tg.bot.replies["hola"] = MENU
    await _turn(tg, text_update(CHAT, "hola"))
    first = tg.api.to(CHAT)[0].data()
    await _turn(tg, text_update(CHAT, "gracias"))
    await _turn(tg, text_update(CHAT, "hola"))
    await _turn(tg, callback_update(CHAT, first[1]))
    assert tg.bot.texts()[-1] == "/request_human"


@pytest.mark.parametrize("data", ["999.0", "/request_human", '/inform{"country": "MX"}', "", "x" * 64])
async def test_an_unknown_or_forged_press_is_answered_with_a_notice_and_runs_no_turn(tg: TelegramHarness, data: str) -> None:
    LANGUAGES[tg.cid(CHAT)] = "fr"
    try:
        tg.bot.replies["hola"] = MENU
        await _turn(tg, text_update(CHAT, "hola"))
        await tg.post(callback_update(CHAT, data, query_id="stale-1"))
        await eventually(lambda: tg.api.answers)
    finally:
        LANGUAGES.clear()
    await asyncio.sleep(0.2)
    assert tg.api.answers == [("stale-1", i18n.text("button_expired", "fr"))]
    assert tg.bot.texts() == ["hola"]


async def test_a_press_on_another_chats_keyboard_does_nothing(tg: TelegramHarness) -> None:
    tg.bot.replies["hola"] = MENU
    await _turn(tg, text_update(CHAT, "hola"))
    data = tg.api.to(CHAT)[0].data()[1]
    other = 4470000001
    await tg.post(callback_update(other, data, query_id="other-1"))
    await eventually(lambda: tg.api.answers)
    await asyncio.sleep(0.2)
    assert tg.api.answers[0][1] == i18n.text("button_expired", None)
    assert tg.bot.texts() == ["hola"]


async def test_a_shared_location_asks_for_the_nearest_help_point(tg: TelegramHarness) -> None:
    await _turn(tg, location_update(CHAT, 32.5149, -117.0382))
    message = tg.bot.received[0]
    assert message.text == "/find_help_point"
    # the app's language (Telegram's language_code) travels with every message
    assert message.metadata == {"location": {"latitude": 32.5149, "longitude": -117.0382}, "app_language": "es"}


async def test_a_voice_note_goes_to_a_person_and_its_file_id_is_kept_for_staff(tg: TelegramHarness) -> None:
    update = voice_update(CHAT, file_id="AwACAgEAAxkBVoiceNote1")
    await tg.post(update)
    await eventually(lambda: tg.bot.received)
    message = tg.bot.received[0]
    assert message.text == "/request_human"  # the assistant reads text: escalate to the desk
    media = {"url": "AwACAgEAAxkBVoiceNote1", "content_type": "audio/ogg", "caption": ""}
    assert message.metadata == {"handoff_reason": "media", "media": media, "app_language": "es"}
    sid = f"tg:{tg.api.bot_id}:{update['update_id']}"
    assert store.media_of(tg.engine, message_sid=sid) == ("AwACAgEAAxkBVoiceNote1", "audio/ogg")


async def test_a_document_goes_to_a_person(tg: TelegramHarness) -> None:
    update = document_update(CHAT)
    await tg.post(update)
    await eventually(lambda: tg.bot.received)
    assert tg.bot.texts() == ["/request_human"]
    assert tg.bot.received[0].metadata["media"] == {"url": "doc-id", "content_type": "application/pdf", "caption": ""}


async def test_a_photo_with_a_caption_goes_to_a_person_with_its_caption(tg: TelegramHarness) -> None:
    await tg.post(photo_update(CHAT, caption="mi pasaporte"))
    await eventually(lambda: tg.bot.received)
    assert tg.bot.texts() == ["/request_human"]  # the largest size is the one kept
    assert tg.bot.received[0].metadata["media"] == {"url": "large-id", "content_type": "image/jpeg", "caption": "mi pasaporte"}


async def test_a_long_reply_is_split_below_4096_characters_with_the_keyboard_on_the_last_part(tg: TelegramHarness) -> None:
    sentences = [f"Frase número {n} sobre los trámites de asilo y sus plazos." for n in range(150)]
    long_line = " ".join(sentences)  # one line of ~8,800 characters
    lines = "\n".join(f"- punto {n}: requisito documentado" for n in range(120))
    text = f"{long_line}\n{lines}"
    tg.bot.replies["largo"] = [{"text": text, "buttons": [{"title": "Sí", "payload": "/affirm"}]}]
    await _turn(tg, text_update(CHAT, "largo"), sent=3)
    await asyncio.sleep(0.3)
    parts = tg.api.to(CHAT)
    assert len(parts) >= 3
    assert all(len(part.text) < 4096 for part in parts)
    assert all(part.text.endswith(".") or part.text.endswith("documentado") for part in parts)
    assert " ".join(" ".join(p.text for p in parts).split()) == " ".join(text.split())
    assert [bool(part.keyboard) for part in parts] == [False] * (len(parts) - 1) + [True]


async def test_the_command_menu_is_registered_in_each_language(tg: TelegramHarness) -> None:
    await eventually(lambda: len(tg.api.commands) == 6)
    assert set(tg.api.commands) == {"es", "en", "fr", "ht", "pt", None}
    for language in ["es", "en", "fr", "ht", "pt"]:
        menu = tg.api.commands[language]
        assert [c["command"] for c in menu] == ["start", "help", "language", "human", "delete"]
        assert menu[3]["description"] == i18n.text("telegram_command_human", language)
    assert tg.api.commands[None] == tg.api.commands["es"]


async def test_staff_replies_through_the_output_channel_reach_the_chat(tg: TelegramHarness) -> None:
    await _turn(tg, text_update(CHAT, "hola"))
    output = tg.channel.get_output_channel()
    assert output is not None and output.name() == "telegram"
    await output.send_text_message(tg.cid(CHAT), "Hola, soy Ana de la ventanilla.")
    await eventually(lambda: len(tg.api.to(CHAT)) == 2)
    assert tg.api.texts_to(CHAT)[-1] == "Hola, soy Ana de la ventanilla."


async def test_a_reply_to_a_chat_that_never_wrote_is_not_sent(tg: TelegramHarness) -> None:
    stranger = tg.cid(4400000000)
    await tg.channel.get_output_channel().send_text_message(stranger, "hola")  # type: ignore[union-attr]
    await asyncio.sleep(0.3)
    assert [m.status for m in store.outbox_messages(tg.engine, conversation_id=stranger)] == [store.UNREACHABLE]
    assert tg.api.sent == []


def test_the_keyboard_map_keeps_the_last_ten_keyboards_and_is_idempotent() -> None:
    from bot.channels.telegram import KEYBOARDS_KEPT, keyboard_map

    buttons = [{"title": "A", "payload": "/a"}, {"title": "B", "payload": "/b"}]
    current: list[dict[str, str]] = []
    for message_id in range(1, 16):
        current = keyboard_map(current, buttons, message_id)
    assert len({e["message"] for e in current}) == KEYBOARDS_KEPT
    assert [e["key"] for e in current[-2:]] == ["15.0", "15.1"]
    assert "5.0" not in {e["key"] for e in current} and "6.0" in {e["key"] for e in current}
    assert keyboard_map(current, buttons, 15) == current  # the same message queued again
    assert keyboard_map(current, [], 16) == current  # a message without buttons keeps the map
