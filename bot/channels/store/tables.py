"""The channel tables, their states and the engine."""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.pool import QueuePool

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


FINAL_OUTBOX_STATES = (SENT, "failed", OUTSIDE_WINDOW, OPTED_OUT, UNREACHABLE)


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
