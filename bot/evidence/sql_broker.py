"""Rasa's SQL event broker (what ``make run`` counts evidence from), with commits that do not wait for the disk.

Rasa's broker opens a new SQLite connection and an ORM session for each event, a dozen times a turn:
the largest single cost of a turn under ``make run`` (py-spy over bench/turn_latency.py: 30% of it).
Here each event is one INSERT on a kept-open connection whose commit does not wait for the disk.
Same table, same rows, read by ``python -m bot.evidence consume``; production
uses RabbitMQ (endpoints.production.yml).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm
from rasa.core.brokers.sql import SQLEventBroker as RasaSQLEventBroker

from bot.db import sqlite_fast_commits


class SQLEventBroker(RasaSQLEventBroker):
    """``type: bot.evidence.sql_broker.SQLEventBroker`` in endpoints.yml."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Rasa's broker on kept-open SQLite connections (bot.db.sqlite_fast_commits)."""
        super().__init__(*args, **kwargs)
        self.engine: sa.engine.Engine = sqlite_fast_commits(self.engine)  # type: ignore[has-type]
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self._insert = self.SQLBrokerEvent.__table__.insert()

    def publish(self, event: dict[str, Any]) -> None:
        """The row Rasa's broker writes, with one INSERT rather than an ORM session per event."""
        with self.engine.begin() as connection:
            connection.execute(self._insert, {"sender_id": event.get("sender_id"), "data": json.dumps(event)})
