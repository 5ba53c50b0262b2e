"""The evidence store's SQL: count observations once each, read counts back under filters."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from bot.db import dialect_insert
from bot.evidence.model import Cell, Observation
from bot.evidence.tables import counts, cursors, metadata, seen
from bot.handoff import tables as handoff_tables
from bot.handoff.store import CLOSED, STAFF

# The cursor row that keeps the week before which event ids were forgotten (its date's ordinal).
SEEN_HORIZON = "seen-horizon"

CELL_COLUMNS = tuple(f.name for f in fields(Cell))


@dataclass(frozen=True)
class Filters:
    """Which counts a page or an export reads (None: any)."""

    since: date | None = None
    until: date | None = None
    country: str | None = None
    language: str | None = None
    channel: str | None = None
    desk: str | None = None


@dataclass(frozen=True)
class Count:
    """A stored count under its cell."""

    cell: Cell
    count: int


def create_all(engine: Engine) -> None:
    """Create the tables (tests; deployments migrate with Alembic)."""
    metadata.create_all(engine)


def _mark_seen(connection: Connection, observation: Observation) -> bool:
    insert = dialect_insert(connection)(seen).values(event_id=observation.event_id, week=observation.cell.week)
    result = connection.execute(insert.on_conflict_do_nothing(index_elements=["event_id"]))
    return bool(result.rowcount == 1)


def _add(connection: Connection, cell: Cell, amount: int) -> None:
    values = {name: getattr(cell, name) for name in CELL_COLUMNS}
    insert = dialect_insert(connection)(counts).values(**values, count=amount)
    connection.execute(
        insert.on_conflict_do_update(index_elements=list(CELL_COLUMNS), set_={"count": counts.c.count + insert.excluded.count})
    )


def _horizon(connection: Connection) -> date | None:
    found = connection.execute(sa.select(cursors.c.position).where(cursors.c.source == SEEN_HORIZON)).scalar()
    return date.fromordinal(int(found)) if found else None


def record_with(connection: Connection, observations: Iterable[Observation]) -> int:
    """Count each observation whose event was not counted before, inside the caller's transaction.

    Events of weeks before the horizon (``forget_seen_before``) are no longer told apart: they were
    counted when they arrived, so a late redelivery of one is not counted again."""
    added: Counter[Cell] = Counter()
    horizon = _horizon(connection)
    for observation in observations:
        if horizon is not None and observation.cell.week < horizon:
            continue
        if _mark_seen(connection, observation):
            added[observation.cell] += 1
    for cell, amount in added.items():
        _add(connection, cell, amount)
    return sum(added.values())


def record(engine: Engine, observations: Iterable[Observation], *, source: str | None = None,
           position: int | None = None) -> int:
    """Count a batch in one transaction (with the reader's new position, when given); the number newly counted.

    The event ids and the counts commit together: a batch interrupted half-way counts nothing, and a
    batch read again after a crash counts only what was not counted before.
    """
    with engine.begin() as connection:
        counted = record_with(connection, observations)
        if source is not None and position is not None:
            _set_position(connection, source, position)
    return counted


def forget_seen_before(engine: Engine, *, week: date) -> int:
    """Forget the ids of events of weeks before ``week`` (the table would otherwise grow for ever) and
    move the horizon there, so that none of them can be counted twice; the number forgotten."""
    with engine.begin() as connection:
        current = _horizon(connection)
        if current is None or week > current:
            _set_position(connection, SEEN_HORIZON, week.toordinal())
        return int(connection.execute(sa.delete(seen).where(seen.c.week < week)).rowcount or 0)


def _set_position(connection: Connection, source: str, position: int) -> None:
    insert = dialect_insert(connection)(cursors).values(source=source, position=position)
    connection.execute(insert.on_conflict_do_update(index_elements=["source"], set_={"position": position}))


def position(engine: Engine, *, source: str) -> int:
    """How far a source was read (0 before the first batch)."""
    with engine.connect() as connection:
        found = connection.execute(sa.select(cursors.c.position).where(cursors.c.source == source)).scalar()
    return int(found or 0)


def read_counts(engine: Engine, *, filters: Filters = Filters(), kinds: tuple[str, ...] | None = None) -> list[Count]:
    """The stored counts that match the filters, oldest week first."""
    query = sa.select(counts)
    if filters.since is not None:
        query = query.where(counts.c.week >= filters.since)
    if filters.until is not None:
        query = query.where(counts.c.week <= filters.until)
    for name in ("country", "language", "channel", "desk"):
        wanted = getattr(filters, name)
        if wanted:
            query = query.where(counts.c[name] == wanted)
    if kinds is not None:
        query = query.where(counts.c.kind.in_(kinds))
    query = query.order_by(counts.c.week)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    # The table's columns are the cell's fields in order, then the count.
    return [Count(Cell(*row[:-1]), int(row[-1])) for row in rows]


def choices(engine: Engine) -> dict[str, list[str]]:
    """The values each filter can take (countries, languages, channels, desks present in the counts)."""
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for name in ("country", "language", "channel", "desk"):
            column = counts.c[name]
            query = sa.select(column).where(column != "").distinct().order_by(column)
            found[name] = [str(value) for value in connection.execute(query).scalars()]
    return found


@dataclass(frozen=True)
class ClosedTicket:
    """What the evidence needs of a closed ticket: categories and times, never its conversation."""

    id: int
    desk: str
    country: str
    language: str
    channel: str
    reason: str
    created_at: datetime
    closed_at: datetime
    first_reply_at: datetime | None
    rating: int | None


def closed_tickets(engine: Engine, *, closed_since: datetime) -> list[ClosedTicket]:
    """Tickets closed since a moment, with their desk's code and the time of the first staff reply."""
    t, d, m = handoff_tables.tickets, handoff_tables.desks, handoff_tables.messages
    first_reply = (
        sa.select(sa.func.min(m.c.created_at)).where(m.c.ticket_id == t.c.id, m.c.kind == STAFF).scalar_subquery()
    )
    query = (
        sa.select(t.c.id, d.c.code, t.c.country, t.c.language, t.c.channel, t.c.reason, t.c.created_at, t.c.closed_at,
                  first_reply.label("first_reply_at"), t.c.rating)
        .select_from(t.outerjoin(d, d.c.id == t.c.desk_id))
        .where(t.c.state == CLOSED, t.c.closed_at.is_not(None), t.c.closed_at >= closed_since)
        .order_by(t.c.id)
    )
    with engine.connect() as connection:
        return [
            ClosedTicket(row.id, row.code or "", row.country or "", row.language or "", row.channel or "", row.reason,
                         row.created_at, row.closed_at, row.first_reply_at, row.rating)
            for row in connection.execute(query)
        ]
