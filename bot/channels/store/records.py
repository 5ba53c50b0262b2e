"""The rows as typed records, and the one mapper of each table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.channels.store.tables import (
    WHATSAPP,
)


@dataclass(frozen=True)
class Inbound:
    """An inbound message as Twilio delivered it."""

    message_sid: str
    conversation_id: str
    kind: str
    body: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    media_url: str | None = None
    media_content_type: str | None = None
    app_language: str | None = None  # the language the person's app declares (Telegram), a supported code
    attempt: int = 0  # how many times it was claimed, this claim included (1: a first run)


@dataclass(frozen=True)
class Conversation:
    """What the channel remembers about one person: where to reply and the WhatsApp rules' state."""

    conversation_id: str
    address: str
    last_inbound_at: datetime
    opted_out: bool
    last_buttons: list[dict[str, str]]
    channel: str = WHATSAPP


@dataclass(frozen=True)
class OutboxMessage:
    """One message waiting in (or gone through) the outbox."""

    id: int
    conversation_id: str
    body: str
    status: str
    attempts: int
    next_attempt_at: datetime
    provider_sid: str | None
    delivery_status: str | None
    source_sid: str | None
    position: int


def _inbound(row: Any) -> Inbound:
    return Inbound(
        message_sid=row.message_sid,
        conversation_id=row.conversation_id,
        kind=row.kind,
        body=row.body,
        latitude=row.latitude,
        longitude=row.longitude,
        media_url=row.media_url,
        media_content_type=row.media_content_type,
        app_language=row.app_language,
        attempt=row.attempts,
    )


def _conversation(row: Any) -> Conversation:
    return Conversation(
        conversation_id=row.conversation_id,
        address=row.address,
        last_inbound_at=row.last_inbound_at,
        opted_out=bool(row.opted_out),
        last_buttons=list(row.last_buttons or []),
        channel=row.channel,
    )


def _outbox_message(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        conversation_id=row.conversation_id,
        body=row.body,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        provider_sid=row.provider_sid,
        delivery_status=row.delivery_status,
        source_sid=row.source_sid,
        position=row.position,
    )
