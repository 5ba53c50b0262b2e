"""Persistent state of the messaging channels: inbound messages, conversations and the outbox.

All SQL of the channels lives here. Functions are synchronous (call them through
``asyncio.to_thread`` from async code), take the engine and keyword-only arguments, and do one
unit of work each. The tables are created by ``alembic/versions/0002_channel_messages.py`` and
``0003_channel_names.py`` (claims: ``0006``, the app's language: ``0008``); every row names its
channel (whatsapp, telegram), and each channel's recovery and sender only touch their own rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

from bot.db import dialect_insert
from bot.infodb.session import engine_for

metadata = sa.MetaData()

inbound = sa.Table(
    "channel_inbound",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("message_sid", sa.String(64), nullable=False, unique=True),
    sa.Column("channel", sa.String(16), nullable=False, server_default="whatsapp"),
    sa.Column("conversation_id", sa.String(80), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("body", sa.Text),
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("media_url", sa.Text),
    sa.Column("media_content_type", sa.String(120)),
    sa.Column("app_language", sa.String(8)),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("received_at", sa.DateTime, nullable=False),
    sa.Column("processed_at", sa.DateTime),
    sa.Column("claimed_by", sa.String(40)),
    sa.Column("claimed_at", sa.DateTime),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Index("ix_channel_inbound_channel_status", "channel", "status"),
)

conversations = sa.Table(
    "channel_conversations",
    metadata,
    sa.Column("conversation_id", sa.String(80), primary_key=True),
    sa.Column("channel", sa.String(16), nullable=False, server_default="whatsapp"),
    sa.Column("address", sa.String(64), nullable=False),
    sa.Column("last_inbound_at", sa.DateTime, nullable=False),
    sa.Column("opted_out", sa.Boolean, nullable=False, default=False),
    sa.Column("last_buttons", sa.JSON),
)

outbox = sa.Table(
    "channel_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.String(80), nullable=False, index=True),
    sa.Column("channel", sa.String(16), nullable=False, server_default="whatsapp"),
    sa.Column("source_sid", sa.String(64)),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("next_attempt_at", sa.DateTime, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("sent_at", sa.DateTime),
    sa.Column("provider_sid", sa.String(64), index=True),
    sa.Column("delivery_status", sa.String(16)),
    sa.Column("error", sa.String(120)),
    sa.Column("claimed_by", sa.String(40)),
    sa.Column("claimed_at", sa.DateTime),
    sa.UniqueConstraint("source_sid", "position", name="uq_channel_outbox_source_position"),
    sa.Index("ix_channel_outbox_channel_status", "channel", "status"),
)

# Inbound states: received -> processing -> processed | failed (or ignored: an opt-out keyword).
RECEIVED, PROCESSING, PROCESSED, FAILED, IGNORED = "received", "processing", "processed", "failed", "ignored"
# Outbox states: pending -> sending -> sent | failed; never sent: outside_window, opted_out, unreachable.
PENDING, SENDING, SENT, OUTSIDE_WINDOW, OPTED_OUT = "pending", "sending", "sent", "outside_window", "opted_out"
UNREACHABLE = "unreachable"  # no address to send to (the person never wrote on this channel)
WHATSAPP = "whatsapp"
# How a channel updates a conversation's button map: (the map now, this message's buttons, the
# outbox id of the part that carries them) -> the new map.
ButtonMap = Callable[[list[dict[str, str]], list[dict[str, str]], int | None], list[dict[str, str]]]


@dataclass(frozen=True)
class Inbound:
    """An inbound message as Twilio delivered it."""

    message_sid: str
    conversation_id: str
    kind: str
    body: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    media_url: str | None = None
    media_content_type: str | None = None
    app_language: str | None = None  # the language the person's app declares (Telegram), a supported code
    attempt: int = 0  # how many times it was claimed, this claim included (1: a first run)


@dataclass(frozen=True)
class Conversation:
    """What the channel remembers about one person: where to reply and the WhatsApp rules' state."""

    conversation_id: str
    address: str
    last_inbound_at: datetime
    opted_out: bool
    last_buttons: list[dict[str, str]]
    channel: str = WHATSAPP


@dataclass(frozen=True)
class OutboxMessage:
    """One message waiting in (or gone through) the outbox."""

    id: int
    conversation_id: str
    body: str
    status: str
    attempts: int
    next_attempt_at: datetime
    provider_sid: str | None
    delivery_status: str | None
    source_sid: str | None
    position: int


