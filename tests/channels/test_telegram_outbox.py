"""Telegram's outbox: 429 with retry_after, refusals, outages, and the rate limits."""

from __future__ import annotations

import asyncio
import itertools
import time

import pytest
from sqlalchemy.engine import Engine

from bot.channels import store
from bot.channels.sender import Pacing
from tests.channels.conftest import Clock, StubBot, eventually
from tests.channels.fake_telegram import FakeTelegram, text_update
from tests.channels.telegram_harness import TelegramHarness, start_telegram, stop_telegram

CHAT = 5215500011122


async def test_a_429_is_retried_after_the_seconds_telegram_asked_for(tg: TelegramHarness) -> None:
    tg.api.retry_after = 1
    tg.api.fail_next(429)
    started = time.monotonic()
    await tg.post(text_update(CHAT, "hola"))
    await eventually(lambda: tg.api.sent, timeout=5)
    waited = tg.api.sent[0].at - started
    assert waited >= 0.95  # not the 0.05 s backoff the sender would use by itself
    assert waited < 2.5
    assert tg.api.texts_to(CHAT) == ["echo: hola"]
    await eventually(lambda: store.outbox_messages(tg.engine)[0].status == store.SENT)
    assert store.outbox_messages(tg.engine)[0].attempts == 2


@pytest.mark.parametrize("failures", [[500], [500, 502], ["timeout"], [429, 500]])
async def test_an_outage_then_recovery_delivers_each_reply_once_in_order(tg: TelegramHarness, failures: list[int | str]) -> None:
    tg.api.retry_after = 0
    tg.api.hang_seconds = 1.0
    tg.api.fail_next(*failures)
    tg.bot.replies["hola"] = [{"text": "primera"}, {"text": "segunda"}]
    await tg.post(text_update(CHAT, "hola"))
    await eventually(lambda: len(tg.api.sent) == 2, timeout=10)
    await asyncio.sleep(0.3)
    assert tg.api.texts_to(CHAT) == ["primera", "segunda"]
    assert [m.status for m in store.outbox_messages(tg.engine)] == [store.SENT, store.SENT]


@pytest.mark.parametrize("code", [400, 403])
async def test_a_refusal_or_a_blocked_bot_is_marked_failed_and_not_retried(tg: TelegramHarness, code: int) -> None:
    tg.api.fail_next(code)
    await tg.post(text_update(CHAT, "hola"))
    await eventually(lambda: store.outbox_messages(tg.engine) and store.outbox_messages(tg.engine)[0].status == "failed")
    await asyncio.sleep(0.3)
    assert tg.api.calls["sendMessage"] == 1
    assert tg.api.sent == []


async def test_one_message_a_second_per_chat(engine: Engine, telegram_api: FakeTelegram, clock: Clock) -> None:
    bot = StubBot(replies={"hola": [{"text": "uno"}, {"text": "dos"}, {"text": "tres"}]})
    harness = await start_telegram(engine, telegram_api, clock, bot, pacing=Pacing(per_conversation=1.0, per_second=30))
    try:
        await harness.post(text_update(CHAT, "hola"))
        await harness.post(text_update(CHAT + 1, "hola"))
        await eventually(lambda: len(telegram_api.sent) == 6, timeout=8)
        mine = telegram_api.to(CHAT)
        assert [m.text for m in mine] == ["uno", "dos", "tres"]
        gaps = [later.at - earlier.at for earlier, later in itertools.pairwise(mine)]
        assert all(gap >= 0.95 for gap in gaps), gaps
        # the other chat is not held back by this one: its first reply goes out at once
        assert abs(telegram_api.to(CHAT + 1)[0].at - mine[0].at) < 0.5
    finally:
        await stop_telegram(harness)


async def test_at_most_30_messages_a_second_overall(engine: Engine, telegram_api: FakeTelegram, clock: Clock) -> None:
    harness = await start_telegram(engine, telegram_api, clock, StubBot(), pacing=Pacing(per_conversation=1.0, per_second=30))
    try:
        await asyncio.gather(*(harness.post(text_update(CHAT + n, f"m{n}")) for n in range(60)))
        await eventually(lambda: len(telegram_api.sent) == 60, timeout=10)
        times = sorted(m.at for m in telegram_api.sent)
        busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
        assert busiest <= 31, busiest
        assert times[-1] - times[0] >= 1.8  # 60 messages need two seconds
    finally:
        await stop_telegram(harness)
