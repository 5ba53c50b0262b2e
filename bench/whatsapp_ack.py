"""WhatsApp channel benchmark: webhook acknowledgement latency and end-to-end delivery accounting.

50 concurrent senders post signed Twilio forms to the channel served by Sanic on localhost; 10% of
the messages are re-delivered (same MessageSid) and the local fake Messages API fails 20% of the
calls (429/500/503). A stub stands in for Rasa and answers every message once. Prints the ack
p50/p95/max and how many replies were lost or duplicated (targets: p95 < 100 ms, 0 and 0).

The senders run in their own process, as Twilio does; "ack ms" is what they measure (request
sent -> response read), "server ms" is the same request inside the server (Sanic's request
middleware -> response middleware). The machine's load average is printed beside the figures:
on a shared machine the client-side figure moves with it.

    python bench/whatsapp_ack.py [--senders 50] [--messages 1000]             # SQLite file
    python bench/whatsapp_ack.py --postgres                                    # a fresh PostgreSQL schema
    python bench/whatsapp_ack.py --database-url postgresql://...               # any migrated-able database
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import os
import random
import socket
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import aiohttp
import sqlalchemy as sa
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from twilio.request_validator import RequestValidator

from bot.channels import store
from bot.channels.config import WhatsAppConfig
from bot.channels.sender import TwilioMessagesClient
from bot.channels.store import channel_engine
from bot.channels.whatsapp import WhatsAppInput
from bot.infodb.schema import migrate
from tests.channels.fake_twilio import FakeTwilio

ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "bench-auth-token-0123456789abcdef"
WEBHOOK_URL = "https://desk.example.org/webhooks/whatsapp/webhook"


async def _answer(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, f"re: {message.text}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _senders(endpoint: str, to: str, senders: int, per_sender: int, redeliver: float) -> list[float]:
    """Post signed forms from `senders` concurrent people; return every acknowledgement time."""
    validator = RequestValidator(AUTH_TOKEN)
    latencies: list[float] = []
    rng = random.Random(11)

    async def sender(number: int, http: aiohttp.ClientSession) -> None:
        address = f"whatsapp:+52155{number:06d}"
        for index in range(per_sender):
            form = {
                "MessageSid": f"SM{uuid.uuid4().hex}",
                "From": address,
                "To": to,
                "Body": f"m{number}-{index}",
                "NumMedia": "0",
            }
            headers = {"X-Twilio-Signature": validator.compute_signature(WEBHOOK_URL, form)}
            for _ in range(2 if rng.random() < redeliver else 1):
                started = time.perf_counter()
                async with http.post(endpoint, data=form, headers=headers) as response:
                    await response.read()
                    assert response.status == 200, response.status
                latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=senders)) as http:
        await asyncio.gather(*(sender(n, http) for n in range(senders)))
    return latencies


def _serve_fake(connection: Any, failure_rate: float) -> None:
    """Run the fake Messages API in its own process (it is not part of what is measured)."""

    async def serve() -> None:
        twilio = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN, failure_rate=failure_rate)
        await twilio.start()
        connection.send(twilio.base_url)
        await asyncio.Event().wait()

    asyncio.run(serve())


async def _delivered(twilio_url: str) -> tuple[int, list[str]]:
    async with aiohttp.ClientSession() as http, http.get(f"{twilio_url}/_sent") as response:
        report = await response.json()
    return int(report["calls"]), [body for _to, body in report["sent"]]


def _load(endpoint: str, to: str, senders: int, per_sender: int, redeliver: float) -> list[float]:
    return asyncio.run(_senders(endpoint, to, senders, per_sender, redeliver))


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))] if ordered else float("nan")


@contextmanager
def _postgres_schema() -> Iterator[str]:
    """A fresh schema in TEST_POSTGRES_URL for one run (dropped afterwards)."""
    base = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base, future=True)
    with admin.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        channel_engine.cache_clear()
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


async def run(senders: int, messages: int, redeliver: float, failure_rate: float, url: str | None = None) -> int:
    """Run the benchmark on the database at `url` (a new SQLite file by default); 0 when its targets hold."""
    logging.basicConfig(level=logging.ERROR)
    if url is None:
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='wa-bench-')) / 'bench.db'}"
    migrate(url)
    engine = channel_engine(url)
    spawn = multiprocessing.get_context("spawn")
    parent, child = spawn.Pipe()
    fake = spawn.Process(target=_serve_fake, args=(child, failure_rate), daemon=True)
    fake.start()
    twilio_url = parent.recv()
    config = WhatsAppConfig(ACCOUNT_SID, AUTH_TOKEN, "whatsapp:+14155238886", WEBHOOK_URL, twilio_url, "bench-key-" + "x" * 20)
    channel = WhatsAppInput(
        config,
        engine=engine,
        messages_client=TwilioMessagesClient(config, timeout=2.0),
        sender_options={"base_delay": 0.02, "max_delay": 0.5, "poll_interval": 0.1, "max_attempts": 50},
    )
    app = Sanic(f"bench_{uuid.uuid4().hex[:6]}")
    app.blueprint(channel.blueprint(_answer), url_prefix="/webhooks/whatsapp")
    server_times: list[float] = []

    @app.middleware("request")
    async def _started(request: Any) -> None:
        request.ctx.started = time.perf_counter()

    @app.middleware("response")
    async def _answered(request: Any, _response: Any) -> None:
        server_times.append(time.perf_counter() - request.ctx.started)

    port = _free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()

    endpoint = f"http://127.0.0.1:{port}/webhooks/whatsapp/webhook"
    per_sender = messages // senders
    # The senders run in another process, as Twilio does: the figures are what a client sees.
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        await asyncio.wrap_future(pool.submit(time.sleep, 0))  # the load process is up before the clock starts
        server_times.clear()
        load_before = os.getloadavg()[0]
        job = pool.submit(_load, endpoint, config.from_address, senders, per_sender, redeliver)
        latencies = await asyncio.wrap_future(job)
        load_after = os.getloadavg()[0]
    total = per_sender * senders
    deadline = time.monotonic() + float(os.environ.get("BENCH_DELIVERY_TIMEOUT", "300"))
    calls, sent = await _delivered(twilio_url)
    while len(sent) < total and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        calls, sent = await _delivered(twilio_url)
    await asyncio.sleep(1.0)  # late duplicates would show up here
    await channel.drain()
    calls, sent = await _delivered(twilio_url)

    bodies = Counter(sent)
    expected = {f"re: m{n}-{i}" for n in range(senders) for i in range(per_sender)}
    lost = len(expected - set(bodies))
    duplicated = sum(count - 1 for count in bodies.values() if count > 1)
    statuses = Counter(message.status for message in store.outbox_messages(engine))
    ms = sorted(value * 1000 for value in latencies)
    server_ms = [value * 1000 for value in server_times]
    database = engine.dialect.name
    print(f"database={database} cpus={os.cpu_count()} loadavg(1 min) before={load_before:.2f} after={load_after:.2f}")
    print(f"senders={senders} messages={total} posts={len(ms)} api_failure_rate={failure_rate:.0%} api_calls={calls}")
    print(f"ack ms: p50={statistics.median(ms):.1f} p95={_percentile(ms, 0.95):.1f} max={ms[-1]:.1f} (target p95 < 100)")
    print(f"server ms: p50={_percentile(server_ms, 0.5):.1f} p95={_percentile(server_ms, 0.95):.1f} max={max(server_ms):.1f}")
    print(f"replies: delivered={len(bodies)} lost={lost} duplicated={duplicated} outbox={dict(statuses)}")

    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()
    fake.terminate()
    met = _percentile(ms, 0.95) < 100 and lost == 0 and duplicated == 0
    print(f"targets (p95 < 100 ms, 0 lost, 0 duplicated): {'met' if met else 'NOT met'}")
    return 0 if met else 1


def main() -> int:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--redeliver", type=float, default=0.1)
    parser.add_argument("--failure-rate", type=float, default=0.2)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--postgres", action="store_true", help="a fresh schema in TEST_POSTGRES_URL (production mode)")
    where.add_argument("--database-url", help="the channel store's database (default: a new SQLite file)")
    args = parser.parse_args()
    if args.postgres:
        with _postgres_schema() as url:
            return asyncio.run(run(args.senders, args.messages, args.redeliver, args.failure_rate, url))
    return asyncio.run(run(args.senders, args.messages, args.redeliver, args.failure_rate, args.database_url))


if __name__ == "__main__":
    raise SystemExit(main())
