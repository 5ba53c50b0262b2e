"""The queue and conversation pages over the handoff store: permissions, take, reply, notes,
transfer, close, the WhatsApp window and the privacy of the person's number."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from bot.channels import store as channel_store
from bot.console import store
from bot.handoff import store as handoff
from tests.console.conftest import Served
from tests.infodb_fixtures import migrated, postgres_url, sqlite_url

NUMBER = "whatsapp:+5215512345678"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The desk tests run on SQLite and on PostgreSQL (migrated to head, with the seed content)."""
    if request.param == "sqlite":
        url = sqlite_url(tmp_path)
        migrated(url, seed=False)
        yield url
    else:
        for url in postgres_url():
            migrated(url, seed=False)
            yield url


def desk(served: Served, code: str, countries: list[str]) -> int:
    return handoff.upsert_desk(served.engine, code=code, name=f"Desk {code}", timezone="America/Mexico_City",
                               hours={}, countries=countries, languages=[])


def ticket(
    served: Served, desk_id: int | None, conversation_id: str = "wa-abc123def456", *, urgent: bool = False,
    language: str = "fr", channel: str = "whatsapp", reason: str = "request_human", age_minutes: float = 0,
) -> handoff.Ticket:
    now = datetime.utcnow() - timedelta(minutes=age_minutes)
    channel_store.record_inbound(
        served.engine, message=channel_store.Inbound(message_sid=f"SM{conversation_id}{time.monotonic_ns()}",
                                                     conversation_id=conversation_id, kind="text", body="x"),
        address=NUMBER, opted_out=False, now=datetime.utcnow(),
    )
    created, _ = handoff.open_ticket(served.engine, conversation_id=conversation_id, channel=channel, language=language,
                                     country="MX", reason=reason, urgent=urgent, summary=[], desk_id=desk_id, now=now)
    return created


async def test_queue_lists_urgent_first_and_only_the_agents_desk(console: Served) -> None:
    north, south = desk(console, "north", ["MX"]), desk(console, "south", ["GT"])
    console.add_staff("ana", desk_id=north)
    old = ticket(console, north, "wa-old-000000", age_minutes=10)
    urgent = ticket(console, north, "wa-urgent-0000", urgent=True, reason="emergency")
    ticket(console, south, "wa-south-00000")
    browser = console.browser()
    await browser.sign_in("ana")
    rows = (await browser.get("/api/queue")).json()["tickets"]
    assert [r["id"] for r in rows] == [urgent.id, old.id]
    assert rows[0]["urgent"] and rows[0]["reason"] == "emergency"
    assert rows[1]["waiting_seconds"] >= 600 and rows[1]["language"] == "fr" and rows[1]["channel"] == "whatsapp"
    assert rows[1]["country"] == "MX" and rows[1]["desk"] == "Desk north"
    assert all("wa-" not in r["person"] and "+52" not in json.dumps(r) for r in rows)


async def test_supervisors_see_every_desk(console: Served) -> None:
    north, south = desk(console, "north", ["MX"]), desk(console, "south", ["GT"])
    console.add_staff("sofia", role="supervisor", desk_id=north)
    ticket(console, north, "wa-a-000000000")
    ticket(console, south, "wa-b-000000000")
    browser = console.browser()
    await browser.sign_in("sofia")
    assert len((await browser.get("/api/queue")).json()["tickets"]) == 2


async def test_an_agent_cannot_read_or_act_on_another_desks_conversation(console: Served) -> None:
    north, south = desk(console, "north", ["MX"]), desk(console, "south", ["GT"])
    console.add_staff("ana", desk_id=north)
    other = ticket(console, south, "wa-south-00000")
    handoff.add_message(console.engine, ticket_id=other.id, kind=handoff.PERSON, body="secret words", now=datetime.utcnow())
    browser = console.browser()
    await browser.sign_in("ana")
    page = await browser.get(f"/tickets/{other.id}")
    assert page.status_code == 403 and "secret words" not in page.text
    api = await browser.get(f"/api/tickets/{other.id}")
    assert api.status_code == 403 and "secret words" not in api.text
    for action in ("take", "note", "close", "reply"):
        response = await browser.post(f"/tickets/{other.id}/{action}", {"text": "hi"})
        assert response.status_code == 403
    assert handoff.get_ticket(console.engine, ticket_id=other.id).state == handoff.QUEUED
    assert len(store.audit_entries(console.engine, action="forbidden_conversation")) == 6


