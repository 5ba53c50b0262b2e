"""Information database: facts, topics, answers with texts and sources, help points, hotlines.

Also the full-text index of answer texts: an FTS5 table kept in step by triggers on SQLite, a GIN
expression index on PostgreSQL.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "facts",
        sa.Column("id", sa.String(8), primary_key=True),
        sa.Column("country", sa.String(80), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("source_date", sa.Text, nullable=False),
        sa.Column("flag", sa.Text, nullable=False),
    )
    op.create_table("topics", sa.Column("id", sa.String(64), primary_key=True))
    op.create_table(
        "answers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("topic_id", sa.String(64), sa.ForeignKey("topics.id"), nullable=False, index=True),
        sa.Column("country", sa.String(16), nullable=False),
        sa.Column("verified_at", sa.Date, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("topic_id", "country", name="uq_answers_topic_country"),
    )
    op.create_table(
        "answer_facts",
        sa.Column("answer_id", sa.Integer, sa.ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("fact_id", sa.String(8), sa.ForeignKey("facts.id"), primary_key=True),
    )
    op.create_table(
        "answer_texts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("answer_id", sa.Integer, sa.ForeignKey("answers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.UniqueConstraint("answer_id", "language", name="uq_answer_texts_language"),
    )
    op.create_table(
        "answer_sources",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("answer_id", sa.Integer, sa.ForeignKey("answers.id", ondelete="CASCADE"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("url", sa.Text),
        sa.Column("source_date", sa.Text, nullable=False),
    )
    op.create_table(
        "help_points",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("country", sa.String(2), nullable=False, index=True),
        sa.Column("city", sa.String(120)),
        sa.Column("address", sa.Text),
        sa.Column("latitude", sa.Float, nullable=False),
        sa.Column("longitude", sa.Float, nullable=False),
        sa.Column("location_precision", sa.String(16), nullable=False),
        sa.Column("phone", sa.String(64)),
        sa.Column("opening_hours", sa.JSON),
        sa.Column("languages", sa.JSON, nullable=False),
        sa.Column("services", sa.JSON, nullable=False),
        sa.Column("fact_ids", sa.JSON, nullable=False),
        sa.Column("verified_at", sa.Date, nullable=False),
    )
    op.create_table(
        "hotlines",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(120), nullable=False, unique=True),
        sa.Column("country", sa.String(2), nullable=False, index=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("hours", sa.String(64)),
        sa.Column("labels", sa.JSON, nullable=False),
        sa.Column("flag", sa.Text, nullable=False),
        sa.Column("fact_ids", sa.JSON, nullable=False),
        sa.Column("source_name", sa.Text, nullable=False),
        sa.Column("source_url", sa.Text),
        sa.Column("source_date", sa.Text, nullable=False),
        sa.Column("verified_at", sa.Date, nullable=False),
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE answer_search USING fts5("
            "title, body, content='answer_texts', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
        op.execute(
            "CREATE TRIGGER answer_texts_ai AFTER INSERT ON answer_texts BEGIN "
            "INSERT INTO answer_search(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )
        op.execute(
            "CREATE TRIGGER answer_texts_ad AFTER DELETE ON answer_texts BEGIN "
            "INSERT INTO answer_search(answer_search, rowid, title, body) "
            "VALUES ('delete', old.id, old.title, old.body); END"
        )
        op.execute(
            "CREATE TRIGGER answer_texts_au AFTER UPDATE ON answer_texts BEGIN "
            "INSERT INTO answer_search(answer_search, rowid, title, body) "
            "VALUES ('delete', old.id, old.title, old.body); "
            "INSERT INTO answer_search(rowid, title, body) VALUES (new.id, new.title, new.body); END"
        )
    elif dialect == "postgresql":
        op.execute(
            "CREATE INDEX ix_answer_texts_search ON answer_texts "
            "USING GIN (to_tsvector('simple', title || ' ' || body))"
        )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("answer_texts_ai", "answer_texts_ad", "answer_texts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS answer_search")
    for table in ("hotlines", "help_points", "answer_sources", "answer_texts", "answer_facts", "answers", "topics", "facts"):
        op.drop_table(table)
