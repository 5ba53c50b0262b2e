"""WhatsApp channel settings read from the environment, and the keyed conversation id."""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from bot.settings import SettingsError

logger = logging.getLogger(__name__)

DEFAULT_API_BASE_URL = "https://api.twilio.com"
WHATSAPP_PREFIX = "whatsapp:"
_DEVELOPMENT_KEY = "development-only-conversation-id-key"
_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "token", "test", "key", _DEVELOPMENT_KEY}
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
        key = env.get("CONVERSATION_ID_KEY", "")
        production = env.get("VENTANILLA_ENV", "development") == "production"
        if key.lower() in _PLACEHOLDERS or len(key) < 16:
            if production:
                raise SettingsError("CONVERSATION_ID_KEY must be a real secret (16+ characters) in production")
            logger.warning("CONVERSATION_ID_KEY is unset or a placeholder: using the development key")
            key = key if len(key) >= 16 else _DEVELOPMENT_KEY
        return cls(
            account_sid=env["TWILIO_ACCOUNT_SID"],
            auth_token=env["TWILIO_AUTH_TOKEN"],
            from_address=whatsapp_address(env["TWILIO_WHATSAPP_FROM"]),
            webhook_url=env["TWILIO_WEBHOOK_URL"],
            api_base_url=env.get("TWILIO_API_BASE_URL") or DEFAULT_API_BASE_URL,
            conversation_id_key=key,
        )


def whatsapp_address(number: str) -> str:
    """A number in Twilio's WhatsApp address form (``whatsapp:+15551234567``)."""
    number = number.strip()
    return number if number.startswith(WHATSAPP_PREFIX) else f"{WHATSAPP_PREFIX}{number}"


def conversation_id(address: str, key: str) -> str:
    """The conversation id of a WhatsApp address: a keyed HMAC-SHA256, so the number is not in it."""
    number = address.removeprefix(WHATSAPP_PREFIX).strip()
    digest = hmac.new(key.encode("utf-8"), number.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"wa-{digest}"
