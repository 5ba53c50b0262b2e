"""The Twilio webhook's own: TwiML, signatures over the form and URL, privacy (the rest: test_every_channel.py)."""

from __future__ import annotations

import asyncio
import logging

import pytest
from twilio.request_validator import RequestValidator

from bot.channels import store
from bot.channels.config import conversation_id
from tests.channels.conftest import (
    AUTH_TOKEN,
    KEY,
    Harness,
    StubBot,
    eventually,
    new_sid,
    start_harness,
    stop_harness,
)

PERSON = "whatsapp:+5215512345678"


def _form(sid: str, body: str = "hola") -> dict[str, str]:
    return {"MessageSid": sid, "SmsMessageSid": sid, "From": PERSON, "To": "whatsapp:+14155238886", "Body": body, "NumMedia": "0"}


async def test_a_signed_message_is_acknowledged_with_empty_twiml_and_answered(harness: Harness) -> None:
    response = await harness.send(PERSON, "hola")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.endswith("<Response/>")
    await eventually(lambda: harness.twilio.sent)
    assert [(m.to, m.body) for m in harness.twilio.sent] == [(harness.address(PERSON), "echo: hola")]
    assert harness.bot.received[0].sender_id == harness.cid(PERSON)
    assert harness.bot.received[0].input_channel == harness.provider


@pytest.mark.parametrize(
    "signature",
    [
        None,  # missing
        "",  # empty
        "bm90IGEgc2lnbmF0dXJl",  # forged
        RequestValidator("another-token").compute_signature("https://desk.example.org/webhooks/whatsapp/webhook", {}),
    ],
)
async def test_a_missing_or_forged_signature_gets_403_and_stores_nothing(harness: Harness, signature: str | None) -> None:
    response = await harness.post(_form(new_sid()), signature=signature if signature is not None else False)
    assert response.status_code == 403
    await asyncio.sleep(0.1)
    assert store.count_inbound(harness.engine) == 0
    assert harness.bot.received == []
    assert store.get_conversation(harness.engine, conversation_id=harness.cid(PERSON)) is None


async def test_a_signature_for_other_fields_or_another_url_is_refused(harness: Harness) -> None:
    form = _form(new_sid(), "hola")
    signed_other_body = RequestValidator(AUTH_TOKEN).compute_signature(harness.channel.config.webhook_url, {**form, "Body": "x"})
    signed_other_url = RequestValidator(AUTH_TOKEN).compute_signature("https://evil.example.org/webhook", form)
    for signature in (signed_other_body, signed_other_url):
        assert (await harness.post(form, signature=signature)).status_code == 403
    assert store.count_inbound(harness.engine) == 0


async def test_a_message_stored_but_never_started_is_processed_at_start(harness: Harness) -> None:
    await stop_harness(harness)
    sid = new_sid()
    cid = harness.cid(PERSON)
    message = store.Inbound(message_sid=sid, conversation_id=cid, kind="text", body="hola")
    address, channel = harness.address(PERSON), harness.channel.channel
    assert store.record_inbound(
        harness.engine, message=message, address=address, opted_out=False, now=harness.clock(), channel=channel
    )
    second = await start_harness(harness.engine, harness.twilio, harness.clock, StubBot(), provider=harness.provider)
    try:
        await eventually(lambda: harness.twilio.sent)
        assert second.bot.texts() == ["hola"]
    finally:
        await stop_harness(second)


async def test_numbers_and_texts_stay_out_of_logs_and_out_of_the_store(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    harness.twilio.fail_next(429)
    sid = new_sid()
    await harness.send(PERSON, "me llamo Rosa y vivo en la calle 5", sid=sid)
    await harness.send(PERSON, "me llamo Rosa y vivo en la calle 5", sid=sid)
    await eventually(lambda: harness.twilio.sent)
    await eventually(lambda: store.inbound_status(harness.engine, message_sid=sid) == store.PROCESSED)
    # The channel logged this traffic (the duplicate, the 429 retry), so the checks below can fail.
    assert [r for r in caplog.records if r.name.startswith("bot.channels")]
    assert "5512345678" not in caplog.text
    assert "Rosa" not in caplog.text
    stored = store.get_inbound(harness.engine, message_sid=sid)
    assert stored is not None and stored.body is None  # erased once processed
    assert "5512345678" not in stored.conversation_id


def test_the_conversation_id_is_a_keyed_hash_of_the_number() -> None:
    cid = conversation_id(PERSON, KEY)
    assert cid == conversation_id("+5215512345678", KEY)
    assert cid != conversation_id(PERSON, KEY + "x")
    assert conversation_id(PERSON, KEY, prefix="sms") != cid  # the same number on SMS is another conversation
    assert "5512345678" not in cid and len(cid) == 67


async def test_delivery_status_callbacks_are_signed_and_recorded(harness: Harness) -> None:
    await harness.send(PERSON, "hola")
    await eventually(lambda: harness.twilio.sent)
    await eventually(lambda: store.outbox_messages(harness.engine)[0].status == store.SENT)
    sent = harness.twilio.sent[0]
    assert sent.status_callback == harness.channel.config.status_url
    form = {"MessageSid": sent.sid, "MessageStatus": "delivered", "AccountSid": harness.channel.config.account_sid}
    url = f"{harness.url}/webhooks/{harness.provider}/status"
    forged = await harness.http.post(url, data={**form, "MessageStatus": "failed"}, headers={"X-Twilio-Signature": "x"})
    assert forged.status_code == 403
    signature = RequestValidator(AUTH_TOKEN).compute_signature(sent.status_callback, form)
    ok = await harness.http.post(url, data=form, headers={"X-Twilio-Signature": signature})
    assert ok.status_code == 200
    assert store.outbox_messages(harness.engine)[0].delivery_status == "delivered"
