"""Send rates shared across instances through the real Redis: two senders stay within one limit together."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator

import pytest

from bot.channels import shared_pacing
from bot.channels.config import WhatsAppConfig
from bot.channels.sender import Pacing
from bot.channels.shared_pacing import SharedPacing
from bot.channels.whatsapp import WhatsAppInput
from bot.settings import SettingsError
from tests.services import REDIS_URL, require


@pytest.fixture
async def two_instances() -> AsyncIterator[tuple[SharedPacing, SharedPacing]]:
    """Two processes' pacing for one Telegram bot (a fresh namespace on the real Redis)."""
    url = require(REDIS_URL)
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    first = SharedPacing(url, namespace=namespace, per_conversation=1.0, per_second=10.0)
    second = SharedPacing(url, namespace=namespace, per_conversation=1.0, per_second=10.0)
    yield first, second
    await first.close()
    await second.close()


async def test_two_instances_share_the_channel_wide_rate(two_instances: tuple[SharedPacing, SharedPacing]) -> None:
    first, second = two_instances
    start = time.monotonic()
    # 30 sends split over two instances at 10 a second together: about 3 s, not 1.5 s as each alone would allow.
    await asyncio.gather(*(pacing.slot(f"chat-{n}") for n in range(15) for pacing in (first, second)))
    elapsed = time.monotonic() - start
    assert elapsed >= 2.7, elapsed
    local = Pacing(per_second=10.0)
    start = time.monotonic()
    await asyncio.gather(*(local.slot(f"chat-{n}") for n in range(15)))
    assert time.monotonic() - start < elapsed / 1.5  # one instance alone: half the sends, half the time


async def test_a_chat_written_by_one_instance_waits_on_the_other(two_instances: tuple[SharedPacing, SharedPacing]) -> None:
    first, second = two_instances
    await first.slot("chat-a")
    waits = await second.waits(["chat-a", "chat-b"])
    assert 0.5 < waits[0] <= 1.0 and waits[1] == 0.0
    await second.hold("chat-b", 5.0)  # a 429's retry_after seen by the second instance
    assert (await first.waits(["chat-b"]))[0] > 4.0


async def test_without_redis_it_paces_locally_and_keeps_sending() -> None:
    broken = SharedPacing("redis://127.0.0.1:1/0", namespace="nowhere", per_conversation=1.0, per_second=50.0)
    try:
        await broken.slot("chat-a")  # Redis refused: the send is not blocked
        assert (await broken.waits(["chat-a"]))[0] > 0.5  # and the interval holds in this process
    finally:
        await broken.close()


def test_shared_only_when_configured() -> None:
    assert type(shared_pacing.pacing("telegram:1", per_second=30.0, environ={})) is Pacing
    shared = shared_pacing.pacing("telegram:1", per_second=30.0, environ={"RATE_LIMIT_REDIS_URL": "redis://127.0.0.1:6379/15"})
    assert isinstance(shared, SharedPacing)


def test_a_twilio_number_is_paced_only_with_its_rate_set() -> None:
    env = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_WHATSAPP_FROM": "+14155238886",
           "TWILIO_WEBHOOK_URL": "https://desk.example.org/webhooks/whatsapp/webhook"}
    assert WhatsAppInput(WhatsAppConfig.from_env(env)).make_pacing() is None
    paced = WhatsAppInput(WhatsAppConfig.from_env({**env, "TWILIO_SENDS_PER_SECOND": "80"})).make_pacing()
    assert paced is not None and paced.interval == pytest.approx(1 / 80)
    with pytest.raises(SettingsError, match="TWILIO_SENDS_PER_SECOND"):
        WhatsAppConfig.from_env({**env, "TWILIO_SENDS_PER_SECOND": "fast"})
