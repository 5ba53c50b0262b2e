"""The outbox: replies queued in order, claimed, sent once, their delivery states."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.channels.store.records import Conversation, OutboxMessage, _conversation, _outbox_message
from bot.channels.store.tables import (
    PENDING,
    SENDING,
    SENT,
    WHATSAPP,
    ButtonMap,
    conversations,
    outbox,
)
from bot.db import dialect_insert


def queue_reply(
    engine: Engine,
    *,
    conversation_id: str,
    source_sid: str | None,
    position: int,
    parts: list[str],
    buttons: list[dict[str, str]],
    status_for: Callable[[Conversation | None], str],
    now: datetime,
    channel: str = WHATSAPP,
    button_map: ButtonMap | None = None,
) -> str:
    """Queue the parts of one bot message and remember its buttons, in one transaction.

    `status_for` decides from the conversation whether the message may be sent (pending) or not
    (opted_out, outside_window). A part already queued for (source_sid, position) is kept as it
    is, so a turn run again after a restart does not queue its replies twice. The conversation's
    button map becomes `buttons` (the last message's buttons), or what `button_map` makes of it
    (told the outbox id of the last part, which carries the buttons). Returns the status.
    """
    with engine.begin() as connection:
        row = connection.execute(sa.select(conversations).where(conversations.c.conversation_id == conversation_id)).first()
        status = status_for(_conversation(row) if row is not None else None)
        insert = dialect_insert(connection)
        last_id: int | None = None
        for offset, part in enumerate(parts):
            values = {
                "conversation_id": conversation_id,
                "channel": channel,
                "source_sid": source_sid,
                "position": position + offset,
                "body": part,
                "status": status,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            result = connection.execute(
                insert(outbox).values(**values).on_conflict_do_nothing(index_elements=["source_sid", "position"])
            )
            if result.rowcount == 1 and result.inserted_primary_key:
                last_id = int(result.inserted_primary_key[0])
            elif source_sid is not None:  # queued before a restart: the same row
                last_id = connection.scalar(
                    sa.select(outbox.c.id).where(outbox.c.source_sid == source_sid, outbox.c.position == position + offset)
                )
        # A numbered reply answers the turn's last menu: a later message of the same turn without
        # buttons (e.g. "you are in the queue" after a country menu) does not clear it.
        keeps_menu = button_map is None and not buttons and position > 0
        old_map = list(row.last_buttons or []) if row is not None else []
        new_map = buttons if button_map is None else button_map(old_map, buttons, last_id)
        if row is not None and not keeps_menu and new_map != old_map:  # unchanged: no write
            connection.execute(
                conversations.update().where(conversations.c.conversation_id == conversation_id).values(last_buttons=new_map)
            )
    return status


def due_messages(engine: Engine, *, now: datetime, limit: int = 100, channel: str = WHATSAPP) -> list[OutboxMessage]:
    """The next pending message of each conversation of a channel, when due (keeps each conversation in order).

    The first unsent message of each conversation is found by the database (one grouped scan of the
    unsent rows), so a long backlog (Telegram's pacing builds one) costs little on every round.
    """
    first = (
        sa.select(sa.func.min(outbox.c.id))
        .where(outbox.c.channel == channel, outbox.c.status.in_([PENDING, SENDING]))
        .group_by(outbox.c.conversation_id)
    )
    query = (
        sa.select(outbox)
        .where(outbox.c.id.in_(first), outbox.c.status == PENDING, outbox.c.next_attempt_at <= now)
        .order_by(outbox.c.id)
        .limit(limit)
    )
    with engine.connect() as connection:
        return [_outbox_message(row) for row in connection.execute(query)]


def next_due_at(engine: Engine, *, channel: str = WHATSAPP) -> datetime | None:
    """When the earliest pending message of a channel at the head of its conversation becomes due.

    A message queued behind one that waits for a retry is not due before it: counting it made
    the sender poll without pause during an API outage.
    """
    heads = (
        sa.select(sa.func.min(outbox.c.id))
        .where(outbox.c.channel == channel, outbox.c.status.in_([PENDING, SENDING]))
        .group_by(outbox.c.conversation_id)
        .scalar_subquery()
    )
    query = sa.select(sa.func.min(outbox.c.next_attempt_at)).where(outbox.c.status == PENDING, outbox.c.id.in_(heads))
    with engine.connect() as connection:
        return connection.scalar(query)


def claim_message(engine: Engine, *, message_id: int, owner: str | None = None, now: datetime | None = None) -> bool:
    """Take a pending message for sending; False when another sender took it."""
    with engine.begin() as connection:
        result = connection.execute(
            outbox.update()
            .where(outbox.c.id == message_id, outbox.c.status == PENDING)
            .values(status=SENDING, claimed_by=owner, claimed_at=now or datetime.utcnow())
        )
    return result.rowcount == 1


def mark_sent(engine: Engine, *, message_id: int, provider_sid: str | None, now: datetime) -> None:
    """Record that Twilio accepted a message."""
    with engine.begin() as connection:
        connection.execute(
            outbox.update()
            .where(outbox.c.id == message_id)
            .values(status=SENT, provider_sid=provider_sid, sent_at=now, attempts=outbox.c.attempts + 1, error=None)
        )


def schedule_retry(engine: Engine, *, message_id: int, next_attempt_at: datetime, error: str) -> None:
    """Put a message back in the queue after a temporary failure."""
    with engine.begin() as connection:
        connection.execute(
            outbox.update()
            .where(outbox.c.id == message_id)
            .values(status=PENDING, attempts=outbox.c.attempts + 1, next_attempt_at=next_attempt_at, error=error[:120])
        )


def close_message(engine: Engine, *, message_id: int, status: str, error: str | None = None) -> None:
    """Give a message a final state that is not 'sent' (failed, outside_window, opted_out)."""
    with engine.begin() as connection:
        values: dict[str, Any] = {"status": status}
        if error is not None:
            values["error"] = error[:120]
        connection.execute(outbox.update().where(outbox.c.id == message_id).values(**values))


def record_delivery(engine: Engine, *, provider_sid: str, delivery_status: str) -> bool:
    """Record a delivery status callback; False when the message is unknown."""
    with engine.begin() as connection:
        result = connection.execute(
            outbox.update().where(outbox.c.provider_sid == provider_sid).values(delivery_status=delivery_status[:16])
        )
    return result.rowcount > 0


def outbox_messages(engine: Engine, *, conversation_id: str | None = None) -> list[OutboxMessage]:
    """Every outbox message (of one conversation), oldest first."""
    query = sa.select(outbox).order_by(outbox.c.id)
    if conversation_id is not None:
        query = query.where(outbox.c.conversation_id == conversation_id)
    with engine.connect() as connection:
        return [_outbox_message(row) for row in connection.execute(query)]


def outbox_states(engine: Engine, *, source_sids: list[str]) -> dict[str, list[tuple[str, str | None, str | None]]]:
    """(status, delivery status, error) of each part queued for these sources, in order."""
    if not source_sids:
        return {}
    query = sa.select(outbox).where(outbox.c.source_sid.in_(source_sids)).order_by(outbox.c.source_sid, outbox.c.position)
    states: dict[str, list[tuple[str, str | None, str | None]]] = {}
    with engine.connect() as connection:
        for row in connection.execute(query):
            states.setdefault(row.source_sid, []).append((row.status, row.delivery_status, row.error))
    return states
