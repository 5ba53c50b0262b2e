"""One way to reach the information database: an engine per URL and a session per unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from bot.settings import get_settings


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """Return the (cached) engine for a database URL; SQLite gets foreign keys switched on.

    A SQLite file is reached through kept-open connections (SQLAlchemy 1.4 opens one per session for a
    file, and each new one ran the pragmas again: a connect on every answer of the action server);
    PostgreSQL's pooled connections are checked before use (a restarted server drops them).
    """
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        engine = sa.create_engine(url, future=True, poolclass=QueuePool, pool_size=2, max_overflow=8,
                                  connect_args={"check_same_thread": False})
    else:
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
