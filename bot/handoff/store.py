"""The query layer of the human handoff: every SQL statement about desks, tickets and their messages.

Ticket states: ``queued -> with_staff -> closed`` (the conversation is back with the bot), or
``cancelled`` by the person from either open state. While a ticket is open the channels give the
person's messages to the desk instead of the bot (``bot.handoff.gate``). Every change of state
is recorded in ``handoff_transitions`` with its time and actor. Functions are synchronous, take
the engine and keyword-only arguments, and do one unit of work each.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.db import dialect_insert
from bot.handoff import policy
from bot.handoff.tables import desks, messages, metadata, tickets, transitions

# States and reasons are the policy's (bot/handoff/policy.py); the store persists what it allows.
QUEUED, WITH_STAFF, CLOSED, CANCELLED = policy.QUEUED, policy.WITH_STAFF, policy.CLOSED, policy.CANCELLED
OPEN_STATES, BOT, REASONS = policy.OPEN_STATES, policy.BOT, policy.REASONS
# Message kinds: what the person wrote, what staff replied, staff-only notes, and what the system
# told the person (queue place, hand-back).
PERSON, STAFF, NOTE, SYSTEM = "person", "staff", "note", "system"


@dataclass(frozen=True)
class Desk:
    """An information desk: where tickets are routed, and when people are there to answer."""

    id: int
    code: str
    name: str
    timezone: str
    hours: dict[str, list[str]]
    countries: list[str]
    languages: list[str]
    active: bool


@dataclass(frozen=True)
class Ticket:
    """One request for a person, from escalation to hand-back."""

    id: int
    conversation_id: str
    channel: str
    language: str | None
    country: str | None
    reason: str
    urgent: bool
    summary: list[dict[str, str]]
    desk_id: int | None
    agent_id: int | None
    state: str
    created_at: datetime
    updated_at: datetime
    taken_at: datetime | None
    closed_at: datetime | None
    rating: int | None

    @property
    def is_open(self) -> bool:
        """Whether the desk, not the bot, has the conversation."""
        return self.state in OPEN_STATES

    @property
    def pseudonym(self) -> str:
        """How staff see the person: a stable pseudonym, never the phone number or chat id."""
        return f"P-{self.conversation_id[-8:].upper()}"


@dataclass(frozen=True)
class TicketMessage:
    """A message of a ticket's transcript (the person's, staff's, a note or a system message)."""

    id: int
    ticket_id: int
    kind: str
    body: str | None
    author_id: int | None
    media_url: str | None
    media_content_type: str | None
    created_at: datetime
    original: str | None = None  # what the agent wrote, when `body` is its machine translation


@dataclass(frozen=True)
class Transition:
    """One change of a ticket's state."""

    from_state: str
    to_state: str
    actor: str
    at: datetime


def create_all(engine: Engine) -> None:
    """Create the handoff tables (tests; production uses the migration)."""
    metadata.create_all(engine)


def _desk(row: Any) -> Desk:
    return Desk(
        id=row.id,
        code=row.code,
        name=row.name,
        timezone=row.timezone,
        hours=dict(row.hours or {}),
        countries=list(row.countries or []),
        languages=list(row.languages or []),
        active=bool(row.active),
    )


def _ticket(row: Any) -> Ticket:
    return Ticket(
        id=row.id,
        conversation_id=row.conversation_id,
        channel=row.channel,
        language=row.language,
        country=row.country,
        reason=row.reason,
        urgent=bool(row.urgent),
        summary=list(row.summary or []),
        desk_id=row.desk_id,
        agent_id=row.agent_id,
        state=row.state,
        created_at=row.created_at,
        updated_at=row.updated_at,
        taken_at=row.taken_at,
        closed_at=row.closed_at,
        rating=row.rating,
    )


def _message(row: Any) -> TicketMessage:
    return TicketMessage(
        id=row.id,
        ticket_id=row.ticket_id,
        kind=row.kind,
        body=row.body,
        author_id=row.author_id,
        media_url=row.media_url,
        media_content_type=row.media_content_type,
        created_at=row.created_at,
        original=row.original,
    )


# -- desks ------------------------------------------------------------------------------------


def upsert_desk(
    engine: Engine,
    *,
    code: str,
    name: str,
    timezone: str,
    hours: dict[str, list[str]],
    countries: list[str],
    languages: list[str],
    active: bool = True,
) -> int:
    """Create or update a desk by its code; return its id."""
    values = {
        "name": name,
        "timezone": timezone,
        "hours": hours,
        "countries": [c.upper() for c in countries],
        "languages": [lang.lower() for lang in languages],
        "active": active,
    }
    with engine.begin() as connection:
        insert = dialect_insert(connection)
        connection.execute(insert(desks).values(code=code, **values).on_conflict_do_update(index_elements=["code"], set_=values))
        return int(connection.scalar(sa.select(desks.c.id).where(desks.c.code == code)))


