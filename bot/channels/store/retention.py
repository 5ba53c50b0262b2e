"""What privacy removes: one person's records (delete_my_data) and whatever is older than the retention."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from bot.channels.store.tables import (
    FINAL_OUTBOX_STATES,
    PROCESSING,
    RECEIVED,
    conversations,
    inbound,
    outbox,
)


def forget_conversation(engine: Engine, *, conversation_id: str) -> int:
    """A person's request to delete their data: erase what the channel kept of their messages.

    Inbound rows lose their text, coordinates and media reference (the MessageSid stays, so a late
    re-delivery is still recognised); replies already sent or closed are deleted. Replies not yet
    sent (the confirmation of this very deletion) and the reply address stay until they are
    delivered; the retention purge removes the address once the person has been quiet long enough.
    Returns how many replies were deleted.
    """
    with engine.begin() as connection:
        connection.execute(
            inbound.update()
            .where(inbound.c.conversation_id == conversation_id)
            .values(body=None, latitude=None, longitude=None, media_url=None, media_content_type=None)
        )
        deleted = connection.execute(
            outbox.delete().where(outbox.c.conversation_id == conversation_id, outbox.c.status.in_(FINAL_OUTBOX_STATES))
        ).rowcount
        connection.execute(
            conversations.update().where(conversations.c.conversation_id == conversation_id).values(last_buttons=[])
        )
    return int(deleted or 0)


def purge_before(engine: Engine, *, cutoff: datetime) -> int:
    """Retention: delete messages and closed replies older than `cutoff`, and the reply address of
    people who have not written since then (unless a reply to them is still waiting). Returns how
    many conversations lost their address."""
    with engine.begin() as connection:
        connection.execute(
            inbound.delete().where(inbound.c.received_at < cutoff, inbound.c.status.notin_((RECEIVED, PROCESSING)))
        )
        connection.execute(outbox.delete().where(outbox.c.created_at < cutoff, outbox.c.status.in_(FINAL_OUTBOX_STATES)))
        waiting = sa.select(outbox.c.conversation_id).where(outbox.c.status.notin_(FINAL_OUTBOX_STATES))
        removed = connection.execute(
            conversations.delete().where(
                conversations.c.last_inbound_at < cutoff, conversations.c.conversation_id.notin_(waiting)
            )
        ).rowcount
    return int(removed or 0)
