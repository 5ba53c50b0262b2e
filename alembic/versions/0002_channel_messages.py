"""Messaging channels: inbound messages (MessageSid unique), conversations and the outbox.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "channel_inbound",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("message_sid", sa.String(64), nullable=False, unique=True),
        sa.Column("conversation_id", sa.String(80), nullable=False, index=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("body", sa.Text),
        sa.Column("latitude", sa.Float),
        sa.Column("longitude", sa.Float),
        sa.Column("media_url", sa.Text),
        sa.Column("media_content_type", sa.String(120)),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("processed_at", sa.DateTime),
    )
    op.create_table(
        "channel_conversations",
        sa.Column("conversation_id", sa.String(80), primary_key=True),
        sa.Column("address", sa.String(64), nullable=False),
        sa.Column("last_inbound_at", sa.DateTime, nullable=False),
        sa.Column("opted_out", sa.Boolean, nullable=False),
        sa.Column("last_buttons", sa.JSON),
    )
    op.create_table(
        "channel_outbox",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("conversation_id", sa.String(80), nullable=False, index=True),
        sa.Column("source_sid", sa.String(64)),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("provider_sid", sa.String(64), index=True),
        sa.Column("delivery_status", sa.String(16)),
        sa.Column("error", sa.String(120)),
        sa.UniqueConstraint("source_sid", "position", name="uq_channel_outbox_source_position"),
    )


def downgrade() -> None:
    for table in ("channel_outbox", "channel_conversations", "channel_inbound"):
        op.drop_table(table)
