"""What the channel keeps of a person is deleted on request and purged after the retention period."""

from __future__ import annotations

from datetime import timedelta

from bot.channels import store
from tests.channels.conftest import Harness, eventually

PERSON = "whatsapp:+50230001122"


async def _talk(harness: Harness) -> str:
    url = "https://api.twilio.com/x/Media/ME7"
    await harness.send(PERSON, "estoy en la frontera")
    await harness.send(PERSON, "", NumMedia="1", MediaUrl0=url, MediaContentType0="image/jpeg")
    await harness.channel.drain()
    await eventually(lambda: len(harness.twilio.bodies_to(PERSON)) >= 2)
    await eventually(lambda: all(m.status == store.SENT for m in store.outbox_messages(harness.engine)))
    return harness.cid(PERSON)


async def test_deleting_my_data_erases_my_messages_and_the_replies_sent_to_me(harness: Harness) -> None:
    cid = await _talk(harness)
    assert store.outbox_messages(harness.engine, conversation_id=cid)
    assert store.forget_conversation(harness.engine, conversation_id=cid) >= 2
    assert store.outbox_messages(harness.engine, conversation_id=cid) == []
    with harness.engine.connect() as connection:
        rows = connection.execute(store.inbound.select().where(store.inbound.c.conversation_id == cid)).fetchall()
    assert rows and all(r.body is None and r.media_url is None for r in rows)
    # a late re-delivery of a forgotten message is still recognised and ignored
    assert not store.record_inbound(
        harness.engine,
        message=store.Inbound(rows[0].message_sid, cid, "text", "x"),
        address=PERSON,
        opted_out=False,
        now=harness.clock(),
    )


async def test_the_retention_purge_removes_old_messages_and_the_number_of_people_gone_quiet(harness: Harness) -> None:
    cid = await _talk(harness)
    assert store.purge_before(harness.engine, cutoff=harness.clock() - timedelta(days=90)) == 0
    assert store.get_conversation(harness.engine, conversation_id=cid) is not None
    assert store.purge_before(harness.engine, cutoff=harness.clock() + timedelta(days=1)) == 1
    assert store.get_conversation(harness.engine, conversation_id=cid) is None  # the number is gone
    assert store.outbox_messages(harness.engine, conversation_id=cid) == []
    assert store.count_inbound(harness.engine) == 0
