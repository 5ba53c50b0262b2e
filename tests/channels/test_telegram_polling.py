"""Telegram long-polling mode (no public URL): deleteWebhook, offsets, restarts."""

from __future__ import annotations

import asyncio
import logging

import pytest
from sqlalchemy.engine import Engine

from bot.channels import store
from tests.channels.conftest import Clock, StubBot, eventually
from tests.channels.fake_telegram import FakeTelegram, callback_update, location_update, text_update, voice_update
from tests.channels.telegram_harness import SECRET, TOKEN, start_telegram, stop_telegram

CHAT = 5730000001


async def test_polling_removes_the_webhook_and_answers_updates(engine: Engine, telegram_api: FakeTelegram, clock: Clock) -> None:
    telegram_api.webhook = {"url": "https://old.example.org/hook"}  # left by an earlier webhook deployment
    harness = await start_telegram(engine, telegram_api, clock, StubBot(), polling=True)
    try:
        telegram_api.push(text_update(CHAT, "hola"))
        telegram_api.push(text_update(CHAT + 1, "bonjour"))
        await eventually(lambda: len(telegram_api.sent) == 2)
        assert telegram_api.webhook == {}
        assert telegram_api.texts_to(CHAT) == ["echo: hola"]
        assert telegram_api.texts_to(CHAT + 1) == ["echo: bonjour"]
        assert harness.bot.received[0].sender_id == harness.cid(CHAT)
        await eventually(lambda: telegram_api.pending() == [])  # confirmed by the next offset
        assert len(telegram_api.commands) == 6
    finally:
        await stop_telegram(harness)


async def test_each_update_is_stored_before_its_offset_is_confirmed(
    engine: Engine, telegram_api: FakeTelegram, clock: Clock
) -> None:
    harness = await start_telegram(engine, telegram_api, clock, StubBot(), polling=True)
    try:
        updates = [text_update(CHAT, f"m{n}") for n in range(5)]
        for update in updates:
            telegram_api.push(update)
        await eventually(lambda: len(telegram_api.sent) == 5)
        confirmed = [offset for offset in telegram_api.offsets if offset is not None]
        last = updates[-1]["update_id"]
        assert confirmed and confirmed[-1] == last + 1
        for update in updates:
            assert store.get_inbound(engine, message_sid=f"tg:{telegram_api.bot_id}:{update['update_id']}") is not None
    finally:
        await stop_telegram(harness)


async def test_a_redelivered_update_after_a_restart_is_answered_once(
    engine: Engine, telegram_api: FakeTelegram, clock: Clock
) -> None:
    first = await start_telegram(engine, telegram_api, clock, StubBot(hold=asyncio.Event()), polling=True)
    update = text_update(CHAT, "hola")
    telegram_api.push(update)
    await eventually(lambda: first.bot.received)
    await stop_telegram(first)  # stopped mid-turn
    assert telegram_api.sent == []
    telegram_api.push(update)  # Telegram sends it again (say the confirmation never arrived)

    second = await start_telegram(engine, telegram_api, clock, StubBot(), polling=True)
    try:
        await eventually(lambda: telegram_api.sent)
        await asyncio.sleep(0.5)
        assert telegram_api.texts_to(CHAT) == ["echo: hola"]
        assert second.bot.texts() == ["hola"]
    finally:
        await stop_telegram(second)


async def test_the_webhook_refuses_posts_in_polling_mode_without_the_secret(
    engine: Engine, telegram_api: FakeTelegram, clock: Clock
) -> None:
    harness = await start_telegram(engine, telegram_api, clock, StubBot(), polling=True)
    try:
        assert (await harness.post(text_update(CHAT, "hola"), secret=False)).status_code == 403
        assert (await harness.post(text_update(CHAT, "hola"), secret=SECRET)).status_code == 200
    finally:
        await stop_telegram(harness)


async def test_a_batch_the_store_could_not_take_is_asked_for_again_not_confirmed(
    engine: Engine, telegram_api: FakeTelegram, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = store.record_inbound_many
    failures = [RuntimeError("database is locked")]

    def flaky(engine: Engine, *, items: list[store.NewInbound]) -> list[bool]:
        if failures:
            raise failures.pop()
        return real(engine, items=items)

    monkeypatch.setattr(store, "record_inbound_many", flaky)
    update = text_update(CHAT, "hola")
    telegram_api.push(update)
    harness = await start_telegram(engine, telegram_api, clock, StubBot(), polling=True)
    try:
        await eventually(lambda: telegram_api.sent)
        await asyncio.sleep(0.3)
        assert telegram_api.texts_to(CHAT) == ["echo: hola"]
        assert failures == []  # the first attempt failed
        confirmed = [offset for offset in telegram_api.offsets if offset is not None]
        assert confirmed and confirmed[0] == update["update_id"] + 1  # confirmed only once stored
        assert telegram_api.offsets[:2] == [None, None]  # asked again from the same place
    finally:
        await stop_telegram(harness)


async def test_polling_presses_media_and_locations_leave_no_ids_or_texts_in_logs(
    engine: Engine, telegram_api: FakeTelegram, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bot = StubBot(replies={"hola": [{"text": "Menú secreto", "buttons": [{"title": "Asilo", "payload": "/ask_asylum"}]}]})
    harness = await start_telegram(engine, telegram_api, clock, bot, polling=True)
    try:
        telegram_api.fail_next(429)
        telegram_api.retry_after = 0
        telegram_api.push(text_update(CHAT, "hola"))
        await eventually(lambda: telegram_api.sent)
        telegram_api.push(callback_update(CHAT, telegram_api.sent[0].data()[0]))
        telegram_api.push(callback_update(CHAT, "forged-data"))
        telegram_api.push(voice_update(CHAT, file_id="secret-file-id"))
        telegram_api.push(location_update(CHAT, 14.9071, -92.2639))
        await eventually(lambda: len(bot.received) == 4)
        await eventually(lambda: len(telegram_api.sent) == 4)
        await eventually(lambda: len(telegram_api.answers) == 2)
    finally:
        await stop_telegram(harness)
    assert caplog.records
    for secret in (str(CHAT), "Rosa", "Pérez", "hola", "Menú secreto", "Asilo", "secret-file-id", "14.9071", "forged-data"):
        assert secret not in caplog.text, secret
    assert TOKEN.split(":")[1] not in caplog.text
