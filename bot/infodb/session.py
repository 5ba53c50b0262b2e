"""One way to reach the information database: an engine per URL and a session per unit of work."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from sqlalchemy.pool import QueuePool

from bot.settings import get_settings

IDLE_PING_SECONDS = 5.0
LAST_USED = "ventanilla_last_used"


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    """Return the (cached) engine for a database URL; SQLite gets foreign keys switched on.

    A SQLite file is reached through kept-open connections (SQLAlchemy 1.4 opens one per session for a
    file, and each new one ran the pragmas again: a connect on every answer of the action server);
    PostgreSQL's pooled connections are checked before use when they sat idle (``_ping_when_idle``).
    """
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        engine = sa.create_engine(url, future=True, poolclass=QueuePool, pool_size=2, max_overflow=8,
                                  connect_args={"check_same_thread": False})
    else:
        engine = sa.create_engine(url, future=True)
        _ping_when_idle(engine)
    if engine.dialect.name == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):  # type: ignore[no-untyped-def]
            cursor = connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use when it was not used for ``IDLE_PING_SECONDS``.

    A restarted PostgreSQL drops the connections a pool holds; a dropped one is replaced before use
    (SQLAlchemy's pool takes another when a checkout raises ``DisconnectionError``). Checking every
    checkout (``pool_pre_ping``) cost a round trip and a server transaction before each store call:
    about 40% of the cluster's PostgreSQL transactions (bench/cluster.py). A connection returned
    moments ago is not checked; a server restart in those seconds fails one call, and SQLAlchemy
    then replaces every connection of the pool.
    """

    @sa.event.listens_for(engine, "connect")
    def _opened(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        record.info[LAST_USED] = time.monotonic()

    @sa.event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record):  # type: ignore[no-untyped-def]
        if record is not None:
            record.info[LAST_USED] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _check(dbapi_connection, record, _proxy):  # type: ignore[no-untyped-def]
        if time.monotonic() - record.info.get(LAST_USED, 0.0) < IDLE_PING_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)  # False: the server dropped it
        except Exception as err:
            raise sa.exc.DisconnectionError("the pooled connection was dropped") from err
        if not alive:
            raise sa.exc.DisconnectionError("the pooled connection was dropped")


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
