"""What every messaging channel guarantees, run once per provider: WhatsApp, SMS and Telegram.

Each provider's real payloads (Twilio's signed form, the Bot API's Update JSON with its secret
token) go to the channel served in Sanic; what reaches the provider's stand-in is what the person
reads. A stub stands in for Rasa. A `Provider` adapter is all a new channel adds to run this suite;
the channels' own files keep only what is theirs (TwiML, webhook registration, the 24-hour window,
numbered menus, inline keyboards).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from bot.channels import store
from tests.channels.conftest import (
    Clock,
    Harness,
    StubBot,
    eventually,
    new_sid,
    start_harness,
    stop_harness,
)
from tests.channels.fake_telegram import FakeTelegram, text_update
from tests.channels.fake_twilio import FakeTwilio
from tests.channels.telegram_harness import TOKEN, TelegramHarness, start_telegram, stop_telegram

PHONE = "whatsapp:+5215512345678"  # written as +5215512345678 on SMS
CHAT = 5512345678


@dataclass
class Provider:
    """One person on one provider, and the channel serving them."""

    name: str
    running: Any  # the harness
    text: Callable[[str], tuple[Any, str]]  # a typed text with a fresh message id -> (payload, stored id)
    post: Callable[[Any], Awaitable[httpx.Response]]  # as the provider posts it
    forged: Callable[[Any], Awaitable[httpx.Response]]  # with a wrong signature or secret
    inbox: Callable[[], list[str]]  # the texts the person received, in order
    fail_next: Callable[..., None]  # the provider's API answers these statuses next
    clear_failures: Callable[[], None]
    restart: Callable[[StubBot], Awaitable[Any]]  # a fresh process on the same store
    stop: Callable[[Any], Awaitable[None]]
    cid: str

    @property
    def bot(self) -> StubBot:
        return self.running.bot  # type: ignore[no-any-return]

    @property
    def engine(self) -> Engine:
        return self.running.engine  # type: ignore[no-any-return]


def _twilio(harness: Harness) -> Provider:
    def text(body: str) -> tuple[dict[str, str], str]:
        sid = new_sid()
        address = harness.address(PHONE)
        return {"MessageSid": sid, "SmsMessageSid": sid, "From": address, "To": harness.address("whatsapp:+14155238886"),
                "Body": body, "NumMedia": "0"}, sid

    async def restart(bot: StubBot) -> Harness:
        return await start_harness(harness.engine, harness.twilio, harness.clock, bot, provider=harness.provider)

    return Provider(
        name=harness.provider, running=harness, text=text, post=harness.post,
        forged=lambda form: harness.post(form, signature="bm90IGEgc2lnbmF0dXJl"),
        inbox=lambda: harness.twilio.bodies_to(PHONE), fail_next=harness.twilio.fail_next,
        clear_failures=harness.twilio.failures.clear, restart=restart, stop=stop_harness, cid=harness.cid(PHONE),
    )


def _telegram(tg: TelegramHarness) -> Provider:
    def text(body: str) -> tuple[dict[str, Any], str]:
        update = text_update(CHAT, body)
        return update, f"tg:{tg.api.bot_id}:{update['update_id']}"

    async def restart(bot: StubBot) -> TelegramHarness:
        return await start_telegram(tg.engine, tg.api, tg.clock, bot)

    return Provider(
        name="telegram", running=tg, text=text, post=tg.post,
        forged=lambda update: tg.post(update, secret="wrong-secret-0123456789"),
        inbox=lambda: tg.api.texts_to(CHAT), fail_next=tg.api.fail_next, clear_failures=tg.api.failures.clear,
        restart=restart, stop=stop_telegram, cid=tg.cid(CHAT),
    )


@pytest.fixture(params=["whatsapp", "sms", "telegram"])
async def provider(request: pytest.FixtureRequest, engine: Engine, clock: Clock) -> AsyncIterator[Provider]:
    """The channel of one provider, served in Sanic against its provider's stand-in."""
    if request.param == "telegram":
        api = FakeTelegram(TOKEN)
        await api.start()
        tg = await start_telegram(engine, api, clock, StubBot())
        yield _telegram(tg)
        await stop_telegram(tg)
        await api.stop()
        return
    twilio = FakeTwilio("AC" + "0" * 32, "test-auth-token-1234567890abcdef")
    await twilio.start()
    harness = await start_harness(engine, twilio, clock, StubBot(), provider=request.param)
    yield _twilio(harness)
    await stop_harness(harness)
    await twilio.stop()


