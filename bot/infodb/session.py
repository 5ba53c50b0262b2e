"""One way to reach the information database: an engine per URL and a session per unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.settings import get_settings


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """Return the (cached) engine for a database URL; SQLite gets foreign keys switched on."""
    engine = sa.create_engine(url, future=True, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def default_engine() -> Engine:
    """The engine for DATABASE_URL."""
    return engine_for(get_settings().database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session for one unit of work: committed on success, rolled back on error."""
    session = Session(engine or default_engine(), future=True)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
