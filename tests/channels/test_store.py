"""The channel store on a migrated SQLite file and a migrated PostgreSQL schema: atomic duplicate
detection, atomic claims, outbox order, retries and the recovery of interrupted work."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.channels import store


def _message(sid: str, conversation: str = "wa-test") -> store.Inbound:
    return store.Inbound(message_sid=sid, conversation_id=conversation, kind="text", body="hola")


def _record(engine: Engine, sid: str, conversation: str = "wa-test", now: datetime | None = None) -> bool:
    message = _message(sid, conversation)
    return store.record_inbound(engine, message=message, address="whatsapp:+1", opted_out=False, now=now or datetime.utcnow())


def _queue(engine: Engine, conversation: str, source_sid: str, *parts: str, now: datetime | None = None) -> None:
    store.queue_reply(
        engine,
        conversation_id=conversation,
        source_sid=source_sid,
        position=0,
        parts=list(parts),
        buttons=[],
        status_for=lambda _c: store.PENDING,
        now=now or datetime.utcnow(),
    )


def test_the_migration_creates_the_channel_tables(any_engine: Engine) -> None:
    inspector = sa.inspect(any_engine)
    assert {"channel_inbound", "channel_conversations", "channel_outbox"} <= set(inspector.get_table_names())
    assert {"claimed_by", "claimed_at", "attempts"} <= {c["name"] for c in inspector.get_columns("channel_inbound")}


def test_concurrent_deliveries_of_one_message_sid_insert_once(any_engine: Engine) -> None:
    now = datetime.utcnow()
    barrier = threading.Barrier(8)

    def deliver(_: int) -> bool:
        barrier.wait()
        return _record(any_engine, "SMsame", now=now)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(deliver, range(8)))
    assert results.count(True) == 1
    assert store.count_inbound(any_engine) == 1


def test_concurrent_batches_with_overlapping_message_sids_insert_each_once(any_engine: Engine) -> None:
    now = datetime.utcnow()
    barrier = threading.Barrier(4)

    def deliver(batch: int) -> list[bool]:
        items = [store.NewInbound(_message(f"SM{n}"), "whatsapp:+1", False, now) for n in range(batch, batch + 10)]
        barrier.wait()
        return store.record_inbound_many(any_engine, items=items)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = [flag for flags in pool.map(deliver, range(4)) for flag in flags]
    assert results.count(True) == 13  # SM0 .. SM12
    assert store.count_inbound(any_engine) == 13


def test_a_batch_with_a_repeated_message_sid_inserts_it_once(any_engine: Engine) -> None:
    now = datetime.utcnow()
    items = [store.NewInbound(_message(sid), "whatsapp:+1", False, now) for sid in ("SMa", "SMb", "SMa")]
    assert store.record_inbound_many(any_engine, items=items) == [True, True, False]
    assert store.record_inbound_many(any_engine, items=items[:1]) == [False]


def test_a_message_is_claimed_once_and_counts_its_claims(any_engine: Engine) -> None:
    _record(any_engine, "SMc")
    first = store.claim_inbound(any_engine, message_sid="SMc", owner="a")
    assert first is not None and first.attempt == 1 and first.body == "hola"
    assert store.claim_inbound(any_engine, message_sid="SMc", owner="b") is None
    store.release_claims(any_engine, owner="a")
    again = store.claim_inbound(any_engine, message_sid="SMc", owner="b")
    assert again is not None and again.attempt == 2


def test_concurrent_claims_of_one_message_have_one_winner(any_engine: Engine) -> None:
    for n in range(5):
        _record(any_engine, f"SMrace{n}")
    barrier = threading.Barrier(8)

    def claim(owner: int) -> list[str]:
        barrier.wait()
        won = []
        for n in range(5):
            if store.claim_inbound(any_engine, message_sid=f"SMrace{n}", owner=f"instance-{owner}") is not None:
                won.append(f"SMrace{n}")
        return won

    with ThreadPoolExecutor(max_workers=8) as pool:
        winners = [sid for won in pool.map(claim, range(8)) for sid in won]
    assert sorted(winners) == [f"SMrace{n}" for n in range(5)]


def test_the_outbox_sends_each_conversation_in_order_one_at_a_time(any_engine: Engine) -> None:
    now = datetime.utcnow()
    _record(any_engine, "SMa1", "wa-a", now)
    _record(any_engine, "SMb1", "wa-b", now)
    _queue(any_engine, "wa-a", "SMa1", "a1", "a2", now=now)
    _queue(any_engine, "wa-b", "SMb1", "b1", now=now)
    _queue(any_engine, "wa-a", "SMa2", "a3", now=now)
    due = store.due_messages(any_engine, now=now)
    assert [m.body for m in due] == ["a1", "b1"]
    assert store.claim_message(any_engine, message_id=due[0].id, owner="x")
    assert not store.claim_message(any_engine, message_id=due[0].id, owner="y")
    assert [m.body for m in store.due_messages(any_engine, now=now)] == ["b1"]  # a2 waits for a1
    store.mark_sent(any_engine, message_id=due[0].id, provider_sid="SMout1", now=now)
    assert [m.body for m in store.due_messages(any_engine, now=now)] == ["a2", "b1"]


def test_a_retried_message_waits_for_its_time_and_holds_its_conversation(any_engine: Engine) -> None:
    now = datetime.utcnow()
    _queue(any_engine, "wa-a", "SMa1", "a1", "a2", now=now)
    first = store.due_messages(any_engine, now=now)[0]
    assert store.claim_message(any_engine, message_id=first.id)
    store.schedule_retry(any_engine, message_id=first.id, next_attempt_at=now + timedelta(seconds=30), error="http 503")
    assert store.due_messages(any_engine, now=now) == []  # a2 does not overtake a1
    assert store.next_due_at(any_engine) == now + timedelta(seconds=30)
    later = store.due_messages(any_engine, now=now + timedelta(seconds=31))
    assert [(m.body, m.attempts) for m in later] == [("a1", 1)]


def test_only_claims_whose_owner_stopped_renewing_them_are_recovered(any_engine: Engine) -> None:
    start = datetime(2026, 11, 28, 12, 0)
    for sid in ("SMlive", "SMdead"):
        _record(any_engine, sid, now=start)
    _queue(any_engine, "wa-live", "SMlive", "live", now=start)
    _queue(any_engine, "wa-dead", "SMdead", "dead", now=start)
    store.claim_inbound(any_engine, message_sid="SMlive", owner="live", now=start)
    store.claim_inbound(any_engine, message_sid="SMdead", owner="dead", now=start)
    live_out, dead_out = store.outbox_messages(any_engine)
    store.claim_message(any_engine, message_id=live_out.id, owner="live", now=start)
    store.claim_message(any_engine, message_id=dead_out.id, owner="dead", now=start)

    store.renew_claims(any_engine, owner="live", now=start + timedelta(minutes=5))
    assert store.recover_claims(any_engine, stale_before=start + timedelta(minutes=3)) == 2
    assert store.inbound_status(any_engine, message_sid="SMlive") == store.PROCESSING
    assert store.inbound_status(any_engine, message_sid="SMdead") == store.RECEIVED
    assert store.unprocessed(any_engine) == ["SMdead"]
    assert [m.status for m in store.outbox_messages(any_engine)] == [store.SENDING, store.PENDING]


def test_a_stopping_instance_releases_only_its_own_claims(any_engine: Engine) -> None:
    for sid in ("SMmine", "SMtheirs"):
        _record(any_engine, sid)
    store.claim_inbound(any_engine, message_sid="SMmine", owner="me")
    store.claim_inbound(any_engine, message_sid="SMtheirs", owner="them")
    store.release_claims(any_engine, owner="me")
    assert store.unprocessed(any_engine) == ["SMmine"]
    assert store.inbound_status(any_engine, message_sid="SMtheirs") == store.PROCESSING


def test_a_reply_is_queued_once_per_source_message_and_position(any_engine: Engine) -> None:
    now = datetime.utcnow()
    _record(any_engine, "SMd", now=now)
    buttons = [{"title": "Sí", "payload": "/affirm"}]
    kwargs = {"conversation_id": "wa-test", "source_sid": "SMd", "position": 0, "buttons": buttons, "now": now}
    assert store.queue_reply(any_engine, parts=["uno", "dos"], status_for=lambda _c: store.PENDING, **kwargs) == store.PENDING
    assert store.queue_reply(any_engine, parts=["uno", "dos"], status_for=lambda _c: store.PENDING, **kwargs) == store.PENDING
    assert [m.body for m in store.outbox_messages(any_engine)] == ["uno", "dos"]
    conversation = store.get_conversation(any_engine, conversation_id="wa-test")
    assert conversation is not None and conversation.last_buttons == buttons


def test_the_status_decision_sees_the_conversation(any_engine: Engine) -> None:
    now = datetime.utcnow()
    store.record_inbound(any_engine, message=_message("SMe"), address="whatsapp:+1", opted_out=True, now=now)
    seen: list[store.Conversation | None] = []

    def status_for(conversation: store.Conversation | None) -> str:
        seen.append(conversation)
        return store.OPTED_OUT if conversation and conversation.opted_out else store.PENDING

    kwargs = {"source_sid": None, "position": 0, "parts": ["x"], "buttons": [], "status_for": status_for, "now": now}
    assert store.queue_reply(any_engine, conversation_id="wa-test", **kwargs) == store.OPTED_OUT
    assert store.queue_reply(any_engine, conversation_id="wa-nobody", **kwargs) == store.PENDING
    assert seen[1] is None


def test_a_delivery_status_is_recorded_against_the_provider_sid(any_engine: Engine) -> None:
    now = datetime.utcnow()
    _queue(any_engine, "wa-a", "SMa1", "a1", now=now)
    message = store.outbox_messages(any_engine)[0]
    store.mark_sent(any_engine, message_id=message.id, provider_sid="SMprov", now=now)
    assert store.record_delivery(any_engine, provider_sid="SMprov", delivery_status="delivered")
    assert not store.record_delivery(any_engine, provider_sid="SMnone", delivery_status="delivered")
    assert store.outbox_messages(any_engine)[0].delivery_status == "delivered"


def test_a_batch_keeps_every_kind_of_message_and_the_last_opt_out_state(any_engine: Engine) -> None:
    now = datetime.utcnow()
    location = store.Inbound("SMloc", "wa-a", "location", "", latitude=32.5149, longitude=-117.0382)
    media = store.Inbound("SMmed", "wa-a", "media", "", media_url="https://x/ME1", media_content_type="audio/ogg")
    items = [
        store.NewInbound(location, "whatsapp:+1", False, now),
        store.NewInbound(_message("SMstop", "wa-a"), "whatsapp:+1", True, now),  # STOP...
        store.NewInbound(media, "whatsapp:+1", False, now),  # ...then writes again: not opted out
        store.NewInbound(_message("SMother", "wa-b"), "whatsapp:+2", True, now),
    ]
    assert store.record_inbound_many(any_engine, items=items) == [True, True, True, True]
    assert store.get_inbound(any_engine, message_sid="SMloc") == location
    assert store.media_of(any_engine, message_sid="SMmed") == ("https://x/ME1", "audio/ogg")
    first, second = (store.get_conversation(any_engine, conversation_id=cid) for cid in ("wa-a", "wa-b"))
    assert first is not None and not first.opted_out and first.address == "whatsapp:+1"
    assert second is not None and second.opted_out


def test_the_apps_language_and_an_unread_type_survive_until_the_turn_runs(any_engine: Engine) -> None:
    now = datetime.utcnow()
    sticker = store.Inbound("tg:1:9", "tg-c", "unsupported", None, media_content_type="sticker", app_language="pt")
    place = store.Inbound("tg:1:10", "tg-c", "bad_location", None, app_language="ht")
    items = [store.NewInbound(message, "1", False, now, channel="telegram") for message in (sticker, place)]
    assert store.record_inbound_many(any_engine, items=items) == [True, True]
    claimed = store.claim_inbound(any_engine, message_sid="tg:1:9")  # as a turn after a restart reads it
    assert claimed is not None
    assert (claimed.kind, claimed.media_content_type, claimed.app_language) == ("unsupported", "sticker", "pt")
    assert store.get_inbound(any_engine, message_sid="tg:1:10") == place


def test_each_channel_recovers_and_sends_only_its_own_rows(any_engine: Engine) -> None:
    engine = any_engine
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


def test_a_button_map_sees_the_id_of_the_part_that_carries_the_buttons(any_engine: Engine) -> None:
    engine = any_engine
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
