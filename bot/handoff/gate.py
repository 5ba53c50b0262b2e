"""The gate every channel passes a person's message through before the bot may answer it.

While the conversation has an open ticket, the message goes to the desk's transcript and the bot
stays silent; the person can cancel the request (its button, or a cancel word). After staff close
a ticket, a rating from 1 to 5 (a button or the bare digit) is recorded instead of reaching the
bot. The state lives in the database, so it survives what breaks Rasa's own pause: an expired
session, a restart, a typed ``/restart`` (which the channels pass as text anyway).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

from bot.handoff import store
from bot.handoff.escalation import CANCEL_PAYLOAD
from bot.i18n import languages

logger = logging.getLogger(__name__)

T = TypeVar("T")
RATE_PAYLOAD = re.compile(r"^/handoff_rate_([1-5])$")
# The country buttons the bot offers (actions/replies.ask_country_message). Channels only turn a
# button the bot itself sent into a payload, so this cannot be typed.
COUNTRY_CHOICE = re.compile(r'^/inform\{"country": "([A-Z]{2}|REGIONAL)"\}$')
DIGIT = re.compile(r"^\s*([1-5])\s*[.)]?\s*$")
RATING_WINDOW = timedelta(hours=24)
# Declared commands that end the handoff and reach the bot: asking to delete one's data (the bot
# asks for confirmation, and that answer must reach the bot too, so the request is cancelled).
PASS_THROUGH = ("/delete_my_data",)
CANCEL_WORDS = languages.cancel_words()

Runner = Callable[..., Awaitable[Any]]
Classifier = Callable[[str], Awaitable[str | None]]
EMERGENCY_INTENT = "report_emergency"


@dataclass(frozen=True)
class Incoming:
    """A person's message as a channel received it (after mapping button replies to payloads)."""

    conversation_id: str
    channel: str
    kind: str  # "text" | "location" | "media" | "unsupported" | "bad_location" (bot/channels/unreadable.py)
    text: str | None
    message_ref: str
    media_url: str | None = None
    media_content_type: str | None = None
    latitude: float | None = None
    longitude: float | None = None


def rating_buttons() -> list[dict[str, str]]:
    """The 1–5 rating buttons."""
    return [{"title": str(n), "payload": f"/handoff_rate_{n}"} for n in range(1, 6)]


@dataclass(frozen=True)
class Decision:
    """What the gate decided about one message; the channel acts on it (the gate writes to no channel)."""

    taken: bool  # the handoff took the message: the channel runs no bot turn
    reply_key: str | None = None  # a keyed text (bot.i18n) the channel sends the person
    language: str | None = None  # the language of that text (the ticket's)


TO_THE_BOT = Decision(taken=False)
TAKEN = Decision(taken=True)


