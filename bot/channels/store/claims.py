"""Claims of inbound messages and outbox rows: renewed by their instance, recovered after a stop."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.channels.store.tables import (
    PENDING,
    PROCESSING,
    RECEIVED,
    SENDING,
    inbound,
    outbox,
)


def renew_claims(engine: Engine, *, owner: str, now: datetime, channel: str = "whatsapp") -> None:
    """The heartbeat of a running instance: its claims in progress are still alive at `now`."""
    with engine.begin() as connection:
        connection.execute(
            inbound.update()
            .where(inbound.c.claimed_by == owner, inbound.c.status == PROCESSING, inbound.c.channel == channel)
            .values(claimed_at=now)
        )
        connection.execute(
            outbox.update()
            .where(outbox.c.claimed_by == owner, outbox.c.status == SENDING, outbox.c.channel == channel)
            .values(claimed_at=now)
        )


def recover_claims(engine: Engine, *, stale_before: datetime, channel: str = "whatsapp") -> int:
    """Make claims whose owner stopped renewing them (a crashed instance) available again.

    A live instance renews its claims (``renew_claims``) more often than the lease, so its work
    in progress is never taken by another instance sharing the database. Returns how many.
    """
    with engine.begin() as connection:
        taken = connection.execute(
            inbound.update()
            .where(inbound.c.status == PROCESSING, inbound.c.channel == channel)
            .where(sa.or_(inbound.c.claimed_at.is_(None), inbound.c.claimed_at < stale_before))
            .values(status=RECEIVED)
        ).rowcount
        sending = connection.execute(
            outbox.update()
            .where(outbox.c.status == SENDING, outbox.c.channel == channel)
            .where(sa.or_(outbox.c.claimed_at.is_(None), outbox.c.claimed_at < stale_before))
            .values(status=PENDING)
        ).rowcount
    return int(taken or 0) + int(sending or 0)


def release_claims(engine: Engine, *, owner: str, channel: str = "whatsapp") -> None:
    """Give back an instance's unfinished work when it stops, so the next start takes it at once."""
    with engine.begin() as connection:
        connection.execute(
            inbound.update()
            .where(inbound.c.claimed_by == owner, inbound.c.status == PROCESSING, inbound.c.channel == channel)
            .values(status=RECEIVED)
        )
        connection.execute(
            outbox.update()
            .where(outbox.c.claimed_by == owner, outbox.c.status == SENDING, outbox.c.channel == channel)
            .values(status=PENDING)
        )
