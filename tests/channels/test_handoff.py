"""Handoff over the real WhatsApp channel: the desk gets the person's messages, the bot stays silent,
staff replies reach Twilio's API, and closing hands the conversation back to the bot."""

from __future__ import annotations

import asyncio

import pytest
from rasa.core.channels.channel import UserMessage
from twilio.request_validator import RequestValidator

from bot import i18n
from bot.channels import store as channel_store
from bot.desk import staff
from bot.handoff import store
from bot.handoff.escalation import escalate, escalation_messages
from tests.channels.conftest import AUTH_TOKEN, Harness, eventually, start_harness, stop_harness

PERSON = "whatsapp:+50937001199"


def _escalating_bot(harness: Harness) -> None:
    """Make the stub bot do what action_handoff does on /request_human."""
    original = harness.bot.__class__.__call__

    async def answer(message: UserMessage) -> None:
        if message.text == "/request_human":
            harness.bot.received.append(message)
            result = escalate(
                harness.engine,
                conversation_id=message.sender_id,
                channel=harness.provider,
                language="fr",
                country="MX",
                reason="request_human",
                summary=[],
                now=harness.clock(),
            )
            for reply in escalation_messages(result, "fr"):
                await message.output_channel.send_response(message.sender_id, dict(reply))
            return
        await original(harness.bot, message)

    harness.channel._on_new_message = answer  # type: ignore[assignment]


async def _send_and_settle(harness: Harness, body: str = "", **fields: str) -> None:
    await harness.send(PERSON, body, **fields)
    await harness.channel.drain()


async def _queued(harness: Harness) -> store.Ticket:
    """The person picks "talk to a person" from the bot's numbered menu; the queue message arrives."""
    _escalating_bot(harness)
    harness.bot.replies["hola"] = [
        {
            "text": "Menu",
            "buttons": [{"title": "Asilo", "payload": "/ask_asylum"}, {"title": "Une personne", "payload": "/request_human"}],
        }
    ]
    await _send_and_settle(harness, "hola")
    await eventually(lambda: harness.twilio.bodies_to(PERSON))
    await _send_and_settle(harness, "2")
    ticket = store.open_ticket_for(harness.engine, conversation_id=harness.cid(PERSON))
    assert ticket is not None and harness.bot.texts() == ["hola", "/request_human"]
    await eventually(lambda: len(harness.twilio.bodies_to(PERSON)) == 2)
    harness.bot.received.clear()
    return ticket


async def test_while_queued_every_message_goes_to_the_desk_and_the_bot_stays_silent(harness: Harness) -> None:
    ticket = await _queued(harness)
    sent_before = len(harness.twilio.sent)
    bodies = [f"mensaje {n}" for n in range(6)]
    await asyncio.gather(*(harness.send(PERSON, body) for body in bodies))  # several at once
    await harness.channel.drain()
    assert harness.bot.received == []
    transcript = [m.body for m in store.ticket_messages(harness.engine, ticket_id=ticket.id) if m.kind == store.PERSON]
    assert sorted(transcript) == sorted(bodies)
    await asyncio.sleep(0.2)
    assert len(harness.twilio.sent) == sent_before  # no bot reply to any of them


async def test_the_queue_message_tells_the_place_and_offers_to_cancel(harness: Harness) -> None:
    await _queued(harness)
    queue_message = harness.twilio.bodies_to(PERSON)[-1]
    assert queue_message.startswith(i18n.text("handoff_queued", "fr", position=1))
    assert i18n.text("handoff_urgent_advice", "fr") in queue_message
    assert queue_message.endswith(f"1. {i18n.text('handoff_cancel_button', 'fr')}")


async def test_the_person_cancels_with_the_menu_number_and_the_bot_answers_again(harness: Harness) -> None:
    ticket = await _queued(harness)
    await _send_and_settle(harness, "1")
    assert store.get_ticket(harness.engine, ticket_id=ticket.id).state == store.CANCELLED  # type: ignore[union-attr]
    await eventually(lambda: i18n.text("handoff_cancelled", "fr") in harness.twilio.bodies_to(PERSON))
    await _send_and_settle(harness, "bonjour")
    assert harness.bot.texts() == ["bonjour"]