class HandoffGate:
    """Decide, per message, whether the desk or the bot gets it."""

    def __init__(self, run: Runner, *, clock: Callable[[], datetime], classify: Classifier | None = None) -> None:
        """`run(function, **kwargs)` runs a ``bot.handoff.store`` function off the event loop.

        `classify(text)` names the intent of a text (the assistant's NLU, without a dialogue
        turn): a person who reports an emergency while waiting goes to the top of the queue.
        """
        self.run = run
        self.clock = clock
        self.classify = classify
        self._locks: dict[str, tuple[asyncio.Lock, int]] = {}  # lock and how many hold or wait for it

    @asynccontextmanager
    async def in_order(self, conversation_id: str) -> AsyncIterator[None]:
        """Hold a conversation's messages in arrival order through the gate and the bot's turn.

        Without it, a message that arrives while the turn that escalates is still running would
        pass the gate (no ticket yet) and be answered by the bot after the escalation.
        """
        lock, users = self._locks.get(conversation_id, (asyncio.Lock(), 0))
        self._locks[conversation_id] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[conversation_id]
            if users == 1:
                del self._locks[conversation_id]  # no one else waits: forget the conversation's lock
            else:
                self._locks[conversation_id] = (lock, users - 1)

    async def cancels_request(self, conversation_id: str, text: str | None) -> bool:
        """Whether the text is a cancel word that would cancel the conversation's open request now.

        Some cancel words are also a channel's opt-out keywords ("cancelar" on WhatsApp): while a request
        is open they cancel it, and the person is not opted out."""
        if not text or languages.fold(text) not in CANCEL_WORDS:
            return False
        return await self.run(store.open_ticket_for, conversation_id=conversation_id) is not None

    async def intercept(self, message: Incoming) -> Decision:
        """Whether the handoff takes the message (the channel must not run a bot turn), and what to tell the person."""
        text = (message.text or "").strip()
        if text in PASS_THROUGH:
            if await self.run(store.cancel_ticket, conversation_id=message.conversation_id, now=self.clock()) is not None:
                logger.info("handoff cancelled: the person asked to delete their data")
            return TO_THE_BOT
        ticket: store.Ticket | None = await self.run(store.open_ticket_for, conversation_id=message.conversation_id)
        if ticket is None:
            return await self._rating(message, text)
        if text == CANCEL_PAYLOAD or languages.fold(text) in CANCEL_WORDS:
            cancelled = await self.run(store.cancel_ticket, conversation_id=message.conversation_id, now=self.clock())
            if cancelled is None:
                return TAKEN
            logger.info("handoff ticket %s cancelled by the person", ticket.id)
            return Decision(taken=True, reply_key="handoff_cancelled", language=ticket.language)
        if text.startswith("/handoff_"):
            return TAKEN  # a stale button of an earlier ticket: nothing to do
        country = COUNTRY_CHOICE.match(text)
        if ticket.urgent and country is not None:
            # In danger and asked for the country before the desk took over: the bot answers with that
            # country's emergency numbers at once; the desk sees the choice and the ticket's country.
            await self.run(
                store.add_message,
                ticket_id=ticket.id,
                kind=store.PERSON,
                body=f"[country] {country.group(1)}",
                message_ref=f"{message.channel}:{message.message_ref}"[:80],
                now=self.clock(),
            )
            await self.run(store.set_country, ticket_id=ticket.id, country=country.group(1))
            return TO_THE_BOT
        await self.run(
            store.add_message,
            ticket_id=ticket.id,
            kind=store.PERSON,
            body=self._body(message),
            media_url=message.media_url,
            media_content_type=message.media_content_type,
            message_ref=f"{message.channel}:{message.message_ref}"[:80],
            now=self.clock(),
        )
        if not ticket.urgent and message.kind == "text" and text and await self._is_emergency(text):
            if await self.run(store.make_urgent, ticket_id=ticket.id, now=self.clock()):
                logger.warning("handoff ticket %s is now urgent: an emergency was reported while waiting", ticket.id)
        return TAKEN

    async def _is_emergency(self, text: str) -> bool:
        if self.classify is None:
            return False
        try:
            return await self.classify(text) == EMERGENCY_INTENT
        except Exception as err:  # understanding is a bonus here: the message is already with the desk
            logger.warning("could not classify a message during handoff (%s)", type(err).__name__)
            return False

    @staticmethod
    def _body(message: Incoming) -> str | None:
        if message.kind == "location":
            return f"[location] {message.latitude},{message.longitude}"
        if message.kind == "bad_location":
            return "[location] ?"  # impossible coordinates: the desk sees that a location was shared
        if message.kind == "unsupported":
            return f"[{message.media_content_type or 'unsupported'}]"  # a sticker, a contact card, a poll...
        return message.text or None

    async def _rating(self, message: Incoming, text: str) -> Decision:
        stale = Decision(taken=text.startswith("/handoff_"))  # a stale handoff button never reaches the bot
        match = RATE_PAYLOAD.match(text) or DIGIT.match(text)
        if match is None:
            return stale
        ticket: store.Ticket | None = await self.run(
            store.awaiting_rating, conversation_id=message.conversation_id, since=self.clock() - RATING_WINDOW
        )
        if ticket is None:
            return stale
        if await self.run(store.record_rating, ticket_id=ticket.id, rating=int(match.group(1))):
            return Decision(taken=True, reply_key="handoff_rating_thanks", language=ticket.language)
        return TAKEN
