"""Inbound messages: stored before they are acknowledged, claimed once, closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine

from bot.channels.store.records import Inbound, _inbound
from bot.channels.store.tables import (
    PENDING,
    PROCESSING,
    RECEIVED,
    SENDING,
    WHATSAPP,
    conversations,
    inbound,
    outbox,
)


@dataclass(frozen=True)
class NewInbound:
    """One acknowledged delivery to record: the message, the reply address and the opt-out flag."""

    message: Inbound
    address: str
    opted_out: bool
    now: datetime
    channel: str = WHATSAPP


@lru_cache(maxsize=4)
def _acknowledgement_statements(dialect: str) -> tuple[Any, Any]:
    """The two statements of an acknowledgement, built once: SQLAlchemy then reuses their compiled form.

    Statements built with ``.values(...)`` per message were compiled again for every message,
    which cost more CPU than the database work on the acknowledgement path.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    new_message = insert(inbound).on_conflict_do_nothing(index_elements=["message_sid"])
    upsert = insert(conversations)
    refreshed = {name: upsert.excluded[name] for name in ("address", "last_inbound_at", "opted_out")}
    return new_message, upsert.on_conflict_do_update(index_elements=["conversation_id"], set_=refreshed)


# PostgreSQL: a whole batch in one round trip and one fixed statement (arrays unnested), so
# neither the compile nor the round trips grow with the batch.
_PG_NEW_MESSAGES = sa.text(
    "INSERT INTO channel_inbound (message_sid, channel, conversation_id, kind, body, latitude, longitude, media_url,"
    " media_content_type, app_language, status, received_at)"
    " SELECT * FROM unnest(CAST(:message_sid AS varchar[]), CAST(:channel AS varchar[]), CAST(:conversation_id AS varchar[]),"
    " CAST(:kind AS varchar[]), CAST(:body AS text[]), CAST(:latitude AS float8[]), CAST(:longitude AS float8[]),"
    " CAST(:media_url AS text[]), CAST(:media_content_type AS varchar[]), CAST(:app_language AS varchar[]),"
    " CAST(:status AS varchar[]),"
    " CAST(:received_at AS timestamp[]))"
    " ON CONFLICT (message_sid) DO NOTHING RETURNING message_sid"
)


_PG_CONVERSATIONS = sa.text(
    "INSERT INTO channel_conversations (conversation_id, channel, address, last_inbound_at, opted_out)"
    " SELECT * FROM unnest(CAST(:conversation_id AS varchar[]), CAST(:channel AS varchar[]), CAST(:address AS varchar[]),"
    " CAST(:last_inbound_at AS timestamp[]), CAST(:opted_out AS boolean[]))"
    " ON CONFLICT (conversation_id) DO UPDATE SET address = excluded.address,"
    " last_inbound_at = excluded.last_inbound_at, opted_out = excluded.opted_out"
)


def _columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {name: [row[name] for row in rows] for name in rows[0]}


def _inbound_row(item: NewInbound) -> dict[str, Any]:
    message = item.message
    return {
        "message_sid": message.message_sid,
        "channel": item.channel,
        "conversation_id": message.conversation_id,
        "kind": message.kind,
        "body": message.body,
        "latitude": message.latitude,
        "longitude": message.longitude,
        "media_url": message.media_url,
        "media_content_type": message.media_content_type,
        "app_language": message.app_language,
        "status": RECEIVED,
        "received_at": item.now,
    }


def record_inbound_many(engine: Engine, *, items: list[NewInbound]) -> list[bool]:
    """`record_inbound` for several deliveries in one transaction; True for each new MessageSid.

    INSERT ... ON CONFLICT DO NOTHING is as atomic as the unique constraint itself: of two
    deliveries of one MessageSid, in one batch or in concurrent ones, exactly one inserts.
    Rows are written in one global order (messages by MessageSid, then conversations by id) so
    two concurrent batches on PostgreSQL wait for each other instead of deadlocking.
    """
    created: dict[int, bool] = {}
    order = sorted(range(len(items)), key=lambda i: items[i].message.message_sid)
    with engine.begin() as connection:
        new_message, upsert = _acknowledgement_statements(connection.dialect.name)
        rows = [_inbound_row(items[i]) for i in order]
        postgres = connection.dialect.name == "postgresql"
        if postgres:
            inserted = set(connection.scalars(_PG_NEW_MESSAGES, _columns(rows)))
            seen: set[str] = set()
            for index in order:
                sid = items[index].message.message_sid
                created[index] = sid in inserted and sid not in seen
                seen.add(sid)
        else:
            # SQLAlchemy 1.4 has no RETURNING on SQLite; in-process statements are cheap.
            for index, row in zip(order, rows, strict=True):
                created[index] = connection.execute(new_message, row).rowcount == 1
        # One row per conversation (the last of its new messages: its opt-out state wins), in id order.
        latest = {items[i].message.conversation_id: items[i] for i in range(len(items)) if created[i]}
        refreshed = [
            {
                "conversation_id": cid,
                "channel": item.channel,
                "address": item.address,
                "last_inbound_at": item.now,
                "opted_out": item.opted_out,
            }
            for cid, item in sorted(latest.items())
        ]
        if refreshed:
            connection.execute(_PG_CONVERSATIONS, _columns(refreshed)) if postgres else connection.execute(upsert, refreshed)
    return [created[i] for i in range(len(items))]