async def test_take_reply_note_and_close_with_the_audit_trail(console: Served) -> None:
    north = desk(console, "north", ["MX"])
    ana = console.add_staff("ana", desk_id=north)
    opened = ticket(console, north)
    handoff.add_message(console.engine, ticket_id=opened.id, kind=handoff.PERSON, body="je veux parler", now=datetime.utcnow())
    browser = console.browser()
    await browser.sign_in("ana")
    page = await browser.get(f"/tickets/{opened.id}")
    assert "je veux parler" in page.text and 'id="take"' in page.text and "+52" not in page.text
    assert (await browser.post(f"/tickets/{opened.id}/take")).status_code == 302
    assert handoff.get_ticket(console.engine, ticket_id=opened.id).agent_id == ana.id

    assert (await browser.post(f"/tickets/{opened.id}/reply", {"text": "Bonjour, je suis là."})).status_code == 302
    assert (await browser.post(f"/tickets/{opened.id}/reply", {"quick": "quick_one_moment"})).status_code == 302
    assert (await browser.post(f"/tickets/{opened.id}/note", {"text": "seems urgent, call back"})).status_code == 302
    bodies = [m.body for m in channel_store.outbox_messages(console.engine, conversation_id=opened.conversation_id)]
    assert "Bonjour, je suis là." in bodies
    assert "Un instant, s'il vous plaît : j'examine votre situation." in bodies  # the quick reply, in French
    assert not any("call back" in body for body in bodies)  # notes never reach the person
    page = await browser.get(f"/tickets/{opened.id}")
    assert "seems urgent, call back" in page.text and "Bonjour, je suis là." in page.text
    assert 'class="delivery">waiting to be sent' in page.text  # the delivery state in words

    assert (await browser.post(f"/tickets/{opened.id}/close")).status_code == 302
    closed = handoff.get_ticket(console.engine, ticket_id=opened.id)
    assert closed.state == handoff.CLOSED
    assert handoff.open_ticket_for(console.engine, conversation_id=opened.conversation_id) is None
    actions = [e.action for e in reversed(store.audit_entries(console.engine, staff_id=ana.id))]
    for expected in ("signin", "view_conversation", "take", "reply", "quick_reply", "note", "close"):
        assert expected in actions
    logged = json.dumps([e.__dict__ for e in store.audit_entries(console.engine)], default=str)
    assert "Bonjour" not in logged and opened.conversation_id not in logged and "+52" not in logged


async def test_a_closed_ticket_cannot_be_replied_to(console: Served) -> None:
    north = desk(console, "north", ["MX"])
    console.add_staff("ana", desk_id=north)
    opened = ticket(console, north)
    browser = console.browser()
    await browser.sign_in("ana")
    await browser.get(f"/tickets/{opened.id}")
    await browser.post(f"/tickets/{opened.id}/take")
    await browser.post(f"/tickets/{opened.id}/close")
    before = len(channel_store.outbox_messages(console.engine, conversation_id=opened.conversation_id))
    page = await browser.get(f"/tickets/{opened.id}")
    assert "cannot be replied to" in page.text and 'name="text" id="reply-text"' not in page.text
    response = await browser.post(f"/tickets/{opened.id}/reply", {"text": "still there?"})
    assert response.status_code == 409
    assert len(channel_store.outbox_messages(console.engine, conversation_id=opened.conversation_id)) == before
    assert (await browser.post(f"/tickets/{opened.id}/close")).status_code == 409


async def test_only_one_agent_holds_a_conversation(console: Served) -> None:
    north = desk(console, "north", ["MX"])
    console.add_staff("ana", desk_id=north)
    console.add_staff("ben", desk_id=north)
    opened = ticket(console, north)
    ana, ben = console.browser(), console.browser()
    await ana.sign_in("ana")
    await ben.sign_in("ben")
    await ana.get(f"/tickets/{opened.id}")
    await ben.get(f"/tickets/{opened.id}")
    assert (await ana.post(f"/tickets/{opened.id}/take")).status_code == 302
    late = await ben.post(f"/tickets/{opened.id}/take")
    assert late.status_code == 409 and "not in the queue any more" in late.text
    page = await ben.get(f"/tickets/{opened.id}")
    assert "Ana holds this conversation" in page.text
    refused = await ben.post(f"/tickets/{opened.id}/reply", {"text": "hello"})
    assert refused.status_code == 409
    assert channel_store.outbox_messages(console.engine, conversation_id=opened.conversation_id)[-1].body != "hello"


