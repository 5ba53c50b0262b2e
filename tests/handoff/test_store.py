"""The handoff state machine on SQLite and PostgreSQL: one open ticket, one agent, every transition kept."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from sqlalchemy.engine import Engine

from bot.handoff import store
from bot.infodb.session import engine_for

T0 = datetime(2026, 11, 28, 15, 0)


@pytest.fixture
def engine(database_url: str) -> Engine:
    return engine_for(database_url)


def _open(
    engine: Engine,
    conversation: str = "wa-1",
    *,
    reason: str = "request_human",
    urgent: bool = False,
    at: datetime = T0,
    desk_id: int | None = None,
) -> tuple[store.Ticket, bool]:
    return store.open_ticket(
        engine,
        conversation_id=conversation,
        channel="whatsapp",
        language="es",
        country="MX",
        reason=reason,
        urgent=urgent,
        summary=[{"who": "person", "text": "quiero hablar con alguien"}],
        desk_id=desk_id,
        now=at,
    )


def test_a_conversation_has_one_open_ticket_even_when_escalated_twice_at_once(engine: Engine) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: _open(engine), range(8)))
    assert sum(created for _, created in results) == 1
    assert len({ticket.id for ticket, _ in results}) == 1
    assert len(store.conversation_tickets(engine, conversation_id="wa-1")) == 1


def test_an_emergency_makes_an_open_ticket_urgent(engine: Engine) -> None:
    first, _ = _open(engine)
    again, created = _open(engine, reason="emergency", urgent=True)
    assert not created and again.id == first.id and again.urgent and again.reason == "emergency"


def test_the_queue_puts_urgent_first_then_the_longest_waiting(engine: Engine) -> None:
    old, _ = _open(engine, "wa-old", at=T0)
    new, _ = _open(engine, "wa-new", at=T0 + timedelta(minutes=5))
    urgent, _ = _open(engine, "wa-urgent", reason="emergency", urgent=True, at=T0 + timedelta(minutes=9))
    assert [t.id for t in store.list_tickets(engine)] == [urgent.id, old.id, new.id]
    assert [store.queue_position(engine, ticket_id=t.id) for t in (urgent, old, new)] == [1, 2, 3]


def test_only_one_agent_can_take_a_ticket(engine: Engine) -> None:
    ticket, _ = _open(engine)
    with ThreadPoolExecutor(max_workers=6) as pool:
        taken = list(pool.map(lambda agent: store.take_ticket(engine, ticket_id=ticket.id, agent_id=agent, now=T0), range(1, 7)))
    winners = [t for t in taken if t is not None]
    assert len(winners) == 1
    assert store.get_ticket(engine, ticket_id=ticket.id).agent_id == winners[0].agent_id  # type: ignore[union-attr]
    assert store.queue_position(engine, ticket_id=ticket.id) == 0


def test_every_transition_is_kept_with_its_time_and_actor(engine: Engine) -> None:
    ticket, _ = _open(engine)
    store.take_ticket(engine, ticket_id=ticket.id, agent_id=7, now=T0 + timedelta(minutes=1))
    closed = store.close_ticket(engine, ticket_id=ticket.id, actor="agent:7", now=T0 + timedelta(minutes=9))
    assert closed is not None and closed.state == store.CLOSED and not closed.is_open
    history = store.transitions_of(engine, ticket_id=ticket.id)
    assert [(h.from_state, h.to_state, h.actor) for h in history] == [
        ("bot", "queued", "request_human"),
        ("queued", "with_staff", "agent:7"),
        ("with_staff", "closed", "agent:7"),
    ]
    assert [h.at for h in history] == [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=9)]
    assert store.open_ticket_for(engine, conversation_id="wa-1") is None
    assert store.close_ticket(engine, ticket_id=ticket.id, actor="agent:7", now=T0) is None  # closed stays closed
    again, created = _open(engine, at=T0 + timedelta(hours=1))
    assert created and again.id != ticket.id  # a later request is a new ticket


def test_the_person_can_cancel_while_queued_or_with_staff(engine: Engine) -> None:
    ticket, _ = _open(engine)
    store.take_ticket(engine, ticket_id=ticket.id, agent_id=3, now=T0)
    cancelled = store.cancel_ticket(engine, conversation_id="wa-1", now=T0 + timedelta(minutes=2))
    assert cancelled is not None and cancelled.state == store.CANCELLED
    assert store.cancel_ticket(engine, conversation_id="wa-1", now=T0) is None
    assert store.awaiting_rating(engine, conversation_id="wa-1", since=T0) is None  # cancelled: no rating asked


def test_transfer_to_an_agent_or_back_to_another_desks_queue(engine: Engine) -> None:
    desk = store.upsert_desk(
        engine, code="tap", name="Tapachula", timezone="America/Mexico_City", hours={}, countries=["MX"], languages=[]
    )
    ticket, _ = _open(engine)
    store.take_ticket(engine, ticket_id=ticket.id, agent_id=1, now=T0)
    moved = store.transfer_to_agent(engine, ticket_id=ticket.id, by_agent=1, to_agent=2, now=T0)
    assert moved is not None and moved.agent_id == 2 and moved.state == store.WITH_STAFF
    queued = store.transfer_to_desk(engine, ticket_id=ticket.id, by_agent=2, desk_id=desk, now=T0)
    assert queued is not None and queued.state == store.QUEUED and queued.agent_id is None and queued.desk_id == desk
    assert store.list_tickets(engine, desk_ids=[desk]) == [queued]
    assert store.list_tickets(engine, desk_ids=[desk + 1]) == []


def test_a_rating_is_taken_once_from_1_to_5_after_staff_close(engine: Engine) -> None:
    ticket, _ = _open(engine)
    assert store.awaiting_rating(engine, conversation_id="wa-1", since=T0) is None  # still open
    store.close_ticket(engine, ticket_id=ticket.id, actor="agent:1", now=T0 + timedelta(minutes=1))
    waiting = store.awaiting_rating(engine, conversation_id="wa-1", since=T0)
    assert waiting is not None and waiting.id == ticket.id
    assert store.awaiting_rating(engine, conversation_id="wa-1", since=T0 + timedelta(hours=1)) is None  # too late
    with pytest.raises(ValueError):
        store.record_rating(engine, ticket_id=ticket.id, rating=6)
    assert store.record_rating(engine, ticket_id=ticket.id, rating=4)
    assert not store.record_rating(engine, ticket_id=ticket.id, rating=5)
    assert store.get_ticket(engine, ticket_id=ticket.id).rating == 4  # type: ignore[union-attr]


def test_a_redelivered_message_is_recorded_once(engine: Engine) -> None:
    ticket, _ = _open(engine)
    first = store.add_message(engine, ticket_id=ticket.id, kind=store.PERSON, body="hola", message_ref="whatsapp:SM1", now=T0)
    again = store.add_message(engine, ticket_id=ticket.id, kind=store.PERSON, body="hola", message_ref="whatsapp:SM1", now=T0)
    assert first is not None and again is None
    assert [m.body for m in store.ticket_messages(engine, ticket_id=ticket.id)] == ["hola"]


def test_deleting_a_conversation_deletes_its_tickets_transcripts_and_notes(engine: Engine) -> None:
    ticket, _ = _open(engine)
    store.add_message(engine, ticket_id=ticket.id, kind=store.NOTE, body="nota interna", author_id=1, now=T0)
    other, _ = _open(engine, "wa-2")
    assert store.delete_conversation(engine, conversation_id="wa-1") == 1
    assert store.conversation_tickets(engine, conversation_id="wa-1") == []
    assert store.ticket_messages(engine, ticket_id=ticket.id) == []
    assert store.transitions_of(engine, ticket_id=ticket.id) == []
    assert store.get_ticket(engine, ticket_id=other.id) is not None


def test_retention_purges_tickets_closed_long_ago(engine: Engine) -> None:
    old, _ = _open(engine, "wa-old")
    store.close_ticket(engine, ticket_id=old.id, actor="agent:1", now=T0)
    recent, _ = _open(engine, "wa-recent")
    store.close_ticket(engine, ticket_id=recent.id, actor="agent:1", now=T0 + timedelta(days=80))
    still_open, _ = _open(engine, "wa-open")
    assert store.purge_closed_before(engine, cutoff=T0 + timedelta(days=30)) == 1
    assert store.get_ticket(engine, ticket_id=old.id) is None
    assert store.get_ticket(engine, ticket_id=recent.id) is not None
    assert store.get_ticket(engine, ticket_id=still_open.id) is not None


def test_routing_prefers_the_desk_that_names_the_country_then_the_language(engine: Engine) -> None:
    anywhere = store.upsert_desk(engine, code="all", name="Regional", timezone="UTC", hours={}, countries=[], languages=[])
    mexico = store.upsert_desk(
        engine, code="mx", name="Mexico", timezone="America/Mexico_City", hours={}, countries=["mx"], languages=[]
    )
    creole = store.upsert_desk(
        engine, code="mx-ht", name="Mexico kreyòl", timezone="America/Mexico_City", hours={}, countries=["MX"], languages=["ht"]
    )
    assert store.route_desk(engine, country="MX", language="ht").id == creole  # type: ignore[union-attr]
    assert store.route_desk(engine, country="MX", language="es").id == mexico  # type: ignore[union-attr]
    assert store.route_desk(engine, country="GT", language="es").id == anywhere  # type: ignore[union-attr]
    store.upsert_desk(engine, code="all", name="Regional", timezone="UTC", hours={}, countries=[], languages=[], active=False)
    assert store.route_desk(engine, country="GT", language="es") is None
