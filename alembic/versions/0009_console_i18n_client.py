"""Console: the client address of each audit entry (sign-in attempts say where they came from) and
each staff account's console language.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("client", sa.String(64)))
    with op.batch_alter_table("staff_accounts") as batch:
        batch.add_column(sa.Column("language", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("staff_accounts") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("client")
