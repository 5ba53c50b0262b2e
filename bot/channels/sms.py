"""SMS through Twilio Programmable Messaging: for people on the move with a basic phone or no data.

Twilio posts an inbound SMS as the same signed form as a WhatsApp message (``MessageSid``,
``From``, ``Body``, ``NumMedia`` for MMS), so the channel is WhatsApp's pipeline with its own
name, conversation ids (``sms-`` + a keyed hash of the number), outbox and settings: signature
check, durable store, exactly-once replies, opt-out words and handoff are the same code. SMS has
no buttons: they are a numbered menu the person answers with a digit. Each part stays within
320 characters, Twilio's recommended SMS length (two or three segments); a longer reply goes as
several parts cut at sentence ends. There is no 24-hour window.

Settings: ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``, ``TWILIO_SMS_FROM`` (the desk's number,
E.164), ``TWILIO_SMS_WEBHOOK_URL`` (the public URL Twilio signs, ending ``/webhooks/sms/webhook``),
``TWILIO_API_BASE_URL`` (a stand-in in tests). Enabled by ``make run`` when ``TWILIO_SMS_FROM`` is set
(``bot.channels.registry``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.channels import store
from bot.channels.config import DEFAULT_API_BASE_URL, WhatsAppConfig, conversation_id_key, sends_per_second
from bot.channels.outbox import Outbox
from bot.channels.whatsapp import WhatsAppInput, WhatsAppOutput
from bot.settings import SettingsError

SMS = "sms"
PART_CHARS = 320  # Twilio's recommended longest SMS body
_REQUIRED = ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_SMS_FROM", "TWILIO_SMS_WEBHOOK_URL")


def sms_config(environ: Mapping[str, str] | None = None) -> WhatsAppConfig:
    """The Twilio settings of the SMS number, read from the environment."""
    env = os.environ if environ is None else environ
    missing = [name for name in _REQUIRED if not env.get(name, "").strip()]
    if missing:
        raise SettingsError(f"the SMS channel needs {', '.join(missing)}")
    number = env["TWILIO_SMS_FROM"].strip()
    if not number.startswith("+") or not number[1:].isdigit():
        raise SettingsError("TWILIO_SMS_FROM must be a phone number in E.164 form (+ and digits)")
    return WhatsAppConfig(
        account_sid=env["TWILIO_ACCOUNT_SID"],
        auth_token=env["TWILIO_AUTH_TOKEN"],
        from_address=number,
        webhook_url=env["TWILIO_SMS_WEBHOOK_URL"].strip(),
        api_base_url=env.get("TWILIO_API_BASE_URL") or DEFAULT_API_BASE_URL,
        conversation_id_key=conversation_id_key(env),
        sends_per_second=sends_per_second(env),
    )


def sms_status(conversation: store.Conversation | None, now: datetime) -> str:
    """Whether a message may go to this person: anyone who wrote and did not opt out (no window)."""
    if conversation is None:
        return store.UNREACHABLE
    return store.OPTED_OUT if conversation.opted_out else store.PENDING


class SmsOutbox(Outbox):
    """SMS's outbox: short parts, no window."""

    channel = SMS
    max_chars = PART_CHARS
    status_for = staticmethod(sms_status)


class SmsOutput(WhatsAppOutput):
    """Rasa's replies for one SMS conversation: buttons as a numbered menu in the text."""

    @classmethod
    def name(cls) -> str:
        """The channel name Rasa records with each message."""
        return SMS


class SmsInput(WhatsAppInput):
    """The `sms` input channel: POST /webhooks/sms/webhook (and /status for deliveries)."""

    channel = SMS
    outbox_class = SmsOutbox
    output_class = SmsOutput
    conversation_prefix = SMS

    @classmethod
    def name(cls) -> str:
        """The channel name, and so its URL prefix."""
        return SMS

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> SmsInput:
        """Build the channel from the environment (secrets never live in credentials.yml)."""
        return cls(sms_config())
