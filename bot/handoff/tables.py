"""Table definitions of the human handoff: desks, tickets, their transitions and messages.

Created by ``alembic/versions/0004_handoff.py``. A conversation is with the desk while it has an
open ticket (queued or with_staff); ``open_key`` holds the conversation id only while the ticket
is open, so a unique constraint allows one open ticket per conversation on every database.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

desks = sa.Table(
    "desks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(40), nullable=False, unique=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("hours", sa.JSON, nullable=False),
    sa.Column("countries", sa.JSON, nullable=False),
    sa.Column("languages", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
)

tickets = sa.Table(
    "handoff_tickets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("conversation_id", sa.String(80), nullable=False, index=True),
    sa.Column("open_key", sa.String(80), unique=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("language", sa.String(8)),
    sa.Column("country", sa.String(8)),
    sa.Column("reason", sa.String(24), nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False, default=False),
    sa.Column("summary", sa.JSON, nullable=False),
    sa.Column("desk_id", sa.Integer, sa.ForeignKey("desks.id", ondelete="SET NULL"), index=True),
    sa.Column("agent_id", sa.Integer, index=True),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("taken_at", sa.DateTime),
    sa.Column("closed_at", sa.DateTime),
    sa.Column("rating", sa.Integer),
)

transitions = sa.Table(
    "handoff_transitions",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("handoff_tickets.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("from_state", sa.String(16), nullable=False),
    sa.Column("to_state", sa.String(16), nullable=False),
    sa.Column("actor", sa.String(40), nullable=False),
    sa.Column("at", sa.DateTime, nullable=False),
)

messages = sa.Table(
    "handoff_messages",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("ticket_id", sa.Integer, sa.ForeignKey("handoff_tickets.id", ondelete="CASCADE"), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("body", sa.Text),
    sa.Column("author_id", sa.Integer),
    sa.Column("media_url", sa.Text),
    sa.Column("media_content_type", sa.String(120)),
    sa.Column("message_ref", sa.String(80), unique=True),
    sa.Column("outbox_id", sa.Integer),
    sa.Column("created_at", sa.DateTime, nullable=False),
    # What the agent wrote when `body` (what the person received) is its machine translation (0011).
    sa.Column("original", sa.Text),
)
