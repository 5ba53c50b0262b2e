"""The actions a person relies on at the worst moments, against real databases.

- asking to delete one's data erases the tickets and what the channel kept of that person only;
- escalating while the database is down still tells the person what to do if in danger;
- escalating while the desk is closed says when it opens, in the person's language and time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.engine import Engine

from actions.handoff import ActionHandoff
from actions.privacy import ActionDeleteMyData
from bot import i18n
from bot.channels import store as channel_store
from bot.handoff import store as handoff_store
from bot.infodb.session import engine_for
from tests.factories import make_tracker, parse

# A Saturday afternoon in UTC (morning in Mexico City); the desk opens on Monday at 09:00 there.
SATURDAY = datetime(2026, 12, 5, 15, 0)
WEEKDAYS_ONLY = {day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")}


def _tracker(sender: str, language: str, text: str, intent: str, country: str | None = None) -> Any:
    latest = parse(text=text, intent=intent, language=language)
    events = [{"event": "user", "text": text, "parse_data": latest, "input_channel": "whatsapp", "metadata": {}}]
    return make_tracker(latest=latest, slots={"language": language, "country": country}, events=events, sender_id=sender)


def _person_talked(engine: Engine, sender: str, address: str, now: datetime) -> str:
    """What the channel keeps of one person: a message they sent and a reply already delivered."""
    sid = f"SM{sender}"
    assert channel_store.record_inbound(
        engine, message=channel_store.Inbound(sid, sender, "text", "me llamo Rosa, vivo en Tapachula"),
        address=address, opted_out=False, now=now,
    )
    channel_store.queue_reply(
        engine, conversation_id=sender, source_sid=sid, position=0, parts=["Hola Rosa"], buttons=[],
        status_for=lambda _conversation: channel_store.PENDING, now=now,
    )
    sent = channel_store.outbox_messages(engine, conversation_id=sender)[0]
    channel_store.mark_sent(engine, message_id=sent.id, provider_sid=f"SMout{sender}", now=now)
    return sid


def _inbound_bodies(engine: Engine, sender: str) -> list[str | None]:
    with engine.connect() as connection:
        rows = connection.execute(
            channel_store.inbound.select().where(channel_store.inbound.c.conversation_id == sender)
        ).fetchall()
    return [row.body for row in rows]


async def test_deleting_my_data_erases_my_tickets_and_what_the_channel_kept_of_me_only(database_url: str) -> None:
    engine = engine_for(database_url)
    now = datetime.utcnow()
    me, other = "wa-me", "wa-other"
    for sender, address in ((me, "whatsapp:+50230001122"), (other, "whatsapp:+50230009988")):
        _person_talked(engine, sender, address, now)
        ticket, _ = handoff_store.open_ticket(
            engine, conversation_id=sender, channel="whatsapp", language="es", country="GT", reason="request_human",
            urgent=False, summary=[{"who": "person", "text": "me llamo Rosa"}], desk_id=None, now=now,
        )
        handoff_store.add_message(engine, ticket_id=ticket.id, kind=handoff_store.PERSON, body="vivo en Tapachula", now=now)

    dispatcher = CollectingDispatcher()
    events = await ActionDeleteMyData(engine).run(dispatcher, _tracker(me, "es", "/affirm", "affirm"), {})

    assert events == [] and dispatcher.messages == []  # the confirmation is the rule's, uttered before
    assert handoff_store.conversation_tickets(engine, conversation_id=me) == []
    assert _inbound_bodies(engine, me) == [None]  # the text is gone; the MessageSid stays for re-deliveries
    assert channel_store.outbox_messages(engine, conversation_id=me) == []
    # Someone else's conversation is untouched.
    assert len(handoff_store.conversation_tickets(engine, conversation_id=other)) == 1
    assert _inbound_bodies(engine, other) == ["me llamo Rosa, vivo en Tapachula"]
    assert [m.body for m in channel_store.outbox_messages(engine, conversation_id=other)] == ["Hola Rosa"]


@pytest.mark.parametrize("language", ["es", "ht"])
async def test_when_the_database_is_down_escalation_says_so_and_what_to_do_if_in_danger(language: str) -> None:
    down = engine_for("postgresql://postgres@127.0.0.1:9/ventanilla?connect_timeout=2")  # nothing listens there
    dispatcher = CollectingDispatcher()
    tracker = _tracker("wa-down", language, "ayuda", "request_human")
    assert await ActionHandoff(down).run(dispatcher, tracker, {}) == []
    expected = f"{i18n.text('handoff_failed', language)} {i18n.text('handoff_urgent_advice', language)}"
    assert [m["text"] for m in dispatcher.messages] == [expected]
    assert not dispatcher.messages[0]["buttons"]  # no cancel button for a ticket that does not exist


@pytest.mark.parametrize(
    ("language", "opens"),
    [("fr", "Il ouvre lundi à 09:00 (heure de America/Mexico_City)"),
     ("es", "Abre el lunes a las 09:00 (hora de America/Mexico_City)")],
)
async def test_a_closed_desk_says_when_it_opens_and_keeps_the_request(database_url: str, language: str, opens: str) -> None:
    engine = engine_for(database_url)
    desk_id = handoff_store.upsert_desk(
        engine, code="mx-tapachula", name="Tapachula", timezone="America/Mexico_City", hours=WEEKDAYS_ONLY,
        countries=["MX"], languages=[],
    )
    dispatcher = CollectingDispatcher()
    tracker = _tracker("wa-weekend", language, "une personne", "request_human", country="MX")
    await ActionHandoff(engine, clock=lambda: SATURDAY).run(dispatcher, tracker, {})

    [message] = dispatcher.messages
    paragraphs = message["text"].split("\n\n")
    assert paragraphs[0] == i18n.text("handoff_queued", language, position=1)
    assert opens in paragraphs[1]
    assert paragraphs[2] == i18n.text("handoff_urgent_advice", language)
    assert [b["payload"] for b in message["buttons"]] == ["/handoff_cancel"]
    ticket = handoff_store.open_ticket_for(engine, conversation_id="wa-weekend")
    assert ticket is not None and ticket.state == handoff_store.QUEUED and ticket.desk_id == desk_id
    assert ticket.language == language and ticket.country == "MX"


async def test_an_open_desk_does_not_say_it_is_closed(database_url: str) -> None:
    engine = engine_for(database_url)
    handoff_store.upsert_desk(
        engine, code="mx-tapachula", name="Tapachula", timezone="America/Mexico_City", hours=WEEKDAYS_ONLY,
        countries=["MX"], languages=[],
    )
    monday_noon_there = SATURDAY + timedelta(days=2, hours=3)  # Monday 18:00 UTC = 12:00 in Mexico City
    dispatcher = CollectingDispatcher()
    await ActionHandoff(engine, clock=lambda: monday_noon_there).run(
        dispatcher, _tracker("wa-monday", "fr", "une personne", "request_human", country="MX"), {}
    )
    assert "Il ouvre" not in dispatcher.messages[0]["text"]
    assert dispatcher.messages[0]["text"].split("\n\n")[1] == i18n.text("handoff_urgent_advice", "fr")