def list_desks(engine: Engine, *, active_only: bool = False) -> list[Desk]:
    """Every desk, by name."""
    query = sa.select(desks).order_by(desks.c.name)
    if active_only:
        query = query.where(desks.c.active.is_(True))
    with engine.connect() as connection:
        return [_desk(row) for row in connection.execute(query)]


def get_desk(engine: Engine, *, desk_id: int) -> Desk | None:
    """One desk (None when unknown)."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(desks).where(desks.c.id == desk_id)).first()
    return _desk(row) if row is not None else None


def route_desk(engine: Engine, *, country: str | None, language: str | None) -> Desk | None:
    """The desk for a person: the active desk that serves the country and the language.

    A desk with an empty list of countries (or languages) serves all. A desk that names the
    country wins over one that serves all countries; then one that names the language; then the
    lowest id. None when no active desk serves the person.
    """

    def score(desk: Desk) -> tuple[int, int, int] | None:
        country_ok = not desk.countries or (country is not None and country.upper() in desk.countries)
        language_ok = not desk.languages or (language is not None and language.lower() in desk.languages)
        if not (country_ok and language_ok):
            return None
        return (0 if desk.countries else 1, 0 if desk.languages else 1, desk.id)

    scored = [(s, desk) for desk in list_desks(engine, active_only=True) if (s := score(desk)) is not None]
    return min(scored, key=lambda pair: pair[0])[1] if scored else None


# -- tickets ----------------------------------------------------------------------------------


def _record_transition(
    connection: Connection, *, ticket_id: int, from_state: str, to_state: str, actor: str, at: datetime
) -> None:
    connection.execute(
        transitions.insert().values(ticket_id=ticket_id, from_state=from_state, to_state=to_state, actor=actor, at=at)
    )


def open_ticket(
    engine: Engine,
    *,
    conversation_id: str,
    channel: str,
    language: str | None,
    country: str | None,
    reason: str,
    urgent: bool,
    summary: list[dict[str, str]],
    desk_id: int | None,
    now: datetime,
) -> tuple[Ticket, bool]:
    """Queue a new ticket for the conversation, or return the one already open (True when new).

    The insert is atomic on ``open_key``: two escalations at once create one ticket. An urgent
    escalation of an open ticket makes it urgent.
    """
    with engine.begin() as connection:
        insert = dialect_insert(connection)
        result = connection.execute(
            insert(tickets)
            .values(
                conversation_id=conversation_id,
                open_key=conversation_id,
                channel=channel,
                language=language,
                country=country,
                reason=reason,
                urgent=urgent,
                summary=summary,
                desk_id=desk_id,
                state=QUEUED,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["open_key"])
        )
        created = result.rowcount == 1
        row = connection.execute(sa.select(tickets).where(tickets.c.open_key == conversation_id)).one()
        if created:
            _record_transition(connection, ticket_id=row.id, from_state=BOT, to_state=QUEUED, actor=reason, at=now)
        elif urgent and not row.urgent:
            connection.execute(tickets.update().where(tickets.c.id == row.id).values(urgent=True, reason=reason, updated_at=now))
            row = connection.execute(sa.select(tickets).where(tickets.c.id == row.id)).one()
    return _ticket(row), created


def make_urgent(engine: Engine, *, ticket_id: int, now: datetime) -> bool:
    """Move an open ticket to the top of the queue (the person reported an emergency while waiting)."""
    with engine.begin() as connection:
        result = connection.execute(
            tickets.update()
            .where(tickets.c.id == ticket_id, tickets.c.state.in_(OPEN_STATES), tickets.c.urgent.is_(False))
            .values(urgent=True, reason="emergency", updated_at=now)
        )
    return result.rowcount == 1


def set_country(engine: Engine, *, ticket_id: int, country: str) -> None:
    """Record the country the person chose after the ticket opened (REGIONAL means unknown)."""
    with engine.begin() as connection:
        connection.execute(
            tickets.update().where(tickets.c.id == ticket_id).values(country=None if country == "REGIONAL" else country)
        )


def get_ticket(engine: Engine, *, ticket_id: int) -> Ticket | None:
    """One ticket (None when unknown)."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).first()
    return _ticket(row) if row is not None else None


