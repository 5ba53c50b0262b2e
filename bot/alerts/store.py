"""The alerts' query layer: subscriptions, alerts, the fan-out to deliveries, claims and the report.

Exactly once per person and alert: the fan-out inserts one delivery per conversation (a unique
constraint, in the same transaction that moves the alert to 'sending', so a crash undoes both);
a sender claims a delivery (pending -> sending) before it posts it; a clean stop waits for the
posts in flight; a claim left by a crashed instance becomes 'unconfirmed' and is not sent again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine, Row

from bot.alerts.tables import (
    ALL_TOPICS,
    APPROVED,
    CANCELLED,
    DRAFT,
    IN_FLIGHT,
    NO_TEXT,
    OPTED_OUT,
    PENDING,
    SENDING,
    SENT,
    UNCONFIRMED,
    alerts,
    deliveries,
    subscriptions,
)
from bot.channels.store.tables import conversations
from bot.db import dialect_insert

FAN_OUT_CHUNK = 1000


@dataclass(frozen=True)
class Subscription:
    """What a person asked to hear about, and where to send it."""

    id: int
    conversation_id: str
    channel: str
    language: str
    country: str
    topic: str | None
    expires_at: datetime
    stopped_at: datetime | None


@dataclass(frozen=True)
class Alert:
    """An alert written in the console."""

    id: int
    title: str
    texts: dict[str, str]
    fallback_language: str | None
    country: str | None
    topic: str | None
    channel: str | None
    status: str
    created_by: int
    created_at: datetime
    approved_by: int | None
    approved_at: datetime | None
    send_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class Outgoing:
    """One claimed delivery with what the sender needs to post it."""

    id: int
    alert_id: int
    conversation_id: str
    address: str
    language: str
    text_language: str | None
    text: str | None
    attempts: int
    last_inbound_at: datetime | None  # the person's last message on the channel (None: not kept any more)
    blocked: bool  # the person stopped alerts or opted out of the channel since the fan-out


def _subscription(row: Row) -> Subscription:
    return Subscription(
        id=row.id, conversation_id=row.conversation_id, channel=row.channel, language=row.language,
        country=row.country, topic=row.topic or None, expires_at=row.expires_at, stopped_at=row.stopped_at,
    )


def _alert(row: Row) -> Alert:
    return Alert(
        id=row.id, title=row.title, texts=dict(row.texts or {}), fallback_language=row.fallback_language,
        country=row.country, topic=row.topic, channel=row.channel, status=row.status, created_by=row.created_by,
        created_at=row.created_at, approved_by=row.approved_by, approved_at=row.approved_at, send_at=row.send_at,
        started_at=row.started_at, finished_at=row.finished_at,
    )


# -- subscriptions ----------------------------------------------------------------------------


def subscribe(
    engine: Engine,
    *,
    conversation_id: str,
    channel: str,
    address: str,
    language: str,
    country: str,
    topic: str | None,
    now: datetime,
    keep_for: timedelta,
) -> Subscription:
    """Subscribe (or renew): the same choice again moves its expiry and starts it again if stopped."""
    values = {
        "conversation_id": conversation_id, "channel": channel, "address": address, "language": language,
        "country": country, "topic": topic or ALL_TOPICS, "created_at": now, "expires_at": now + keep_for,
        "stopped_at": None,
    }
    with engine.begin() as connection:
        insert = dialect_insert(connection)(subscriptions).values(**values)
        connection.execute(
            insert.on_conflict_do_update(
                index_elements=["conversation_id", "country", "topic"],
                set_={name: insert.excluded[name] for name in ("address", "language", "expires_at", "stopped_at")},
            )
        )
        row = connection.execute(
            sa.select(subscriptions).where(
                subscriptions.c.conversation_id == conversation_id,
                subscriptions.c.country == country,
                subscriptions.c.topic == (topic or ALL_TOPICS),
            )
        ).one()
    return _subscription(row)


def active_subscriptions(engine: Engine, *, conversation_id: str, now: datetime) -> list[Subscription]:
    """The person's subscriptions that are neither stopped nor expired."""
    query = sa.select(subscriptions).where(
        subscriptions.c.conversation_id == conversation_id,
        subscriptions.c.stopped_at.is_(None),
        subscriptions.c.expires_at > now,
    ).order_by(subscriptions.c.id)
    with engine.connect() as connection:
        return [_subscription(row) for row in connection.execute(query)]


