"""Fixtures of the channel tests: a fake Twilio API, a migrated store, the channel in Sanic.

The Twilio channels (WhatsApp and SMS) share one harness: the ``harness`` fixture runs each test
that uses it once per provider; a test of a WhatsApp-only rule (the 24-hour window, locations)
asks for ``whatsapp_only``.
"""

from __future__ import annotations

import asyncio
import itertools
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from rasa.core.channels.channel import UserMessage
from sanic import Sanic
from sqlalchemy.engine import Engine
from twilio.request_validator import RequestValidator

from bot.channels.config import WhatsAppConfig, conversation_id
from bot.channels.sender import TwilioMessagesClient
from bot.channels.sms import SmsInput
from bot.channels.store import channel_engine
from bot.channels.whatsapp import WhatsAppInput
from bot.infodb.schema import migrate
from tests.channels.fake_twilio import FakeTwilio
from tests.infodb_fixtures import postgres_url

Sanic.test_mode = True
ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-1234567890abcdef"
KEY = "test-conversation-id-key-0123456789"
BOT_NUMBER = "whatsapp:+14155238886"
TWILIO_PROVIDERS = ("whatsapp", "sms")
_sids = itertools.count()


def new_sid() -> str:
    """A fresh Twilio-like MessageSid."""
    return f"SM{next(_sids):04d}{uuid.uuid4().hex[:28]}"


async def eventually(predicate: Callable[[], Any], timeout: float = 5.0) -> None:
    """Wait until predicate() is true (or fail)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


class Clock:
    """A UTC clock the tests can move forward."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.utcnow() + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@dataclass
class StubBot:
    """Stands in for Rasa: records UserMessages and answers through the output channel."""

    received: list[UserMessage] = field(default_factory=list)
    replies: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    hold: asyncio.Event | None = None
    hold_after: asyncio.Event | None = None

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        if self.hold is not None:
            await self.hold.wait()
        for reply in self.replies.get(message.text or "", [{"text": f"echo: {message.text}"}]):
            await message.output_channel.send_response(message.sender_id, dict(reply))
        if self.hold_after is not None:
            await self.hold_after.wait()

    def texts(self) -> list[str | None]:
        return [message.text for message in self.received]


@dataclass
class Harness:
    """The channel served by Sanic on a local port, with helpers that post as Twilio does."""

    channel: WhatsAppInput
    bot: StubBot
    twilio: FakeTwilio
    engine: Engine
    clock: Clock
    url: str
    http: httpx.AsyncClient
    _server: Any
    provider: str = "whatsapp"

    def cid(self, address: str) -> str:
        return conversation_id(address, KEY, prefix="wa" if self.provider == "whatsapp" else self.provider)

    def address(self, person: str) -> str:
        """A person's number as the provider writes it (``whatsapp:+52...`` or ``+52...``)."""
        return person if self.provider == "whatsapp" else person.removeprefix("whatsapp:")

    async def post(self, form: dict[str, str], signature: str | bool | None = True) -> httpx.Response:
        """POST a form to the webhook, signed for the configured public URL unless told otherwise."""
        headers = {}
        if signature is True:
            headers["X-Twilio-Signature"] = RequestValidator(AUTH_TOKEN).compute_signature(self.channel.config.webhook_url, form)
        elif isinstance(signature, str):
            headers["X-Twilio-Signature"] = signature
        return await self.http.post(f"{self.url}/webhooks/{self.provider}/webhook", data=form, headers=headers)

    async def send(self, address: str, body: str = "", sid: str | None = None, **fields: str) -> httpx.Response:
        """A message from a person, with the fields Twilio sends (WhatsApp's carry WaId and ProfileName)."""
        address = self.address(address)
        form = {
            "SmsMessageSid": sid or new_sid(),
            "NumMedia": "0",
            "ProfileName": "Person",
            "SmsSid": "",
            "WaId": address.removeprefix("whatsapp:+"),
            "SmsStatus": "received",
            "Body": body,
            "To": self.address(BOT_NUMBER),
            "NumSegments": "1",
            "MessageSid": "",
            "AccountSid": ACCOUNT_SID,
            "From": address,
            "ApiVersion": "2010-04-01",
        }
        form["MessageSid"] = form["SmsSid"] = form["SmsMessageSid"]
        if self.provider != "whatsapp":
            del form["WaId"], form["ProfileName"]
            form["FromCountry"] = "MX"
        form.update(fields)
        return await self.post(form)


