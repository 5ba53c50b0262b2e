"""The part of Telegram's Bot API the channel uses, through python-telegram-bot, with our error kinds.

Sending maps the library's errors onto the outbox's: a 429 (``RetryAfter``) is retryable after
the seconds Telegram asked for, network errors and timeouts are retryable, a refusal (bad
request, a bot the person blocked) is permanent. The library logs request parameters (chat ids,
texts) at DEBUG and httpx logs URLs (which carry the bot token) at INFO: both are kept out of the
logs here.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from datetime import timedelta

from telegram import Bot as PTBBot
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest
from telegram.warnings import PTBDeprecationWarning

from bot import i18n
from bot.channels.config import TelegramConfig
from bot.channels.sender import Button, PermanentSendError, RetryableSendError

logger = logging.getLogger(__name__)

ALLOWED_UPDATES = ("message", "callback_query")
# Command name -> the i18n key of its description in the command menu.
COMMAND_MENU = ("start", "help", "language", "human", "delete")


class _Redact(logging.Filter):
    """Replaces the bot token in a library's log records."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg, record.args = message.replace(self.secret, "<token>"), None
        return True


def quiet_library_logs(token: str) -> None:
    """No chat ids or texts from python-telegram-bot's debug logs; no token in httpx's request logs."""
    library = logging.getLogger("telegram")
    if library.level < logging.INFO:  # NOTSET included: a DEBUG root must not open it
        library.setLevel(logging.INFO)
    # Raising RetryAfter warns that retry_after will become a timedelta; `seconds` reads both forms.
    warnings.filterwarnings("ignore", message=".*retry_after.*", category=PTBDeprecationWarning)
    for name in ("httpx", "httpcore"):
        target = logging.getLogger(name)
        if not any(isinstance(f, _Redact) and f.secret == token for f in target.filters):
            target.addFilter(_Redact(token))


def seconds(value: int | float | timedelta) -> float:
    """A retry_after as seconds, whichever form the library gives it in."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def retry_after_of(err: RetryAfter) -> float:
    """The seconds a 429 asked us to wait (without the library's int-vs-timedelta deprecation warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return seconds(err.retry_after)


def command_menu(language: str) -> list[BotCommand]:
    """The command menu in one language (descriptions from bot/i18n/messages.yml)."""
    return [BotCommand(name, i18n.text(f"telegram_command_{name}", language)) for name in COMMAND_MENU]


class TelegramBotClient:
    """The Bot API client of the channel: send with inline keyboards, answer presses, polling, webhook."""

    def __init__(self, config: TelegramConfig, *, timeout: float = 10.0, poll_timeout: int = 25) -> None:
        """A python-telegram-bot ``Bot`` on the configured API address (tests point it at a local fake)."""
        quiet_library_logs(config.bot_token)
        self.config = config
        self.poll_timeout = poll_timeout
        self._requests = (
            HTTPXRequest(connection_pool_size=64, read_timeout=timeout, write_timeout=timeout, pool_timeout=timeout),
            HTTPXRequest(connection_pool_size=2, read_timeout=10.0),
        )
        self.bot = PTBBot(
            config.bot_token, base_url=config.bot_api_url, request=self._requests[0], get_updates_request=self._requests[1]
        )

    async def send(self, *, to: str, body: str, buttons: Sequence[Button] = ()) -> str | None:
        """Send one text, with its buttons as an inline keyboard; return Telegram's message id."""
        markup = None
        if buttons:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton(b["title"], callback_data=b["key"])] for b in buttons])
        try:
            sent = await self.bot.send_message(chat_id=int(to), text=body, reply_markup=markup)
        except RetryAfter as err:
            raise RetryableSendError("http 429", retry_after=retry_after_of(err)) from err
        except (BadRequest, Forbidden, InvalidToken, ChatMigrated) as err:
            raise PermanentSendError(type(err).__name__) from err
        except NetworkError as err:  # timeouts, connection errors, 5xx
            raise RetryableSendError(type(err).__name__) from err
        except TelegramError as err:
            raise PermanentSendError(type(err).__name__) from err
        return str(sent.message_id)

    async def answer_callback(self, query_id: str, text: str | None = None) -> None:
        """Stop the button's spinner (with a short notice when there is one); failures only logged."""
        try:
            await self.bot.answer_callback_query(query_id, text=text)
        except TelegramError as err:  # a query too old after a restart: nothing to do
            logger.info("callback query not answered: %s", type(err).__name__)

    async def set_commands(self) -> None:
        """Register the command menu in each of the five languages, and a default one."""
        for language in i18n.LANGUAGES:
            await self.bot.set_my_commands(command_menu(language), language_code=language)
        await self.bot.set_my_commands(command_menu(i18n.DEFAULT_LANGUAGE))

    async def set_webhook(self) -> None:
        """Ask Telegram to post updates to our webhook, with the secret token."""
        await self.bot.set_webhook(
            url=self.config.webhook_url or "", secret_token=self.config.secret, allowed_updates=list(ALLOWED_UPDATES)
        )

    async def delete_webhook(self) -> None:
        """Stop webhook delivery so getUpdates works (pending updates are kept)."""
        await self.bot.delete_webhook(drop_pending_updates=False)

    async def get_updates(self, offset: int | None) -> tuple[Update, ...]:
        """Long-poll for updates after `offset` (which confirms the ones before it)."""
        return await self.bot.get_updates(offset=offset, timeout=self.poll_timeout, allowed_updates=list(ALLOWED_UPDATES))

    def parse(self, data: dict[str, object]) -> Update | None:
        """An Update from a webhook's JSON."""
        return Update.de_json(data, self.bot)

    async def close(self) -> None:
        """Close the HTTP clients."""
        for request in self._requests:
            await request.shutdown()
