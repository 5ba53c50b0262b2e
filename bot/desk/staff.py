"""What desk staff do to a ticket, with what the person is told: take, reply, note, transfer, close.

The console calls these; each checks the ticket's state and who holds it, records the change
(``bot.handoff.store``) and queues the person's message in their own channel's outbox
(``bot.channels.outputs``). Messages to the person are in the ticket's language.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine

from bot import i18n
from bot.channels import registry
from bot.channels import store as channel_store
from bot.channels.outputs import output_for
from bot.handoff import store
from bot.handoff.gate import rating_buttons

# The longest staff reply: a reply is never cut (the console shows the limit and keeps the text);
# the channels split it into parts their API accepts (WhatsApp 1,600, Telegram 4,096 characters).
MAX_REPLY_CHARS = 4000


class HandoffError(Exception):
    """An action staff may not take now; the message says why (shown in the console)."""


@dataclass(frozen=True)
class ReplyWindow:
    """Whether a free-form message can reach the person now (WhatsApp's 24-hour rule)."""

    open: bool
    closes_at: datetime | None  # None: the channel has no window


@dataclass(frozen=True)
class Delivery:
    """The delivery state of a staff message: queued, sent, delivered, read, failed, outside_window..."""

    status: str
    detail: str | None


def reply_window(engine: Engine, *, ticket: store.Ticket, now: datetime) -> ReplyWindow:
    """The reply window of the ticket's conversation."""
    spec = registry.find(ticket.channel)
    if spec is None or spec.reply_window is None:
        return ReplyWindow(open=True, closes_at=None)
    conversation = channel_store.get_conversation(engine, conversation_id=ticket.conversation_id)
    if conversation is None:
        return ReplyWindow(open=False, closes_at=None)
    closes_at = conversation.last_inbound_at + spec.reply_window
    return ReplyWindow(open=now < closes_at and not conversation.opted_out, closes_at=closes_at)


def deliveries(engine: Engine, *, ticket_id: int) -> dict[int, Delivery]:
    """Delivery state of each staff message of a ticket, by message id."""
    staff_ids = [m.id for m in store.ticket_messages(engine, ticket_id=ticket_id) if m.kind == store.STAFF]
    states = channel_store.outbox_states(engine, source_sids=[f"staff:{i}" for i in staff_ids])
    result: dict[int, Delivery] = {}
    for message_id in staff_ids:
        parts = states.get(f"staff:{message_id}", [])
        if not parts:
            result[message_id] = Delivery(status="not_queued", detail=None)
            continue
        # The message is as far as its least advanced part.
        status, delivery_status, error = parts[0]
        for part in parts[1:]:
            if part[0] != channel_store.SENT:
                status, delivery_status, error = part
        shown = delivery_status if status == channel_store.SENT and delivery_status else status
        result[message_id] = Delivery(status=shown, detail=error)
    return result


async def _send(
    engine: Engine, ticket: store.Ticket, source_ref: str, text: str, now: datetime, buttons: list[dict[str, str]] | None = None
) -> None:
    output = output_for(ticket.channel, engine, conversation_id=ticket.conversation_id, source_ref=source_ref, clock=lambda: now)
    if buttons:
        await output.send_text_with_buttons(ticket.conversation_id, text, buttons)
    else:
        await output.send_text_message(ticket.conversation_id, text)


async def take(engine: Engine, *, ticket_id: int, agent_id: int, now: datetime) -> store.Ticket:
    """Take a queued ticket (one agent only) and tell the person someone is with them."""
    ticket = await asyncio.to_thread(store.take_ticket, engine, ticket_id=ticket_id, agent_id=agent_id, now=now)
    if ticket is None:
        raise HandoffError("This conversation is not in the queue any more: another agent took it, or it was closed.")
    text = i18n.text("handoff_taken", ticket.language)
    await asyncio.to_thread(_record_sent, engine, ticket, text, now)
    await _send(engine, ticket, f"taken:{ticket.id}:{now.isoformat()}", text, now)
    return ticket


def _record_sent(engine: Engine, ticket: store.Ticket, text: str, now: datetime) -> None:
    """Keep what the desk told the person automatically in the ticket's transcript (staff see it)."""
    store.add_message(engine, ticket_id=ticket.id, kind=store.SYSTEM, body=text, now=now)


def _held(engine: Engine, ticket_id: int, agent_id: int) -> store.Ticket:
    ticket = store.get_ticket(engine, ticket_id=ticket_id)
    if ticket is None:
        raise HandoffError("Unknown conversation.")
    if ticket.state != store.WITH_STAFF:
        raise HandoffError("This conversation is closed or not taken: it cannot be replied to.")
    if ticket.agent_id != agent_id:
        raise HandoffError("Another agent holds this conversation.")
    return ticket


async def reply(
    engine: Engine, *, ticket_id: int, agent_id: int, text: str, now: datetime, original: str | None = None
) -> Delivery:
    """Send a staff reply through the person's channel; return its state (e.g. outside_window).

    With `original` (what the agent wrote), `text` is its machine translation: the person also gets the
    notice that it was machine-translated, in their language, and staff see both texts.
    """
    text = text.strip()
    if not text:
        raise HandoffError("The reply is empty.")
    if len(text) > MAX_REPLY_CHARS:
        raise HandoffError("The reply is too long: nothing was sent.")
    ticket = await asyncio.to_thread(_held, engine, ticket_id, agent_id)
    if original is not None:
        text = f"{text}\n\n{i18n.text('handoff_machine_translated', ticket.language)}"
    message_id = await asyncio.to_thread(
        store.add_message, engine, ticket_id=ticket.id, kind=store.STAFF, body=text, author_id=agent_id, now=now,
        original=original.strip() if original is not None else None,
    )
    assert message_id is not None  # no message_ref: never a duplicate
    await _send(engine, ticket, f"staff:{message_id}", text, now)
    return (await asyncio.to_thread(deliveries, engine, ticket_id=ticket.id))[message_id]


async def quick_reply(engine: Engine, *, ticket_id: int, agent_id: int, key: str, now: datetime) -> Delivery:
    """Send a prepared reply (a ``bot.i18n`` key starting with ``quick_``) in the person's language."""
    if not key.startswith("quick_") or key not in i18n.catalogue():
        raise HandoffError("Unknown quick reply.")
    ticket = await asyncio.to_thread(_held, engine, ticket_id, agent_id)
    return await reply(engine, ticket_id=ticket_id, agent_id=agent_id, text=i18n.text(key, ticket.language), now=now)


def add_note(engine: Engine, *, ticket_id: int, agent_id: int, text: str, now: datetime) -> int:
    """An internal note: staff see it, the person never does."""
    if not text.strip():
        raise HandoffError("The note is empty.")
    if store.get_ticket(engine, ticket_id=ticket_id) is None:
        raise HandoffError("Unknown conversation.")
    note_id = store.add_message(engine, ticket_id=ticket_id, kind=store.NOTE, body=text.strip(), author_id=agent_id, now=now)
    assert note_id is not None
    return note_id


async def close(engine: Engine, *, ticket_id: int, agent_id: int, now: datetime, supervisor: bool = False) -> store.Ticket:
    """Close the ticket: the bot answers again; the person is told and asked to rate the help.

    Only the agent who holds it closes it, or a supervisor (``supervisor=True``, any open ticket).
    """
    if not supervisor:
        current = await asyncio.to_thread(store.get_ticket, engine, ticket_id=ticket_id)
        if current is not None and current.is_open and current.agent_id != agent_id:
            raise HandoffError("Only the agent who holds this conversation, or a supervisor, can close it.")
    ticket = await asyncio.to_thread(store.close_ticket, engine, ticket_id=ticket_id, actor=f"agent:{agent_id}", now=now)
    if ticket is None:
        raise HandoffError("This conversation is already closed.")
    closed, rating = i18n.text("handoff_closed", ticket.language), i18n.text("handoff_rating_request", ticket.language)
    await asyncio.to_thread(_record_sent, engine, ticket, closed, now)
    await asyncio.to_thread(_record_sent, engine, ticket, rating, now)
    await _send(engine, ticket, f"closed:{ticket.id}", closed, now)
    await _send(engine, ticket, f"rating:{ticket.id}", rating, now, rating_buttons())
    return ticket
