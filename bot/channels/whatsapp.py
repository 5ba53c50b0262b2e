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

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from typing import Any
from urllib.parse import parse_qsl

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine
from twilio.request_validator import RequestValidator

from bot.channels import store
from bot.channels.config import WhatsAppConfig, conversation_id
from bot.channels.runner import StoreRunner
from bot.channels.sender import OutboxSender, TwilioMessagesClient, utc_now, window_open
from bot.channels.text import as_typed_text, is_opt_out, map_reply, render_menu, split_body
from bot.handoff.gate import HandoffGate, Incoming
from bot.settings import get_settings

logger = logging.getLogger(__name__)

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
HELP_POINT_PAYLOAD = "/find_help_point"
REQUEST_HUMAN_PAYLOAD = "/request_human"
TEXT, LOCATION, MEDIA = "text", "location", "media"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
LanguageLookup = Callable[[str], Awaitable[str | None]]


def parse_form(body: bytes) -> dict[str, str]:
    """Twilio's form fields, blank values kept (Twilio signs a blank Body too)."""
    return dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def inbound_from_form(form: dict[str, str], key: str) -> store.Inbound:
    """The stored shape of one Twilio inbound message: text, location or media."""
    latitude, longitude = _float(form.get("Latitude")), _float(form.get("Longitude"))
    try:
        media_count = int(form.get("NumMedia") or 0)
    except ValueError:
        media_count = 0
    kind = TEXT
    if latitude is not None and longitude is not None:
        kind = LOCATION
    elif media_count > 0:
        kind = MEDIA
    return store.Inbound(
        message_sid=form.get("MessageSid") or form.get("SmsMessageSid") or "",
        conversation_id=conversation_id(form.get("From", ""), key),
        kind=kind,
        body=form.get("Body", ""),
        latitude=latitude,
        longitude=longitude,
        media_url=form.get("MediaUrl0") if media_count else None,
        media_content_type=form.get("MediaContentType0") if media_count else None,
    )


class Outbox:
    """Where replies go: split, checked against the WhatsApp rules, and stored for the sender."""

    def __init__(self, db: StoreRunner, *, clock: Callable[[], datetime], wake: Callable[[], None]) -> None:
        """Write to the channel store; `wake` tells the sender there is work."""
        self.db = db
        self.clock = clock
        self.wake = wake

    async def put(
        self, *, conversation_id: str, source_sid: str | None, position: int, body: str, buttons: list[dict[str, str]]
    ) -> int:
        """Queue one bot message (split in parts); return how many parts it took."""
        now = self.clock()
        parts = split_body(body)
        status = await self.db(
            store.queue_reply,
            conversation_id=conversation_id,
            source_sid=source_sid,
            position=position,
            parts=parts,
            buttons=buttons,
            status_for=lambda conversation: self.status_for(conversation, now),
            now=now,
        )
        if status == store.OUTSIDE_WINDOW:
            logger.warning("reply to %s… not sent: outside the 24-hour window", conversation_id[:10])
        self.wake()
        return len(parts)

    @staticmethod
    def status_for(conversation: store.Conversation | None, now: datetime) -> str:
        """Whether a free-form message may go to this conversation now, by the WhatsApp rules."""
        if conversation is not None and conversation.opted_out:
            return store.OPTED_OUT
        if conversation is None or not window_open(conversation, now):
            return store.OUTSIDE_WINDOW
        return store.PENDING


class WhatsAppOutput(OutputChannel):
    """Rasa's replies for one WhatsApp conversation, written to the outbox."""

    @classmethod
    def name(cls) -> str:
        """The channel name Rasa records with each message."""
        return "whatsapp"

    def __init__(self, outbox: Outbox, conversation_id: str | None = None, source_sid: str | None = None) -> None:
        """Replies to one inbound message (source_sid) keep their order and are queued once."""
        self.outbox = outbox
        self.conversation_id = conversation_id
        self.source_sid = source_sid
        self.position = 0

    async def _put(self, recipient_id: str, text: str, buttons: list[dict[str, Any]] | None = None) -> None:
        buttons = [{"title": str(b.get("title", "")), "payload": str(b.get("payload", ""))} for b in buttons or []]
        body = render_menu(text, [b["title"] for b in buttons]) if buttons else text
        self.position += await self.outbox.put(
            conversation_id=self.conversation_id or recipient_id,
            source_sid=self.source_sid,
            position=self.position,
            body=body,
            buttons=buttons,
        )

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Queue a text (split below 1,600 characters)."""
        await self._put(recipient_id, text)

    async def send_text_with_buttons(self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        """Queue a text with its buttons as a numbered menu."""
        await self._put(recipient_id, text, buttons)

    async def send_quick_replies(self, recipient_id: str, text: str, quick_replies: list[dict[str, Any]], **kwargs: Any) -> None:
        """Quick replies are buttons on WhatsApp."""
        await self._put(recipient_id, text, quick_replies)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Images are sent as their link."""
        await self._put(recipient_id, image)

    async def send_attachment(self, recipient_id: str, attachment: str, **kwargs: Any) -> None:
        """Attachments are sent as their link."""
        await self._put(recipient_id, str(attachment))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any) -> None:
        """Custom payloads have no WhatsApp form: they are dropped."""
        logger.debug("custom payload dropped on the WhatsApp channel")