def stop(engine: Engine, *, conversation_id: str, now: datetime) -> int:
    """Stop every alert to a person (pending deliveries are not sent); return how many subscriptions stopped."""
    with engine.begin() as connection:
        result = connection.execute(
            subscriptions.update()
            .where(subscriptions.c.conversation_id == conversation_id, subscriptions.c.stopped_at.is_(None))
            .values(stopped_at=now)
        )
        connection.execute(
            deliveries.update()
            .where(deliveries.c.conversation_id == conversation_id, deliveries.c.status == PENDING)
            .values(status=OPTED_OUT)
        )
    return int(result.rowcount or 0)


def forget_conversation(engine: Engine, *, conversation_id: str) -> int:
    """Erase a person's subscriptions and deliveries ("delete my data"); return how many subscriptions."""
    with engine.begin() as connection:
        connection.execute(deliveries.delete().where(deliveries.c.conversation_id == conversation_id))
        result = connection.execute(subscriptions.delete().where(subscriptions.c.conversation_id == conversation_id))
    return int(result.rowcount or 0)


def purge_expired(engine: Engine, *, now: datetime, stopped_before: datetime) -> int:
    """Erase subscriptions past their expiry or stopped before `stopped_before` (with their deliveries)."""
    old = sa.or_(subscriptions.c.expires_at <= now, subscriptions.c.stopped_at < stopped_before)
    with engine.begin() as connection:
        ids = sa.select(subscriptions.c.id).where(old)
        connection.execute(deliveries.delete().where(deliveries.c.subscription_id.in_(ids)))
        result = connection.execute(subscriptions.delete().where(old))
    return int(result.rowcount or 0)


# -- alerts -----------------------------------------------------------------------------------


def create_alert(
    engine: Engine,
    *,
    title: str,
    texts: Mapping[str, str],
    fallback_language: str | None,
    country: str | None,
    topic: str | None,
    channel: str | None,
    created_by: int,
    send_at: datetime | None,
    now: datetime,
) -> int:
    """Store a draft; it goes out only after another supervisor approves it."""
    with engine.begin() as connection:
        result = connection.execute(
            alerts.insert().values(
                title=title, texts={k: v for k, v in texts.items() if v.strip()}, fallback_language=fallback_language,
                country=country, topic=topic, channel=channel, status=DRAFT, created_by=created_by, created_at=now,
                send_at=send_at,
            )
        )
    return int(result.inserted_primary_key[0])


