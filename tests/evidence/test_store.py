"""The evidence store counts each event once, keeps categories only, and outlives the retention purge."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bot.evidence import events, handoffs, store
from bot.evidence.model import COUNTRY_ANSWER, FIRST_REPLY, OUTCOME, RATING, REGIONAL_FALLBACK, TO_CLOSE, week_of
from bot.evidence.tables import counts, seen
from bot.handoff import store as handoff_store
from bot.infodb.session import engine_for
from bot.settings import PROJECT_ROOT
from tests.evidence.factories import turn

NOW = time.time()


def _observations(evts: list[dict]) -> list:  # type: ignore[type-arg]
    return [o for o in (events.observe(e) for e in evts) if o is not None]


def test_each_answer_is_counted_once_even_when_the_broker_delivers_it_again(database_url: str) -> None:
    engine = engine_for(database_url)
    week = turn("wa-1", NOW, intent="ask_asylum", outcome=COUNTRY_ANSWER, topic="ask_asylum", question_country="MX",
                country="MX")
    week += turn("wa-2", NOW + 5, intent="ask_asylum", outcome=REGIONAL_FALLBACK, topic="ask_asylum",
                 question_country="BZ", country="BZ", language="en")
    assert store.record(engine, _observations(week)) == 2
    assert store.record(engine, _observations(week)) == 0  # redelivered: nothing more
    found = {(c.cell.question_country, c.cell.value): c.count for c in store.read_counts(engine)}
    assert found == {("MX", COUNTRY_ANSWER): 1, ("BZ", REGIONAL_FALLBACK): 1}
    again = turn("wa-1", NOW + 60, intent="ask_asylum", outcome=COUNTRY_ANSWER, topic="ask_asylum",
                 question_country="MX", country="MX")
    assert store.record(engine, _observations(again)) == 1
    [mx] = [c for c in store.read_counts(engine) if c.cell.question_country == "MX"]
    assert mx.count == 2 and mx.cell.week == week_of(NOW) and mx.cell.kind == OUTCOME


def test_the_counts_hold_no_text_identifier_or_exact_time(database_url: str) -> None:
    engine = engine_for(database_url)
    sender = "wa-5f3a9c1e77d0b2aa"
    published = turn(sender, NOW, intent="ask_work_permit", outcome=COUNTRY_ANSWER, topic="ask_work_permit",
                     question_country="US", country="GT", text="quiero trabajar en estados unidos, me llamo Rosa")
    store.record(engine, _observations(published))
    with engine.connect() as connection:
        stored = [str(v) for table in (counts, seen) for row in connection.execute(sa.select(table)) for v in row]
    dump = " ".join(stored)
    for secret in (sender, "5f3a9c1e", "Rosa", "quiero", str(int(NOW)), "P-"):
        assert secret not in dump
    assert datetime.utcfromtimestamp(NOW).strftime("%H:%M") not in dump


def _ticket(engine: sa.engine.Engine, sender: str, opened: datetime, replied: datetime, closed: datetime) -> int:
    ticket, _ = handoff_store.open_ticket(
        engine, conversation_id=sender, channel="telegram", language="fr", country="HT", reason="request_human",
        urgent=False, summary=[], desk_id=None, now=opened,
    )
    handoff_store.take_ticket(engine, ticket_id=ticket.id, agent_id=1, now=opened)
    handoff_store.add_message(engine, ticket_id=ticket.id, kind=handoff_store.STAFF, body="Bonjour", author_id=1, now=replied)
    handoff_store.close_ticket(engine, ticket_id=ticket.id, actor="agent:1", now=closed)
    return ticket.id


def test_handoff_waits_and_ratings_are_counted_once_per_ticket(database_url: str) -> None:
    engine = engine_for(database_url)
    opened = datetime.utcnow() - timedelta(hours=30)
    ticket = _ticket(engine, "tg-1", opened, opened + timedelta(minutes=90), opened + timedelta(hours=5))
    now = datetime.utcnow()
    assert handoffs.collect(engine, now=now) == 2
    handoff_store.record_rating(engine, ticket_id=ticket, rating=4)
    assert handoffs.collect(engine, now=now + timedelta(minutes=1)) == 1  # the rating came after the close
    assert handoffs.collect(engine, now=now + timedelta(minutes=2)) == 0
    found = {(c.cell.kind, c.cell.value) for c in store.read_counts(engine)}
    assert found == {(FIRST_REPLY, "1-2h"), (TO_CLOSE, "4-8h"), (RATING, "4")}


def test_the_retention_purge_leaves_the_counts(database_url: str, tmp_path: Path) -> None:
    engine = engine_for(database_url)
    long_ago = datetime.utcnow() - timedelta(days=200)
    _ticket(engine, "tg-old", long_ago, long_ago + timedelta(minutes=10), long_ago + timedelta(hours=1))
    handoffs.collect(engine, now=datetime.utcnow())
    old = turn("wa-old", long_ago.timestamp(), intent="ask_asylum", outcome=COUNTRY_ANSWER, topic="ask_asylum",
               question_country="MX", country="MX")
    store.record(engine, _observations(old))
    before = store.read_counts(engine)
    assert len(before) == 3
    env = {**os.environ, "DATABASE_URL": database_url, "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}",
           "RETENTION_DAYS": "90"}
    done = subprocess.run([sys.executable, "-m", "bot.privacy", "purge"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "removed 1 handoff ticket(s)" in done.stdout  # the ticket itself is gone ...
    assert store.read_counts(engine) == before  # ... what was counted of it stays
    assert before[0].cell.week <= date.today() - timedelta(days=190)


def test_old_event_ids_are_forgotten_by_the_purge_and_still_never_counted_twice(database_url: str, tmp_path: Path) -> None:
    engine = engine_for(database_url)
    long_ago = (datetime.utcnow() - timedelta(days=200)).timestamp()
    old = turn("wa-old", long_ago, intent="ask_asylum", outcome=COUNTRY_ANSWER, topic="ask_asylum",
               question_country="MX", country="MX")
    recent = turn("wa-new", NOW, intent="ask_asylum", outcome=COUNTRY_ANSWER, topic="ask_asylum",
                  question_country="GT", country="GT")
    assert store.record(engine, _observations(old + recent)) == 2
    env = {**os.environ, "DATABASE_URL": database_url, "TRACKER_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}",
           "RETENTION_DAYS": "90"}
    done = subprocess.run([sys.executable, "-m", "bot.privacy", "purge"], cwd=PROJECT_ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    with engine.connect() as connection:
        weeks = connection.execute(sa.select(seen.c.week)).scalars().all()
    assert weeks == [week_of(NOW)]  # the old id is gone, the recent one stays
    before = {c.cell.question_country: c.count for c in store.read_counts(engine)}
    # Both delivered again: the recent one is known, the old one is behind the horizon.
    assert store.record(engine, _observations(old + recent)) == 0
    assert {c.cell.question_country: c.count for c in store.read_counts(engine)} == before == {"MX": 1, "GT": 1}
