"""Messaging channel settings read from the environment, and the keyed conversation ids."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.settings import SettingsError, is_placeholder

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.twilio.com"
DEFAULT_TELEGRAM_API_BASE_URL = "https://api.telegram.org"
WHATSAPP_PREFIX = "whatsapp:"
_DEVELOPMENT_KEY = "development-only-conversation-id-key"
_REQUIRED = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM", "TWILIO_WEBHOOK_URL")


@dataclass(frozen=True)
class WhatsAppConfig:
    """Everything the WhatsApp channel needs to receive, verify and send messages."""

    account_sid: str
    auth_token: str
    from_address: str
    webhook_url: str
    api_base_url: str = DEFAULT_API_BASE_URL
    conversation_id_key: str = _DEVELOPMENT_KEY
    sends_per_second: float | None = None  # the sender number's throughput (TWILIO_SENDS_PER_SECOND); None: no pacing

    @property
    def status_url(self) -> str:
        """The public URL of the delivery status callback (beside the webhook)."""
        base = self.webhook_url.rstrip("/")
        if base.endswith("/webhook"):
            base = base[: -len("/webhook")]
        return f"{base}/status"

    @property
    def messages_url(self) -> str:
        """Twilio's Messages API endpoint for this account."""
        return f"{self.api_base_url.rstrip('/')}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> WhatsAppConfig:
        """Read the settings from the environment and refuse unusable or unsafe ones."""
        env = os.environ if environ is None else environ
        missing = [name for name in _REQUIRED if not env.get(name)]
        if missing:
            raise SettingsError(f"the WhatsApp channel needs {', '.join(missing)}")
        key = conversation_id_key(env)
        return cls(
            account_sid=env["TWILIO_ACCOUNT_SID"],
            auth_token=env["TWILIO_AUTH_TOKEN"],
            from_address=whatsapp_address(env["TWILIO_WHATSAPP_FROM"]),
            webhook_url=env["TWILIO_WEBHOOK_URL"],
            api_base_url=env.get("TWILIO_API_BASE_URL") or DEFAULT_API_BASE_URL,
            conversation_id_key=key,
            sends_per_second=sends_per_second(env),
        )


def sends_per_second(env: Mapping[str, str]) -> float | None:
    """TWILIO_SENDS_PER_SECOND: how many messages a second the sender number may post (unset: no pacing)."""
    raw = env.get("TWILIO_SENDS_PER_SECOND", "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"TWILIO_SENDS_PER_SECOND must be a number, got {raw!r}") from None
    if not 0 < value <= 1000:
        raise SettingsError("TWILIO_SENDS_PER_SECOND must be between 0 and 1000")
    return value


def conversation_id_key(env: Mapping[str, str]) -> str:
    """CONVERSATION_ID_KEY; a placeholder is refused in production and replaced in development."""
    key = env.get("CONVERSATION_ID_KEY", "")
    production = env.get("VENTANILLA_ENV", "development") == "production"
    if is_placeholder(key) or key == _DEVELOPMENT_KEY or len(key) < 16:
        if production:
            raise SettingsError("CONVERSATION_ID_KEY must be a real secret (16+ characters) in production")
        logger.warning("CONVERSATION_ID_KEY is unset or a placeholder: using the development key")
        key = key if len(key) >= 16 else _DEVELOPMENT_KEY
    return key


def whatsapp_address(number: str) -> str:
    """A number in Twilio's WhatsApp address form (``whatsapp:+15551234567``)."""
    number = number.strip()
    return number if number.startswith(WHATSAPP_PREFIX) else f"{WHATSAPP_PREFIX}{number}"


def conversation_id(address: str, key: str, *, prefix: str = "wa") -> str:
    """The conversation id of a phone address (WhatsApp's by default): a keyed HMAC-SHA256, so the number
    is not in it; `prefix` keeps the same number's conversations on two channels apart."""
    number = address.removeprefix(WHATSAPP_PREFIX).strip()
    digest = hmac.new(key.encode("utf-8"), number.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"{prefix}-{digest}"


_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]{20,}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


@dataclass(frozen=True)
class TelegramConfig:
    """Everything the Telegram channel needs: the bot token, how updates arrive, the Bot API's address.

    With a public `webhook_url` Telegram posts updates to the webhook (webhook mode); without one
    the channel asks for them (long polling), so a desk without a public address can run the bot.
    """

    bot_token: str = field(repr=False)
    webhook_url: str | None = None
    webhook_secret: str = field(default="", repr=False)
    api_base_url: str = DEFAULT_TELEGRAM_API_BASE_URL
    conversation_id_key: str = _DEVELOPMENT_KEY

    @property
    def bot_id(self) -> str:
        """The bot's numeric id (the token's first part): update ids are unique per bot."""
        return self.bot_token.split(":", 1)[0]

    @property
    def polling(self) -> bool:
        """Whether updates are fetched with getUpdates (no public webhook URL)."""
        return not self.webhook_url

    @property
    def bot_api_url(self) -> str:
        """The base URL python-telegram-bot appends method names to ({token} is filled in by it)."""
        return f"{self.api_base_url.rstrip('/')}/bot{{token}}"

    @property
    def secret(self) -> str:
        """The X-Telegram-Bot-Api-Secret-Token every webhook update must carry.

        Derived from the token when none is configured: stable across restarts, unguessable
        without the token, and within Telegram's alphabet.
        """
        if self.webhook_secret:
            return self.webhook_secret
        digest = hmac.new(self.bot_token.encode("utf-8"), b"ventanilla-telegram-webhook", hashlib.sha256).hexdigest()
        return digest[:48]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TelegramConfig:
        """Read the settings from the environment and refuse unusable or unsafe ones."""
        env = os.environ if environ is None else environ
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not _TOKEN.match(token):
            raise SettingsError("the Telegram channel needs TELEGRAM_BOT_TOKEN (as BotFather gives it: <id>:<secret>)")
        webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "").strip() or None
        secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip()
        if secret and not _SECRET.match(secret):
            raise SettingsError("TELEGRAM_WEBHOOK_SECRET must be 16-256 characters of A-Z, a-z, 0-9, _ and -")
        if webhook_url and not webhook_url.startswith("https://"):
            raise SettingsError("TELEGRAM_WEBHOOK_URL must be an https:// URL (Telegram posts only to HTTPS)")
        return cls(
            bot_token=token,
            webhook_url=webhook_url,
            webhook_secret=secret,
            api_base_url=env.get("TELEGRAM_API_BASE_URL") or DEFAULT_TELEGRAM_API_BASE_URL,
            conversation_id_key=conversation_id_key(env),
        )


def telegram_conversation_id(chat_id: int | str, key: str) -> str:
    """The conversation id of a Telegram chat: a keyed HMAC-SHA256, so the chat id is not in it."""
    digest = hmac.new(key.encode("utf-8"), f"telegram:{chat_id}".encode(), hashlib.sha256).hexdigest()
    return f"tg-{digest}"
