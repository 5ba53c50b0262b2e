"""Conversations: where to reply, the last inbound time, opt-out, the button map."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.channels.store.records import Conversation, _conversation
from bot.channels.store.tables import (
    conversations,
)


def get_conversation(engine: Engine, *, conversation_id: str) -> Conversation | None:
    """The channel state of a conversation (None when the person never wrote)."""
    with engine.connect() as connection:
        row = connection.execute(sa.select(conversations).where(conversations.c.conversation_id == conversation_id)).first()
    return _conversation(row) if row is not None else None


def set_last_inbound(engine: Engine, *, conversation_id: str, when: datetime) -> None:
    """Set when the person last wrote (tests and staff tools)."""
    with engine.begin() as connection:
        connection.execute(
            conversations.update().where(conversations.c.conversation_id == conversation_id).values(last_inbound_at=when)
        )
