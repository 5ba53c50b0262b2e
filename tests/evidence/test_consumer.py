"""The consumer over Rasa's SQL event broker (`make run`): a realistic week counted exactly, crashes included."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.brokers.sql import SQLEventBroker

from bot.evidence import consumer, store
from bot.evidence.model import OUTCOME, week_of
from bot.infodb.session import engine_for
from bot.settings import PROJECT_ROOT
from tests.evidence.factories import realistic_week

WEEK_START = datetime(2026, 11, 23).timestamp()  # a Monday


def expected_counts(published: list[dict[str, Any]]) -> Counter[tuple[str, ...]]:
    """An independent count of the outcomes, straight from the events."""
    found: Counter[tuple[str, ...]] = Counter()
    for event in published:
        if event["event"] == "slot" and event["name"] == "evidence":
            v = event["value"]
            found[(v["country"], v["question_country"], v["language"], v["channel"], v["topic"], v["outcome"])] += 1
    return found


def stored_counts(engine: sa.engine.Engine) -> Counter[tuple[str, ...]]:
    found: Counter[tuple[str, ...]] = Counter()
    for count in store.read_counts(engine, kinds=(OUTCOME,)):
        c = count.cell
        found[(c.country, c.question_country, c.language, c.channel, c.topic, c.value)] += count.count
    return found


def publish_with_rasa(path: Path, published: list[dict[str, Any]]) -> None:
    """Publish through Rasa's own SQL event broker, as the Rasa server does."""
    broker = SQLEventBroker(dialect="sqlite", db=str(path))
    for event in published:
        broker.publish(event)
    broker.engine.dispose()


def test_a_realistic_week_is_counted_exactly_and_the_broker_table_is_emptied(database_url: str, tmp_path: Path) -> None:
    published = realistic_week(WEEK_START, conversations=300)
    events_db = tmp_path / "events.db"
    publish_with_rasa(events_db, published)
    evidence, events = engine_for(database_url), engine_for(f"sqlite:///{events_db}")
    read = consumer.consume_sql(evidence, events, until_idle=True, poll_seconds=0)
    assert read == len(published)
    expected = expected_counts(published)
    assert stored_counts(evidence) == expected
    assert min(expected.values()) < 5  # the week has small cells to protect
    assert {c.cell.week for c in store.read_counts(evidence)} == {week_of(WEEK_START)}
    with events.connect() as connection:  # the texts Rasa wrote to the broker table are gone once counted
        assert connection.execute(sa.select(sa.func.count()).select_from(consumer.broker_events)).scalar() == 0
    assert consumer.consume_sql(evidence, events, until_idle=True, poll_seconds=0) == 0
    assert stored_counts(evidence) == expected


def test_a_batch_that_fails_half_way_counts_nothing_and_the_next_run_counts_it_once(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    published = realistic_week(WEEK_START, conversations=60, seed=3)
    events_db = tmp_path / "events.db"
    publish_with_rasa(events_db, published)
    evidence, events = engine_for(database_url), engine_for(f"sqlite:///{events_db}")
    real_add, calls = store._add, []

    def failing_add(connection: Any, cell: Any, amount: int) -> None:
        calls.append(cell)
        if len(calls) == 7:
            raise RuntimeError("the process died here")
        real_add(connection, cell, amount)

    monkeypatch.setattr(store, "_add", failing_add)
    with pytest.raises(RuntimeError):
        consumer.consume_sql(evidence, events, until_idle=True, poll_seconds=0)
    monkeypatch.setattr(store, "_add", real_add)
    assert stored_counts(evidence) == Counter()  # the interrupted batch left nothing behind
    consumer.consume_sql(evidence, events, until_idle=True, poll_seconds=0)
    assert stored_counts(evidence) == expected_counts(published)


def test_the_consumer_killed_mid_run_and_restarted_counts_every_event_once(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'info.db'}"
    from tests.infodb_fixtures import migrated

    migrated(database_url, seed=False)
    published = realistic_week(WEEK_START, conversations=800, seed=7)
    events_db = tmp_path / "events.db"
    publish_with_rasa(events_db, published[:1])  # Rasa creates its table; the rest in bulk, in the same shape
    with engine_for(f"sqlite:///{events_db}").begin() as connection:
        connection.execute(sa.insert(consumer.broker_events),
                           [{"sender_id": e["sender_id"], "data": json.dumps(e)} for e in published[1:]])
    env = {**os.environ, "DATABASE_URL": database_url, "EVIDENCE_EVENTS_URL": f"sqlite:///{events_db}",
           "EVIDENCE_BROKER": "sql"}
    command = [sys.executable, "-m", "bot.evidence", "consume", "--until-idle"]
    evidence = engine_for(database_url)
    first = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while store.position(evidence, source=consumer.SQL_SOURCE) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    part = store.position(evidence, source=consumer.SQL_SOURCE)
    assert 0 < part < len(published), "the kill did not land in the middle of the run"
    second = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert second.returncode == 0, second.stderr[-2000:]
    assert stored_counts(evidence) == expected_counts(published)
