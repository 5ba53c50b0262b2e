"""Tables of the evidence store (``alembic/versions/0011_evidence.py``).

``evidence_counts`` holds counts under categories only; ``evidence_seen`` holds the one-way hash of
each counted event (so an event is counted once, whatever the broker redelivers) and
``evidence_cursor`` how far the SQL event broker's table was read. The retention purge leaves the
counts (not personal data: they are what survives it) and forgets event ids of weeks long past.
"""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

counts = sa.Table(
    "evidence_counts",
    metadata,
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

seen = sa.Table(
    "evidence_seen",
    metadata,
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("week", sa.Date, nullable=False, index=True),
)

cursors = sa.Table(
    "evidence_cursor",
    metadata,
    sa.Column("source", sa.String(40), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)
