"""Whole conversations through the WhatsApp channel and the trained test model, in each language.

Signed Twilio webhook -> the channel -> Rasa's agent (test model, live action server, privacy
tracker store) -> the outbox -> the fake Twilio Messages API. Needs VENTANILLA_TEST_MODEL
(scripts/test.sh trains the test model and sets it): failed without it under make test and CI.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest
import yaml
from rasa.core.channels.channel import UserMessage
from rasa.shared.core.events import UserUttered
from sqlalchemy.engine import Engine

from bot import i18n
from bot.channels import store
from bot.channels.text import render_menu
from bot.handoff import store as handoff_store
from bot.settings import PROJECT_ROOT
from tests.channels.conftest import BOT_NUMBER, Clock, Harness, eventually, new_sid, start_harness, stop_harness
from tests.channels.fake_twilio import FakeTwilio
from tests.services import require_model

DOMAIN = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))
ASYLUM = yaml.safe_load((PROJECT_ROOT / "content" / "answers" / "ask_asylum.yml").read_text(encoding="utf-8"))
TURN_TIMEOUT = 60.0

CONVERSATIONS = {
    # language: (greeting, a topic question without a country)
    "es": ("hola buenas tardes", "¿cómo puedo pedir asilo?"),
    "en": ("hello good morning", "how do I ask for asylum?"),
    "fr": ("bonjour madame", "comment demander l'asile ?"),
    "ht": ("bonjou tout moun", "kijan pou m mande azil?"),
    "pt": ("olá bom dia", "como pedir asilo?"),
}


@pytest.fixture
def rasa_agent(request: pytest.FixtureRequest) -> Any:
    """The session's Rasa agent over the trained test model; fails without the model (tests.services)."""
    require_model()
    return request.getfixturevalue("agent")


@pytest.fixture
async def rasa_channel(rasa_agent: Any, seeded_database_url: str, twilio: FakeTwilio, clock: Clock) -> AsyncIterator[Harness]:
    """The channel served in Sanic with Rasa's agent handling its messages, as `rasa run` wires it.

    One database for the channel and the action server, as in production (DATABASE_URL): the
    ticket action_handoff opens is the one the channel's handoff gate sees.
    """
    engine = store.channel_engine(seeded_database_url)
    harness = await start_harness(engine, twilio, clock, rasa_agent.handle_message, agent=rasa_agent, language_of=None)
    yield harness
    await stop_harness(harness)


def domain_message(key: str, language: str) -> str:
    """A domain response in a language as WhatsApp shows it (buttons as a numbered menu)."""
    for variation in DOMAIN["responses"][key]:
        if any(c.get("name") == "language" and c.get("value") == language for c in variation.get("condition") or []):
            titles = [button["title"] for button in variation.get("buttons") or []]
            return render_menu(variation["text"], titles) if titles else str(variation["text"])
    raise KeyError((key, language))


def asylum_title(country: str, language: str) -> str:
    """The title of the asylum answer for a country, as the answer action formats it (bold)."""
    answer = next(a for a in ASYLUM["answers"] if a["country"] == country)
    return f"*{answer['texts'][language]['title']}*"


async def turn(harness: Harness, person: str, body: str = "", **fields: str) -> list[str]:
    """Send one message and return what reached the person once the turn is done and its replies sent."""
    before = len(harness.twilio.bodies_to(person))
    sid = new_sid()
    response = await harness.send(person, body, sid=sid, **fields)
    assert response.status_code == 200
    await eventually(lambda: store.inbound_status(harness.engine, message_sid=sid) == store.PROCESSED, TURN_TIMEOUT)
    cid = harness.cid(person)
    await eventually(
        lambda: all(m.status == store.SENT for m in store.outbox_messages(harness.engine, conversation_id=cid)), TURN_TIMEOUT
    )
    return harness.twilio.bodies_to(person)[before:]


