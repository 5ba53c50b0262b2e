"""WhatsApp through Twilio: a Rasa input channel that checks signatures and answers at once.

Inbound path: verify ``X-Twilio-Signature`` against the public URL -> store the message (the
unique MessageSid drops re-deliveries atomically) -> answer Twilio with empty TwiML -> run the
turn in a background task -> mark the message processed. Replies go to a persistent outbox that
``bot.channels.sender.OutboxSender`` delivers. Phone numbers and message texts are never logged;
the conversation id is a keyed hash of the number (``bot.channels.config.conversation_id``).

Register it in credentials.yml as ``bot.channels.whatsapp.WhatsAppInput:`` (settings come from
the environment, see ``WhatsAppConfig.from_env``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine
from twilio.request_validator import RequestValidator

from bot.alerts import store as alerts_store
from bot.channels import shared_pacing, store, unreadable
from bot.channels.base import REQUEST_HUMAN_PAYLOAD, LanguageLookup, OnNewMessage, StoredChannel, media_handoff
from bot.channels.config import WhatsAppConfig, conversation_id
from bot.channels.outbox import Outbox as ChannelOutbox
from bot.channels.outbox import OutboxOutput
from bot.channels.sender import Pacing, TwilioMessagesClient, whatsapp_status
from bot.channels.text import MAX_BODY_CHARS, as_typed_text, is_opt_out, map_reply, render_menu
from bot.db import utc_now

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
HELP_POINT_PAYLOAD = "/find_help_point"
TEXT, LOCATION, MEDIA = "text", "location", "media"
# Twilio's MessageType values of what the assistant does not read, even with a media file.
UNREAD_TYPES = frozenset({"sticker", "contacts", "contact", "reaction", "unsupported"})



def parse_form(body: bytes) -> dict[str, str]:
    """Twilio's form fields, blank values kept (Twilio signs a blank Body too)."""
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def _count(value: str | None) -> int:
    try:
        return max(int(value or 0), 0)
    except ValueError:
        return 0


def _read_by_a_person(content_type: str, message_type: str) -> bool:
    """Voice notes, audio, images, video and documents go to a person; stickers and contact cards are not read."""
    content_type = content_type.lower()
    if message_type in UNREAD_TYPES or content_type == "image/webp":  # WhatsApp stickers are WebP images
        return False
    return not content_type.startswith(("text/vcard", "text/x-vcard", "text/directory"))


def inbound_from_form(form: dict[str, str], key: str, *, prefix: str = "wa") -> store.Inbound:
    """The stored shape of one Twilio inbound message: text, location, media, or what the assistant cannot read.

    A location is read only with both coordinates on Earth. A blank ``Body`` with no media is an
    empty text when Twilio calls it text, else a type the assistant does not read (``MessageType``:
    a reaction, an interactive message without text, ``unsupported``...).
    """
    message_type = (form.get("MessageType") or "").strip().lower()
    body = form.get("Body", "")
    media_count = _count(form.get("NumMedia"))
    content_type = (form.get("MediaContentType0") or "") if media_count else ""
    latitude = longitude = None
    if (form.get("Latitude") or "").strip() or (form.get("Longitude") or "").strip() or message_type == LOCATION:
        place = unreadable.coordinates(form.get("Latitude"), form.get("Longitude"))
        kind = LOCATION if place is not None else unreadable.BAD_LOCATION
        latitude, longitude = place or (None, None)
    elif media_count > 0:
        kind = MEDIA if _read_by_a_person(content_type, message_type) else unreadable.UNSUPPORTED
    elif body.strip() or message_type in ("", TEXT):
        kind = TEXT
    else:
        kind, content_type = unreadable.UNSUPPORTED, message_type
    if kind == unreadable.UNSUPPORTED and not content_type:
        content_type = message_type or unreadable.UNSUPPORTED
    return store.Inbound(
        message_sid=form.get("MessageSid") or form.get("SmsMessageSid") or "",
        conversation_id=conversation_id(form.get("From", ""), key, prefix=prefix),
        kind=kind,
        body=body,
        latitude=latitude,
        longitude=longitude,
        media_url=form.get("MediaUrl0") if media_count else None,
        media_content_type=content_type or None,
    )