async def test_a_message_is_acknowledged_answered_and_given_to_rasa_as_the_conversation(provider: Provider) -> None:
    payload, _ = provider.text("hola")
    response = await provider.post(payload)
    assert response.status_code == 200
    await eventually(lambda: provider.inbox())
    assert provider.inbox() == ["echo: hola"]
    message = provider.bot.received[0]
    assert (message.sender_id, message.input_channel) == (provider.cid, provider.name)


async def test_a_forged_request_gets_403_and_stores_nothing(provider: Provider) -> None:
    payload, _ = provider.text("hola")
    assert (await provider.forged(payload)).status_code == 403
    await asyncio.sleep(0.2)
    assert store.count_inbound(provider.engine) == 0
    assert provider.bot.received == [] and provider.inbox() == []
    assert store.get_conversation(provider.engine, conversation_id=provider.cid) is None


async def test_a_redelivery_is_acknowledged_and_ignored(provider: Provider) -> None:
    payload, _ = provider.text("hola")
    first = await provider.post(payload)
    await eventually(lambda: provider.inbox())
    again = await provider.post(payload)
    assert first.status_code == again.status_code == 200
    await asyncio.sleep(0.3)
    assert provider.bot.texts() == ["hola"] and provider.inbox() == ["echo: hola"]
    assert store.count_inbound(provider.engine) == 1


async def test_concurrent_duplicates_are_processed_once(provider: Provider) -> None:
    payload, _ = provider.text("hola")
    responses = await asyncio.gather(*(provider.post(payload) for _ in range(8)))
    assert {r.status_code for r in responses} == {200}
    await eventually(lambda: provider.inbox())
    await asyncio.sleep(0.3)
    assert provider.bot.texts() == ["hola"] and provider.inbox() == ["echo: hola"]


async def test_a_message_acknowledged_before_a_stop_is_answered_after_the_next_start(provider: Provider) -> None:
    provider.bot.hold = asyncio.Event()  # the turn never finishes in this process
    payload, sid = provider.text("hola")
    await provider.post(payload)
    await eventually(lambda: provider.bot.received)
    await provider.stop(provider.running)
    assert store.inbound_status(provider.engine, message_sid=sid) == store.RECEIVED  # released at the stop
    assert provider.inbox() == []
    second = await provider.restart(StubBot())
    try:
        await eventually(lambda: provider.inbox())
        await asyncio.sleep(0.3)
        assert provider.inbox() == ["echo: hola"] and second.bot.texts() == ["hola"]
        assert store.inbound_status(provider.engine, message_sid=sid) == store.PROCESSED
    finally:
        await provider.stop(second)


async def test_replies_queued_before_a_stop_are_sent_once_after_it(provider: Provider) -> None:
    provider.fail_next(*([500] * 100))  # the provider's API is down: the replies wait in the outbox
    provider.bot.replies["hola"] = [{"text": "uno"}, {"text": "dos"}]
    provider.bot.hold_after = asyncio.Event()  # the replies are queued, the turn is not finished
    payload, sid = provider.text("hola")
    await provider.post(payload)
    await eventually(lambda: len(store.outbox_messages(provider.engine)) == 2)
    await provider.stop(provider.running)
    assert store.inbound_status(provider.engine, message_sid=sid) == store.RECEIVED  # released at the stop
    provider.clear_failures()  # the API is back
    second = await provider.restart(StubBot(replies={"hola": [{"text": "uno"}, {"text": "dos"}]}))
    try:
        await eventually(lambda: len(provider.inbox()) >= 2)
        await asyncio.sleep(0.3)
        assert provider.inbox() == ["uno", "dos"]  # once each, in order; the turn is not run twice
    finally:
        await provider.stop(second)
