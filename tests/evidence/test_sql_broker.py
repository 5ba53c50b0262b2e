"""make run's event broker: built by Rasa's own loader from endpoints.yml, rows where the consumer reads them,
commits that do not wait for the disk (SQLite WAL, synchronous=NORMAL)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from bot.evidence.consumer import broker_events
from bot.evidence.sql_broker import SQLEventBroker
from bot.settings import PROJECT_ROOT
from bot.tracker_store import PrivacySQLTrackerStore


async def test_rasa_builds_the_broker_of_endpoints_yml_and_its_rows_reach_the_consumer_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")  # the file expands it
    config = read_endpoint_config(str(PROJECT_ROOT / "endpoints.yml"), "event_broker")
    assert config is not None
    db = tmp_path / "events.db"
    broker = await EventBroker.create(EndpointConfig(type=config.type, dialect="sqlite", db=str(db)))
    assert isinstance(broker, SQLEventBroker)
    broker.publish({"sender_id": "wa-1", "event": "user", "text": "hola", "timestamp": 1.0})
    with broker.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    reader = sa.create_engine(f"sqlite:///{db}")
    with reader.connect() as connection:
        rows = connection.execute(sa.select(broker_events.c.data)).all()
    assert len(rows) == 1 and '"hola"' in rows[0].data


def test_the_sqlite_tracker_store_commits_without_waiting_for_the_disk(tmp_path: Path) -> None:
    store = PrivacySQLTrackerStore(url=f"sqlite:///{tmp_path / 'tracker.db'}")
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
