"""Consumers of Rasa's event broker: the SQL table (``make run``) and a RabbitMQ queue (production).

Both count through ``store.record``, whose processed-event ids make them safe to run twice and to
restart: an event read again after a crash is skipped. The SQL reader also keeps its position in the
evidence database, in the transaction of the counts, and deletes the broker rows it has counted (only
evidence markers reach the broker: bot/tracker_store.py publishes no other event).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.evidence import handoffs, store
from bot.evidence.events import observe
from bot.evidence.model import Observation
from bot.settings import PROJECT_ROOT, SettingsError

logger = logging.getLogger(__name__)

SQL_SOURCE = "sql_event_broker"
RASA_EXCHANGE = "rasa-exchange"  # Rasa's PikaEventBroker publishes to this fanout exchange
BATCH = 200
IDLE_SECONDS = 0.5  # nothing delivered for this long: the queue is caught up
GATHER_SECONDS = 0.25  # counted together: what arrives this soon after a batch's first message

broker_events = sa.Table(  # the table Rasa's SQL event broker writes (rasa/core/brokers/sql.py)
    "events", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True), sa.Column("sender_id", sa.String(255)),
    sa.Column("data", sa.Text),
)


@dataclass(frozen=True)
class BrokerSettings:
    """Where the events come from: EVIDENCE_BROKER (sql or pika) and its connection settings.

    EVIDENCE_EVENTS_URL (the SQL broker's database, ``var/events.db``), RABBITMQ_HOST, RABBITMQ_PORT,
    RABBITMQ_USERNAME, RABBITMQ_PASSWORD, EVIDENCE_QUEUE (``ventanilla_evidence``) and EVIDENCE_EXCHANGE
    (Rasa's ``rasa-exchange``).
    """

    kind: str
    events_url: str
    rabbitmq_url: str
    queue: str
    exchange: str = RASA_EXCHANGE


def load_broker_settings(env: dict[str, str] | None = None) -> BrokerSettings:
    """Read the broker settings; production refuses RabbitMQ's default guest password."""
    env = dict(os.environ) if env is None else env
    kind = env.get("EVIDENCE_BROKER", "sql")
    if kind not in ("sql", "pika"):
        raise SettingsError(f"EVIDENCE_BROKER must be sql or pika, got {kind!r}")
    user, password = env.get("RABBITMQ_USERNAME", "guest"), env.get("RABBITMQ_PASSWORD", "guest")
    if kind == "pika" and env.get("VENTANILLA_ENV") == "production" and password in ("", "guest"):
        raise SettingsError("RABBITMQ_PASSWORD must be set to a real secret in production")
    host, port = env.get("RABBITMQ_HOST", "127.0.0.1"), env.get("RABBITMQ_PORT", "5672")
    return BrokerSettings(
        kind=kind,
        events_url=env.get("EVIDENCE_EVENTS_URL", f"sqlite:///{PROJECT_ROOT / 'var' / 'events.db'}"),
        rabbitmq_url=f"amqp://{user}:{password}@{host}:{port}/",
        queue=env.get("EVIDENCE_QUEUE", "ventanilla_evidence"),
        exchange=env.get("EVIDENCE_EXCHANGE", RASA_EXCHANGE),
    )


def _observations(payloads: list[Any]) -> list[Observation]:
    found = []
    for payload in payloads:
        if isinstance(payload, dict):
            observation = observe(payload)
            if observation is not None:
                found.append(observation)
    return found


def _decode(raw: str | bytes | None) -> Any:
    try:
        return json.loads(raw or "null")
    except ValueError:
        logger.warning("an event broker message is not JSON; skipped")
        return None


def read_sql_batch(evidence: Engine, events: Engine, *, batch: int = BATCH) -> int:
    """Count the next batch of the SQL broker's events; the number of broker rows read (0: caught up)."""
    start = store.position(evidence, source=SQL_SOURCE)
    _forget_counted(events, start)
    with events.connect() as connection:
        rows = connection.execute(
            sa.select(broker_events.c.id, broker_events.c.data).where(broker_events.c.id > start)
            .order_by(broker_events.c.id).limit(batch)
        ).all()
    if not rows:
        return 0
    store.record(evidence, _observations([_decode(row.data) for row in rows]), source=SQL_SOURCE, position=rows[-1].id)
    _forget_counted(events, rows[-1].id)
    return len(rows)


def _forget_counted(events: Engine, position: int) -> None:
    if position <= 0:
        return
    with events.begin() as connection:
        connection.execute(sa.delete(broker_events).where(broker_events.c.id <= position))


def has_broker_table(events: Engine) -> bool:
    """Whether Rasa has created its events table yet (it does when the server starts)."""
    return sa.inspect(events).has_table("events")


def consume_sql(evidence: Engine, events: Engine, *, until_idle: bool, poll_seconds: float,
                clock: Callable[[], datetime] = datetime.utcnow) -> int:
    """Read the SQL broker table (and collect closed tickets) forever, or until nothing is left."""
    total = 0
    while True:
        read = read_sql_batch(evidence, events) if has_broker_table(events) else 0
        total += read
        if read == 0:
            handoffs.collect(evidence, now=clock())
            if until_idle:
                return total
            time.sleep(poll_seconds)


async def consume_pika(evidence: Engine, settings: BrokerSettings, *, until_idle: bool, poll_seconds: float,
                       clock: Callable[[], datetime] = datetime.utcnow) -> int:
    """Read the RabbitMQ queue bound to Rasa's exchange; messages are acknowledged after their count commits.

    RabbitMQ pushes the messages (a consumer with up to ``BATCH`` unacknowledged; asking for each one
    with ``basic.get`` cost a round trip per event). What arrives within ``GATHER_SECONDS`` of a batch's
    first message is counted in one transaction and acknowledged at once. Closed tickets are collected
    every `poll_seconds`, also under steady traffic. A message delivered again (the consumer stopped
    before its acknowledgement) is recognised by its event id and not counted twice. `until_idle`:
    return once nothing arrived for ``IDLE_SECONDS``.
    """
    import aio_pika

    connection = await aio_pika.connect_robust(settings.rabbitmq_url)
    total = 0
    try:
        channel = await connection.channel()
        await channel.set_qos(prefetch_count=BATCH)
        exchange = await channel.declare_exchange(settings.exchange, aio_pika.ExchangeType.FANOUT)
        queue = await channel.declare_queue(settings.queue, durable=True)
        await queue.bind(exchange, "")
        inbox: asyncio.Queue[aio_pika.abc.AbstractIncomingMessage] = asyncio.Queue()
        await queue.consume(inbox.put, no_ack=False)
        collected_at = time.monotonic()
        while True:
            wait = IDLE_SECONDS if until_idle else max(IDLE_SECONDS, poll_seconds)
            messages: list[aio_pika.abc.AbstractIncomingMessage] = []
            try:
                messages.append(await asyncio.wait_for(inbox.get(), timeout=wait))
            except asyncio.TimeoutError:
                pass
            if messages:
                await asyncio.sleep(GATHER_SECONDS)  # a turn's events come a few at a time: count them together
                while len(messages) < BATCH and not inbox.empty():
                    messages.append(inbox.get_nowait())
            if messages:
                observations = _observations([_decode(m.body) for m in messages])
                await asyncio.to_thread(store.record, evidence, observations)
                await messages[-1].ack(multiple=True)  # every message of this channel up to the last one
                total += len(messages)
            if not messages or time.monotonic() - collected_at >= poll_seconds:
                await asyncio.to_thread(handoffs.collect, evidence, now=clock())
                collected_at = time.monotonic()
                if until_idle and not messages:
                    return total
    finally:
        await connection.close()
