"""The messaging channels the desk runs, in one table: adding a channel is a module and a line here.

Everything outside a channel's own module asks this registry about channels: which ones can
carry the desk's replies (``actions/handoff.py``), how the console reaches a person
(``bot.channels.outputs``), whether the channel has a reply window (WhatsApp's 24 hours,
``bot.desk.staff``), whether its address is a phone number staff may reveal, and which
environment variable enables it in ``make run`` (``python -m bot.channels credentials``).
The registry imports no channel module: the input class is loaded by name only when asked.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any


@dataclass(frozen=True)
class ChannelSpec:
    """One messaging channel as the rest of the code sees it."""

    name: str  # Rasa's input channel name, the URL prefix /webhooks/<name>/ and the store's channel
    input_class: str  # dotted path of the Rasa input channel (a ``StoredChannel``)
    enabled_by: str  # the environment variable that turns it on in ``make run``
    reply_window: timedelta | None = None  # free-form messages only this long after the person's last one
    phone_number: bool = False  # the address is a phone number (staff with the right may reveal it)
    address_prefix: str = ""  # what the provider puts before the number (``whatsapp:``)

    def load(self) -> Any:
        """The input channel class."""
        module, _, name = self.input_class.rpartition(".")
        return getattr(importlib.import_module(module), name)

    def phone_of(self, address: str) -> str:
        """The phone number in a stored address."""
        return address.removeprefix(self.address_prefix).strip()


CHANNELS: tuple[ChannelSpec, ...] = (
    ChannelSpec(
        name="whatsapp",
        input_class="bot.channels.whatsapp.WhatsAppInput",
        enabled_by="TWILIO_WHATSAPP_FROM",
        reply_window=timedelta(hours=24),
        phone_number=True,
        address_prefix="whatsapp:",
    ),
    ChannelSpec(name="telegram", input_class="bot.channels.telegram.TelegramInput", enabled_by="TELEGRAM_BOT_TOKEN"),
    ChannelSpec(name="sms", input_class="bot.channels.sms.SmsInput", enabled_by="TWILIO_SMS_FROM", phone_number=True),
)
_BY_NAME = {spec.name: spec for spec in CHANNELS}


class UnknownChannelError(ValueError):
    """Raised for a channel the registry does not know (the REST channel, a typo)."""


def names() -> tuple[str, ...]:
    """The names of every messaging channel (each can carry the desk's replies)."""
    return tuple(_BY_NAME)


def get(name: str) -> ChannelSpec:
    """The channel called `name`."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UnknownChannelError(f"no messaging channel is called {name!r}") from None


def find(name: str | None) -> ChannelSpec | None:
    """The channel called `name`, or None (the REST channel, the shell)."""
    return _BY_NAME.get(name or "")


def enabled(environ: Mapping[str, str]) -> list[ChannelSpec]:
    """The channels the environment turns on."""
    return [spec for spec in CHANNELS if environ.get(spec.enabled_by, "").strip()]


def credentials_lines(environ: Mapping[str, str]) -> list[str]:
    """The credentials.yml entries of the enabled channels (their settings come from the environment)."""
    return [f"{spec.input_class}:" for spec in enabled(environ)]
