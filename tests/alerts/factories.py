"""People who wrote on a channel and asked for alerts."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.alerts import store
from bot.channels import store as channel_store

KEEP = timedelta(days=90)


def person(
    engine: Engine,
    conversation_id: str,
    *,
    address: str,
    channel: str = "telegram",
    language: str = "es",
    country: str = "GT",
    topic: str | None = None,
    last_wrote: datetime | None = None,
    now: datetime | None = None,
) -> store.Subscription:
    """A person who wrote on a channel (at `last_wrote`) and subscribed to alerts."""
    now = now or datetime.utcnow()
    message = channel_store.Inbound(
        message_sid=f"in-{conversation_id}-{(last_wrote or now).timestamp()}", conversation_id=conversation_id, kind="text",
        body="hola",
    )
    channel_store.record_inbound(engine, message=message, address=address, opted_out=False, now=last_wrote or now,
                                 channel=channel)
    channel_store.finish_inbound(engine, message_sid=message.message_sid, status=channel_store.PROCESSED, now=now)
    return store.subscribe(engine, conversation_id=conversation_id, channel=channel, address=address, language=language,
                           country=country, topic=topic, now=now, keep_for=KEEP)


def approved_alert(
    engine: Engine,
    texts: dict[str, str],
    *,
    country: str | None = "GT",
    topic: str | None = None,
    channel: str | None = None,
    fallback_language: str | None = None,
    now: datetime | None = None,
    send_at: datetime | None = None,
) -> int:
    """An alert written by one supervisor (id 1) and approved by another (id 2)."""
    now = now or datetime.utcnow()
    alert_id = store.create_alert(engine, title="Huracán", texts=texts, fallback_language=fallback_language,
                                  country=country, topic=topic, channel=channel, created_by=1, send_at=send_at, now=now)
    assert store.approve(engine, alert_id=alert_id, staff_id=2, now=now)
    return alert_id