def get_alert(engine: Engine, *, alert_id: int) -> Alert | None:
    """One alert, or None."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(alerts).where(alerts.c.id == alert_id)).first()
    return _alert(row) if row is not None else None


def list_alerts(engine: Engine, *, limit: int = 100) -> list[Alert]:
    """The latest alerts, newest first."""
    with engine.connect() as connection:
        return [_alert(row) for row in connection.execute(sa.select(alerts).order_by(alerts.c.id.desc()).limit(limit))]


def approve(engine: Engine, *, alert_id: int, staff_id: int, now: datetime) -> bool:
    """A second supervisor approves a draft (never its author); False when that is not possible."""
    with engine.begin() as connection:
        result = connection.execute(
            alerts.update()
            .where(alerts.c.id == alert_id, alerts.c.status == DRAFT, alerts.c.created_by != staff_id)
            .values(status=APPROVED, approved_by=staff_id, approved_at=now)
        )
    return result.rowcount == 1


def cancel(engine: Engine, *, alert_id: int) -> bool:
    """Cancel an alert that has not started going out."""
    with engine.begin() as connection:
        result = connection.execute(
            alerts.update().where(alerts.c.id == alert_id, alerts.c.status.in_([DRAFT, APPROVED])).values(status=CANCELLED)
        )
    return result.rowcount == 1


def _audience_query(country: str | None, topic: str | None, channel: str | None, now: datetime) -> sa.sql.Select:
    query = sa.select(subscriptions).where(subscriptions.c.stopped_at.is_(None), subscriptions.c.expires_at > now)
    if country:
        query = query.where(subscriptions.c.country == country)
    if topic:
        query = query.where(subscriptions.c.topic.in_([ALL_TOPICS, topic]))
    if channel:
        query = query.where(subscriptions.c.channel == channel)
    return query.order_by(subscriptions.c.id)


def _people(rows: list[Row]) -> dict[str, Row]:
    """One subscription per person (the first matching one)."""
    people: dict[str, Row] = {}
    for row in rows:
        people.setdefault(row.conversation_id, row)
    return people


def audience(
    engine: Engine, *, country: str | None, topic: str | None, channel: str | None, now: datetime
) -> Counter[tuple[str, str]]:
    """How many people an alert would reach now, by (language, channel)."""
    with engine.connect() as connection:
        rows = list(connection.execute(_audience_query(country, topic, channel, now)))
    return Counter((row.language, row.channel) for row in _people(rows).values())


def start_due(engine: Engine, *, now: datetime) -> list[int]:
    """Fan out every approved alert whose time has come: one delivery per person; return their ids.

    The alert moves to 'sending' in the same transaction that inserts its deliveries: a crash undoes
    both, and of several instances only the one whose update took the alert inserts anything.
    """
    with engine.connect() as connection:
        due = list(
            connection.execute(
                sa.select(alerts).where(
                    alerts.c.status == APPROVED, sa.or_(alerts.c.send_at.is_(None), alerts.c.send_at <= now)
                )
            )
        )
    started = []
    for row in due:
        with engine.begin() as connection:
            took = connection.execute(
                alerts.update().where(alerts.c.id == row.id, alerts.c.status == APPROVED).values(status=SENDING, started_at=now)
            )
            if took.rowcount != 1:
                continue
            _fan_out(connection, _alert(row), now)
        started.append(row.id)
    return started


def _fan_out(connection: Connection, alert: Alert, now: datetime) -> None:
    rows = list(connection.execute(_audience_query(alert.country, alert.topic, alert.channel, now)))
    values: list[dict[str, Any]] = []
    for row in _people(rows).values():
        text_language = row.language if row.language in alert.texts else None
        if text_language is None and alert.fallback_language in alert.texts:
            text_language = alert.fallback_language
        values.append({
            "alert_id": alert.id, "subscription_id": row.id, "conversation_id": row.conversation_id,
            "channel": row.channel, "language": row.language, "text_language": text_language,
            "status": PENDING if text_language else NO_TEXT, "attempts": 0, "next_attempt_at": now,
        })
    insert = dialect_insert(connection)(deliveries).on_conflict_do_nothing(index_elements=["alert_id", "conversation_id"])
    for start in range(0, len(values), FAN_OUT_CHUNK):
        connection.execute(insert, values[start:start + FAN_OUT_CHUNK])


def claim_deliveries(engine: Engine, *, channel: str, owner: str, now: datetime, limit: int = 100) -> list[Outgoing]:
    """Take up to `limit` due deliveries of a channel for this sender, with what it needs to post them."""
    with engine.begin() as connection:
        ids = list(
            connection.scalars(
                sa.select(deliveries.c.id)
                .where(deliveries.c.channel == channel, deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now)
                .order_by(deliveries.c.id)
                .limit(limit)
            )
        )
        if not ids:
            return []
        connection.execute(
            deliveries.update()
            .where(deliveries.c.id.in_(ids), deliveries.c.status == PENDING)
            .values(status=IN_FLIGHT, claimed_by=owner, claimed_at=now)
        )
        rows = connection.execute(
            sa.select(
                deliveries, subscriptions.c.address, subscriptions.c.stopped_at, alerts.c.texts,
                conversations.c.last_inbound_at, conversations.c.opted_out,
            )
            .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
            .join(alerts, alerts.c.id == deliveries.c.alert_id)
            .outerjoin(conversations, conversations.c.conversation_id == deliveries.c.conversation_id)
            .where(deliveries.c.id.in_(ids), deliveries.c.status == IN_FLIGHT, deliveries.c.claimed_by == owner)
            .order_by(deliveries.c.id)
        )
        return [
            Outgoing(
                id=row.id, alert_id=row.alert_id, conversation_id=row.conversation_id, address=row.address,
                language=row.language, text_language=row.text_language,
                text=(row.texts or {}).get(row.text_language or ""), attempts=row.attempts,
                last_inbound_at=row.last_inbound_at, blocked=row.stopped_at is not None or bool(row.opted_out),
            )
            for row in rows
        ]


def mark_sent(engine: Engine, *, delivery_id: int, mode: str, provider_sid: str | None, now: datetime) -> None:
    """The provider took the message."""
    with engine.begin() as connection:
        connection.execute(
            deliveries.update().where(deliveries.c.id == delivery_id).values(
                status=SENT, mode=mode, provider_sid=provider_sid, sent_at=now, attempts=deliveries.c.attempts + 1, error=None
            )
        )


def retry_later(engine: Engine, *, delivery_id: int, at: datetime, error: str, attempted: bool = True) -> None:
    """Back to the queue after a temporary failure (or a wait for the pacing, `attempted` false)."""
    values: dict[str, Any] = {"status": PENDING, "next_attempt_at": at, "claimed_by": None, "error": error[:120]}
    if attempted:
        values["attempts"] = deliveries.c.attempts + 1
    with engine.begin() as connection:
        connection.execute(deliveries.update().where(deliveries.c.id == delivery_id).values(**values))


def close_delivery(engine: Engine, *, delivery_id: int, status: str, error: str | None = None, mode: str | None = None) -> None:
    """A final state other than sent: failed, opted_out."""
    values: dict[str, Any] = {"status": status}
    if error is not None:
        values["error"] = error[:120]
    if mode is not None:
        values["mode"] = mode
    with engine.begin() as connection:
        connection.execute(deliveries.update().where(deliveries.c.id == delivery_id).values(**values))


def release_claims(engine: Engine, *, owner: str) -> int:
    """A clean stop (nothing in flight any more): this instance's claimed deliveries are pending again."""
    with engine.begin() as connection:
        result = connection.execute(
            deliveries.update()
            .where(deliveries.c.claimed_by == owner, deliveries.c.status == IN_FLIGHT)
            .values(status=PENDING, claimed_by=None)
        )
    return int(result.rowcount or 0)


