"""Rasa's own loader builds the channels from the credentials ``make run`` writes and serves their webhooks."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from sqlalchemy.engine import Engine
from twilio.request_validator import RequestValidator

from bot.channels import registry, store
from bot.channels.__main__ import main as channels_cli
from bot.channels.whatsapp import WhatsAppInput
from tests.channels.conftest import ACCOUNT_SID, AUTH_TOKEN, KEY, eventually, new_sid
from tests.channels.fake_twilio import FakeTwilio

WEBHOOK_URL = "https://desk.example.org/webhooks/whatsapp/webhook"
SMS_WEBHOOK_URL = "https://desk.example.org/webhooks/sms/webhook"


class FakeAgent:
    """What Rasa's channel handler calls: agent.handle_message."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.messages.append(message)
        await message.output_channel.send_text_message(message.sender_id, "hola desde Rasa")


@pytest.mark.parametrize("provider", ["whatsapp", "sms"])
async def test_rasa_loads_and_serves_the_channel(
    provider: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    engine: Engine,
    twilio: FakeTwilio,
) -> None:
    from rasa.core import run

    env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_WHATSAPP_FROM": "+14155238886",
        "TWILIO_WEBHOOK_URL": WEBHOOK_URL,
        "TWILIO_SMS_FROM": "+14155238887",
        "TWILIO_SMS_WEBHOOK_URL": SMS_WEBHOOK_URL,
        "TWILIO_API_BASE_URL": twilio.base_url,
        "CONVERSATION_ID_KEY": KEY,
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    base = tmp_path / "base.yml"
    base.write_text("rest:\n", encoding="utf-8")
    assert channels_cli(["credentials", str(base)]) == 0  # what scripts/run.sh writes to var/credentials.yml
    written = capsys.readouterr()
    assert "messaging channels: whatsapp, sms" in written.err
    credentials = tmp_path / "credentials.yml"
    credentials.write_text(written.out, encoding="utf-8")
    channels = run.create_http_input_channels(None, str(credentials))
    assert sorted(c.name() for c in channels) == ["rest", "sms", "whatsapp"]
    channel = next(c for c in channels if c.name() == provider)
    assert isinstance(channel, registry.get(provider).load()) and isinstance(channel, WhatsAppInput)
    for loaded in channels:
        if isinstance(loaded, WhatsAppInput):
            loaded._engine = engine  # both Twilio channels start with the server
    prefix = "whatsapp:" if provider == "whatsapp" else ""

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
            "From": f"{prefix}+50255501234",
            "To": f"{prefix}+14155238886",
            "Body": "hola",
            "NumMedia": "0",
        }
        signature = RequestValidator(AUTH_TOKEN).compute_signature(channel.config.webhook_url, form)
        async with httpx.AsyncClient() as http:
            response = await http.post(
                f"http://127.0.0.1:{port}/webhooks/{provider}/webhook", data=form, headers={"X-Twilio-Signature": signature}
            )
        assert response.status_code == 200
        await eventually(lambda: twilio.sent)
        assert [(m.from_, m.to, m.body) for m in twilio.sent] == [
            (channel.config.from_address, f"{prefix}+50255501234", "hola desde Rasa")
        ]
        assert agent.messages[0].input_channel == provider
        assert store.inbound_status(engine, message_sid=sid) == store.PROCESSED
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()