class WhatsAppInput(InputChannel):
    """The `whatsapp` input channel: POST /webhooks/whatsapp/webhook (and /status for deliveries)."""

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
    ) -> None:
        """Injectable collaborators default to DATABASE_URL, Twilio's API and the tracker's language slot."""
        self.config = config
        self._engine = engine
        self._db: StoreRunner | None = None
        self._messages_client = messages_client
        self.clock = clock
        self._language_of = language_of
        self._sender_options = sender_options or {}
        self._validator = RequestValidator(config.auth_token)
        self._on_new_message: OnNewMessage | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._sender: OutboxSender | None = None
        self._sender_task: asyncio.Task[Any] | None = None
        self._agent: Any = None
        self._start_task: asyncio.Task[None] | None = None
        self._gate: HandoffGate | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The channel store's engine (DATABASE_URL unless one was given)."""
        if self._engine is None:
            self._engine = store.channel_engine(get_settings().database_url)
        return self._engine

    @property
    def db(self) -> StoreRunner:
        """Runs store calls off the event loop."""
        if self._db is None:
            self._db = StoreRunner(self.engine)
        return self._db

    @property
    def gate(self) -> HandoffGate:
        """Gives the person's messages to the desk while a ticket is open."""
        if self._gate is None:
            self._gate = HandoffGate(self.db, clock=self.clock, classify=self.intent_of)
        return self._gate

    @property
    def outbox(self) -> Outbox:
        """The outbox replies are written to."""
        return Outbox(self.db, clock=self.clock, wake=self._wake_sender)

    def _wake_sender(self) -> None:
        if self._sender is not None:
            self._sender.wake()

    async def start(self) -> None:
        """Start the sender and process what a stopped process left unprocessed (once per process).

        Concurrent callers wait for the same start, so no message is claimed before the reset.
        """
        if self._start_task is None:
            self._start_task = asyncio.create_task(self._start())
        await asyncio.shield(self._start_task)

    async def _start(self) -> None:
        await self.db(store.reset_interrupted)
        client = self._messages_client or TwilioMessagesClient(self.config)
        self._messages_client = client
        self._sender = OutboxSender(self.db, client, clock=self.clock, **self._sender_options)  # type: ignore[arg-type]
        self._sender_task = asyncio.create_task(self._sender.run_forever())
        for message_sid in await self.db(store.unprocessed):
            self._spawn(self.process(message_sid))

    async def stop(self) -> None:
        """Stop the sender and the turns in flight (unfinished messages are processed at the next start)."""
        tasks = [*self._tasks, *([self._sender_task] if self._sender_task else [])]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._messages_client is not None:
            await self._messages_client.close()
        if self._db is not None:
            self._db.close()
            self._db = None
        self._start_task = None

    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait until the turns in flight are done (tests and benchmarks)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def get_output_channel(self) -> OutputChannel | None:
        """Output for messages sent from the HTTP API (staff replies): the recipient is the conversation id."""
        return WhatsAppOutput(self.outbox)

    # -- HTTP ------------------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Routes: GET / (health), POST /webhook (messages), POST /status (delivery callbacks)."""
        self._on_new_message = on_new_message
        hooks = Blueprint("whatsapp_webhook", __name__)

        @hooks.listener("after_server_start")
        async def _start(app: Any, _loop: Any) -> None:
            self._agent = getattr(app.ctx, "agent", None)
            await self.start()

        @hooks.listener("before_server_stop")
        async def _stop(_app: Any, _loop: Any) -> None:
            await self.stop()

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
            logger.warning("whatsapp webhook: request with a missing or wrong signature refused")
            return response.text("forbidden", status=403)
        await self.start()
        message = inbound_from_form(form, self.config.conversation_id_key)
        if not message.message_sid or not form.get("From"):
            return response.text("bad request", status=400)
        opted_out = message.kind == TEXT and is_opt_out(message.body)
        new = store.NewInbound(message=message, address=form["From"], opted_out=opted_out, now=self.clock())
        created = await self.db.batch(store.record_inbound_many, new)
        if created:
            self._spawn(self.process(message.message_sid))
        else:
            logger.info("whatsapp message %s re-delivered: acknowledged and ignored", message.message_sid)
        return response.text(EMPTY_TWIML, content_type="text/xml")

    async def delivery_status(self, body: bytes, signature: str | None) -> HTTPResponse:
        """Record a signed delivery status callback."""
        form = parse_form(body)
        if not self._signed(self.config.status_url, form, signature):
            return response.text("forbidden", status=403)
        provider_sid, delivery_status = form.get("MessageSid", ""), form.get("MessageStatus", "")
        if provider_sid and delivery_status:
            await self.db(store.record_delivery, provider_sid=provider_sid, delivery_status=delivery_status)
        return response.text(EMPTY_TWIML, content_type="text/xml")

    # -- turns -----------------------------------------------------------------------------

    async def process(self, message_sid: str) -> None:
        """Run the turn of one stored message, once."""
        message = await self.db(store.claim_inbound, message_sid=message_sid)
        if message is None:
            return
        status = store.PROCESSED
        try:
            async with self.gate.in_order(message.conversation_id):
                status = await self._turn(message)
        except asyncio.CancelledError:
            raise  # left 'processing': the next start runs it again
        except Exception as err:
            logger.error("whatsapp message %s failed: %s", message_sid, type(err).__name__)
            status = store.FAILED
        await self.db(store.finish_inbound, message_sid=message_sid, status=status, now=self.clock())

    async def _turn(self, message: store.Inbound) -> str:
        output = WhatsAppOutput(self.outbox, message.conversation_id, message.message_sid)
        if message.kind == TEXT and is_opt_out(message.body):
            return store.IGNORED
        text, metadata = await self._user_text(message)
        if await self.gate.intercept(self._incoming(message, text), output):
            return store.PROCESSED  # the desk has the conversation: the bot stays silent
        if message.kind == MEDIA:
            # The assistant reads text only: a voice note or image goes to a person (reference kept).
            text = REQUEST_HUMAN_PAYLOAD
            metadata = {"handoff_reason": "media", "media": {
                "url": message.media_url or "", "content_type": message.media_content_type or "", "caption": message.body or ""}}
        if not text:
            return store.IGNORED
        if self._on_new_message is None:
            raise RuntimeError("the channel has no message handler (blueprint() was not called)")
        await self._on_new_message(
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

    def _incoming(self, message: store.Inbound, text: str) -> Incoming:
        return Incoming(
            conversation_id=message.conversation_id,
            channel=self.name(),
            kind=message.kind,
            text=text if message.kind != MEDIA else (message.body or None),
            message_ref=message.message_sid,
            media_url=message.media_url,
            media_content_type=message.media_content_type,
            latitude=message.latitude,
            longitude=message.longitude,
        )

    async def _user_text(self, message: store.Inbound) -> tuple[str, dict[str, Any] | None]:
        """What Rasa reads: a location, a chosen button's payload, or typed text (never a payload)."""
        if message.kind == LOCATION:
            return HELP_POINT_PAYLOAD, {"location": {"latitude": message.latitude, "longitude": message.longitude}}
        body = message.body or ""
        conversation = await self.db(store.get_conversation, conversation_id=message.conversation_id)
        payload = map_reply(body, conversation.last_buttons) if conversation else None
        if payload:
            return payload, None
        return as_typed_text(body), None

    async def intent_of(self, text: str) -> str | None:
        """The intent the running assistant reads in a text (None without a Rasa agent)."""
        if self._agent is None:
            return None
        parsed = await self._agent.parse_message(text)
        return (parsed.get("intent") or {}).get("name")

    async def language_of(self, conversation_id: str) -> str | None:
        """The conversation's language: the tracker's `language` slot when a Rasa agent is running."""
        if self._language_of is not None:
            return await self._language_of(conversation_id)
        tracker_store = getattr(self._agent, "tracker_store", None)
        if tracker_store is None:
            return None
        try:
            tracker = await tracker_store.retrieve(conversation_id)
        except Exception as err:
            logger.warning("language lookup failed: %s", type(err).__name__)
            return None
        return tracker.get_slot("language") if tracker is not None else None