async def test_transfer_to_an_agent_and_to_another_desk(console: Served) -> None:
    north, south = desk(console, "north", ["MX"]), desk(console, "south", ["GT"])
    console.add_staff("ana", desk_id=north)
    carla = console.add_staff("carla", desk_id=south)
    opened = ticket(console, north)
    ana = console.browser()
    await ana.sign_in("ana")
    await ana.get(f"/tickets/{opened.id}")
    await ana.post(f"/tickets/{opened.id}/take")
    response = await ana.post(f"/tickets/{opened.id}/transfer", {"to": f"agent:{carla.id}"})
    assert response.status_code == 302
    assert handoff.get_ticket(console.engine, ticket_id=opened.id).agent_id == carla.id
    assert (await ana.post(f"/tickets/{opened.id}/reply", {"text": "still me"})).status_code == 409
    carla_browser = console.browser()
    await carla_browser.sign_in("carla")
    assert (await carla_browser.get(f"/tickets/{opened.id}")).status_code == 200
    response = await carla_browser.post(f"/tickets/{opened.id}/transfer", {"to": f"desk:{north}"})
    assert response.status_code == 302 and response.headers["location"] == "/queue"  # carla's desk does not have it
    assert (await carla_browser.get(f"/tickets/{opened.id}")).status_code == 403
    moved = handoff.get_ticket(console.engine, ticket_id=opened.id)
    assert moved.state == handoff.QUEUED and moved.desk_id == north and moved.agent_id is None
    assert [r["id"] for r in (await ana.get("/api/queue")).json()["tickets"]] == [opened.id]


async def test_outside_the_whatsapp_window_the_reply_box_is_disabled_with_the_reason(console: Served) -> None:
    north = desk(console, "north", ["MX"])
    console.add_staff("ana", desk_id=north)
    opened = ticket(console, north)
    browser = console.browser()
    await browser.sign_in("ana")
    await browser.get(f"/tickets/{opened.id}")
    await browser.post(f"/tickets/{opened.id}/take")
    page = await browser.get(f"/tickets/{opened.id}")
    assert "open until" in page.text and "24-hour window is closed" not in page.text
    channel_store.set_last_inbound(console.engine, conversation_id=opened.conversation_id,
                                   when=datetime.utcnow() - timedelta(hours=25))
    page = await browser.get(f"/tickets/{opened.id}")
    assert "24-hour window is closed" in page.text
    assert re.search(r'<textarea name="text" id="reply-text"[^>]* disabled>', page.text)


async def test_a_supervisor_reveals_a_number_and_it_is_logged_agents_cannot(console: Served) -> None:
    north = desk(console, "north", ["MX"])
    console.add_staff("ana", desk_id=north)
    console.add_staff("sofia", role="supervisor")
    opened = ticket(console, north)
    agent = console.browser()
    await agent.sign_in("ana")
    await agent.get(f"/tickets/{opened.id}")
    refused = await agent.post(f"/tickets/{opened.id}/reveal")
    assert refused.status_code == 403 and "+52" not in refused.text
    supervisor = console.browser()
    await supervisor.sign_in("sofia")
    await supervisor.get(f"/tickets/{opened.id}")
    shown = await supervisor.post(f"/tickets/{opened.id}/reveal")
    assert shown.status_code == 200 and "+5215512345678" in shown.text
    entries = store.audit_entries(console.engine, action="reveal_number")
    assert len(entries) == 1 and entries[0].username == "sofia" and "+52" not in (entries[0].detail or "")


async def test_the_transcript_includes_the_bots_turns_from_the_tracker_store(console: Served, tmp_path) -> None:
    tracker_url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = sa.create_engine(tracker_url, future=True)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), type_name VARCHAR(255), "
                                   "timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT)"))
        start = time.time() - 120
        for offset, (kind, data) in enumerate([
            ("user", {"event": "user", "text": "bonjour"}),
            ("action", {"event": "action", "name": "utter_greet"}),
            ("bot", {"event": "bot", "text": "Bonjour ! Comment puis-je vous aider ?", "data": {"buttons": []}}),
            ("user", {"event": "user", "text": "parler à une personne"}),
        ]):
            connection.execute(sa.text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :t, :ts, :d)"),
                               {"s": "wa-abc123def456", "t": kind, "ts": start + offset, "d": json.dumps(data)})
            connection.execute(sa.text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :t, :ts, :d)"),
                               {"s": "wa-someone-else", "t": kind, "ts": start + offset,
                                "d": json.dumps({"text": "other person"})})
    console.state.settings = console.state.settings.__class__(**{**console.state.settings.__dict__,
                                                                 "tracker_database_url": tracker_url})
    north = desk(console, "north", ["MX"])
    console.add_staff("ana", desk_id=north)
    opened = ticket(console, north)
    handoff.add_message(console.engine, ticket_id=opened.id, kind=handoff.PERSON, body="vous êtes là ?", now=datetime.utcnow())
    browser = console.browser()
    await browser.sign_in("ana")
    lines = (await browser.get(f"/api/tickets/{opened.id}")).json()["lines"]
    texts = [(line["kind"], line["text"]) for line in lines]
    assert texts.index(("person", "bonjour")) < texts.index(("bot", "Bonjour ! Comment puis-je vous aider ?"))
    assert texts.index(("person", "parler à une personne")) < texts.index(("person", "vous êtes là ?"))
    assert not any(text == "other person" for _, text in texts)