async def test_a_typed_restart_does_not_take_the_conversation_back_from_the_desk(harness: Harness) -> None:
    ticket = await _queued(harness)
    store.take_ticket(harness.engine, ticket_id=ticket.id, agent_id=5, now=harness.clock())
    await _send_and_settle(harness, "/restart")
    await _send_and_settle(harness, '/session_start{"x": 1}')
    assert harness.bot.received == []
    assert store.open_ticket_for(harness.engine, conversation_id=ticket.conversation_id) is not None


async def test_the_desk_keeps_the_conversation_across_a_restart(harness: Harness) -> None:
    ticket = await _queued(harness)
    await stop_harness(harness)
    again = await start_harness(harness.engine, harness.twilio, harness.clock, harness.bot, provider=harness.provider)
    try:
        await again.send(PERSON, "sigo aquí")
        await again.channel.drain()
        assert harness.bot.received == []
        assert [m.body for m in store.ticket_messages(again.engine, ticket_id=ticket.id)][-1] == "sigo aquí"
    finally:
        await stop_harness(again)


async def test_a_voice_note_during_handoff_reaches_the_desk_with_its_reference(harness: Harness) -> None:
    ticket = await _queued(harness)
    url = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM9/Media/ME9"
    await _send_and_settle(harness, "", NumMedia="1", MediaUrl0=url, MediaContentType0="audio/ogg")
    last = store.ticket_messages(harness.engine, ticket_id=ticket.id)[-1]
    assert (last.kind, last.media_url, last.media_content_type) == (store.PERSON, url, "audio/ogg")
    assert harness.bot.received == []