@pytest.mark.parametrize("language", list(CONVERSATIONS))
async def test_a_whole_conversation_in_each_language(rasa_channel: Harness, rasa_agent: Any, language: str) -> None:
    harness = rasa_channel
    person = f"whatsapp:+50937{list(CONVERSATIONS).index(language):02d}{os.getpid() % 10**6:06d}"
    greeting, question = CONVERSATIONS[language]

    welcome = await turn(harness, person, greeting)
    assert welcome == [
        domain_message("utter_welcome", language),
        domain_message("utter_privacy_notice", language),
        domain_message("utter_main_menu", language),
    ]

    asked = await turn(harness, person, question)
    assert len(asked) == 1
    assert asked[0].startswith(f"{i18n.text('ask_country', language)}\n\n1. {i18n.country_name('MX', language)}\n2. ")

    answered = await turn(harness, person, "1")  # the first country of the numbered menu, by its number
    assert answered[0].startswith(f"{asylum_title('MX', language)}\n")
    source_prefix = i18n.text("source_line", language, sources="\x00", verified="").split("\x00")[0]
    assert source_prefix in "\n".join(answered)
    assert all(len(part) < 1600 for part in answered)

    located = await turn(harness, person, "", Latitude="32.5149", Longitude="-117.0382", Address="Tijuana")
    assert i18n.text("help_points_intro", language) in "\n".join(located)  # the nearest ones, from the coordinates

    # A voice note goes to a person: the real action_handoff opens a ticket and answers in the language.
    voice = await turn(harness, person, "", NumMedia="1", MediaUrl0="https://api.twilio.com/ME1", MediaContentType0="audio/ogg")
    assert voice[0] == i18n.text("media_passed_to_desk", language)
    queued_prefix = i18n.text("handoff_queued", language, position="\x00").split("\x00")[0]
    assert len(voice) == 2 and voice[1].startswith(queued_prefix)

    assert {(m.from_, m.to) for m in harness.twilio.sent if m.to == person} == {(BOT_NUMBER, person)}
    tracker = await rasa_agent.tracker_store.retrieve(harness.cid(person))
    assert tracker.get_slot("language") == language
    said = [e for e in tracker.events if isinstance(e, UserUttered)]
    # The chosen number reached Rasa as the button's payload; the voice note never reached it.
    assert [e.text for e in said][:4] == [greeting, question, '/inform{"country": "MX"}', "/find_help_point"]
    assert all(e.message_id and e.message_id.startswith("SM") for e in said)


async def test_a_turn_rasa_saved_before_a_restart_is_not_run_again(
    rasa_agent: Any, engine: Engine, twilio: FakeTwilio, clock: Clock
) -> None:
    stopped = asyncio.Event()

    async def handle_then_stop(message: UserMessage) -> None:
        await rasa_agent.handle_message(message)  # the tracker is saved, the replies are queued...
        await stopped.wait()  # ...and the process stops before the message is closed

    person = f"whatsapp:+50938{os.getpid() % 10**6:06d}"
    first = await start_harness(engine, twilio, clock, handle_then_stop, agent=rasa_agent, language_of=None)
    sid = new_sid()
    await first.send(person, "hola buenas tardes", sid=sid)
    await eventually(lambda: len(twilio.bodies_to(person)) == 3, TURN_TIMEOUT)
    await stop_harness(first)
    assert store.inbound_status(engine, message_sid=sid) == store.RECEIVED

    second = await start_harness(engine, twilio, clock, rasa_agent.handle_message, agent=rasa_agent, language_of=None)
    try:
        await eventually(lambda: store.inbound_status(engine, message_sid=sid) == store.PROCESSED, TURN_TIMEOUT)
        await asyncio.sleep(0.5)
        tracker = await rasa_agent.tracker_store.retrieve(second.cid(person))
        assert [e.message_id for e in tracker.events if isinstance(e, UserUttered)] == [sid]
        assert len(twilio.bodies_to(person)) == 3  # the welcome, once
    finally:
        await stop_harness(second)


async def test_in_danger_without_a_country_the_country_button_still_gets_the_numbers(rasa_channel: Harness) -> None:
    harness = rasa_channel
    person = f"whatsapp:+50499{os.getpid() % 10**6:06d}"
    await turn(harness, person, "hola buenas tardes")
    danger = await turn(harness, person, "ayuda por favor me quieren matar")
    assert danger[0].startswith(i18n.text("hotlines_ask_country", "es"))
    assert danger[-1].startswith(i18n.text("handoff_queued_urgent", "es"))
    menu = [line for line in danger[0].splitlines() if line.endswith(i18n.country_name("HN", "es"))]
    number = menu[0].split(".")[0]
    numbers = await turn(harness, person, number)  # "Honduras", by its number in the menu
    assert numbers[0].startswith(i18n.text("hotlines_intro", "es", country="Honduras")) and "911" in numbers[0]
    ticket = handoff_store.open_ticket_for(harness.engine, conversation_id=harness.cid(person))
    assert ticket is not None and ticket.urgent and ticket.country == "HN"
    assert [m.body for m in handoff_store.ticket_messages(harness.engine, ticket_id=ticket.id)] == ["[country] HN"]
    later = await turn(harness, person, "estoy escondido en una casa")
    assert later == []  # the desk has the conversation: the bot stays silent