async def test_an_agent_without_a_desk_sees_only_what_they_hold(console: Served) -> None:
    north = desk(console, "north", ["MX"])
    loner = console.add_staff("lou")
    opened = ticket(console, north)
    browser = console.browser()
    await browser.sign_in("lou")
    assert (await browser.get("/api/queue")).json()["tickets"] == []
    assert (await browser.get(f"/tickets/{opened.id}")).status_code == 403
    handoff.transfer_to_agent(console.engine, ticket_id=opened.id, by_agent=0, to_agent=loner.id, now=datetime.utcnow())
    assert [r["id"] for r in (await browser.get("/api/queue")).json()["tickets"]] == [opened.id]
    assert (await browser.get(f"/tickets/{opened.id}")).status_code == 200


async def test_a_channel_the_console_cannot_reach_is_said_plainly(console: Served) -> None:
    north = desk(console, "north", ["MX"])
    console.add_staff("ana", desk_id=north)
    opened = ticket(console, north, "fb-000000001", channel="facebook")  # a Rasa channel with no outbox
    browser = console.browser()
    await browser.sign_in("ana")
    await browser.get(f"/tickets/{opened.id}")
    response = await browser.post(f"/tickets/{opened.id}/take")
    assert response.status_code == 409 and "cannot receive messages from the console" in response.text
    assert handoff.get_ticket(console.engine, ticket_id=opened.id).state == handoff.WITH_STAFF
    assert store.audit_entries(console.engine, action="channel_unreachable")


async def test_a_telegram_conversation_has_no_window_and_gets_the_reply_in_its_outbox(console: Served) -> None:
    north = desk(console, "north", ["MX"])
    console.add_staff("ana", desk_id=north)
    created, _ = handoff.open_ticket(console.engine, conversation_id="tg-0123456789abcdef", channel="telegram", language="pt",
                                     country="MX", reason="request_human", urgent=False, summary=[], desk_id=north,
                                     now=datetime.utcnow())
    browser = console.browser()
    await browser.sign_in("ana")
    await browser.get(f"/tickets/{created.id}")
    assert (await browser.post(f"/tickets/{created.id}/take")).status_code == 302
    page = await browser.get(f"/tickets/{created.id}")
    assert "WhatsApp window" not in page.text and "24-hour window is closed" not in page.text
    assert (await browser.post(f"/tickets/{created.id}/reply", {"quick": "quick_one_moment"})).status_code == 302
    bodies = [m.body for m in channel_store.outbox_messages(console.engine, conversation_id=created.conversation_id)]
    assert "Um momento, por favor: estou verificando o seu caso." in bodies


async def test_an_sms_conversation_has_no_window_its_reply_goes_by_sms_and_its_number_can_be_revealed(
    console: Served,
) -> None:
    north = desk(console, "north", ["MX"])
    console.add_staff("sofia", role="supervisor", desk_id=north)
    cid = "sms-0123456789abcdef"
    old = datetime.utcnow() - timedelta(hours=30)  # past WhatsApp's window: SMS has none
    channel_store.record_inbound(
        console.engine, message=channel_store.Inbound(message_sid="SMsms0001", conversation_id=cid, kind="text", body="x"),
        address="+5215512345678", opted_out=False, now=old, channel="sms",
    )
    created, _ = handoff.open_ticket(console.engine, conversation_id=cid, channel="sms", language="es", country="MX",
                                     reason="request_human", urgent=False, summary=[], desk_id=north, now=old)
    browser = console.browser()
    await browser.sign_in("sofia")
    await browser.get(f"/tickets/{created.id}")
    assert (await browser.post(f"/tickets/{created.id}/take")).status_code == 302
    page = await browser.get(f"/tickets/{created.id}")
    assert "WhatsApp window" not in page.text and "24-hour window is closed" not in page.text
    assert (await browser.post(f"/tickets/{created.id}/reply", {"text": "Hola, soy Sofía."})).status_code == 302
    queued = channel_store.outbox_messages(console.engine, conversation_id=cid)
    reply = [m for m in queued if m.body == "Hola, soy Sofía."]
    assert len(reply) == 1 and reply[0].status == channel_store.PENDING
    # The SMS sender delivers them (in order: the "taken" notice first), not WhatsApp's.
    due_by_sms = channel_store.due_messages(console.engine, now=datetime.utcnow(), channel="sms")
    due_by_whatsapp = channel_store.due_messages(console.engine, now=datetime.utcnow(), channel="whatsapp")
    assert cid in {m.conversation_id for m in due_by_sms} and cid not in {m.conversation_id for m in due_by_whatsapp}
    shown = await browser.post(f"/tickets/{created.id}/reveal")
    assert shown.status_code == 200 and "+5215512345678" in shown.text
