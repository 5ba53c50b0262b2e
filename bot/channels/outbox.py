"""Where a channel's replies go: Rasa's output channel writes them to the persistent outbox.

Shared by the messaging channels. A channel says how long a part may be, how buttons are shown
(WhatsApp: a numbered menu in the text; Telegram: an inline keyboard kept beside the text), and
whether a message may be sent to a conversation at all (`status_for`). The channel's
``OutboxSender`` delivers what is queued.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.channels import store
from bot.channels.runner import StoreRunner
from bot.channels.text import split_body

logger = logging.getLogger(__name__)


class Outbox:
    """Queues a channel's replies: split in parts, checked against the channel's rules, stored."""

    channel = store.WHATSAPP
    max_chars = 1599

    def __init__(self, db: StoreRunner, *, clock: Callable[[], datetime], wake: Callable[[], None]) -> None:
        """Write to the channel store; `wake` tells the sender there is work."""
        self.db = db
        self.clock = clock
        self.wake = wake

    @staticmethod
    def status_for(conversation: store.Conversation | None, now: datetime) -> str:
        """Whether a message may go to this conversation (pending) or why not."""
        return store.PENDING if conversation is not None else store.UNREACHABLE

    def button_map(self) -> store.ButtonMap | None:
        """How the conversation's button map changes with a message (None: it becomes the message's buttons)."""
        return None

    async def put(
        self, *, conversation_id: str, source_sid: str | None, position: int, body: str, buttons: list[dict[str, str]]
    ) -> int:
        """Queue one bot message (split in parts); return how many parts it took."""
        now = self.clock()
        parts = split_body(body, self.max_chars)
        status = await self.db(
            store.queue_reply,
            conversation_id=conversation_id,
            source_sid=source_sid,
            position=position,
            parts=parts,
            buttons=buttons,
            status_for=lambda conversation: self.status_for(conversation, now),
            now=now,
            channel=self.channel,
            button_map=self.button_map(),
        )
        if status != store.PENDING:
            logger.warning("reply to %s… not sent: %s", conversation_id[:10], status)
        self.wake()
        return len(parts)


class OutboxOutput(OutputChannel):
    """Rasa's replies for one conversation, written to a channel's outbox in order."""

    def __init__(self, outbox: Outbox, conversation_id: str | None = None, source_sid: str | None = None) -> None:
        """Replies to one inbound message (source_sid) keep their order and are queued once."""
        self.outbox = outbox
        self.conversation_id = conversation_id
        self.source_sid = source_sid
        self.position = 0

    def compose(self, text: str, buttons: list[dict[str, str]]) -> str:
        """The text that is sent for a message with buttons (the channel may show them in it)."""
        return text

    async def _put(self, recipient_id: str, text: str, buttons: list[dict[str, Any]] | None = None) -> None:
        buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in buttons or []]
        self.position += await self.outbox.put(
            conversation_id=self.conversation_id or recipient_id,
            source_sid=self.source_sid,
            position=self.position,
            body=self.compose(text, buttons) if buttons else text,
            buttons=buttons,
        )

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Queue a text (split below the channel's limit)."""
        await self._put(recipient_id, text)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        """Queue a text with its buttons."""
        await self._put(recipient_id, text, buttons)

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any) -> None:
        """Quick replies are buttons."""
        await self._put(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Images are sent as their link."""
        await self._put(recipient_id, image)

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        """Attachments are sent as their link."""
        await self._put(recipient_id, str(attachment))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Custom payloads have no form on messaging channels: they are dropped."""
        logger.debug("custom payload dropped on the %s channel", self.name())
