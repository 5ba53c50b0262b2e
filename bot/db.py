"""Database helpers every persistence module shares: the dialect's INSERT and the clock rows are stamped with."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def dialect_insert(connection: Connection) -> Any:
    """The dialect's INSERT (with ON CONFLICT support on SQLite and PostgreSQL)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def utc_now() -> datetime:
    """The current UTC time, naive (as stored)."""
    return datetime.utcnow()
