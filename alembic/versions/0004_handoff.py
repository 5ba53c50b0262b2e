"""Human handoff: desks, tickets (one open per conversation), transitions and messages.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "desks",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(40), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("hours", sa.JSON, nullable=False),
        sa.Column("countries", sa.JSON, nullable=False),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    )
    op.create_table(
        "handoff_tickets",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(80), nullable=False, index=True),
        sa.Column("open_key", sa.String(80), unique=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("language", sa.String(8)),
        sa.Column("country", sa.String(8)),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("urgent", sa.Boolean, nullable=False, server_default=sa.false()),
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
    op.create_table(
        "handoff_transitions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "ticket_id", sa.Integer, sa.ForeignKey("handoff_tickets.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("from_state", sa.String(16), nullable=False),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(40), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "handoff_messages",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column(
            "ticket_id", sa.Integer, sa.ForeignKey("handoff_tickets.id", ondelete="CASCADE"), nullable=False, index=True
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.Text),
        sa.Column("author_id", sa.Integer),
        sa.Column("media_url", sa.Text),
        sa.Column("media_content_type", sa.String(120)),
        sa.Column("message_ref", sa.String(80), unique=True),
        sa.Column("outbox_id", sa.Integer),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("handoff_messages")
    op.drop_table("handoff_transitions")
    op.drop_table("handoff_tickets")
    op.drop_table("desks")
