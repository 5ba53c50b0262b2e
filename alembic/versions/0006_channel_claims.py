"""Channel claims carry an owner and a heartbeat time, so instances sharing one database never
take each other's work: only a claim whose owner stopped renewing it is recovered.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_inbound") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(40)))
        batch.add_column(sa.Column("claimed_at", sa.DateTime))
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
    with op.batch_alter_table("channel_outbox") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(40)))
        batch.add_column(sa.Column("claimed_at", sa.DateTime))


def downgrade() -> None:
    with op.batch_alter_table("channel_outbox") as batch:
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
    with op.batch_alter_table("channel_inbound") as batch:
        batch.drop_column("attempts")
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
