"""Evidence: counts by week and category (no text, identifier or exact time), counted event ids, reader positions.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "evidence_counts",
        sa.Column("week", sa.Date, primary_key=True),
        sa.Column("desk", sa.String(40), primary_key=True),
        sa.Column("country", sa.String(8), primary_key=True),
        sa.Column("question_country", sa.String(8), primary_key=True),
        sa.Column("language", sa.String(8), primary_key=True),
        sa.Column("channel", sa.String(24), primary_key=True),
        sa.Column("topic", sa.String(48), primary_key=True),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("value", sa.String(24), primary_key=True),
        sa.Column("count", sa.Integer, nullable=False),
    )
    op.create_table(
        "evidence_seen",
        sa.Column("event_id", sa.String(64), primary_key=True),
        sa.Column("week", sa.Date, nullable=False, index=True),
    )
    op.create_table(
        "evidence_cursor",
        sa.Column("source", sa.String(40), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("evidence_cursor")
    op.drop_table("evidence_seen")
    op.drop_table("evidence_counts")
