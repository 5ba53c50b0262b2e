"""The channel store on a migrated database: atomic duplicate detection and outbox idempotency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.channels import store


def _message(sid: str) -> store.Inbound:
    return store.Inbound(message_sid=sid, conversation_id="wa-test", kind="text", body="hola")


def test_the_migration_creates_the_channel_tables(engine: Engine) -> None:
    tables = set(sa.inspect(engine).get_table_names())
    assert {"channel_inbound", "channel_conversations", "channel_outbox"} <= tables


def test_concurrent_deliveries_of_one_message_sid_insert_once(engine: Engine) -> None:
    now = datetime.utcnow()

    def deliver(_: int) -> bool:
        return store.record_inbound(engine, message=_message("SMsame"), address="whatsapp:+1", opted_out=False, now=now)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(deliver, range(16)))
    assert results.count(True) == 1
    assert store.count_inbound(engine) == 1


def test_a_batch_with_a_repeated_message_sid_inserts_it_once(engine: Engine) -> None:
    now = datetime.utcnow()
    items = [store.NewInbound(_message(sid), "whatsapp:+1", False, now) for sid in ("SMa", "SMb", "SMa")]
    assert store.record_inbound_many(engine, items=items) == [True, True, False]
    assert store.record_inbound_many(engine, items=items[:1]) == [False]


def test_a_message_is_claimed_once(engine: Engine) -> None:
    store.record_inbound(engine, message=_message("SMc"), address="whatsapp:+1", opted_out=False, now=datetime.utcnow())
    assert store.claim_inbound(engine, message_sid="SMc") is not None
    assert store.claim_inbound(engine, message_sid="SMc") is None


def test_a_reply_is_queued_once_per_source_message_and_position(engine: Engine) -> None:
    now = datetime.utcnow()
    store.record_inbound(engine, message=_message("SMd"), address="whatsapp:+1", opted_out=False, now=now)
    buttons = [{"title": "Sí", "payload": "/affirm"}]
    kwargs = {"conversation_id": "wa-test", "source_sid": "SMd", "position": 0, "buttons": buttons, "now": now}
    assert store.queue_reply(engine, parts=["uno", "dos"], status_for=lambda _c: store.PENDING, **kwargs) == store.PENDING
    assert store.queue_reply(engine, parts=["uno", "dos"], status_for=lambda _c: store.PENDING, **kwargs) == store.PENDING
    assert [m.body for m in store.outbox_messages(engine)] == ["uno", "dos"]
    conversation = store.get_conversation(engine, conversation_id="wa-test")
    assert conversation is not None and conversation.last_buttons == buttons


def test_the_status_decision_sees_the_conversation(engine: Engine) -> None:
    now = datetime.utcnow()
    store.record_inbound(engine, message=_message("SMe"), address="whatsapp:+1", opted_out=True, now=now)
    seen: list[store.Conversation | None] = []

    def status_for(conversation: store.Conversation | None) -> str:
        seen.append(conversation)
        return store.OPTED_OUT if conversation and conversation.opted_out else store.PENDING

    kwargs = {"source_sid": None, "position": 0, "parts": ["x"], "buttons": [], "status_for": status_for, "now": now}
    assert store.queue_reply(engine, conversation_id="wa-test", **kwargs) == store.OPTED_OUT
    assert store.queue_reply(engine, conversation_id="wa-nobody", **kwargs) == store.PENDING
    assert seen[1] is None


def test_each_channel_recovers_and_sends_only_its_own_rows(engine: Engine) -> None:
    now = datetime.utcnow()
    for channel, sid in (("whatsapp", "SMw"), ("telegram", "tg:1:1")):
        message = store.Inbound(message_sid=sid, conversation_id=f"{channel}-c", kind="text", body="hola")
        store.record_inbound(engine, message=message, address="x", opted_out=False, now=now, channel=channel)
        store.claim_inbound(engine, message_sid=sid)
        kwargs = {"source_sid": sid, "position": 0, "parts": ["r"], "buttons": [], "now": now}
        store.queue_reply(engine, conversation_id=f"{channel}-c", status_for=lambda _c: store.PENDING, channel=channel, **kwargs)
    store.reset_interrupted(engine, channel="telegram")
    assert store.inbound_status(engine, message_sid="tg:1:1") == store.RECEIVED
    assert store.inbound_status(engine, message_sid="SMw") == store.PROCESSING  # WhatsApp's own start resets it
    assert store.unprocessed(engine, channel="telegram") == ["tg:1:1"]
    assert store.unprocessed(engine) == []
    assert [m.conversation_id for m in store.due_messages(engine, now=now, channel="telegram")] == ["telegram-c"]
    assert [m.conversation_id for m in store.due_messages(engine, now=now)] == ["whatsapp-c"]
    conversation = store.get_conversation(engine, conversation_id="telegram-c")
    assert conversation is not None and conversation.channel == "telegram"


def test_a_button_map_sees_the_id_of_the_part_that_carries_the_buttons(engine: Engine) -> None:
    now = datetime.utcnow()
    message = store.Inbound(message_sid="tg:1:2", conversation_id="tg-c", kind="text", body="hola")
    store.record_inbound(engine, message=message, address="1", opted_out=False, now=now, channel="telegram")
    seen: list[int | None] = []

    def button_map(current: list[dict[str, str]], buttons: list[dict[str, str]], last_id: int | None) -> list[dict[str, str]]:
        seen.append(last_id)
        return [*current, *({**b, "message": str(last_id)} for b in buttons)]

    kwargs = {"conversation_id": "tg-c", "source_sid": "tg:1:2", "position": 0, "parts": ["a", "b"], "now": now}
    buttons = [{"title": "Sí", "payload": "/affirm"}]
    for _ in range(2):  # a turn run again after a restart finds the same rows
        store.queue_reply(
            engine, buttons=buttons, status_for=lambda _c: store.PENDING, channel="telegram", button_map=button_map, **kwargs
        )
    last = store.outbox_messages(engine)[-1]
    assert seen == [last.id, last.id]
    assert [m.body for m in store.outbox_messages(engine)] == ["a", "b"]
