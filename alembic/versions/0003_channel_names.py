"""Channel tables name their channel (whatsapp, telegram, webchat), so each channel's sender and
restart recovery only touch their own rows, and the console knows how to reach a person.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("channel_inbound", "channel_conversations", "channel_outbox")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("channel", sa.String(16), nullable=False, server_default="whatsapp"))
    op.create_index("ix_channel_inbound_channel_status", "channel_inbound", ["channel", "status"])
    op.create_index("ix_channel_outbox_channel_status", "channel_outbox", ["channel", "status"])


def downgrade() -> None:
    op.drop_index("ix_channel_outbox_channel_status", "channel_outbox")
    op.drop_index("ix_channel_inbound_channel_status", "channel_inbound")
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("channel")
