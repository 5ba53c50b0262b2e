"""Telegram through python-telegram-bot: a Rasa input channel with a secret-checked webhook or long polling.

Inbound path, webhook mode (``TELEGRAM_WEBHOOK_URL`` set): check ``X-Telegram-Bot-Api-Secret-Token``
-> store the update (``tg:<bot id>:<update id>`` is unique: a re-delivery is dropped atomically)
-> answer 200 -> run the turn in a background task. Long-polling mode (no public URL): getUpdates
in a background task; each batch is stored before the next call confirms it (the offset), so an
update is neither lost nor run twice across a stop. Replies go to the shared persistent outbox
(``bot.channels.sender.OutboxSender``), paced at one message a second per chat and 30 a second
overall. Chat ids, names and texts are never logged; the conversation id is a keyed hash of the
chat id (``bot.channels.config.telegram_conversation_id``).

Register it in credentials.yml as ``bot.channels.telegram.TelegramInput:`` (settings come from
the environment, see ``TelegramConfig.from_env``).
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.engine import Engine
from telegram import Message, Update
from telegram.error import InvalidToken, RetryAfter

from bot import i18n
from bot.channels import shared_pacing, store, unreadable
from bot.channels.base import REQUEST_HUMAN_PAYLOAD, LanguageLookup, OnNewMessage, StoredChannel, media_handoff
from bot.channels.config import TelegramConfig, telegram_conversation_id
from bot.channels.outbox import Outbox, OutboxOutput
from bot.channels.sender import Button, Pacing
from bot.channels.telegram_api import TelegramBotClient, retry_after_of
from bot.channels.text import as_typed_text
from bot.db import utc_now
from bot.handoff.gate import HandoffGate

logger = logging.getLogger(__name__)

TELEGRAM = "telegram"
MAX_TEXT_CHARS = 4000  # Telegram's limit is 4,096; the margin covers characters it counts twice
TEXT, LOCATION, MEDIA, BUTTON = "text", "location", "media", "button"
HELP_POINT_PAYLOAD = "/find_help_point"
# The declared commands and the intents they stand for (the intent contract: /work/shared/spec).
COMMANDS = {
    "start": "/greet",
    "help": "/ask_capabilities",
    "language": "/change_language",
    "human": "/request_human",
    "delete": "/delete_my_data",
}
# Message types the assistant does not read (voice notes, photos, documents and videos go to a person).
UNREAD_TYPES = ("sticker", "animation", "contact", "poll", "dice", "game", "story", "invoice", "giveaway", "paid_media")
KEYBOARDS_KEPT = 10  # a press on one of the last ten keyboards still counts
_COMMAND = re.compile(r"^/([A-Za-z0-9_]{1,32})(?:@[A-Za-z0-9_]+)?(?:\s+(.*))?$", re.DOTALL)


# -- pure rules ----------------------------------------------------------------------------


def command_payload(text: str) -> str | None:
    """The intent payload of a declared command (``/start``, ``/help@Bot``, ``/language pt``); None otherwise."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    payload = COMMANDS.get(match.group(1).lower())
    argument = (match.group(2) or "").strip().lower()
    if payload == "/change_language" and argument in i18n.LANGUAGES:
        return f'/change_language{{"target_language": "{argument}"}}'
    return payload


def read_text(text: str) -> str:
    """What Rasa reads from typed text: a declared command's intent, else the text (never a payload)."""
    return command_payload(text) or as_typed_text(text)


def keyboard_map(current: list[dict[str, str]], buttons: list[dict[str, str]], message_id: int | None) -> list[dict[str, str]]:
    """The conversation's button map after a message: its buttons keyed ``<outbox id>.<n>`` (callback data).

    Keys are a few bytes (Telegram allows 64) and say nothing about the payload; the map keeps
    the buttons of the last `KEYBOARDS_KEPT` keyboards, which are still on the person's screen.
    """
    if not buttons or message_id is None:
        return current
    owner = str(message_id)
    kept = [entry for entry in current if entry.get("message") != owner]
    added = [
        {"key": f"{owner}.{index}", "title": button["title"], "payload": button["payload"], "message": owner}
        for index, button in enumerate(buttons)
    ]
    entries = kept + added
    owners = list(dict.fromkeys(entry["message"] for entry in entries))[-KEYBOARDS_KEPT:]
    return [entry for entry in entries if entry["message"] in owners]


