"""Pooled PostgreSQL connections after the server dropped them (a restart, an administrator's kill).

On the real PostgreSQL: a connection the server closed while it sat idle in the pool is replaced
before use, so the call that takes it works; one dropped moments after its last use fails that one
call, and the pool then replaces its connections (bot/infodb/session.py).
"""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from bot.infodb import session
from tests.services import POSTGRES_URL, require


def _fresh_engine() -> sa.engine.Engine:
    return session.engine_for(f"{require(POSTGRES_URL)}?application_name=pool-test-{uuid.uuid4().hex[:8]}")


def _backend(engine: sa.engine.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(sa.text("SELECT pg_backend_pid()")))


def _drop(pid: int) -> None:
    admin = sa.create_engine(POSTGRES_URL, future=True)
    with admin.connect() as connection:
        assert connection.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    admin.dispose()


def test_a_connection_dropped_while_idle_is_replaced_before_use(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = _fresh_engine()
    first = _backend(engine)
    _drop(first)
    monkeypatch.setattr(session, "IDLE_PING_SECONDS", 0.0)  # it has sat idle long enough to be checked
    assert _backend(engine) != first  # the call works, on a new connection
    engine.dispose()


def test_a_connection_dropped_right_after_use_fails_one_call_then_the_pool_is_renewed() -> None:
    engine = _fresh_engine()
    first = _backend(engine)
    _drop(first)
    with pytest.raises(sa.exc.OperationalError) as failed:
        _backend(engine)
    assert failed.value.connection_invalidated
    assert _backend(engine) != first
    engine.dispose()
