"""Telegram channel benchmark: webhook acknowledgement latency and end-to-end delivery accounting.

50 concurrent chats post real Update JSON with the secret token to the channel served by Sanic on
localhost (webhook mode); 10% of the updates are re-delivered (same update_id) and the local fake
Bot API answers 429 (retry_after 1 s) to 20% of the sends. A stub stands in for Rasa and answers
every message once. The channel's real pacing applies (one message a second per chat, 30 a second
overall), so delivering 1,000 replies takes at least 34 s. Prints the ack p50/p95/max and how many
replies were lost or duplicated (targets: p95 < 100 ms, 0 and 0).

    python bench/telegram_ack.py [--chats 50] [--updates 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing
import random
import socket
import statistics
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
from rasa.core.channels.channel import UserMessage
from sanic import Sanic

from bot.channels import store
from bot.channels.config import TelegramConfig
from bot.channels.store import channel_engine
from bot.channels.telegram import TelegramInput
from bot.channels.telegram_api import TelegramBotClient
from bot.infodb.schema import migrate
from tests.channels.fake_telegram import FakeTelegram, text_update

TOKEN = "7099999999:AAH-bench-token-0123456789abcdefghij"
SECRET = "bench-webhook-secret-0123456789"
FIRST_CHAT = 5215500000000


async def _answer(message: UserMessage) -> None:
    await message.output_channel.send_text_message(message.sender_id, f"re: {message.text}")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _chats(endpoint: str, chats: int, per_chat: int, redeliver: float) -> list[float]:
    """Post updates from `chats` concurrent chats; return every acknowledgement time."""
    latencies: list[float] = []
    rng = random.Random(11)
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}

    async def chat(number: int, http: aiohttp.ClientSession) -> None:
        for index in range(per_chat):
            update = text_update(FIRST_CHAT + number, f"m{number}-{index}", update_id=number * 100_000 + index + 1)
            for _ in range(2 if rng.random() < redeliver else 1):
                started = time.perf_counter()
                async with http.post(endpoint, json=update, headers=headers) as response:
                    await response.read()
                    assert response.status == 200, response.status
                latencies.append(time.perf_counter() - started)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=chats)) as http:
        await asyncio.gather(*(chat(n, http) for n in range(chats)))
    return latencies


def _serve_fake(connection: Any, failure_rate: float) -> None:
    """Run the fake Bot API in its own process (it is not part of what is measured)."""

    async def serve() -> None:
        api = FakeTelegram(TOKEN, failure_rate=failure_rate, retry_after=1)
        await api.start()
        connection.send(api.base_url)
        await asyncio.Event().wait()

    asyncio.run(serve())


async def _delivered(api_url: str) -> tuple[int, list[str]]:
    async with aiohttp.ClientSession() as http, http.get(f"{api_url}/_sent") as response:
        report = await response.json()
    return int(report["calls"].get("sendMessage", 0)), [text for _chat, text in report["sent"]]


def _load(endpoint: str, chats: int, per_chat: int, redeliver: float) -> list[float]:
    return asyncio.run(_chats(endpoint, chats, per_chat, redeliver))


async def run(chats: int, updates: int, redeliver: float, failure_rate: float) -> int:
    """Run the benchmark; return 0 when the targets hold (ack p95, nothing lost or duplicated)."""
    logging.basicConfig(level=logging.ERROR)
    directory = Path(tempfile.mkdtemp(prefix="tg-bench-"))
    url = f"sqlite:///{directory / 'bench.db'}"
    migrate(url)
    engine = channel_engine(url)
    spawn = multiprocessing.get_context("spawn")
    parent, child = spawn.Pipe()
    fake = spawn.Process(target=_serve_fake, args=(child, failure_rate), daemon=True)
    fake.start()
    api_url = parent.recv()
    config = TelegramConfig(TOKEN, "https://desk.example.org/webhooks/telegram/webhook", SECRET, api_url, "bench-key-" + "x" * 20)
    channel = TelegramInput(
        config,
        engine=engine,
        messages_client=TelegramBotClient(config, timeout=5.0),
        sender_options={"poll_interval": 0.1, "max_attempts": 50},
    )
    app = Sanic(f"bench_{uuid.uuid4().hex[:6]}")
    app.blueprint(channel.blueprint(_answer), url_prefix="/webhooks/telegram")
    port = _free_port()
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()

    endpoint = f"http://127.0.0.1:{port}/webhooks/telegram/webhook"
    per_chat = updates // chats
    # The chats post from another process, as Telegram does: the figures are what a client sees.
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        job = pool.submit(_load, endpoint, chats, per_chat, redeliver)
        latencies = await asyncio.wrap_future(job)
    total = per_chat * chats
    started = time.monotonic()
    deadline = started + 600
    calls, sent = await _delivered(api_url)
    while len(sent) < total and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        calls, sent = await _delivered(api_url)
    delivery_seconds = time.monotonic() - started
    await asyncio.sleep(2.0)  # late duplicates would show up here
    await channel.drain()
    calls, sent = await _delivered(api_url)

    replies = Counter(sent)
    expected = {f"re: m{n}-{i}" for n in range(chats) for i in range(per_chat)}
    lost = len(expected - set(replies))
    duplicated = sum(count - 1 for count in replies.values() if count > 1)
    statuses = Counter(message.status for message in store.outbox_messages(engine))
    ms = sorted(value * 1000 for value in latencies)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    print(f"chats={chats} updates={total} posts={len(ms)} api_429_rate={failure_rate:.0%} sendMessage_calls={calls}")
    print(f"ack ms: p50={statistics.median(ms):.1f} p95={p95:.1f} max={ms[-1]:.1f} (target p95 < 100)")
    print(f"replies: delivered={len(replies)} lost={lost} duplicated={duplicated} outbox={dict(statuses)}")
    print(f"delivery after the last ack: {delivery_seconds:.1f} s (paced: 1/s per chat, 30/s overall)")

    await server.before_stop()
    server.close()
    await server.wait_closed()
    await server.after_stop()
    fake.terminate()
    met = p95 < 100 and lost == 0 and duplicated == 0
    print(f"targets (p95 < 100 ms, 0 lost, 0 duplicated): {'met' if met else 'NOT met'}")
    return 0 if met else 1


def main() -> int:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=50)
    parser.add_argument("--updates", type=int, default=1000)
    parser.add_argument("--redeliver", type=float, default=0.1)
    parser.add_argument("--failure-rate", type=float, default=0.2)
    args = parser.parse_args()
    return asyncio.run(run(args.chats, args.updates, args.redeliver, args.failure_rate))


if __name__ == "__main__":
    raise SystemExit(main())
