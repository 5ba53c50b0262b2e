"""A staff reply sent machine-translated keeps what the agent wrote beside what the person received.

The column lives on the message row, so the retention purge and "delete my data" remove it with the
ticket's messages.

Revision ID: 0011
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("handoff_messages") as batch:
        batch.add_column(sa.Column("original", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("handoff_messages") as batch:
        batch.drop_column("original")
