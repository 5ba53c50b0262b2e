"""The Telegram channel served by Sanic on a local port, against the fake Bot API, in either mode."""

from __future__ import annotations

import socket
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
from sanic import Sanic
from sqlalchemy.engine import Engine

from bot.channels.config import TelegramConfig, telegram_conversation_id
from bot.channels.sender import Pacing
from bot.channels.telegram import TelegramInput
from bot.channels.telegram_api import TelegramBotClient
from bot.handoff.gate import HandoffGate
from tests.channels.conftest import KEY, Clock, StubBot, _language_of
from tests.channels.fake_telegram import FakeTelegram

TOKEN = "7012345678:AAH-test-token-0123456789abcdefghij"
SECRET = "test-webhook-secret-0123456789"
WEBHOOK_URL = "https://desk.example.org/webhooks/telegram/webhook"


@dataclass
class TelegramHarness:
    """The channel in Sanic, with helpers that post updates as Telegram does."""

    channel: TelegramInput
    bot: StubBot
    api: FakeTelegram
    engine: Engine
    clock: Clock
    url: str
    http: httpx.AsyncClient
    _server: Any

    @staticmethod
    def cid(chat_id: int) -> str:
        return telegram_conversation_id(chat_id, KEY)

    async def post(self, update: dict[str, Any], secret: str | bool | None = True) -> httpx.Response:
        """POST an update to the webhook with the secret token header (or a wrong or missing one)."""
        headers = {}
        if secret is True:
            headers["X-Telegram-Bot-Api-Secret-Token"] = SECRET
        elif isinstance(secret, str):
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return await self.http.post(f"{self.url}/webhooks/telegram/webhook", json=update, headers=headers)


def telegram_config(api: FakeTelegram, *, polling: bool = False) -> TelegramConfig:
    return TelegramConfig(
        bot_token=TOKEN,
        webhook_url=None if polling else WEBHOOK_URL,
        webhook_secret=SECRET,
        api_base_url=api.base_url,
        conversation_id_key=KEY,
    )


async def start_telegram(
    engine: Engine,
    api: FakeTelegram,
    clock: Clock,
    bot: StubBot,
    *,
    polling: bool = False,
    pacing: Pacing | None = None,
    gate: HandoffGate | None = None,
    agent: Any = None,
    **options: Any,
) -> TelegramHarness:
    """Serve a fresh channel instance (a fresh process, as far as the channel knows).

    With a Rasa `agent`, the conversation language comes from its tracker store, as in production.
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = telegram_config(api, polling=polling)
    channel = TelegramInput(
        config,
        engine=engine,
        messages_client=TelegramBotClient(config, timeout=0.5, poll_timeout=1),
        clock=clock,
        language_of=None if agent is not None else _language_of,
        sender_options={
            "base_delay": 0.05,
            "max_delay": 0.2,
            "poll_interval": 0.05,
            "pacing": pacing or Pacing(per_conversation=0.0, per_second=None),
        },
        gate=gate,
        setup_retry=0.1,
        **options,
    )
    app = Sanic(f"tg_{uuid.uuid4().hex[:8]}")
    app.blueprint(channel.blueprint(bot), url_prefix="/webhooks/telegram")
    if agent is not None:
        app.ctx.agent = agent
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    return TelegramHarness(channel, bot, api, engine, clock, f"http://127.0.0.1:{port}", httpx.AsyncClient(timeout=10), server)


async def stop_telegram(harness: TelegramHarness) -> None:
    """Stop the server and the channel's tasks, as a process stop would (once)."""
    if harness._server is None:
        return
    await harness.http.aclose()
    await harness._server.before_stop()
    harness._server.close()
    await harness._server.wait_closed()
    await harness._server.after_stop()
    harness._server = None
