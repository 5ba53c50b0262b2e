"""Escalation through the trained assistant and the live action server, as a WhatsApp conversation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot import i18n
from bot.handoff import store
from bot.infodb.session import engine_for


def new_sender() -> str:
    return f"wa-{uuid.uuid4().hex}"


async def say(agent: Any, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[str]:
    output = CollectingOutputChannel()
    await agent.handle_message(UserMessage(text, output, sender, input_channel="whatsapp", metadata=metadata))
    return [m.get("text", "") for m in output.messages]


@pytest.fixture
def engine(seeded_database_url: str) -> Any:
    return engine_for(seeded_database_url)


@pytest.mark.parametrize(
    ("language", "greeting", "ask"),
    [
        ("es", "hola buenas tardes", "quiero hablar con una persona"),
        ("en", "hello good morning", "can I talk to a real person please"),
        ("fr", "bonjour madame", "je veux parler à une personne"),
        ("ht", "bonjou tout moun", "mwen vle pale ak yon moun"),
        ("pt", "olá bom dia", "quero falar com uma pessoa"),
    ],
)
async def test_asking_for_a_person_queues_the_conversation_in_its_language(
    agent: Any, engine: Any, language: str, greeting: str, ask: str
) -> None:
    sender = new_sender()
    await say(agent, sender, greeting)
    replies = await say(agent, sender, ask)
    ticket = store.open_ticket_for(engine, conversation_id=sender)
    assert ticket is not None and ticket.reason == "request_human" and not ticket.urgent
    assert (ticket.channel, ticket.language) == ("whatsapp", language)
    position = store.queue_position(engine, ticket_id=ticket.id)
    assert replies[-1].startswith(i18n.text("handoff_queued", language, position=position))
    assert [turn["who"] for turn in ticket.summary][:1] == ["person"] and ticket.summary[-1]["text"] == ask


async def test_two_failures_to_understand_go_to_a_person(agent: Any, engine: Any) -> None:
    sender = new_sender()
    await say(agent, sender, "olá bom dia")
    await say(agent, sender, "/nlu_fallback")
    replies = await say(agent, sender, "/nlu_fallback")
    ticket = store.open_ticket_for(engine, conversation_id=sender)
    assert ticket is not None and ticket.reason == "not_understood"
    assert replies[-1].startswith(i18n.text("handoff_queued", "pt", position=store.queue_position(engine, ticket_id=ticket.id)))


async def test_an_emergency_gets_the_numbers_first_and_goes_to_the_top_of_the_queue(agent: Any, engine: Any) -> None:
    waiting = new_sender()
    await say(agent, waiting, "hola buenas tardes")
    await say(agent, waiting, "quiero hablar con una persona")
    sender = new_sender()
    await say(agent, sender, "hola buenas tardes")
    await say(agent, sender, "estoy en Honduras")
    replies = await say(agent, sender, "ayuda por favor me quieren matar")
    assert replies[0].startswith(i18n.text("hotlines_intro", "es", country="Honduras")) and "911" in replies[0]
    assert i18n.text("handoff_queued_urgent", "es") in replies  # no buttons: Rasa sends each paragraph apart
    ticket = store.open_ticket_for(engine, conversation_id=sender)
    assert ticket is not None and ticket.urgent and ticket.reason == "emergency" and ticket.country == "HN"
    earlier = store.open_ticket_for(engine, conversation_id=waiting)
    assert earlier is not None and not earlier.urgent
    queue = [t.id for t in store.list_tickets(engine, states=(store.QUEUED,))]
    assert queue.index(ticket.id) < queue.index(earlier.id)  # ahead of those who asked earlier, not urgently


async def test_labor_abuse_gets_the_answer_and_a_person(agent: Any, engine: Any) -> None:
    sender = new_sender()
    await say(agent, sender, "hello good morning")
    await say(agent, sender, "I am in Mexico")
    replies = await say(agent, sender, "my boss has not paid me for two months and took my passport")
    ticket = store.open_ticket_for(engine, conversation_id=sender)
    assert ticket is not None and ticket.reason == "labor_abuse"
    assert len(replies) >= 2 and replies[-1].startswith(i18n.text("handoff_queued", "en", position=1)[:40])


async def test_a_voice_note_goes_to_a_person_with_its_reference(agent: Any, engine: Any) -> None:
    sender = new_sender()
    await say(agent, sender, "bonjou tout moun")
    media = {"url": "https://api.twilio.com/x/Media/ME1", "content_type": "audio/ogg", "caption": ""}
    replies = await say(agent, sender, "/request_human", {"handoff_reason": "media", "media": media})
    assert replies[0] == i18n.text("media_passed_to_desk", "ht")
    ticket = store.open_ticket_for(engine, conversation_id=sender)
    assert ticket is not None and ticket.reason == "media"
    assert [m.media_url for m in store.ticket_messages(engine, ticket_id=ticket.id)] == [media["url"]]


async def test_deleting_my_data_deletes_my_tickets_and_notes(agent: Any, engine: Any) -> None:
    sender = new_sender()
    await say(agent, sender, "hello good morning")
    await say(agent, sender, "I want to talk to a person")
    ticket = store.open_ticket_for(engine, conversation_id=sender)
    assert ticket is not None
    store.add_message(engine, ticket_id=ticket.id, kind=store.NOTE, body="note", author_id=1, now=ticket.created_at)
    store.close_ticket(engine, ticket_id=ticket.id, actor="agent:1", now=ticket.created_at)
    await say(agent, sender, "please delete my data")
    await say(agent, sender, "/affirm")
    assert store.conversation_tickets(engine, conversation_id=sender) == []
    assert store.ticket_messages(engine, ticket_id=ticket.id) == []
