"""Rasa's own loader builds the channel from credentials.yml and serves it at /webhooks/whatsapp/webhook."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from sqlalchemy.engine import Engine
from twilio.request_validator import RequestValidator

from bot.channels import store
from bot.channels.whatsapp import WhatsAppInput
from tests.channels.conftest import ACCOUNT_SID, AUTH_TOKEN, KEY, eventually, new_sid
from tests.channels.fake_twilio import FakeTwilio

WEBHOOK_URL = "https://desk.example.org/webhooks/whatsapp/webhook"


class FakeAgent:
    """What Rasa's channel handler calls: agent.handle_message."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, "hola desde Rasa")


async def test_rasa_loads_and_serves_the_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, engine: Engine, twilio: FakeTwilio
) -> None:
    from rasa.core import run

    env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": "+14155238886",
        "TWILIO_WEBHOOK_URL": WEBHOOK_URL,
        "TWILIO_API_BASE_URL": twilio.base_url,
        "CONVERSATION_ID_KEY": KEY,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    credentials = tmp_path / "credentials.yml"
    credentials.write_text("rest:\nbot.channels.whatsapp.WhatsAppInput:\n", encoding="utf-8")
    channels = run.create_http_input_channels(None, str(credentials))
    whatsapp = next(c for c in channels if isinstance(c, WhatsAppInput))
    whatsapp._engine = engine

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
        sid = new_sid()
        form = {
            "MessageSid": sid,
            "From": "whatsapp:+50255501234",
            "To": "whatsapp:+14155238886",
            "Body": "hola",
            "NumMedia": "0",
        }
        signature = RequestValidator(AUTH_TOKEN).compute_signature(WEBHOOK_URL, form)
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"http://127.0.0.1:{port}/webhooks/whatsapp/webhook", data=form, headers={"X-Twilio-Signature": signature}
            )
        assert response.status_code == 200
        await eventually(lambda: twilio.sent)
        assert [m.body for m in twilio.sent] == ["hola desde Rasa"]
        assert agent.messages[0].input_channel == "whatsapp"
        assert store.inbound_status(engine, message_sid=sid) == store.PROCESSED
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
