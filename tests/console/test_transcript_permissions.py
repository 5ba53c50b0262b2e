"""Permissions hold for every line shown: a person's earlier ticket at another desk (its messages,
internal notes, state changes and what the tracker recorded while it was open) never reaches an
agent who may not open that ticket, in the page or in the JSON."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot import i18n
from bot.desk import staff as desk_actions
from bot.handoff import store as handoff
from tests.console.conftest import Served
from tests.console.test_desk import desk, ticket

CONVERSATION = "wa-abc123def456"


def _tracker(tmp_path: Path, rows: list[tuple[str, float, str]]) -> str:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    engine = sa.create_engine(url, future=True)
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE events (id INTEGER PRIMARY KEY, sender_id VARCHAR(255), "
                                   "type_name VARCHAR(255), timestamp FLOAT, data TEXT)"))
        for kind, at, text in rows:
            connection.execute(sa.text("INSERT INTO events (sender_id, type_name, timestamp, data) VALUES (:s, :t, :ts, :d)"),
                               {"s": CONVERSATION, "t": kind, "ts": at, "d": json.dumps({"text": text})})
    return url


async def test_an_agent_never_sees_another_desks_earlier_ticket_in_the_merged_transcript(console: Served, tmp_path: Path) -> None:
    north, south = desk(console, "north", ["MX"]), desk(console, "south", ["GT"])
    console.add_staff("ana", desk_id=north)
    bea = console.add_staff("bea", desk_id=south)
    console.add_staff("sofia", role="supervisor")
    now = datetime.utcnow()

    # The person's earlier ticket at the south desk, an hour ago: a message, a reply, a note, closed.
    earlier = ticket(console, south, CONVERSATION, age_minutes=60)
    handoff.add_message(console.engine, ticket_id=earlier.id, kind=handoff.PERSON, body="south private story",
                        now=now - timedelta(minutes=59))
    handoff.take_ticket(console.engine, ticket_id=earlier.id, agent_id=bea.id, now=now - timedelta(minutes=58))
    handoff.add_message(console.engine, ticket_id=earlier.id, kind=handoff.STAFF, body="south staff answer", author_id=bea.id,
                        now=now - timedelta(minutes=57))
    desk_actions.add_note(console.engine, ticket_id=earlier.id, agent_id=bea.id, text="south internal note",
                          now=now - timedelta(minutes=56))
    handoff.close_ticket(console.engine, ticket_id=earlier.id, actor=f"agent:{bea.id}", now=now - timedelta(minutes=55))
    tracker = _tracker(tmp_path, [
        ("user", time.time() - 65 * 60, "hola antes"),          # before any ticket: the person's talk with the bot
        ("bot", time.time() - 57.5 * 60, "south-era tracker line"),  # recorded while the south ticket was open
        ("user", time.time() - 5 * 60, "necesito ayuda otra vez"),
    ])
    console.state.settings = console.state.settings.__class__(**{**console.state.settings.__dict__,
                                                                 "tracker_database_url": tracker})

    # A new ticket of the same person, routed to the north desk.
    current = ticket(console, north, CONVERSATION)
    handoff.add_message(console.engine, ticket_id=current.id, kind=handoff.PERSON, body="north new message", now=now)

    hidden = ("south private story", "south staff answer", "south internal note", "south-era tracker line", "Bea")
    browser = console.browser()
    await browser.sign_in("ana")
    page = await browser.get(f"/tickets/{current.id}")
    api = await browser.get(f"/api/tickets/{current.id}")
    assert page.status_code == 200 and api.status_code == 200
    assert "north new message" in page.text and "north new message" in api.text
    assert "hola antes" in api.text and "necesito ayuda otra vez" in api.text
    for text in hidden:
        assert text not in page.text and text not in api.text, text
    # The old ticket's own page stays closed to her too.
    assert (await browser.get(f"/tickets/{earlier.id}")).status_code == 403

    # A supervisor sees every desk, so the whole history.
    supervisor = console.browser()
    await supervisor.sign_in("sofia")
    full = (await supervisor.get(f"/api/tickets/{current.id}")).text
    for text in hidden[:4]:
        assert text in full


async def test_the_messages_sent_at_take_and_close_are_in_the_transcript(console: Served) -> None:
    north = desk(console, "north", ["MX"])
    console.add_staff("ana", desk_id=north)
    opened = ticket(console, north, language="fr")
    browser = console.browser()
    await browser.sign_in("ana")
    await browser.get(f"/tickets/{opened.id}")
    assert (await browser.post(f"/tickets/{opened.id}/take")).status_code == 302
    assert (await browser.post(f"/tickets/{opened.id}/close")).status_code == 302
    lines = (await browser.get(f"/api/tickets/{opened.id}")).json()["lines"]
    sent = [line["text"] for line in lines if line["kind"] == "sent"]
    assert sent == [i18n.text("handoff_taken", "fr"), i18n.text("handoff_closed", "fr"),
                    i18n.text("handoff_rating_request", "fr")]
