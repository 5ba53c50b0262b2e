"""What SMS does its own way: settings, short parts, no window; and a channel stays one module and a line.

Everything SMS shares with WhatsApp (signatures, the durable store, exactly-once replies, opt-out
words, numbered menus, handoff, media to a person) runs in the shared Twilio suite: the ``harness``
fixture runs those tests once per provider.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from bot.channels import registry, store
from bot.channels.sms import PART_CHARS, SmsInput, sms_config, sms_status
from bot.settings import PROJECT_ROOT, SettingsError
from tests.channels.conftest import Harness, eventually

PERSON = "whatsapp:+50255501234"  # the harness writes it as +50255501234 on SMS
ENV = {
    "TWILIO_ACCOUNT_SID": "AC123",
    "TWILIO_AUTH_TOKEN": "tok",
    "TWILIO_SMS_FROM": "+14155238887",
    "TWILIO_SMS_WEBHOOK_URL": "https://desk.example.org/webhooks/sms/webhook",
}


def test_settings_from_the_environment() -> None:
    config = sms_config({**ENV, "CONVERSATION_ID_KEY": "k" * 32})
    assert config.from_address == "+14155238887"  # a plain number: no whatsapp: prefix
    assert config.status_url == "https://desk.example.org/webhooks/sms/status"
    assert config.messages_url == "https://api.twilio.com/2010-04-01/Accounts/AC123/Messages.json"


@pytest.mark.parametrize("missing", sorted(ENV))
def test_a_missing_setting_is_named(missing: str) -> None:
    with pytest.raises(SettingsError, match=missing):
        sms_config({k: v for k, v in ENV.items() if k != missing})


@pytest.mark.parametrize("number", ["14155238887", "whatsapp:+14155238887", "+1 415 523"])
def test_a_number_not_in_e164_form_is_refused(number: str) -> None:
    with pytest.raises(SettingsError, match=r"E\.164"):
        sms_config({**ENV, "TWILIO_SMS_FROM": number})


def test_from_credentials_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    channel = SmsInput.from_credentials(None)
    assert channel.name() == "sms" and channel.config.webhook_url == ENV["TWILIO_SMS_WEBHOOK_URL"]


def test_make_run_enables_sms_by_its_number_alone() -> None:
    assert [spec.name for spec in registry.enabled(ENV)] == ["sms"]
    assert registry.credentials_lines(ENV) == ["bot.channels.sms.SmsInput:"]
    assert registry.get("sms").load() is SmsInput


def test_sms_has_no_window_but_honours_an_opt_out() -> None:
    now = datetime(2026, 12, 4, 12, 0)
    long_ago = store.Conversation("sms-1", "+50255501234", now - timedelta(days=20), False, [], channel="sms")
    assert sms_status(long_ago, now) == store.PENDING
    assert sms_status(store.Conversation("sms-1", "+5025", now, True, [], channel="sms"), now) == store.OPTED_OUT
    assert sms_status(None, now) == store.UNREACHABLE


@pytest.mark.parametrize("harness", ["sms"], indirect=True)
async def test_a_long_reply_goes_in_parts_of_at_most_320_characters_cut_between_sentences(harness: Harness) -> None:
    sentences = [f"Frase número {n} con la información que la persona pidió." for n in range(14)]
    harness.bot.replies["requisitos"] = [{"text": " ".join(sentences)}]
    await harness.send(PERSON, "requisitos")
    await eventually(lambda: " ".join(harness.twilio.bodies_to(PERSON)).count("Frase") == len(sentences))
    parts = harness.twilio.bodies_to(PERSON)
    assert len(parts) >= 3 and all(len(part) <= PART_CHARS for part in parts)
    assert all(part.endswith(".") for part in parts)  # never a sentence cut in two
    assert " ".join(" ".join(parts).split()) == " ".join(sentences)  # nothing lost (sentences joined by lines)
    assert all(sent.to == "+50255501234" and sent.from_ == "+14155238886" for sent in harness.twilio.sent)


@pytest.mark.parametrize("harness", ["sms"], indirect=True)
async def test_buttons_become_a_numbered_menu_answered_with_a_digit(harness: Harness) -> None:
    harness.bot.replies["hola"] = [
        {"text": "¿Qué necesitas?", "buttons": [{"title": "Asilo", "payload": "/ask_asylum"},
                                                 {"title": "Trabajo", "payload": "/ask_work_permit"}]}
    ]
    await harness.send(PERSON, "hola")
    await eventually(lambda: harness.twilio.bodies_to(PERSON))
    menu = harness.twilio.bodies_to(PERSON)[0]
    assert "1" in menu and "Asilo" in menu and "2" in menu and "Trabajo" in menu
    await harness.send(PERSON, "2")
    await eventually(lambda: len(harness.bot.received) == 2)
    assert harness.bot.texts() == ["hola", "/ask_work_permit"]


def _source_files_naming(pattern: str) -> set[str]:
    found = set()
    for package in ("bot", "actions"):
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            if re.search(pattern, path.read_text(encoding="utf-8")):
                found.add(str(path.relative_to(PROJECT_ROOT)))
    return found


def test_a_channel_is_its_module_and_a_line_in_the_registry() -> None:
    # The SMS channel was added as bot/channels/sms.py and one registry entry: no other source file
    # names it (the handoff, the console's reply path and make run's credentials ask the registry).
    assert _source_files_naming(r"\bsms\b|SmsInput") == {"bot/channels/sms.py", "bot/channels/registry.py"}
    assert _source_files_naming(r"TelegramInput") == {"bot/channels/telegram.py", "bot/channels/registry.py"}