async def start_harness(
    engine: Engine,
    twilio: FakeTwilio,
    clock: Clock,
    bot: Any,
    *,
    agent: Any = None,
    provider: str = "whatsapp",
    **options: Any,
) -> Harness:
    """Serve a fresh channel instance (a fresh process, as far as the channel knows).

    `agent` is what Rasa puts in ``app.ctx.agent`` (the channel reads its tracker store); other
    options go to the channel. `provider`: "whatsapp" or "sms" (Twilio's two products, one pipeline).
    """
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    config = WhatsAppConfig(
        account_sid=ACCOUNT_SID,
        auth_token=AUTH_TOKEN,
        from_address=BOT_NUMBER if provider == "whatsapp" else BOT_NUMBER.removeprefix("whatsapp:"),
        webhook_url=f"https://desk.example.org/webhooks/{provider}/webhook",
        api_base_url=twilio.base_url,
        conversation_id_key=KEY,
    )
    options.setdefault("language_of", _language_of)
    twilio.address_prefix = "whatsapp:" if provider == "whatsapp" else ""
    channel_class = WhatsAppInput if provider == "whatsapp" else SmsInput
    channel = channel_class(
        config,
        engine=engine,
        messages_client=TwilioMessagesClient(config, timeout=0.3),
        clock=clock,
        sender_options={"base_delay": 0.05, "max_delay": 0.2, "poll_interval": 0.05},
        **options,
    )
    app = Sanic(f"{provider}_{uuid.uuid4().hex[:8]}")
    app.blueprint(channel.blueprint(bot), url_prefix=f"/webhooks/{provider}")
    if agent is not None:
        app.ctx.agent = agent
    server = await app.create_server(host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False)
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    return Harness(
        channel, bot, twilio, engine, clock, f"http://127.0.0.1:{port}", httpx.AsyncClient(timeout=10), server, provider
    )


async def stop_harness(harness: Harness) -> None:
    """Stop the server and the channel's tasks, as a process stop would (once)."""
    if harness._server is None:
        return
    await harness.http.aclose()
    await harness._server.before_stop()
    harness._server.close()
    await harness._server.wait_closed()
    await harness._server.after_stop()
    harness._server = None


LANGUAGES: dict[str, str] = {}


async def _language_of(cid: str) -> str | None:
    return LANGUAGES.get(cid)


@pytest.fixture
async def twilio() -> AsyncIterator[FakeTwilio]:
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    """A fresh database migrated to head (so the 0002 migration is exercised)."""
    url = f"sqlite:///{tmp_path / 'channels.db'}"
    migrate(url)
    return channel_engine(url)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh channel store migrated to head on SQLite and on a PostgreSQL schema (CI: the real server)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'channels.db'}"
        migrate(url)
        yield channel_engine(url)
        return
    for url in postgres_url():
        migrate(url)
        engine = channel_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()
            channel_engine.cache_clear()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test of a WhatsApp-only rule runs with the WhatsApp harness alone."""
    kept, dropped = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        provider = callspec.params.get("harness") if callspec is not None else None
        only = item.get_closest_marker("whatsapp_only") is not None
        (dropped if only and provider not in (None, "whatsapp") else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture
async def whatsapp_harness(engine: Engine, twilio: FakeTwilio, clock: Clock) -> AsyncIterator[Harness]:
    """The WhatsApp channel alone (for suites that choose their provider themselves)."""
    running = await start_harness(engine, twilio, clock, StubBot())
    yield running
    await stop_harness(running)


@pytest.fixture(params=TWILIO_PROVIDERS)
async def harness(
    request: pytest.FixtureRequest, engine: Engine, twilio: FakeTwilio, clock: Clock
) -> AsyncIterator[Harness]:
    """A Twilio channel (WhatsApp, then SMS) with a stub bot (`whatsapp_only` tests run WhatsApp alone)."""
    running = await start_harness(engine, twilio, clock, StubBot(), provider=request.param)
    yield running
    await stop_harness(running)


# -- Telegram (the harness lives in telegram_harness.py; imported here lazily, it imports this module)


@pytest.fixture
async def telegram_api() -> AsyncIterator[Any]:
    """The fake Bot API on a local port."""
    from tests.channels.fake_telegram import FakeTelegram
    from tests.channels.telegram_harness import TOKEN

    fake = FakeTelegram(TOKEN)
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def tg(engine: Engine, telegram_api: Any, clock: Clock) -> AsyncIterator[Any]:
    """The Telegram channel in webhook mode."""
    from tests.channels.telegram_harness import start_telegram, stop_telegram

    running = await start_telegram(engine, telegram_api, clock, StubBot())
    yield running
    await stop_telegram(running)
