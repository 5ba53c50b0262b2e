"""Telegram settings come from the environment; Rasa's own loader builds and serves the channel."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from sqlalchemy.engine import Engine

from bot.channels import store
from bot.channels.config import DEFAULT_TELEGRAM_API_BASE_URL, TelegramConfig, telegram_conversation_id
from bot.channels.telegram import TelegramInput
from bot.settings import SettingsError
from tests.channels.conftest import KEY, eventually
from tests.channels.fake_telegram import FakeTelegram, text_update
from tests.channels.telegram_harness import SECRET, TOKEN, WEBHOOK_URL


def test_polling_settings_from_the_environment() -> None:
    config = TelegramConfig.from_env({"TELEGRAM_BOT_TOKEN": TOKEN, "CONVERSATION_ID_KEY": "k" * 32})
    assert config.polling and config.webhook_url is None
    assert config.api_base_url == DEFAULT_TELEGRAM_API_BASE_URL
    assert config.bot_id == "7012345678"
    assert config.secret and config.secret == TelegramConfig.from_env({"TELEGRAM_BOT_TOKEN": TOKEN}).secret
    assert TOKEN not in repr(config)


def test_webhook_settings_from_the_environment() -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL, "TELEGRAM_WEBHOOK_SECRET": SECRET}
    config = TelegramConfig.from_env(env)
    assert not config.polling
    assert config.secret == SECRET
    assert SECRET not in repr(config)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "short"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_SECRET": "has spaces in it 12345"}, "TELEGRAM_WEBHOOK_SECRET"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "http://desk.example.org/hook"}, "https"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN, "VENTANILLA_ENV": "production", "CONVERSATION_ID_KEY": "changeme"}, "CONVERSATION_ID_KEY"),
    ],
)
def test_unusable_settings_are_refused(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        TelegramConfig.from_env(env)


def test_the_conversation_id_is_a_keyed_hash_of_the_chat_id() -> None:
    cid = telegram_conversation_id(5512345678, KEY)
    assert cid == telegram_conversation_id("5512345678", KEY)
    assert cid != telegram_conversation_id(5512345678, KEY + "x")
    assert "5512345678" not in cid and cid.startswith("tg-") and len(cid) <= 80


class FakeAgent:
    """What Rasa's channel handler calls: agent.handle_message."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, "hola desde Rasa")


async def test_rasa_loads_and_serves_the_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Engine, telegram_api: FakeTelegram
) -> None:
    from rasa.core import run

    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
        "TELEGRAM_WEBHOOK_SECRET": SECRET,
        "TELEGRAM_API_BASE_URL": telegram_api.base_url,
        "CONVERSATION_ID_KEY": KEY,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("rest:\nbot.channels.telegram.TelegramInput:\n", encoding="utf-8")
    channels = run.create_http_input_channels(None, str(credentials))
    telegram = next(c for c in channels if isinstance(c, TelegramInput))
    telegram._engine = engine

    app = run.configure_app(channels, enable_api=False, use_uvloop=False)
    agent: Any = FakeAgent()
    app.ctx.agent = agent
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        update = text_update(50255501234, "hola")
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"http://127.0.0.1:{port}/webhooks/telegram/webhook",
                json=update,
                headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
            )
        assert response.status_code == 200
        await eventually(lambda: telegram_api.sent)
        assert telegram_api.texts_to(50255501234) == ["hola desde Rasa"]
        assert agent.messages[0].input_channel == "telegram"
        sid = f"tg:{telegram_api.bot_id}:{update['update_id']}"
        assert store.inbound_status(engine, message_sid=sid) == store.PROCESSED
        await eventually(lambda: telegram_api.webhook.get("url") == WEBHOOK_URL)
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
