"""Alerts leave through each channel by its rules, against the local Twilio and Telegram stand-ins.

WhatsApp: free text only inside the person's 24-hour window, the approved template of their language
(ContentSid + ContentVariables) outside it, never free text there. Telegram: paced, 429's retry_after
honoured. Every person gets an alert once, across a stop in the middle and two instances at once.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from sqlalchemy.engine import Engine

from bot.alerts import store
from bot.alerts.tables import DELIVERED_TO_PROVIDER, FAILED, FREEFORM, TEMPLATE
from bot.channels.sender import Pacing
from tests.alerts.factories import approved_alert, person
from tests.channels.conftest import Clock, StubBot, eventually, start_harness, stop_harness
from tests.channels.fake_telegram import FakeTelegram
from tests.channels.fake_twilio import FakeTwilio
from tests.channels.telegram_harness import start_telegram, stop_telegram

FAST = {"poll_interval": 0.05, "per_second": 500.0, "base_delay": 0.05}
TEMPLATES = {"es": "HXes0000000000000000000000000000", "fr": "HXfr0000000000000000000000000000"}


def _report(engine: Engine, alert_id: int) -> dict[str, int]:
    total: dict[str, int] = {}
    for line in store.report(engine, alert_id=alert_id):
        for state, count in line.counts.items():
            total[state] = total.get(state, 0) + count
    return total


async def _done(engine: Engine, alert_id: int, timeout: float = 10.0) -> None:
    await eventually(lambda: (store.get_alert(engine, alert_id=alert_id) or store.Alert).status == "sent", timeout)  # type: ignore[attr-defined]


async def test_whatsapp_sends_free_text_only_inside_the_window_and_the_template_outside(
    engine: Engine, twilio: FakeTwilio, clock: Clock
) -> None:
    now = clock()
    person(engine, "wa-inside", address="whatsapp:+50255550001", channel="whatsapp", last_wrote=now - timedelta(hours=2))
    person(engine, "wa-outside", address="whatsapp:+50255550002", channel="whatsapp", last_wrote=now - timedelta(hours=30))
    person(engine, "wa-fr", address="whatsapp:+50255550003", channel="whatsapp", language="fr",
           last_wrote=now - timedelta(days=3))
    person(engine, "wa-ht", address="whatsapp:+50255550004", channel="whatsapp", language="ht",
           last_wrote=now - timedelta(days=3))  # no Haitian Creole template
    alert_id = approved_alert(engine, {"es": "Huracán: el albergue de Tapachula cambia de dirección.",
                                       "fr": "Ouragan : l'abri change d'adresse.", "ht": "Siklòn: abri a chanje adrès."})
    running = await start_harness(engine, twilio, clock, StubBot(),
                                  alert_options={**FAST, "templates": TEMPLATES})
    try:
        await _done(engine, alert_id)
    finally:
        await stop_harness(running)
    by_number = {message.to: message for message in twilio.sent}
    assert set(by_number) == {"whatsapp:+50255550001", "whatsapp:+50255550002", "whatsapp:+50255550003"}
    inside = by_number["whatsapp:+50255550001"]
    assert inside.body.startswith("Huracán: el albergue") and "ya no quiero alertas" in inside.body
    assert inside.content_sid == ""
    for number, language in (("whatsapp:+50255550002", "es"), ("whatsapp:+50255550003", "fr")):
        outside = by_number[number]
        assert outside.body == "", "a free-form alert went outside the 24-hour window"
        assert outside.content_sid == TEMPLATES[language]
        assert json.loads(outside.content_variables)["1"] in ("Huracán: el albergue de Tapachula cambia de dirección.",
                                                               "Ouragan : l'abri change d'adresse.")
    report = _report(engine, alert_id)
    assert report[DELIVERED_TO_PROVIDER] == 3 and report[FAILED] == 1  # Kreyòl: outside the window, no template
    lines = {line.language: line for line in store.report(engine, alert_id=alert_id)}
    assert lines["ht"].counts == {FAILED: 1}


async def test_no_alert_at_all_goes_outside_the_window_without_templates(
    engine: Engine, twilio: FakeTwilio, clock: Clock
) -> None:
    now = clock()
    for i in range(5):
        person(engine, f"wa-{i}", address=f"whatsapp:+5025555010{i}", channel="whatsapp",
               last_wrote=now - timedelta(hours=24, minutes=1 + i))
    alert_id = approved_alert(engine, {"es": "Aviso"})
    running = await start_harness(engine, twilio, clock, StubBot(), alert_options=FAST)
    try:
        await _done(engine, alert_id)
    finally:
        await stop_harness(running)
    assert twilio.sent == []
    assert _report(engine, alert_id) == {FAILED: 5}


async def test_a_twilio_status_callback_marks_the_alert_delivered(engine: Engine, twilio: FakeTwilio, clock: Clock) -> None:
    from twilio.request_validator import RequestValidator

    from tests.channels.conftest import AUTH_TOKEN

    person(engine, "wa-1", address="whatsapp:+50255550001", channel="whatsapp", last_wrote=clock())
    alert_id = approved_alert(engine, {"es": "Aviso"})
    running = await start_harness(engine, twilio, clock, StubBot(), alert_options=FAST)
    try:
        await _done(engine, alert_id)
        form = {"MessageSid": twilio.sent[0].sid, "MessageStatus": "delivered"}
        url = running.channel.config.status_url
        signature = RequestValidator(AUTH_TOKEN).compute_signature(url, form)
        reply = await running.http.post(f"{running.url}/webhooks/whatsapp/status", data=form,
                                        headers={"X-Twilio-Signature": signature})
        assert reply.status_code == 200
    finally:
        await stop_harness(running)
    assert _report(engine, alert_id)["delivered"] == 1


async def test_telegram_honours_retry_after_and_sends_each_alert_once(
    engine: Engine, telegram_api: FakeTelegram, clock: Clock
) -> None:
    for chat in (101, 102, 103):
        person(engine, f"tg-{chat}", address=str(chat), language="en")
    alert_id = approved_alert(engine, {"en": "Hurricane warning: the desk in Belize City is closed on Friday."})
    telegram_api.retry_after = 1
    telegram_api.fail_next(429)
    running = await start_telegram(engine, telegram_api, clock, StubBot(), alert_options=FAST)
    try:
        await _done(engine, alert_id, timeout=15)
    finally:
        await stop_telegram(running)
    for chat in (101, 102, 103):
        texts = telegram_api.texts_to(chat)
        assert len(texts) == 1 and texts[0].startswith("Hurricane warning") and "stop alerts" in texts[0]
    sent = sorted(message.at for message in telegram_api.sent)
    assert sent[-1] - sent[0] >= 0.9  # the 429's retry_after was waited out before sending on


async def test_telegram_pacing_keeps_to_the_channel_rate(engine: Engine, telegram_api: FakeTelegram, clock: Clock) -> None:
    for chat in range(200, 230):
        person(engine, f"tg-{chat}", address=str(chat))
    alert_id = approved_alert(engine, {"es": "Aviso"})
    running = await start_telegram(engine, telegram_api, clock, StubBot(), pacing=Pacing(per_conversation=1.0, per_second=20.0),
                                   alert_options={**FAST, "per_second": 500.0})
    try:
        await _done(engine, alert_id, timeout=15)
    finally:
        await stop_telegram(running)
    times = sorted(message.at for message in telegram_api.sent)
    assert len(times) == 30
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= 21  # 20 a second, with one at the window's edge


async def _instances(engine: Engine, api: FakeTelegram, clock: Clock, count: int, **options: Any) -> list[Any]:
    return [await start_telegram(engine, api, clock, StubBot(), alert_options={**FAST, **options}) for _ in range(count)]


async def test_a_stop_in_the_middle_and_a_second_instance_send_nobody_the_alert_twice(
    engine: Engine, telegram_api: FakeTelegram, clock: Clock
) -> None:
    chats = list(range(300, 360))
    for chat in chats:
        person(engine, f"tg-{chat}", address=str(chat))
    alert_id = approved_alert(engine, {"es": "Aviso importante"})
    first = await _instances(engine, telegram_api, clock, 2, per_second=30.0, batch=10)  # two instances at once
    await eventually(lambda: len(telegram_api.sent) >= 15)
    for running in first:  # a deploy: both stop in the middle of the alert
        await stop_telegram(running)
    stopped_at = len(telegram_api.sent)
    assert stopped_at < len(chats)
    second = await _instances(engine, telegram_api, clock, 1, per_second=200.0)  # the new process carries on
    try:
        await _done(engine, alert_id, timeout=15)
    finally:
        await stop_telegram(second[0])
    received = [int(message.chat_id) for message in telegram_api.sent]
    assert sorted(received) == chats  # everyone, once
    assert _report(engine, alert_id) == {DELIVERED_TO_PROVIDER: len(chats)}
    modes = {d for d in await asyncio.to_thread(_modes, engine, alert_id)}
    assert modes == {FREEFORM}


def _modes(engine: Engine, alert_id: int) -> list[str]:
    import sqlalchemy as sa

    from bot.alerts.tables import deliveries

    with engine.connect() as connection:
        return [row.mode for row in connection.execute(sa.select(deliveries.c.mode).where(deliveries.c.alert_id == alert_id))]


async def test_an_opt_out_word_on_telegram_stops_alerts_and_says_so(
    engine: Engine, telegram_api: FakeTelegram, clock: Clock
) -> None:
    from tests.channels.fake_telegram import text_update

    running = await start_telegram(engine, telegram_api, clock, StubBot(), alert_options=FAST)
    try:
        cid = running.cid(501)
        person(engine, cid, address="501", language="pt")
        response = await running.post(text_update(501, "SAIR"))
        assert response.status_code == 200
        await eventually(lambda: telegram_api.texts_to(501))
    finally:
        await stop_telegram(running)
    assert telegram_api.texts_to(501)[0].startswith("Pronto, não vou mais enviar alertas")  # the app's language
    assert store.active_subscriptions(engine, conversation_id=cid, now=clock()) == []
    assert running.bot.received == []  # the word did not reach the assistant


async def test_a_whatsapp_opt_out_stops_alerts(engine: Engine, twilio: FakeTwilio, clock: Clock) -> None:
    running = await start_harness(engine, twilio, clock, StubBot(), alert_options=FAST)
    try:
        cid = running.cid("whatsapp:+50255550009")
        person(engine, cid, address="whatsapp:+50255550009", channel="whatsapp")
        await running.send("whatsapp:+50255550009", "BAJA")
        await eventually(lambda: store.active_subscriptions(engine, conversation_id=cid, now=clock()) == [])
    finally:
        await stop_harness(running)
    assert TEMPLATE not in {m.content_sid for m in twilio.sent}
