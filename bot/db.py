"""Database helpers every persistence module shares: the dialect's INSERT and the clock rows are stamped with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool


def dialect_insert(connection: Connection) -> Any:
    """The dialect's INSERT (with ON CONFLICT support on SQLite and PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def utc_now() -> datetime:
    """The current UTC time, naive (as stored)."""
    return datetime.utcnow()


def sqlite_fast_commits(engine: Engine) -> Engine:
    """For an engine Rasa built on a SQLite file: the same database through kept-open connections in
    write-ahead mode with `synchronous=NORMAL`; any other engine is returned as it is.

    Rasa's tracker store and SQL event broker open a new SQLite connection for each session (SQLAlchemy
    1.4 does not pool SQLite files), and each close checkpoints the log: about 2 ms per event, a dozen
    events a turn under ``make run``. Kept-open connections and commits that do not wait for the disk
    remove most of it (a process crash loses nothing, a power cut may lose the last commits; the channel
    store keeps its own `synchronous=FULL`: an acknowledged message survives a power cut). PostgreSQL
    (production) is not touched.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine
    pooled = sa.create_engine(
        engine.url, poolclass=QueuePool, pool_size=2, max_overflow=4, connect_args={"check_same_thread": False}
    )

    def _pragmas(connection: Any, _record: Any) -> None:
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    sa.event.listen(pooled, "connect", _pragmas)
    engine.dispose()
    return pooled
