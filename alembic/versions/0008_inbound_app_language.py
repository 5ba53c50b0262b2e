"""Inbound messages keep the language the person's app declares (Telegram's language_code), so a
turn run later, or after a restart, still answers a first message in that language.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("channel_inbound") as batch:
        batch.add_column(sa.Column("app_language", sa.String(8)))


def downgrade() -> None:
    with op.batch_alter_table("channel_inbound") as batch:
        batch.drop_column("app_language")