def open_ticket_for(engine: Engine, *, conversation_id: str) -> Ticket | None:
    """The conversation's open ticket, if the desk has it."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(tickets).where(tickets.c.open_key == conversation_id)).first()
    return _ticket(row) if row is not None else None


def _queue_order() -> list[Any]:
    return [tickets.c.urgent.desc(), tickets.c.created_at, tickets.c.id]


def list_tickets(
    engine: Engine, *, states: tuple[str, ...] = OPEN_STATES, desk_ids: list[int] | None = None, limit: int = 200
) -> list[Ticket]:
    """Tickets in the given states, urgent first, then the longest waiting.

    ``desk_ids`` limits the list to those desks (tickets without a desk are included only when
    ``None`` is in the list); ``None`` means every desk.
    """
    query = sa.select(tickets).where(tickets.c.state.in_(states)).order_by(*_queue_order()).limit(limit)
    if desk_ids is not None:
        ids = [d for d in desk_ids if d is not None]
        condition = tickets.c.desk_id.in_(ids)
        if None in desk_ids:
            condition = sa.or_(condition, tickets.c.desk_id.is_(None))
        query = query.where(condition)
    with engine.connect() as connection:
        return [_ticket(row) for row in connection.execute(query)]


def queue_position(engine: Engine, *, ticket_id: int) -> int:
    """The ticket's place in its desk's queue (1 is next); 0 when it is not queued."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).first()
        if row is None or row.state != QUEUED:
            return 0
        same_desk = tickets.c.desk_id.is_(None) if row.desk_id is None else tickets.c.desk_id == row.desk_id
        ahead = sa.or_(
            sa.and_(tickets.c.urgent.is_(True), sa.literal(not row.urgent)),
            sa.and_(
                tickets.c.urgent == row.urgent,
                sa.or_(
                    tickets.c.created_at < row.created_at, sa.and_(tickets.c.created_at == row.created_at, tickets.c.id < row.id)
                ),
            ),
        )
        count = connection.scalar(
            sa.select(sa.func.count()).select_from(tickets).where(tickets.c.state == QUEUED, same_desk, ahead)
        )
    return int(count or 0) + 1


def _move(engine: Engine, *, ticket_id: int, transition: str, actor: str, now: datetime, **values: Any) -> Ticket | None:
    """Make one of the policy's transitions atomically; None when the ticket was not in a state it starts from."""
    from_states, to_state = policy.TRANSITIONS[transition]
    with engine.begin() as connection:
        row = connection.execute(sa.select(tickets.c.state).where(tickets.c.id == ticket_id)).first()
        if row is None or row.state not in from_states:
            return None
        updated = connection.execute(
            tickets.update()
            .where(tickets.c.id == ticket_id, tickets.c.state == row.state)
            .values(state=to_state, updated_at=now, **values)
        )
        if updated.rowcount != 1:
            return None
        _record_transition(connection, ticket_id=ticket_id, from_state=row.state, to_state=to_state, actor=actor, at=now)
        return _ticket(connection.execute(sa.select(tickets).where(tickets.c.id == ticket_id)).one())


def take_ticket(engine: Engine, *, ticket_id: int, agent_id: int, now: datetime) -> Ticket | None:
    """An agent takes a queued ticket; None when it is not queued any more (someone else took it)."""
    return _move(
        engine,
        ticket_id=ticket_id,
        transition="take",
        actor=f"agent:{agent_id}",
        now=now,
        agent_id=agent_id,
        taken_at=now,
    )


def transfer_to_agent(engine: Engine, *, ticket_id: int, by_agent: int, to_agent: int, now: datetime) -> Ticket | None:
    """Give an open ticket to another agent (it stays with staff)."""
    return _move(
        engine,
        ticket_id=ticket_id,
        transition="transfer_to_agent",
        actor=f"agent:{by_agent}",
        now=now,
        agent_id=to_agent,
        taken_at=now,
    )


def transfer_to_desk(engine: Engine, *, ticket_id: int, by_agent: int, desk_id: int, now: datetime) -> Ticket | None:
    """Put an open ticket back in the queue of another desk."""
    return _move(
        engine,
        ticket_id=ticket_id,
        transition="transfer_to_desk",
        actor=f"agent:{by_agent}",
        now=now,
        agent_id=None,
        desk_id=desk_id,
        taken_at=None,
    )


def close_ticket(engine: Engine, *, ticket_id: int, actor: str, now: datetime) -> Ticket | None:
    """Close an open ticket: the conversation goes back to the bot. None when it was not open."""
    return _move(
        engine, ticket_id=ticket_id, transition="close", actor=actor, now=now, open_key=None, closed_at=now
    )


