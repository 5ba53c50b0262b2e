"""A local stand-in for the part of Telegram's Bot API the channel uses, able to fail on demand.

Speaks getMe, getUpdates (long polling, offsets confirm updates, 409 while a webhook is set),
sendMessage (text ≤ 4,096 characters, callback data ≤ 64 bytes), answerCallbackQuery,
setMyCommands, setWebhook and deleteWebhook, at ``http://127.0.0.1:<port>/bot<token>/<method>``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import socket
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class SentMessage:
    """One message the fake API accepted."""

    message_id: int
    chat_id: str
    text: str
    keyboard: list[list[dict[str, str]]]
    at: float

    def titles(self) -> list[str]:
        return [button["text"] for row in self.keyboard for button in row]

    def data(self) -> list[str]:
        return [button["callback_data"] for row in self.keyboard for button in row]


@dataclass
class FakeTelegram:
    """The Bot API for one bot; `failures` is a queue of 429 (with `retry_after`), 500, 400, 403 or 'timeout'."""

    token: str
    sent: list[SentMessage] = field(default_factory=list)
    answers: list[tuple[str, str | None]] = field(default_factory=list)
    commands: dict[str | None, list[dict[str, str]]] = field(default_factory=dict)
    webhook: dict[str, Any] = field(default_factory=dict)
    failures: list[int | str] = field(default_factory=list)
    failure_rate: float = 0.0
    retry_after: int = 1
    calls: dict[str, int] = field(default_factory=dict)
    offsets: list[int | None] = field(default_factory=list)
    hang_seconds: float = 2.0
    rng: random.Random = field(default_factory=lambda: random.Random(5))
    port: int = 0
    _updates: list[dict[str, Any]] = field(default_factory=list)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _ids: Any = field(default_factory=lambda: itertools.count(1))
    _runner: web.AppRunner | None = None
    _closing: bool = False

    @property
    def base_url(self) -> str:
        """The API base URL to configure the channel with (TELEGRAM_API_BASE_URL)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def bot_id(self) -> int:
        return int(self.token.split(":")[0])

    def fail_next(self, *failures: int | str) -> None:
        """Fail the next sendMessage calls, in order."""
        self.failures.extend(failures)

    def texts_to(self, chat_id: int | str) -> list[str]:
        """What was delivered to one chat, in order."""
        return [message.text for message in self.sent if message.chat_id == str(chat_id)]

    def to(self, chat_id: int | str) -> list[SentMessage]:
        return [message for message in self.sent if message.chat_id == str(chat_id)]

    def push(self, update: dict[str, Any]) -> None:
        """Queue an update for getUpdates."""
        self._updates.append(update)
        self._arrived.set()

    def pending(self) -> list[int]:
        """Update ids not yet confirmed by a getUpdates offset."""
        return [update["update_id"] for update in self._updates]

    @staticmethod
    def _error(code: int, description: str, **parameters: Any) -> web.Response:
        body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=code)

    @staticmethod
    def _ok(result: Any) -> web.Response:
        return web.json_response({"ok": True, "result": result})

    async def _params(self, request: web.Request) -> dict[str, Any]:
        if request.content_type == "application/json":
            return dict(await request.json())
        form = await request.post()
        params: dict[str, Any] = {}
        for key, value in form.items():
            text = str(value)
            try:
                params[key] = json.loads(text) if key in ("reply_markup", "commands", "allowed_updates") else text
            except ValueError:
                params[key] = text
        return params

    async def _method(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return self._error(401, "Unauthorized")
        method = request.match_info["method"]
        self.calls[method] = self.calls.get(method, 0) + 1
        params = await self._params(request)
        handler = getattr(self, f"_{method}", None)
        if handler is None:
            return self._error(404, "Not Found")
        return await handler(params)  # type: ignore[no-any-return]

    async def _getMe(self, _params: dict[str, Any]) -> web.Response:  # noqa: N802
        return self._ok({"id": self.bot_id, "is_bot": True, "first_name": "Ventanilla", "username": "VentanillaBot"})

    async def _sendMessage(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        if self.failures:
            failure = self.failures.pop(0)
            return await self._fail(failure)
        if self.failure_rate and self.rng.random() < self.failure_rate:
            return await self._fail(429)
        text = str(params.get("text") or "")
        if not text:
            return self._error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return self._error(400, "Bad Request: message is too long")
        keyboard = (params.get("reply_markup") or {}).get("inline_keyboard") or []
        for row in keyboard:
            for button in row:
                if len(str(button.get("callback_data", "")).encode("utf-8")) > 64:
                    return self._error(400, "Bad Request: BUTTON_DATA_INVALID")
        chat_id = str(params["chat_id"])
        message_id = next(self._ids)
        self.sent.append(SentMessage(message_id, chat_id, text, keyboard, time.monotonic()))
        chat = {"id": int(chat_id), "type": "private", "first_name": "Person"}
        return self._ok({"message_id": message_id, "date": int(time.time()), "chat": chat, "text": text})

    async def _fail(self, failure: int | str) -> web.Response:
        if failure == "timeout":
            await asyncio.sleep(self.hang_seconds)
            return self._error(500, "Internal Server Error")
        code = int(failure)
        if code == 429:
            return self._error(429, f"Too Many Requests: retry after {self.retry_after}", retry_after=self.retry_after)
        if code == 403:
            return self._error(403, "Forbidden: bot was blocked by the user")
        if code == 400:
            return self._error(400, "Bad Request: chat not found")
        return self._error(code, "Internal Server Error")

    async def _answerCallbackQuery(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        self.answers.append((str(params["callback_query_id"]), params.get("text")))
        return self._ok(True)

    async def _setMyCommands(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        commands = params["commands"]
        if isinstance(commands, str):
            commands = json.loads(commands)
        self.commands[params.get("language_code")] = list(commands)
        return self._ok(True)

    async def _setWebhook(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        self.webhook = dict(params)
        return self._ok(True)

    async def _deleteWebhook(self, _params: dict[str, Any]) -> web.Response:  # noqa: N802
        self.webhook = {}
        return self._ok(True)

    async def _getUpdates(self, params: dict[str, Any]) -> web.Response:  # noqa: N802
        if self.webhook.get("url"):
            return self._error(409, "Conflict: can't use getUpdates method while webhook is active")
        offset = int(params["offset"]) if params.get("offset") not in (None, "") else None
        self.offsets.append(offset)
        if offset is not None:  # confirms every update before it
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while not self._updates and time.monotonic() < deadline and not self._closing:
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), timeout=max(0.0, deadline - time.monotonic()))
            except asyncio.TimeoutError:
                break
        return self._ok(self._updates[:100])

    async def _report(self, _request: web.Request) -> web.Response:
        return web.json_response({"calls": self.calls, "sent": [[m.chat_id, m.text] for m in self.sent],
                                  "times": [m.at for m in self.sent]})

    async def start(self) -> None:
        """Serve on a free local port (GET /_sent reports what was accepted, for benchmarks)."""
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._method)
        app.router.add_get("/_sent", self._report)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def stop(self) -> None:
        """Stop serving (long polls waiting for updates return first)."""
        self._closing = True
        self._arrived.set()
        await asyncio.sleep(0.05)
        if self._runner is not None:
            await self._runner.cleanup()


# -- real Update JSON, as Telegram sends it ---------------------------------------------------

_update_ids = itertools.count(700_000_001)
_message_ids = itertools.count(1)


def _user(chat_id: int, language: str = "es") -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Rosa", "last_name": "Pérez", "language_code": language}


def _chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "first_name": "Rosa", "last_name": "Pérez", "type": "private"}


def message_update(chat_id: int, update_id: int | None = None, *, language: str = "es", **content: Any) -> dict[str, Any]:
    """A `message` update from a private chat with the given content (text, location, voice, ...).

    `language` is the sender's ``language_code`` (the language of their Telegram app).
    """
    user = _user(chat_id, language)
    message = {"message_id": next(_message_ids), "from": user, "chat": _chat(chat_id), "date": int(time.time())}
    message.update(content)
    return {"update_id": update_id or next(_update_ids), "message": message}


def text_update(chat_id: int, text: str, update_id: int | None = None, *, language: str = "es") -> dict[str, Any]:
    """A text message; a leading command gets its bot_command entity, as Telegram adds it."""
    content: dict[str, Any] = {"text": text}
    if text.startswith("/"):
        length = len(text.split()[0]) if text.split() else 1
        content["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
    return message_update(chat_id, update_id, language=language, **content)


def location_update(chat_id: int, latitude: Any, longitude: Any, *, language: str = "es") -> dict[str, Any]:
    return message_update(chat_id, language=language, location={"latitude": latitude, "longitude": longitude})


# Messages the assistant does not read, as the Bot API delivers them.
UNREAD_CONTENT: dict[str, dict[str, Any]] = {
    "sticker": {
        "sticker": {
            "file_id": "CAACAgIAAxkBAAIBSticker",
            "file_unique_id": "AgADSticker",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": "👍",
            "set_name": "HotCherry",
            "file_size": 20000,
        }
    },
    "poll": {
        "poll": {
            "id": "5431234567890123456",
            "question": "¿Cuál prefieres?",
            "options": [
                {"persistent_id": "0", "text": "Mañana", "voter_count": 0},
                {"persistent_id": "1", "text": "Tarde", "voter_count": 0},
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
            "allows_revoting": True,
            "members_only": False,
        }
    },
    "contact": {"contact": {"phone_number": "+50937001234", "first_name": "Ana", "user_id": 50937001234}},
    "dice": {"dice": {"emoji": "🎲", "value": 4}},
    "animation": {  # a GIF: Telegram sends it as a document too
        "animation": {"file_id": "CgACAgQAAxkBGif", "file_unique_id": "AgADGif", "width": 320, "height": 240, "duration": 3},
        "document": {"file_id": "CgACAgQAAxkBGif", "file_unique_id": "AgADGif", "mime_type": "video/mp4"},
    },
}


def unread_update(chat_id: int, kind: str, *, language: str = "es") -> dict[str, Any]:
    """A sticker, poll, contact, dice or GIF message."""
    return message_update(chat_id, language=language, **UNREAD_CONTENT[kind])


def voice_update(chat_id: int, file_id: str = "AwACAgEAAxkBAAIBVoice") -> dict[str, Any]:
    voice = {"file_id": file_id, "file_unique_id": "AgADVoice", "duration": 4, "mime_type": "audio/ogg", "file_size": 9000}
    return message_update(chat_id, voice=voice)


def photo_update(chat_id: int, caption: str | None = None) -> dict[str, Any]:
    sizes = [
        {"file_id": "small-id", "file_unique_id": "s", "width": 90, "height": 90, "file_size": 1000},
        {"file_id": "large-id", "file_unique_id": "l", "width": 800, "height": 800, "file_size": 90000},
    ]
    content: dict[str, Any] = {"photo": sizes}
    if caption:
        content["caption"] = caption
    return message_update(chat_id, **content)


def document_update(chat_id: int) -> dict[str, Any]:
    document = {"file_id": "doc-id", "file_unique_id": "d", "file_name": "pasaporte.pdf", "mime_type": "application/pdf"}
    return message_update(chat_id, document=document)


def callback_update(chat_id: int, data: str, message_id: int = 1, query_id: str | None = None) -> dict[str, Any]:
    """A press on an inline keyboard button of one of the bot's messages."""
    update_id = next(_update_ids)
    bot_message = {
        "message_id": message_id,
        "from": {"id": 1, "is_bot": True, "first_name": "Ventanilla", "username": "VentanillaBot"},
        "chat": _chat(chat_id),
        "date": int(time.time()),
        "text": "…",
    }
    query = {
        "id": query_id or f"q{update_id}",
        "from": _user(chat_id),
        "message": bot_message,
        "chat_instance": "-123456789",
        "data": data,
    }
    return {"update_id": update_id, "callback_query": query}