def keyboard_of(conversation: store.Conversation, message: store.OutboxMessage) -> list[Button]:
    """The inline keyboard of an outbox message (the buttons it carries, by their keys)."""
    owner = str(message.id)
    return [{"key": e["key"], "title": e["title"]} for e in conversation.last_buttons if e.get("message") == owner]


def pressed(conversation: store.Conversation | None, data: str) -> dict[str, str] | None:
    """The button a callback's data names, when it is one the bot sent this conversation."""
    if conversation is None:
        return None
    return next((entry for entry in conversation.last_buttons if entry.get("key") == data), None)


@dataclass(frozen=True)
class Received:
    """One update as the channel stores it, the chat to reply to, and the button press to answer."""

    message: store.Inbound
    chat_id: str
    callback_query_id: str | None = None


def _media(message: Message) -> tuple[str, str] | None:
    """(file id, content type) of a voice note, audio, photo, document or video: a person reads them."""
    if message.voice:
        return message.voice.file_id, message.voice.mime_type or "audio/ogg"
    if message.audio:
        return message.audio.file_id, message.audio.mime_type or "audio/mpeg"
    if message.photo:
        return message.photo[-1].file_id, "image/jpeg"  # the largest size
    if message.document:
        return message.document.file_id, message.document.mime_type or "application/octet-stream"
    if message.video:
        return message.video.file_id, message.video.mime_type or "video/mp4"
    if message.video_note:
        return message.video_note.file_id, "video/mp4"
    return None


def _unread_type(message: Message) -> str | None:
    """The type of a message the assistant does not read (a sticker, a poll...); None for the others."""
    return next((name for name in UNREAD_TYPES if getattr(message, name, None)), None)


def received_from_update(update: Update, config: TelegramConfig) -> Received | None:
    """The stored shape of an update: text, location, media, a button press or what the assistant cannot read.

    None for anything else (service messages, chat member changes): no person wrote anything.
    """
    message_sid = f"tg:{config.bot_id}:{update.update_id}"
    query = update.callback_query
    if query is not None:
        if query.message is None or query.data is None:
            return None
        chat_id = str(query.message.chat.id)
        cid = telegram_conversation_id(chat_id, config.conversation_id_key)
        language = i18n.supported_language(query.from_user.language_code if query.from_user else None)
        return Received(store.Inbound(message_sid, cid, BUTTON, query.data, app_language=language), chat_id, query.id)
    message = update.message
    if message is None:
        return None
    chat_id = str(message.chat.id)
    cid = telegram_conversation_id(chat_id, config.conversation_id_key)
    language = i18n.supported_language(message.from_user.language_code if message.from_user else None)

    def inbound(kind: str, body: str | None = None, **fields: Any) -> Received:
        return Received(store.Inbound(message_sid, cid, kind, body, app_language=language, **fields), chat_id)

    if message.location is not None:  # a venue carries its location too
        place = unreadable.coordinates(message.location.latitude, message.location.longitude)
        if place is None:
            return inbound(unreadable.BAD_LOCATION)
        return inbound(LOCATION, latitude=place[0], longitude=place[1])
    unread = _unread_type(message)  # before media: a GIF comes as a document too
    if unread is not None:
        if (message.caption or "").strip():
            return inbound(TEXT, message.caption)  # the words that came with it are read
        return inbound(unreadable.UNSUPPORTED, media_content_type=unread)
    media = _media(message)
    if media is not None:
        return inbound(MEDIA, message.caption, media_url=media[0], media_content_type=media[1])
    if message.text is not None:
        return inbound(TEXT, message.text)
    if message.api_kwargs:  # a field python-telegram-bot does not know: a newer message type
        return inbound(unreadable.UNSUPPORTED, media_content_type=next(iter(message.api_kwargs))[:120])
    return None


# -- out -----------------------------------------------------------------------------------


class TelegramOutbox(Outbox):
    """Telegram's outbox: parts below 4,096 characters, buttons kept as the chat's keyboard map."""

    channel = TELEGRAM
    max_chars = MAX_TEXT_CHARS

    def button_map(self) -> store.ButtonMap:
        """Keyboards accumulate (the last ones stay pressable)."""
        return keyboard_map


class TelegramOutput(OutboxOutput):
    """Rasa's replies for one Telegram chat, written to the outbox; buttons become an inline keyboard."""

    @classmethod
    def name(cls) -> str:
        """The channel name Rasa records with each message."""
        return TELEGRAM


# -- the channel -----------------------------------------------------------------------------


