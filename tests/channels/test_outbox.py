"""The outbox: Twilio outages, the 24-hour window and opt-out."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest

from bot.channels import store
from bot.channels.whatsapp import Outbox
from tests.channels.conftest import Harness, StubBot, eventually, start_harness, stop_harness

PERSON = "whatsapp:+5511987654321"


async def _conversation(harness: Harness) -> str:
    await harness.send(PERSON, "oi")
    await eventually(lambda: harness.twilio.bodies_to(PERSON))
    return harness.cid(PERSON)


@pytest.mark.parametrize("failures", [[429], [500, 503], ["timeout"], [429, "timeout", 500, 502]])
async def test_an_api_outage_then_recovery_delivers_each_reply_once_in_order(harness: Harness, failures: list[int | str]) -> None:
    harness.twilio.fail_next(*failures)
    harness.bot.replies["oi"] = [{"text": "primeira"}, {"text": "segunda"}]
    await harness.send(PERSON, "oi")
    await eventually(lambda: len(harness.twilio.sent) == 2, timeout=10)
    await asyncio.sleep(0.3)
    assert harness.twilio.bodies_to(PERSON) == ["primeira", "segunda"]
    messages = store.outbox_messages(harness.engine)
    assert [m.status for m in messages] == [store.SENT, store.SENT]
    assert messages[0].attempts == len(failures) + 1
    assert harness.twilio.calls == len(failures) + 2


async def test_a_reply_survives_an_outage_across_a_restart(harness: Harness) -> None:
    harness.twilio.fail_next(*([503] * 1000))
    await harness.send(PERSON, "oi")
    await eventually(lambda: harness.twilio.calls >= 2)
    await stop_harness(harness)
    harness.twilio.failures.clear()
    second = await start_harness(harness.engine, harness.twilio, harness.clock, StubBot(), provider=harness.provider)
    try:
        await eventually(lambda: harness.twilio.sent)
        await asyncio.sleep(0.2)
        assert harness.twilio.bodies_to(PERSON) == ["echo: oi"]
    finally:
        await stop_harness(second)


async def test_a_refused_message_is_marked_failed_and_not_retried(harness: Harness) -> None:
    harness.twilio.fail_next(400)
    await harness.send(PERSON, "oi")
    await eventually(
        lambda: store.outbox_messages(harness.engine) and store.outbox_messages(harness.engine)[0].status == "failed"
    )
    await asyncio.sleep(0.2)
    assert harness.twilio.calls == 1


@pytest.mark.whatsapp_only
async def test_nothing_free_form_is_sent_outside_the_24_hour_window(harness: Harness) -> None:
    cid = await _conversation(harness)
    harness.clock.advance(hours=24, minutes=1)
    await harness.channel.get_output_channel().send_text_message(cid, "¿Sigues ahí?")  # e.g. a staff reply
    await asyncio.sleep(0.3)
    assert harness.twilio.bodies_to(PERSON) == ["echo: oi"]
    assert store.outbox_messages(harness.engine, conversation_id=cid)[-1].status == store.OUTSIDE_WINDOW
    await harness.send(PERSON, "sim")  # the person writes again: the window opens
    await eventually(lambda: len(harness.twilio.bodies_to(PERSON)) == 2)
    assert harness.twilio.bodies_to(PERSON)[-1] == "echo: sim"


@pytest.mark.whatsapp_only
async def test_a_reply_that_waited_past_the_window_is_not_sent(harness: Harness) -> None:
    cid = await _conversation(harness)
    harness.twilio.fail_next(*([500] * 1000))
    await harness.channel.get_output_channel().send_text_message(cid, "resposta atrasada")
    await eventually(lambda: harness.twilio.calls >= 3)
    harness.clock.advance(hours=25)
    await eventually(lambda: store.outbox_messages(harness.engine, conversation_id=cid)[-1].status == store.OUTSIDE_WINDOW)
    harness.twilio.failures.clear()
    await asyncio.sleep(0.3)
    assert harness.twilio.bodies_to(PERSON) == ["echo: oi"]


@pytest.mark.parametrize("keyword", ["STOP", "stop", "Baja", "ARRÊT", "sispann", "Sair"])
async def test_an_opt_out_keyword_stops_messages_until_the_person_writes_again(harness: Harness, keyword: str) -> None:
    cid = await _conversation(harness)
    await harness.send(PERSON, keyword)
    await asyncio.sleep(0.3)
    assert harness.bot.texts() == ["oi"]  # the keyword is not a turn
    await harness.channel.get_output_channel().send_text_message(cid, "novidade")
    await asyncio.sleep(0.3)
    assert harness.twilio.bodies_to(PERSON) == ["echo: oi"]
    assert store.outbox_messages(harness.engine, conversation_id=cid)[-1].status == store.OPTED_OUT

    await harness.send(PERSON, "voltei")
    await eventually(lambda: len(harness.twilio.bodies_to(PERSON)) == 2)
    assert harness.twilio.bodies_to(PERSON)[-1] == "echo: voltei"


async def test_a_message_queued_before_an_opt_out_is_not_sent_after_it(harness: Harness) -> None:
    cid = await _conversation(harness)
    harness.twilio.fail_next(*([500] * 1000))
    await harness.channel.get_output_channel().send_text_message(cid, "atrasada")
    await eventually(lambda: harness.twilio.calls >= 3)
    await harness.send(PERSON, "STOP")
    harness.twilio.failures.clear()
    await eventually(lambda: store.outbox_messages(harness.engine, conversation_id=cid)[-1].status == store.OPTED_OUT)
    assert harness.twilio.bodies_to(PERSON) == ["echo: oi"]


async def test_a_message_to_someone_who_never_wrote_is_not_sent(harness: Harness) -> None:
    stranger = harness.cid("whatsapp:+5215500000000")
    await harness.channel.get_output_channel().send_text_message(stranger, "hola")
    await asyncio.sleep(0.2)
    # WhatsApp: no window was ever opened; SMS: no number to write to.
    expected = store.OUTSIDE_WINDOW if harness.provider == "whatsapp" else store.UNREACHABLE
    assert [m.status for m in store.outbox_messages(harness.engine, conversation_id=stranger)] == [expected]
    assert harness.twilio.calls == 0


@pytest.mark.parametrize(
    ("opted_out", "hours_since_last_message", "expected"),
    [(False, 1, store.PENDING), (False, 24.1, store.OUTSIDE_WINDOW), (True, 1, store.OPTED_OUT), (True, 30, store.OPTED_OUT)],
)
def test_the_whatsapp_rules_decide_at_queue_time(opted_out: bool, hours_since_last_message: float, expected: str) -> None:
    now = datetime(2026, 11, 28, 12, 0)
    last = now - timedelta(hours=hours_since_last_message)
    conversation = store.Conversation("wa-x", "whatsapp:+1", last, opted_out, [])
    assert Outbox.status_for(conversation, now) == expected
    assert Outbox.status_for(None, now) == store.OUTSIDE_WINDOW