def record_inbound(
    engine: Engine, *, message: Inbound, address: str, opted_out: bool, now: datetime, channel: str = WHATSAPP
) -> bool:
    """Store one new inbound message and refresh its conversation; False when the MessageSid is known."""
    item = NewInbound(message=message, address=address, opted_out=opted_out, now=now, channel=channel)
    return record_inbound_many(engine, items=[item])[0]


def reset_interrupted(engine: Engine, *, channel: str = WHATSAPP) -> None:
    """Make work that a stopped process of this channel left half-done pending again (call once at start).

    Only safe when one process uses the database: it also takes the work in progress of a
    running instance. Shared databases use ``recover_claims`` and ``release_claims``.
    """
    with engine.begin() as connection:
        connection.execute(
            inbound.update().where(inbound.c.channel == channel, inbound.c.status == PROCESSING).values(status=RECEIVED)
        )
        connection.execute(outbox.update().where(outbox.c.channel == channel, outbox.c.status == SENDING).values(status=PENDING))


def unprocessed(engine: Engine, *, channel: str = WHATSAPP) -> list[str]:
    """MessageSids of this channel stored but not processed yet, oldest first."""
    with engine.connect() as connection:
        query = (
            sa.select(inbound.c.message_sid)
            .where(inbound.c.channel == channel, inbound.c.status == RECEIVED)
            .order_by(inbound.c.id)
        )
        return list(connection.scalars(query))


def claim_inbound(engine: Engine, *, message_sid: str, owner: str | None = None, now: datetime | None = None) -> Inbound | None:
    """Take a received message for processing; None when another task (or instance) already took it.

    One UPDATE ... WHERE status = 'received': on PostgreSQL a concurrent claim waits for the row
    lock, sees the new status and updates nothing, so exactly one claimer wins.
    """
    claim = (
        inbound.update()
        .where(inbound.c.message_sid == message_sid, inbound.c.status == RECEIVED)
        .values(status=PROCESSING, claimed_by=owner, claimed_at=now or datetime.utcnow(), attempts=inbound.c.attempts + 1)
    )
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # one round trip: the claimed row comes back with the claim
            returned = connection.execute(claim.returning(*inbound.c)).first()
            return _inbound(returned) if returned is not None else None
        if connection.execute(claim).rowcount != 1:
            return None
        row = connection.execute(sa.select(inbound).where(inbound.c.message_sid == message_sid)).one()
    return _inbound(row)


def get_inbound(engine: Engine, *, message_sid: str) -> Inbound | None:
    """A stored inbound message as it is now (None when unknown)."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(inbound).where(inbound.c.message_sid == message_sid)).first()
    return _inbound(row) if row is not None else None


def finish_inbound(engine: Engine, *, message_sid: str, status: str, now: datetime) -> None:
    """Close a message; its text and coordinates are erased (the media reference stays for staff)."""
    with engine.begin() as connection:
        connection.execute(
            inbound.update()
            .where(inbound.c.message_sid == message_sid)
            .values(status=status, processed_at=now, body=None, latitude=None, longitude=None)
        )


def inbound_status(engine: Engine, *, message_sid: str) -> str | None:
    """The processing state of an inbound message (None when unknown)."""
    with engine.connect() as connection:
        return connection.scalar(sa.select(inbound.c.status).where(inbound.c.message_sid == message_sid))


def count_inbound(engine: Engine) -> int:
    """How many inbound messages are stored."""
    with engine.connect() as connection:
        return int(connection.scalar(sa.select(sa.func.count()).select_from(inbound)) or 0)


def media_of(engine: Engine, *, message_sid: str) -> tuple[str | None, str | None]:
    """The media reference (URL, content type) of an inbound message, for staff."""
    with engine.connect() as connection:
        row = connection.execute(
            sa.select(inbound.c.media_url, inbound.c.media_content_type).where(inbound.c.message_sid == message_sid)
        ).one()
    return row.media_url, row.media_content_type
