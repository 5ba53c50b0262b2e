"""Production mode: Rasa's RabbitMQ event broker and the consumer, on the real RabbitMQ (a queue of its own)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from pathlib import Path

import aio_pika
import rasa.shared.core.events  # noqa: F401  (the Rasa server has it loaded; its Pika broker needs it)
from rasa.core.brokers.pika import PikaEventBroker

from bot.evidence import consumer
from bot.infodb.session import engine_for
from tests.evidence.factories import realistic_week
from tests.evidence.test_consumer import expected_counts, stored_counts
from tests.infodb_fixtures import migrated
from tests.services import require

RABBITMQ = "amqp://guest:guest@127.0.0.1:5672/"


async def _publish(exchange: str, queue: str, events: list[dict]) -> None:  # type: ignore[type-arg]
    broker = PikaEventBroker("127.0.0.1", "guest", "guest", port=5672, queues=[queue], exchange_name=exchange,
                             raise_on_failure=True)
    await broker.connect()
    for event in events:
        broker.publish(event)
    for _ in range(200):  # publishing runs in tasks; wait until RabbitMQ holds every message
        await asyncio.sleep(0.05)
        if not any(not t.done() for t in asyncio.all_tasks() if t is not asyncio.current_task()):
            break
    await broker.close()


async def _drop(exchange: str, queue: str) -> None:
    connection = await aio_pika.connect(RABBITMQ)
    channel = await connection.channel()
    await channel.queue_delete(queue)
    await channel.exchange_delete(exchange)
    await connection.close()


async def test_events_through_rabbitmq_are_counted_once_even_when_delivered_twice(tmp_path: Path) -> None:
    require("amqp://127.0.0.1:5672")
    database_url = f"sqlite:///{tmp_path / 'info.db'}"
    migrated(database_url, seed=False)
    evidence = engine_for(database_url)
    name = f"evidence-test-{uuid.uuid4().hex[:10]}"
    settings = consumer.BrokerSettings(kind="pika", events_url="", rabbitmq_url=RABBITMQ, queue=name, exchange=name)
    published = realistic_week(datetime(2026, 11, 23).timestamp(), conversations=80, seed=11)
    try:
        await _publish(name, name, published)
        read = await consumer.consume_pika(evidence, settings, until_idle=True, poll_seconds=0)
        assert read == len(published)
        assert stored_counts(evidence) == expected_counts(published)
        await _publish(name, name, published[: len(published) // 2])  # redelivered after a crash before the ack
        await consumer.consume_pika(evidence, settings, until_idle=True, poll_seconds=0)
        assert stored_counts(evidence) == expected_counts(published)
    finally:
        await _drop(name, name)