async def test_staff_take_reply_and_the_reply_reaches_twilio_with_its_delivery_state(harness: Harness) -> None:
    ticket = await _queued(harness)
    await staff.take(harness.engine, ticket_id=ticket.id, agent_id=9, now=harness.clock())
    await eventually(lambda: i18n.text("handoff_taken", "fr") in harness.twilio.bodies_to(PERSON))
    delivery = await staff.reply(
        harness.engine, ticket_id=ticket.id, agent_id=9, text="Bonjour, je suis Ana du guichet.", now=harness.clock()
    )
    assert delivery.status == channel_store.PENDING
    await eventually(lambda: "Bonjour, je suis Ana du guichet." in harness.twilio.bodies_to(PERSON))
    message_id = next(m.id for m in store.ticket_messages(harness.engine, ticket_id=ticket.id) if m.kind == store.STAFF)
    await eventually(lambda: staff.deliveries(harness.engine, ticket_id=ticket.id)[message_id].status == channel_store.SENT)
    provider_sid = next(s.sid for s in harness.twilio.sent if s.body == "Bonjour, je suis Ana du guichet.")
    form = {"MessageSid": provider_sid, "MessageStatus": "delivered"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(harness.channel.config.status_url, form)
    status_url = f"{harness.url}/webhooks/{harness.provider}/status"
    await harness.http.post(status_url, data=form, headers={"X-Twilio-Signature": signature})
    assert staff.deliveries(harness.engine, ticket_id=ticket.id)[message_id].status == "delivered"


async def test_only_the_agent_holding_an_open_ticket_can_reply(harness: Harness) -> None:
    ticket = await _queued(harness)
    with pytest.raises(staff.HandoffError):
        await staff.reply(harness.engine, ticket_id=ticket.id, agent_id=9, text="hola", now=harness.clock())  # not taken
    await staff.take(harness.engine, ticket_id=ticket.id, agent_id=9, now=harness.clock())
    with pytest.raises(staff.HandoffError):
        await staff.take(harness.engine, ticket_id=ticket.id, agent_id=4, now=harness.clock())
    with pytest.raises(staff.HandoffError):
        await staff.reply(harness.engine, ticket_id=ticket.id, agent_id=4, text="hola", now=harness.clock())
    await staff.close(harness.engine, ticket_id=ticket.id, agent_id=9, now=harness.clock())
    with pytest.raises(staff.HandoffError):
        await staff.reply(harness.engine, ticket_id=ticket.id, agent_id=9, text="hola", now=harness.clock())


@pytest.mark.whatsapp_only
async def test_outside_the_24_hour_window_a_reply_is_not_sent_and_says_why(harness: Harness) -> None:
    ticket = await _queued(harness)
    await staff.take(harness.engine, ticket_id=ticket.id, agent_id=9, now=harness.clock())
    await eventually(lambda: i18n.text("handoff_taken", "fr") in harness.twilio.bodies_to(PERSON))
    harness.clock.advance(hours=25)
    window = staff.reply_window(harness.engine, ticket=ticket, now=harness.clock())
    assert not window.open and window.closes_at is not None and window.closes_at < harness.clock()
    sent_before = len(harness.twilio.sent)
    delivery = await staff.reply(harness.engine, ticket_id=ticket.id, agent_id=9, text="¿sigues ahí?", now=harness.clock())
    assert delivery.status == channel_store.OUTSIDE_WINDOW
    await asyncio.sleep(0.3)
    assert len(harness.twilio.sent) == sent_before


async def test_closing_hands_back_to_the_bot_and_asks_for_a_rating(harness: Harness) -> None:
    ticket = await _queued(harness)
    await staff.take(harness.engine, ticket_id=ticket.id, agent_id=9, now=harness.clock())
    await staff.close(harness.engine, ticket_id=ticket.id, agent_id=9, now=harness.clock())
    rating_menu = i18n.text("handoff_rating_request", "fr") + "\n\n" + "\n".join(f"{n}. {n}" for n in range(1, 6))
    await eventually(lambda: rating_menu in harness.twilio.bodies_to(PERSON))
    assert i18n.text("handoff_closed", "fr") in harness.twilio.bodies_to(PERSON)
    await _send_and_settle(harness, "4")
    assert store.get_ticket(harness.engine, ticket_id=ticket.id).rating == 4  # type: ignore[union-attr]
    await eventually(lambda: i18n.text("handoff_rating_thanks", "fr") in harness.twilio.bodies_to(PERSON))
    assert harness.bot.received == []  # the rating is not a question for the bot
    await _send_and_settle(harness, "merci, autre question")
    assert harness.bot.texts() == ["merci, autre question"]


async def test_staff_see_a_pseudonym_not_the_phone_number(harness: Harness) -> None:
    ticket = await _queued(harness)
    assert "50937001199" not in ticket.pseudonym and "50937001199" not in ticket.conversation_id
    assert ticket.pseudonym.startswith("P-")


async def test_an_emergency_written_while_waiting_moves_the_ticket_to_the_top(harness: Harness) -> None:
    earlier = store.open_ticket(
        harness.engine,
        conversation_id="wa-someone-else",
        channel="whatsapp",
        language="es",
        country=None,
        reason="request_human",
        urgent=False,
        summary=[],
        desk_id=None,
        now=harness.clock(),
    )[0]
    ticket = await _queued(harness)
    assert store.list_tickets(harness.engine)[0].id == earlier.id

    class Agent:
        async def parse_message(self, text: str) -> dict[str, object]:
            return {"intent": {"name": "report_emergency" if "matar" in text else "ask_asylum"}}

    harness.channel._agent = Agent()
    await _send_and_settle(harness, "necesito asilo")
    assert not store.get_ticket(harness.engine, ticket_id=ticket.id).urgent  # type: ignore[union-attr]
    await _send_and_settle(harness, "me quieren matar ayuda")
    assert store.get_ticket(harness.engine, ticket_id=ticket.id).urgent  # type: ignore[union-attr]
    assert store.list_tickets(harness.engine)[0].id == ticket.id
    assert harness.bot.received == []


async def test_messages_sent_while_the_escalation_runs_go_to_the_desk_not_the_bot(harness: Harness) -> None:
    _escalating_bot(harness)
    harness.bot.replies["hola"] = [{"text": "Menu", "buttons": [{"title": "Une personne", "payload": "/request_human"}]}]
    await _send_and_settle(harness, "hola")
    await eventually(lambda: harness.twilio.bodies_to(PERSON))
    harness.bot.received.clear()
    slow = harness.channel._on_new_message

    async def slow_turn(message: UserMessage) -> None:
        await asyncio.sleep(0.3)  # the escalating turn is still running when the next messages arrive
        await slow(message)  # type: ignore[misc]

    harness.channel._on_new_message = slow_turn  # type: ignore[assignment]
    await harness.send(PERSON, "1")
    await asyncio.gather(*(harness.send(PERSON, f"detalle {n}") for n in range(4)))
    await harness.channel.drain()
    assert harness.bot.texts() == ["/request_human"]
    ticket = store.open_ticket_for(harness.engine, conversation_id=harness.cid(PERSON))
    assert ticket is not None
    person = [m.body for m in store.ticket_messages(harness.engine, ticket_id=ticket.id) if m.kind == store.PERSON]
    assert sorted(person) == [f"detalle {n}" for n in range(4)]


async def _urgent(harness: Harness, language: str) -> store.Ticket:
    """An emergency escalated: an urgent ticket whose queue message has no cancel button."""
    harness.bot.replies["hola"] = [{"text": "Hola"}]
    await _send_and_settle(harness, "hola")
    await eventually(lambda: harness.twilio.bodies_to(PERSON))
    result = escalate(
        harness.engine, conversation_id=harness.cid(PERSON), channel="whatsapp", language=language, country="GT",
        reason="emergency", summary=[], now=harness.clock(),
    )
    assert result.ticket.urgent
    assert all("buttons" not in message for message in escalation_messages(result, language))
    harness.bot.received.clear()
    return result.ticket


# Cancel words that are not also WhatsApp opt-out keywords (bot/channels/text.py); see the xfail below.
@pytest.mark.parametrize(
    ("language", "word"),
    [("es", "Cancela"), ("fr", "Annuler."), ("ht", "anule"), ("pt", " cancelo ")],
)
async def test_typing_cancel_cancels_an_urgent_request_in_the_persons_language(
    harness: Harness, language: str, word: str
) -> None:
    ticket = await _urgent(harness, language)
    await _send_and_settle(harness, "todavía espero")
    await _send_and_settle(harness, word)
    cancelled = store.get_ticket(harness.engine, ticket_id=ticket.id)
    assert cancelled is not None and cancelled.state == store.CANCELLED
    assert store.open_ticket_for(harness.engine, conversation_id=ticket.conversation_id) is None
    await eventually(lambda: harness.twilio.bodies_to(PERSON)[-1] == i18n.text("handoff_cancelled", language))
    transcript = [m.body for m in store.ticket_messages(harness.engine, ticket_id=ticket.id)]
    assert transcript == ["todavía espero"]  # the cancel word itself is not a message for the desk
    assert harness.bot.received == []
    await _send_and_settle(harness, "hola")
    assert harness.bot.texts() == ["hola"]  # the bot answers again


async def test_a_sentence_with_the_word_cancel_in_it_stays_with_the_desk(harness: Harness) -> None:
    ticket = await _urgent(harness, "es")
    await _send_and_settle(harness, "no quiero cancelar, me siguen buscando")
    assert store.get_ticket(harness.engine, ticket_id=ticket.id).state == store.QUEUED  # type: ignore[union-attr]
    assert [m.body for m in store.ticket_messages(harness.engine, ticket_id=ticket.id)] == [
        "no quiero cancelar, me siguen buscando"
    ]
    assert harness.bot.received == []


# On WhatsApp 'cancelar', 'cancel' and 'anile' are also opt-out keywords: while a request is open they cancel it.
@pytest.mark.parametrize(("language", "word"), [("es", "cancelar"), ("en", "cancel"), ("ht", "anile")])
async def test_a_cancel_word_that_is_also_an_opt_out_keyword_cancels_the_request(
    harness: Harness, language: str, word: str
) -> None:
    ticket = await _urgent(harness, language)
    await _send_and_settle(harness, word)
    assert store.get_ticket(harness.engine, ticket_id=ticket.id).state == store.CANCELLED  # type: ignore[union-attr]
    await eventually(lambda: harness.twilio.bodies_to(PERSON)[-1] == i18n.text("handoff_cancelled", language))
    # Not opted out: the next message gets the bot's reply again.
    await _send_and_settle(harness, "hola")
    assert harness.bot.texts() == ["hola"]
    await eventually(lambda: harness.twilio.bodies_to(PERSON)[-1] != i18n.text("handoff_cancelled", language))
