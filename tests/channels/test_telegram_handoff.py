"""Handoff over the real Telegram channel: the desk gets the person's messages (text, presses,
location, voice notes), the bot stays silent, the cancel button works, staff replies and the
rating reach the chat through the Bot API."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import UserMessage

from bot import i18n
from bot.desk import staff
from bot.handoff import store
from bot.handoff.escalation import escalate, escalation_messages
from tests.channels.conftest import eventually
from tests.channels.fake_telegram import callback_update, location_update, text_update, voice_update
from tests.channels.telegram_harness import TelegramHarness

CHAT = 50937001199
MENU = [
    {
        "text": "Menu",
        "buttons": [{"title": "Asile", "payload": "/ask_asylum"}, {"title": "Une personne", "payload": "/request_human"}],
    }
]


def _escalating_bot(tg: TelegramHarness) -> None:
    """Make the stub bot do what action_handoff does on /request_human."""
    original = tg.bot.__class__.__call__

    async def answer(message: UserMessage) -> None:
        if message.text == "/request_human":
            tg.bot.received.append(message)
            result = escalate(
                tg.engine,
                conversation_id=message.sender_id,
                channel="telegram",
                language="fr",
                country="MX",
                reason="request_human",
                summary=[],
                now=tg.clock(),
            )
            for reply in escalation_messages(result, "fr"):
                await message.output_channel.send_response(message.sender_id, dict(reply))
            return
        await original(tg.bot, message)

    tg.channel._on_new_message = answer  # type: ignore[assignment]


async def _settle(tg: TelegramHarness, update: dict[str, object]) -> None:
    assert (await tg.post(update)).status_code == 200
    await tg.channel.drain()


async def _queued(tg: TelegramHarness) -> store.Ticket:
    """The person presses "a person" on the bot's inline menu; the queue message arrives with a cancel button."""
    _escalating_bot(tg)
    tg.bot.replies["bonjour"] = MENU
    await _settle(tg, text_update(CHAT, "bonjour"))
    await eventually(lambda: tg.api.to(CHAT))
    await _settle(tg, callback_update(CHAT, tg.api.to(CHAT)[0].data()[1], query_id="press-person"))
    ticket = store.open_ticket_for(tg.engine, conversation_id=tg.cid(CHAT))
    assert ticket is not None and tg.bot.texts() == ["bonjour", "/request_human"]
    await eventually(lambda: len(tg.api.to(CHAT)) == 2)
    tg.bot.received.clear()
    return ticket


async def test_while_queued_messages_go_to_the_desk_and_the_bot_stays_silent(tg: TelegramHarness) -> None:
    ticket = await _queued(tg)
    queue_message = tg.api.to(CHAT)[-1]
    assert queue_message.text.startswith(i18n.text("handoff_queued", "fr", position=1))
    assert queue_message.titles() == [i18n.text("handoff_cancel_button", "fr")]
    sent_before = len(tg.api.sent)
    await asyncio.gather(*(tg.post(text_update(CHAT, f"message {n}")) for n in range(4)))
    await _settle(tg, text_update(CHAT, "/restart"))
    await _settle(tg, location_update(CHAT, 14.9, -92.26))
    await _settle(tg, voice_update(CHAT, file_id="voice-for-staff"))
    await tg.channel.drain()
    assert tg.bot.received == []
    transcript = [m for m in store.ticket_messages(tg.engine, ticket_id=ticket.id) if m.kind == store.PERSON]
    bodies = [m.body for m in transcript]
    assert sorted(bodies[:4]) == [f"message {n}" for n in range(4)]
    assert bodies[4:6] == ["restart", "[location] 14.9,-92.26"]
    assert (transcript[6].media_url, transcript[6].media_content_type) == ("voice-for-staff", "audio/ogg")
    await asyncio.sleep(0.2)
    assert len(tg.api.sent) == sent_before  # no bot reply to any of them


async def test_the_cancel_button_cancels_and_the_bot_answers_again(tg: TelegramHarness) -> None:
    ticket = await _queued(tg)
    cancel = tg.api.to(CHAT)[-1].data()[0]
    await _settle(tg, callback_update(CHAT, cancel, query_id="press-cancel"))
    assert store.get_ticket(tg.engine, ticket_id=ticket.id).state == store.CANCELLED  # type: ignore[union-attr]
    assert ("press-cancel", None) in tg.api.answers  # the spinner stopped
    await eventually(lambda: i18n.text("handoff_cancelled", "fr") in tg.api.texts_to(CHAT))
    await _settle(tg, text_update(CHAT, "bonjour"))
    assert tg.bot.texts() == ["bonjour"]


async def test_staff_replies_and_the_rating_go_through_telegram(tg: TelegramHarness) -> None:
    ticket = await _queued(tg)
    await staff.take(tg.engine, ticket_id=ticket.id, agent_id=7, now=tg.clock())
    await staff.reply(tg.engine, ticket_id=ticket.id, agent_id=7, text="Bonjour, je suis Ana.", now=tg.clock())
    await eventually(lambda: "Bonjour, je suis Ana." in tg.api.texts_to(CHAT), timeout=5)
    await staff.close(tg.engine, ticket_id=ticket.id, agent_id=7, now=tg.clock())
    await eventually(lambda: tg.api.to(CHAT)[-1].titles() == ["1", "2", "3", "4", "5"], timeout=5)
    rating = tg.api.to(CHAT)[-1].data()[4]
    await _settle(tg, callback_update(CHAT, rating))
    assert store.get_ticket(tg.engine, ticket_id=ticket.id).rating == 5  # type: ignore[union-attr]
    assert tg.bot.received == []
    await eventually(lambda: i18n.text("handoff_rating_thanks", "fr") in tg.api.texts_to(CHAT))


@pytest.mark.parametrize(("language", "word"), [("es", "Cancelar"), ("en", "cancel"), ("ht", "Anile !")])
async def test_typing_cancel_cancels_an_urgent_request(tg: TelegramHarness, language: str, word: str) -> None:
    """An urgent ticket has no cancel button: the typed word is the person's only way out."""
    tg.bot.replies["hola"] = [{"text": "Hola"}]
    await _settle(tg, text_update(CHAT, "hola"))
    await eventually(lambda: tg.api.to(CHAT))
    result = escalate(
        tg.engine, conversation_id=tg.cid(CHAT), channel="telegram", language=language, country="HN",
        reason="emergency", summary=[], now=tg.clock(),
    )
    assert result.ticket.urgent and all("buttons" not in m for m in escalation_messages(result, language))
    tg.bot.received.clear()
    await _settle(tg, text_update(CHAT, word))
    assert store.get_ticket(tg.engine, ticket_id=result.ticket.id).state == store.CANCELLED  # type: ignore[union-attr]
    await eventually(lambda: tg.api.texts_to(CHAT)[-1:] == [i18n.text("handoff_cancelled", language)])
    assert store.ticket_messages(tg.engine, ticket_id=result.ticket.id) == []
    await _settle(tg, text_update(CHAT, "hola"))
    assert tg.bot.texts() == ["hola"]
