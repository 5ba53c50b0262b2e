"""Handoff waits and ratings from the tickets, counted once per closed ticket and once per rating."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.evidence import store
from bot.evidence.model import FIRST_REPLY, RATING, TO_CLOSE, Cell, Observation, clean_code, wait_bucket, week_of

SOURCE = "handoff_tickets"
# A rating can come up to a day after the close (bot/handoff/gate.py RATING_WINDOW): read tickets again
# for a little longer than that; the ids already counted are skipped.
LOOK_BACK = timedelta(hours=36)


def _id(ticket_id: int, what: str) -> str:
    return hashlib.sha256(f"ticket\x1f{ticket_id}\x1f{what}".encode()).hexdigest()


def observe(ticket: store.ClosedTicket) -> list[Observation]:
    """The observations of one closed ticket: wait to close, wait to the first staff reply, rating."""
    base = Cell(week=week_of(ticket.created_at), desk=ticket.desk[:40], country=clean_code(ticket.country),
                language=clean_code(ticket.language), channel=clean_code(ticket.channel, 24),
                topic=clean_code(ticket.reason, 48))
    found = [Observation(_id(ticket.id, TO_CLOSE),
                         replace(base, kind=TO_CLOSE, value=wait_bucket(ticket.closed_at - ticket.created_at)))]
    if ticket.first_reply_at is not None:
        found.append(Observation(_id(ticket.id, FIRST_REPLY), replace(
            base, kind=FIRST_REPLY, value=wait_bucket(ticket.first_reply_at - ticket.created_at))))
    if ticket.rating is not None:
        found.append(Observation(_id(ticket.id, RATING), replace(base, kind=RATING, value=str(ticket.rating))))
    return found


def collect(engine: Engine, *, now: datetime) -> int:
    """Count the tickets closed since the last collection (less the look-back); the number newly counted.

    Run before the retention purge removes a ticket: the consumer collects on every poll.
    """
    since = datetime.utcfromtimestamp(store.position(engine, source=SOURCE)) - LOOK_BACK
    observations = [o for ticket in store.closed_tickets(engine, closed_since=since) for o in observe(ticket)]
    return store.record(engine, observations, source=SOURCE, position=int((now - datetime(1970, 1, 1)).total_seconds()))