def abandon_stale_claims(engine: Engine, *, channel: str, stale_before: datetime) -> int:
    """Claims of a crashed instance: the post may have reached the person, so they are not sent again."""
    with engine.begin() as connection:
        result = connection.execute(
            deliveries.update()
            .where(deliveries.c.channel == channel, deliveries.c.status == IN_FLIGHT, deliveries.c.claimed_at < stale_before)
            .values(status=UNCONFIRMED)
        )
    return int(result.rowcount or 0)


def finish_alerts(engine: Engine, *, now: datetime) -> int:
    """Alerts whose deliveries are all final are sent."""
    open_deliveries = sa.select(deliveries.c.id).where(
        deliveries.c.alert_id == alerts.c.id, deliveries.c.status.in_([PENDING, IN_FLIGHT])
    )
    with engine.begin() as connection:
        result = connection.execute(
            alerts.update().where(alerts.c.status == SENDING, ~sa.exists(open_deliveries)).values(status=SENT, finished_at=now)
        )
    return int(result.rowcount or 0)


def record_delivery(engine: Engine, *, provider_sid: str, delivery_status: str) -> bool:
    """A provider's status callback for an alert (delivered, read, failed...); False when unknown."""
    with engine.begin() as connection:
        result = connection.execute(
            deliveries.update().where(deliveries.c.provider_sid == provider_sid).values(delivery_status=delivery_status[:16])
        )
    return result.rowcount > 0


@dataclass(frozen=True)
class ReportLine:
    """The deliveries of one alert in one language and channel."""

    language: str
    channel: str
    counts: dict[str, int]  # by delivery state, plus 'delivered' (the provider confirmed) and 'opted_out_since'


def report(engine: Engine, *, alert_id: int) -> list[ReportLine]:
    """Sent, delivered, failed, never sent and opted out since, by language and channel.

    Counted by the database (one row per language, channel and state), not row by row in Python: the
    console page and the benchmark read it while an alert of thousands of deliveries goes out.
    """
    delivered = sa.case((deliveries.c.delivery_status.in_(["delivered", "read"]), 1), else_=0)
    stopped_since = sa.case((subscriptions.c.stopped_at >= alerts.c.started_at, 1), else_=0)
    query = (
        sa.select(deliveries.c.language, deliveries.c.channel, deliveries.c.status, sa.func.count().label("n"),
                  sa.func.sum(delivered).label("delivered"), sa.func.sum(stopped_since).label("stopped_since"))
        .join(subscriptions, subscriptions.c.id == deliveries.c.subscription_id)
        .join(alerts, alerts.c.id == deliveries.c.alert_id)
        .where(deliveries.c.alert_id == alert_id)
        .group_by(deliveries.c.language, deliveries.c.channel, deliveries.c.status)
    )
    lines: dict[tuple[str, str], Counter[str]] = {}
    with engine.connect() as connection:
        for row in connection.execute(query):
            counts = lines.setdefault((row.language, row.channel), Counter())
            counts[row.status] += int(row.n)
            counts["delivered"] += int(row.delivered or 0)
            counts["opted_out_since"] += int(row.stopped_since or 0)
    return [ReportLine(language, channel, {k: v for k, v in counts.items() if v})
            for (language, channel), counts in sorted(lines.items())]