class TelegramInput(StoredChannel):
    """The `telegram` input channel: POST /webhooks/telegram/webhook, or long polling without a public URL."""

    channel = TELEGRAM
    outbox_class = TelegramOutbox
    output_class = TelegramOutput

    @classmethod
    def name(cls) -> str:
        """The channel name, and so its URL prefix."""
        return TELEGRAM

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> TelegramInput:
        """Build the channel from the environment (secrets never live in credentials.yml)."""
        return cls(TelegramConfig.from_env())

    def __init__(
        self,
        config: TelegramConfig,
        *,
        engine: Engine | None = None,
        messages_client: TelegramBotClient | None = None,
        clock: Callable[[], datetime] = utc_now,
        language_of: LanguageLookup | None = None,
        sender_options: dict[str, Any] | None = None,
        gate: HandoffGate | None = None,
        setup_retry: float = 5.0,
        **options: Any,
    ) -> None:
        """Injectable collaborators default to DATABASE_URL, Telegram's Bot API and the tracker's language slot."""
        super().__init__(
            engine=engine,
            messages_client=messages_client,
            clock=clock,
            language_of=language_of,
            sender_options=sender_options,
            gate=gate,
            **options,
        )
        self.config = config
        self.setup_retry = setup_retry
        self._callbacks: dict[str, str] = {}  # message_sid -> callback query id, until answered
        self._background: list[asyncio.Task[Any]] = []

    @property
    def client(self) -> TelegramBotClient:
        """The Bot API client."""
        return self.messages_client  # type: ignore[return-value]

    def make_client(self) -> TelegramBotClient:
        """Telegram's Bot API at the configured address."""
        return TelegramBotClient(self.config)

    def make_pacing(self) -> Pacing:
        """Telegram's limits (one message a second per chat, 30 a second per bot), shared by every
        instance when RATE_LIMIT_REDIS_URL is set."""
        return shared_pacing.pacing(f"telegram:{self.config.bot_id}", per_conversation=1.0, per_second=30.0)

    @staticmethod
    def sender_buttons(conversation: store.Conversation, message: store.OutboxMessage) -> list[dict[str, str]]:
        """Each message's inline keyboard, sent beside its text."""
        return keyboard_of(conversation, message)

    # -- start and stop ----------------------------------------------------------------------

    async def on_start(self) -> None:
        """Register the command menu and the webhook, or start long polling, in the background."""
        self._background.append(asyncio.create_task(self._setup()))

    async def on_stop(self) -> None:
        """Stop polling and set-up."""
        tasks, self._background = self._background, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _retrying(self, what: str, call: Callable[[], Any]) -> bool:
        """Call until it succeeds (a Bot API outage at start must not stop the channel); False for a bad token."""
        while True:
            try:
                await call()
                return True
            except asyncio.CancelledError:
                raise
            except InvalidToken:
                logger.error("telegram %s: the bot token was refused", what)
                return False
            except Exception as err:
                logger.warning("telegram %s failed (%s); retrying", what, type(err).__name__)
                await asyncio.sleep(self.setup_retry)

    async def _setup(self) -> None:
        # The command menu is a convenience: it never holds up receiving messages.
        self._background.append(asyncio.create_task(self._retrying("command menu", self.client.set_commands)))
        if self.config.polling:
            if await self._retrying("deleteWebhook", self.client.delete_webhook):
                await self.poll()
        else:
            await self._retrying("setWebhook", self.client.set_webhook)

    async def poll(self) -> None:
        """Long polling: store each batch of updates, then confirm it with the next getUpdates offset."""
        offset: int | None = None
        delay = self.setup_retry
        while True:
            try:
                updates = await self.client.get_updates(offset)
            except asyncio.CancelledError:
                raise
            except RetryAfter as err:
                await asyncio.sleep(retry_after_of(err))
                continue
            except InvalidToken:
                logger.error("telegram polling stopped: the bot token was refused")
                return
            except Exception as err:  # network, 5xx, a webhook set elsewhere (409): wait and ask again
                logger.warning("telegram polling: %s; retrying", type(err).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            if not updates:
                delay = self.setup_retry
                continue
            try:
                await asyncio.gather(*(self.accept(update) for update in updates))
            except Exception as err:  # not stored: the offset stays, Telegram gives the batch again
                logger.error("telegram polling: updates not stored (%s); asking again", type(err).__name__)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            delay = self.setup_retry
            offset = max(update.update_id for update in updates) + 1

    # -- HTTP --------------------------------------------------------------------------------

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Routes: GET / (health), POST /webhook (updates)."""
        hooks = self.lifecycle_blueprint("telegram_webhook", on_new_message)

        @hooks.route("/", methods=["GET"])
        async def health(_request: Request) -> HTTPResponse:
            return response.json({"status": "ok", "mode": "polling" if self.config.polling else "webhook"})

        @hooks.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(request.body, request.headers.get("X-Telegram-Bot-Api-Secret-Token"))

        return hooks

    async def receive(self, body: bytes, secret: str | None) -> HTTPResponse:
        """Verify, store and acknowledge one webhook update; the turn runs in the background."""
        if not secret or not hmac.compare_digest(secret.encode("utf-8"), self.config.secret.encode("utf-8")):
            logger.warning("telegram webhook: request with a missing or wrong secret token refused")
            return response.text("forbidden", status=403)
        await self.start()
        try:
            data = json.loads(body)
            if not isinstance(data, dict):
                raise ValueError("not an object")
            update = self.client.parse(data)
        except (ValueError, TypeError, KeyError, AttributeError) as err:
            logger.warning("telegram webhook: unreadable update (%s)", type(err).__name__)
            return response.text("bad request", status=400)
        if update is not None:
            try:
                await self.accept(update)
            except Exception as err:  # not stored, so not acknowledged: Telegram delivers it again later
                logger.error("telegram webhook: update not stored (%s)", type(err).__name__)
                return response.text("unavailable", status=503)
        return response.text("ok")

    async def accept(self, update: Update) -> bool:
        """Store one update (once) and start its turn; False for a re-delivery or an update we do not read."""
        received = received_from_update(update, self.config)
        if received is None:
            return False
        new = store.NewInbound(received.message, received.chat_id, False, self.clock(), channel=TELEGRAM)
        created = await self.db.batch(store.record_inbound_many, new)
        if not created:
            logger.info("telegram update %s re-delivered: acknowledged and ignored", received.message.message_sid)
            return False
        if received.callback_query_id is not None:
            self._callbacks[received.message.message_sid] = received.callback_query_id
        self._spawn(self.process(received.message.message_sid))
        return True

    # -- turns -------------------------------------------------------------------------------

    async def turn(self, message: store.Inbound) -> str:
        """A press is answered and mapped; the desk may take the message; media goes to a person; what the
        assistant cannot read gets a short reply (``answer_unreadable``); the rest goes to Rasa, with the
        language the person's app declares in its metadata."""
        output = self.output(message.conversation_id, message.message_sid)
        text: str | None
        metadata: dict[str, Any] | None = None
        if message.kind == BUTTON:
            button = await self._press(message)
            if button is None:
                return store.IGNORED
            text = button["payload"]
        elif message.kind == LOCATION:
            text = HELP_POINT_PAYLOAD
            metadata = {"location": {"latitude": message.latitude, "longitude": message.longitude}}
        elif message.kind in (TEXT, MEDIA):
            body = message.body or ""
            text = read_text(body) if body.strip() else None
        else:
            text = None  # what the assistant cannot read
        kind = TEXT if message.kind == BUTTON else message.kind
        if await self.handed_off(self.incoming(message, text, kind=kind), output):
            return store.PROCESSED  # the desk has the conversation: the bot stays silent
        if message.kind == TEXT and await self.stops_alerts(message, text, output):
            return store.PROCESSED
        if message.kind == MEDIA:
            # The assistant reads text only: a voice note, photo or document goes to a person (file id kept).
            text, metadata = REQUEST_HUMAN_PAYLOAD, media_handoff(message)
        answered = await self.answer_unreadable(message, text, output)
        if answered is not None:
            return answered
        if not text:
            return store.IGNORED
        if message.app_language:
            # What action_detect_language uses until the person writes something it can tell the language of.
            metadata = {**(metadata or {}), i18n.APP_LANGUAGE: message.app_language}
        await self.hand_to_rasa(
            UserMessage(
                text,
                output,
                message.conversation_id,
                input_channel=TELEGRAM,
                metadata=metadata,
                message_id=message.message_sid,
            )
        )
        return store.PROCESSED

    async def _press(self, message: store.Inbound) -> dict[str, str] | None:
        """Map a button press to the button the bot sent, and answer it (a notice when it is unknown)."""
        conversation = await self.db(store.get_conversation, conversation_id=message.conversation_id)
        button = pressed(conversation, message.body or "")
        query_id = self._callbacks.pop(message.message_sid, None)
        if query_id is not None:
            notice = None
            if button is None:
                language = await self.language_of(message.conversation_id) or message.app_language
                notice = i18n.text("button_expired", language)
            await self.client.answer_callback(query_id, notice)
        return button
