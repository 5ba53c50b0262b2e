"""WhatsApp and Telegram in one process on one store: each channel's sender sends only its own replies."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import Engine

from bot.channels import store
from tests.channels.conftest import Clock, StubBot, eventually, start_harness, stop_harness
from tests.channels.fake_telegram import FakeTelegram, text_update
from tests.channels.fake_twilio import FakeTwilio
from tests.channels.telegram_harness import start_telegram, stop_telegram

PERSON = "whatsapp:+5215512345678"
CHAT = 5512345678


async def test_both_channels_share_the_store_without_crossing(
    engine: Engine, twilio: FakeTwilio, telegram_api: FakeTelegram, clock: Clock
) -> None:
    whatsapp = await start_harness(engine, twilio, clock, StubBot())
    telegram = await start_telegram(engine, telegram_api, clock, StubBot())
    try:
        await whatsapp.send(PERSON, "hola")
        await telegram.post(text_update(CHAT, "hello"))
        await eventually(lambda: twilio.sent and telegram_api.sent)
        await asyncio.sleep(0.3)
        assert [m.body for m in twilio.sent] == ["echo: hola"]
        assert [m.text for m in telegram_api.sent] == ["echo: hello"]
        channels = {m.conversation_id[:3]: m.status for m in store.outbox_messages(engine)}
        assert channels == {"wa-": store.SENT, "tg-": store.SENT}
    finally:
        await stop_telegram(telegram)
        await stop_harness(whatsapp)