@lru_cache(maxsize=4)
def channel_engine(url: str) -> Engine:
    """The engine of the channel store; on SQLite it keeps its connections open.

    SQLAlchemy 1.4 opens a new SQLite connection per checkout by default, which costs more than
    the insert on the webhook's acknowledgement path.
    """
    if not url.startswith("sqlite"):
        return engine_for(url)
    engine = sa.create_engine(url, future=True, poolclass=QueuePool, pool_size=4, connect_args={"check_same_thread": False})

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(connection, _record):  # type: ignore[no-untyped-def]
        cursor = connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()

    return engine


def create_all(engine: Engine) -> None:
    """Create the channel tables (tests and benchmarks; production uses the migration)."""
    metadata.create_all(engine)


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


def _inbound(row: Any) -> Inbound:
    return Inbound(
        message_sid=row.message_sid,
        conversation_id=row.conversation_id,
        kind=row.kind,
        body=row.body,
        latitude=row.latitude,
        longitude=row.longitude,
        media_url=row.media_url,
        media_content_type=row.media_content_type,
        app_language=row.app_language,
        attempt=row.attempts,
    )


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


def get_conversation(engine: Engine, *, conversation_id: str) -> Conversation | None:
    """The channel state of a conversation (None when the person never wrote)."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(conversations).where(conversations.c.conversation_id == conversation_id)).first()
    return _conversation(row) if row is not None else None


def _conversation(row: Any) -> Conversation:
    return Conversation(
        conversation_id=row.conversation_id,
        address=row.address,
        last_inbound_at=row.last_inbound_at,
        opted_out=bool(row.opted_out),
        last_buttons=list(row.last_buttons or []),
        channel=row.channel,
    )


def set_last_inbound(engine: Engine, *, conversation_id: str, when: datetime) -> None:
    """Set when the person last wrote (tests and staff tools)."""
    with engine.begin() as connection:
        connection.execute(
            conversations.update().where(conversations.c.conversation_id == conversation_id).values(last_inbound_at=when)
        )


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


def _outbox_message(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        conversation_id=row.conversation_id,
        body=row.body,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        provider_sid=row.provider_sid,
        delivery_status=row.delivery_status,
        source_sid=row.source_sid,
        position=row.position,
    )


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


FINAL_OUTBOX_STATES = (SENT, "failed", OUTSIDE_WINDOW, OPTED_OUT, UNREACHABLE)


def forget_conversation(engine: Engine, *, conversation_id: str) -> int:
    """A person's request to delete their data: erase what the channel kept of their messages.

    Inbound rows lose their text, coordinates and media reference (the MessageSid stays, so a late
    re-delivery is still recognised); replies already sent or closed are deleted. Replies not yet
    sent (the confirmation of this very deletion) and the reply address stay until they are
    delivered; the retention purge removes the address once the person has been quiet long enough.
    Returns how many replies were deleted.
    """
    with engine.begin() as connection:
        connection.execute(
            inbound.update()
            .where(inbound.c.conversation_id == conversation_id)
            .values(body=None, latitude=None, longitude=None, media_url=None, media_content_type=None)
        )
        deleted = connection.execute(
            outbox.delete().where(outbox.c.conversation_id == conversation_id, outbox.c.status.in_(FINAL_OUTBOX_STATES))
        ).rowcount
        connection.execute(
            conversations.update().where(conversations.c.conversation_id == conversation_id).values(last_buttons=[])
        )
    return int(deleted or 0)


def purge_before(engine: Engine, *, cutoff: datetime) -> int:
    """Retention: delete messages and closed replies older than `cutoff`, and the reply address of
    people who have not written since then (unless a reply to them is still waiting). Returns how
    many conversations lost their address."""
    with engine.begin() as connection:
        connection.execute(
            inbound.delete().where(inbound.c.received_at < cutoff, inbound.c.status.notin_((RECEIVED, PROCESSING)))
        )
        connection.execute(outbox.delete().where(outbox.c.created_at < cutoff, outbox.c.status.in_(FINAL_OUTBOX_STATES)))
        waiting = sa.select(outbox.c.conversation_id).where(outbox.c.status.notin_(FINAL_OUTBOX_STATES))
        removed = connection.execute(
            conversations.delete().where(
                conversations.c.last_inbound_at < cutoff, conversations.c.conversation_id.notin_(waiting)
            )
        ).rowcount
    return int(removed or 0)