def cancel_ticket(engine: Engine, *, conversation_id: str, now: datetime) -> Ticket | None:
    """The person cancels their request; None when nothing was open."""
    ticket = open_ticket_for(engine, conversation_id=conversation_id)
    if ticket is None:
        return None
    return _move(
        engine,
        ticket_id=ticket.id,
        transition="cancel",
        actor="person",
        now=now,
        open_key=None,
        closed_at=now,
    )


def awaiting_rating(engine: Engine, *, conversation_id: str, since: datetime) -> Ticket | None:
    """The conversation's last ticket if staff closed it after `since` and it has no rating yet."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(tickets)
            .where(tickets.c.conversation_id == conversation_id, tickets.c.state != QUEUED, tickets.c.state != WITH_STAFF)
            .order_by(tickets.c.id.desc())
            .limit(1)
        ).first()
    if row is None or row.state != CLOSED or row.rating is not None or row.closed_at is None or row.closed_at < since:
        return None
    return _ticket(row)


def record_rating(engine: Engine, *, ticket_id: int, rating: int) -> bool:
    """Store the person's 1–5 rating of a closed ticket, once."""
    if not 1 <= rating <= 5:
        raise ValueError("a rating is a whole number from 1 to 5")
    with engine.begin() as connection:
        result = connection.execute(
            tickets.update()
            .where(tickets.c.id == ticket_id, tickets.c.state == CLOSED, tickets.c.rating.is_(None))
            .values(rating=rating)
        )
    return result.rowcount == 1


def transitions_of(engine: Engine, *, ticket_id: int) -> list[Transition]:
    """A ticket's history of states, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(transitions).where(transitions.c.ticket_id == ticket_id).order_by(transitions.c.id))
        return [Transition(from_state=r.from_state, to_state=r.to_state, actor=r.actor, at=r.at) for r in rows]


# -- messages ---------------------------------------------------------------------------------


def add_message(
    engine: Engine,
    *,
    ticket_id: int,
    kind: str,
    body: str | None,
    now: datetime,
    author_id: int | None = None,
    media_url: str | None = None,
    media_content_type: str | None = None,
    message_ref: str | None = None,
    original: str | None = None,
) -> int | None:
    """Add a message to a ticket's transcript; None when `message_ref` was recorded already.

    `original` is what the agent wrote when `body` is its machine translation.
    """
    with engine.begin() as connection:
        insert = dialect_insert(connection)
        statement = insert(messages).values(
            ticket_id=ticket_id,
            kind=kind,
            body=body,
            author_id=author_id,
            media_url=media_url,
            media_content_type=media_content_type,
            message_ref=message_ref,
            created_at=now,
            original=original,
        )
        if message_ref is not None:
            statement = statement.on_conflict_do_nothing(index_elements=["message_ref"])
        result = connection.execute(statement)
        if result.rowcount != 1:
            return None
        return int(result.inserted_primary_key[0])


def ticket_messages(engine: Engine, *, ticket_id: int) -> list[TicketMessage]:
    """A ticket's messages, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(messages).where(messages.c.ticket_id == ticket_id).order_by(messages.c.id))
        return [_message(row) for row in rows]


def conversation_tickets(engine: Engine, *, conversation_id: str) -> list[Ticket]:
    """Every ticket of a conversation, oldest first."""
    with engine.connect() as connection:
        rows = connection.execute(sa.select(tickets).where(tickets.c.conversation_id == conversation_id).order_by(tickets.c.id))
        return [_ticket(row) for row in rows]


# -- privacy ----------------------------------------------------------------------------------


def _delete_tickets(connection: Connection, ids: list[int]) -> None:
    if ids:
        connection.execute(messages.delete().where(messages.c.ticket_id.in_(ids)))
        connection.execute(transitions.delete().where(transitions.c.ticket_id.in_(ids)))
        connection.execute(tickets.delete().where(tickets.c.id.in_(ids)))


def delete_conversation(engine: Engine, *, conversation_id: str) -> int:
    """Delete every ticket of a conversation with its transcript, notes and history; return how many tickets."""
    with engine.begin() as connection:
        ids = list(connection.scalars(sa.select(tickets.c.id).where(tickets.c.conversation_id == conversation_id)))
        _delete_tickets(connection, ids)
    return len(ids)


def purge_closed_before(engine: Engine, *, cutoff: datetime) -> int:
    """Delete tickets closed or cancelled before `cutoff` (retention); return how many."""
    with engine.begin() as connection:
        ids = list(
            connection.scalars(
                sa.select(tickets.c.id).where(tickets.c.state.in_((CLOSED, CANCELLED)), tickets.c.closed_at < cutoff)
            )
        )
        _delete_tickets(connection, ids)
    return len(ids)