class Outbox(ChannelOutbox):
    """WhatsApp's outbox: parts below 1,600 characters, checked against the WhatsApp rules."""

    channel = store.WHATSAPP
    max_chars = MAX_BODY_CHARS - 1
    status_for = staticmethod(whatsapp_status)


class WhatsAppOutput(OutboxOutput):
    """Rasa's replies for one WhatsApp conversation, written to the outbox; buttons as a numbered menu."""

    @classmethod
    def name(cls) -> str:
        """The channel name Rasa records with each message."""
        return "whatsapp"

    def compose(self, text: str, buttons: list[dict[str, str]]) -> str:
        """The text followed by its buttons as a numbered menu."""
        return render_menu(text, [b["title"] for b in buttons])


class WhatsAppInput(StoredChannel):
    """The `whatsapp` input channel: POST /webhooks/whatsapp/webhook (and /status for deliveries).

    Twilio's other messaging products (SMS) post the same signed form: a subclass
    says its name, outbox, output and conversation-id prefix.
    """

    channel = store.WHATSAPP
    outbox_class: type[ChannelOutbox] = Outbox
    output_class: type[OutboxOutput] = WhatsAppOutput
    conversation_prefix = "wa"

    @classmethod
    def name(cls) -> str:
        """The channel name, and so its URL prefix."""
        return "whatsapp"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> WhatsAppInput:
        """Build the channel from the environment (secrets never live in credentials.yml)."""
        return cls(WhatsAppConfig.from_env())

    def __init__(
        self,
        config: WhatsAppConfig,
        *,
        engine: Engine | None = None,
        messages_client: TwilioMessagesClient | None = None,
        clock: Callable[[], datetime] = utc_now,
        language_of: LanguageLookup | None = None,
        sender_options: dict[str, float] | None = None,
        **options: Any,
    ) -> None:
        """Injectable collaborators default to DATABASE_URL, Twilio's API and the tracker's language slot.

        `options` go to ``StoredChannel`` (claim_lease, turn_recorded, max_turns, gate).
        """
        super().__init__(
            engine=engine,
            messages_client=messages_client,
            clock=clock,
            language_of=language_of,
            sender_options=sender_options,
            **options,
        )
        self.config = config
        self._validator = RequestValidator(config.auth_token)

    def make_pacing(self) -> Pacing | None:
        """The sender number's throughput, shared by every instance when RATE_LIMIT_REDIS_URL is set."""
        if self.config.sends_per_second is None:
            return None  # Twilio queues what exceeds the number's rate on its side
        namespace = f"{self.channel}:{self.config.from_address}"
        return shared_pacing.pacing(namespace, per_second=self.config.sends_per_second)

    def make_client(self) -> TwilioMessagesClient:
        """Twilio's Messages API."""
        return TwilioMessagesClient(self.config)

    # -- HTTP ------------------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Routes: GET / (health), POST /webhook (messages), POST /status (delivery callbacks)."""
        hooks = self.lifecycle_blueprint(f"{self.name()}_webhook", on_new_message)

        @hooks.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @hooks.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request.body, request.headers.get("X-Twilio-Signature"))

        @hooks.route("/status", methods=["POST"])
        async def status(request: Request) -> HTTPResponse:
            return await self.delivery_status(request.body, request.headers.get("X-Twilio-Signature"))

        return hooks

    def _signed(self, url: str, form: dict[str, str], signature: str | None) -> bool:
        return bool(signature) and bool(self._validator.validate(url, form, signature or ""))

    async def receive(self, body: bytes, signature: str | None) -> HTTPResponse:
        """Verify, store and acknowledge an inbound message; the turn runs in the background."""
        form = parse_form(body)
        if not self._signed(self.config.webhook_url, form, signature):
            logger.warning("%s webhook: request with a missing or wrong signature refused", self.name())
            return response.text("forbidden", status=403)
        await self.start()
        message = inbound_from_form(form, self.config.conversation_id_key, prefix=self.conversation_prefix)
        if not message.message_sid or not form.get("From"):
            return response.text("bad request", status=400)
        opted_out = (
            message.kind == TEXT
            and is_opt_out(message.body)
            and not await self.gate.cancels_request(message.conversation_id, message.body)
        )
        new = store.NewInbound(
            message=message, address=form["From"], opted_out=opted_out, now=self.clock(), channel=self.channel
        )
        created = await self.db.batch(store.record_inbound_many, new)
        if created:
            self._spawn(self.process(message.message_sid))
        else:
            logger.info("%s message %s re-delivered: acknowledged and ignored", self.name(), message.message_sid)
        return response.text(EMPTY_TWIML, content_type="text/xml")

    async def delivery_status(self, body: bytes, signature: str | None) -> HTTPResponse:
        """Record a signed delivery status callback."""
        form = parse_form(body)
        if not self._signed(self.config.status_url, form, signature):
            return response.text("forbidden", status=403)
        provider_sid, delivery_status = form.get("MessageSid", ""), form.get("MessageStatus", "")
        if provider_sid and delivery_status:
            if not await self.db(store.record_delivery, provider_sid=provider_sid, delivery_status=delivery_status):
                await self.db(alerts_store.record_delivery, provider_sid=provider_sid, delivery_status=delivery_status)
        return response.text(EMPTY_TWIML, content_type="text/xml")

    # -- turns -----------------------------------------------------------------------------

    async def turn(self, message: store.Inbound) -> str:
        """An opt-out keyword is no turn; the desk may take the message; media goes to a person; what the
        assistant cannot read gets a short reply (``answer_unreadable``); the rest goes to Rasa."""
        output = self.output(message.conversation_id, message.message_sid)
        if message.kind == TEXT and is_opt_out(message.body):
            # A keyword that cancelled an open request at receipt did not opt the person out: the gate
            # cancels the request below.
            conversation = await self.db(store.get_conversation, conversation_id=message.conversation_id)
            if conversation is None or conversation.opted_out:
                await self.db(alerts_store.stop, conversation_id=message.conversation_id, now=self.clock())
                return store.IGNORED
        text, metadata = await self._user_text(message)
        if await self.handed_off(self.incoming(message, text), output):
            return store.PROCESSED  # the desk has the conversation: the bot stays silent
        if message.kind == MEDIA:
            # The assistant reads text only: a voice note or image goes to a person (reference kept).
            text = REQUEST_HUMAN_PAYLOAD
            metadata = media_handoff(message)
        answered = await self.answer_unreadable(message, text, output)
        if answered is not None:
            return answered
        if not text:
            return store.IGNORED
        await self.hand_to_rasa(
            UserMessage(
                text,
                output,
                message.conversation_id,
                input_channel=self.name(),
                metadata=metadata,
                message_id=message.message_sid,
            )
        )
        return store.PROCESSED

    async def _user_text(self, message: store.Inbound) -> tuple[str | None, dict[str, Any] | None]:
        """What Rasa reads: a location, a chosen button's payload, or typed text (never a payload)."""
        if message.kind == LOCATION:
            return HELP_POINT_PAYLOAD, {"location": {"latitude": message.latitude, "longitude": message.longitude}}
        if message.kind != TEXT:
            return None, None
        body = message.body or ""
        conversation = await self.db(store.get_conversation, conversation_id=message.conversation_id)
        payload = map_reply(body, conversation.last_buttons) if conversation else None
        if payload:
            return payload, None
        return as_typed_text(body), None

