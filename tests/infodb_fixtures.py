"""Fresh, migrated information databases (SQLite file or PostgreSQL schema) with the seed content."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.infodb.content import import_bundle, load_bundle
from bot.infodb.schema import CONTENT_DIR, migrate
from bot.infodb.session import engine_for, session_scope
from tests.services import POSTGRES_URL, postgres_schema_url, require

SEED_DATE = date(2026, 11, 28)


def sqlite_url(directory: Path) -> str:
    """A new SQLite database URL in a directory."""
    return f"sqlite:///{directory / f'info-{uuid.uuid4().hex[:8]}.db'}"


def postgres_url() -> Iterator[str]:
    """A new PostgreSQL schema for one test (dropped afterwards)."""
    base = require(POSTGRES_URL)
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, future=True)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield postgres_schema_url(base, schema)
    finally:
        engine_for.cache_clear()
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def migrated(url: str, seed: bool = True) -> Engine:
    """Migrate the database at url and, by default, import the seed content."""
    migrate(url)
    engine = engine_for(url)
    if seed:
        with session_scope(engine) as session:
            import_bundle(session, load_bundle(CONTENT_DIR, SEED_DATE))
    return engine
