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
