"""Messages in and out: menus and replies to them, typed slashes, locations, media, long replies."""

from __future__ import annotations

import asyncio

import pytest

from bot.channels import store
from tests.channels.conftest import Harness, eventually, new_sid

PERSON = "whatsapp:+50937001122"
MENU = [
    {
        "text": "¿Qué necesitas?",
        "buttons": [
            {"title": "Asilo", "payload": "/ask_asylum"},
            {"title": "Hablar con una persona", "payload": "/request_human"},
        ],
    }
]


async def _turn(harness: Harness, body: str = "", **fields: str) -> None:
    before = len(harness.bot.received), len(harness.twilio.sent)
    await harness.send(PERSON, body, **fields)
    await eventually(lambda: (len(harness.bot.received), len(harness.twilio.sent)) != before)
    await asyncio.sleep(0.1)


async def test_buttons_become_a_numbered_menu(harness: Harness) -> None:
    harness.bot.replies["hola"] = MENU
    await _turn(harness, "hola")
    assert harness.twilio.bodies_to(PERSON) == ["¿Qué necesitas?\n\n1. Asilo\n2. Hablar con una persona"]


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("2", "/request_human"),
        (" 1 ", "/ask_asylum"),
        ("asilo", "/ask_asylum"),
        ("HABLAR CON UNA PERSONA", "/request_human"),
        ("3", "3"),
    ],
)
async def test_a_number_or_a_button_title_maps_back_to_its_payload(harness: Harness, reply: str, expected: str) -> None:
    harness.bot.replies["hola"] = MENU
    await _turn(harness, "hola")
    await _turn(harness, reply)
    assert harness.bot.texts()[-1] == expected


async def test_only_the_buttons_of_the_last_message_count(harness: Harness) -> None:
    harness.bot.replies["hola"] = MENU
    await _turn(harness, "hola")
    await _turn(harness, "gracias")  # answered without buttons
    await _turn(harness, "1")
    assert harness.bot.texts()[-1] == "1"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("/restart", "restart"), ('/inform{"country": "MX"}', 'inform{"country": "MX"}'), ("  //request_human", "request_human")],
)
async def test_typed_text_starting_with_a_slash_is_never_a_payload(harness: Harness, typed: str, expected: str) -> None:
    await _turn(harness, typed)
    assert harness.bot.texts() == [expected]
    assert not harness.bot.texts()[0].startswith("/")


async def test_a_shared_location_asks_for_the_nearest_help_point(harness: Harness) -> None:
    await _turn(harness, "", Latitude="32.5149", Longitude="-117.0382", Address="Tijuana", Label="Casa")
    message = harness.bot.received[0]
    assert message.text == "/find_help_point"
    assert message.metadata == {"location": {"latitude": 32.5149, "longitude": -117.0382}}


async def test_a_voice_note_goes_to_a_person_and_its_reference_is_kept_for_staff(harness: Harness) -> None:
    sid = new_sid()
    url = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1"
    await harness.send(PERSON, "", sid=sid, NumMedia="1", MediaUrl0=url, MediaContentType0="audio/ogg")
    await eventually(lambda: harness.bot.received)
    message = harness.bot.received[0]
    assert message.text == "/request_human"  # the assistant reads text: escalate to the desk
    assert message.metadata == {"handoff_reason": "media", "media": {"url": url, "content_type": "audio/ogg", "caption": ""}}
    assert store.media_of(harness.engine, message_sid=sid) == (url, "audio/ogg")


async def test_a_photo_with_a_caption_goes_to_a_person_with_its_caption(harness: Harness) -> None:
    await harness.send(PERSON, "mi pasaporte", NumMedia="1", MediaUrl0="https://x/ME2", MediaContentType0="image/jpeg")
    await eventually(lambda: harness.bot.received)
    assert harness.bot.texts() == ["/request_human"]
    media = harness.bot.received[0].metadata["media"]
    assert media == {"url": "https://x/ME2", "content_type": "image/jpeg", "caption": "mi pasaporte"}


async def test_a_long_reply_is_split_below_1600_characters_at_boundaries(harness: Harness) -> None:
    sentences = [f"Frase número {n} sobre los trámites de asilo y sus plazos." for n in range(60)]
    long_line = " ".join(sentences)  # one line of ~3,500 characters
    lines = "\n".join(f"- punto {n}: requisito documentado" for n in range(80))
    harness.bot.replies["largo"] = [{"text": f"{long_line}\n{lines}"}]
    await _turn(harness, "largo")
    await eventually(lambda: len(harness.twilio.sent) >= 3)
    await asyncio.sleep(0.2)
    parts = harness.twilio.bodies_to(PERSON)
    assert len(parts) >= 3
    assert all(len(part) < 1600 for part in parts)
    assert all(part.endswith(".") or part.endswith("documentado") for part in parts)
    assert " ".join(" ".join(parts).split()) == " ".join(f"{long_line}\n{lines}".split())
