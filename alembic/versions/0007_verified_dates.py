"""Content may be unverified: ``verified_at`` is the day a person last checked an item against its
sources, and NULL until someone has. Imports used to write the import day there.

Hotlines and help points could only get that date from an import, so it is cleared for them.
Answers keep theirs: a supervisor may have marked one verified in the console.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("answers", "help_points", "hotlines")
IMPORT_DATED = ("help_points", "hotlines")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("verified_at", existing_type=sa.Date, nullable=True)
    for table in IMPORT_DATED:
        op.execute(sa.text(f"UPDATE {table} SET verified_at = NULL"))


def downgrade() -> None:
    for table in TABLES:
        op.execute(sa.text(f"UPDATE {table} SET verified_at = CURRENT_DATE WHERE verified_at IS NULL"))
        with op.batch_alter_table(table) as batch:
            batch.alter_column("verified_at", existing_type=sa.Date, nullable=False)
