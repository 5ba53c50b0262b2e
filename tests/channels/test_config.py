"""The channel's settings come from the environment and refuse placeholders in production."""

from __future__ import annotations

import pytest

from bot.channels.config import DEFAULT_API_BASE_URL, WhatsAppConfig
from bot.channels.whatsapp import WhatsAppInput
from bot.settings import SettingsError

ENV = {
    "TWILIO_ACCOUNT_SID": "AC123",
    "TWILIO_AUTH_TOKEN": "tok",
    "TWILIO_WHATSAPP_FROM": "+14155238886",
    "TWILIO_WEBHOOK_URL": "https://desk.example.org/webhooks/whatsapp/webhook",
}


def test_settings_from_the_environment() -> None:
    config = WhatsAppConfig.from_env({**ENV, "CONVERSATION_ID_KEY": "k" * 32})
    assert config.from_address == "whatsapp:+14155238886"
    assert config.api_base_url == DEFAULT_API_BASE_URL
    assert config.messages_url == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"
    assert config.status_url == "https://desk.example.org/webhooks/whatsapp/status"


def test_a_missing_setting_is_named() -> None:
    with pytest.raises(SettingsError, match="TWILIO_AUTH_TOKEN"):
        WhatsAppConfig.from_env({k: v for k, v in ENV.items() if k != "TWILIO_AUTH_TOKEN"})


@pytest.mark.parametrize("key", ["", "changeme", "short"])
def test_production_refuses_a_placeholder_conversation_key(key: str) -> None:
    with pytest.raises(SettingsError, match="CONVERSATION_ID_KEY"):
        WhatsAppConfig.from_env({**ENV, "VENTANILLA_ENV": "production", "CONVERSATION_ID_KEY": key})


def test_from_credentials_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**ENV, "TWILIO_API_BASE_URL": "http://127.0.0.1:9"}.items():
        monkeypatch.setenv(name, value)
    channel = WhatsAppInput.from_credentials(None)
    assert channel.name() == "whatsapp"
    assert channel.config.api_base_url == "http://127.0.0.1:9"
