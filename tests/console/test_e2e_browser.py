"""End to end in a real headless Chromium: a person on WhatsApp asks for a human, an agent answers
from the console, closes, and the bot answers the next message again.

Runs the real WhatsApp channel (signed webhook, gate, outbox, sender) against the fake Twilio API
and the real console, in one process over one SQLite database. The Rasa turn is a stub that does
what the escalation action does (``bot.handoff.escalation``), so no model is needed.
Needs Debian's ``chromium`` (scripts/test.sh installs it) and Playwright (requirements.txt).
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import pytest
from rasa.core.channels.channel import UserMessage

from bot import i18n
from bot.channels.store import channel_engine
from bot.console.web import Console
from bot.handoff import store as handoff
from bot.handoff.escalation import escalate, escalation_messages
from bot.infodb.session import engine_for
from tests.channels.conftest import ACCOUNT_SID, AUTH_TOKEN, Clock, Harness, start_harness, stop_harness
from tests.channels.fake_twilio import FakeTwilio
from tests.console.conftest import PASSWORD, Served, make_settings, serve, stop
from tests.infodb_fixtures import migrated, sqlite_url

CHROMIUM = "/usr/bin/chromium"
PERSON = "whatsapp:+5215598765432"
BOT_TEXT = "Soy el asistente de la ventanilla. ¿En qué te ayudo?"
ALL_DAY = {day: ["00:00-23:59"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _chromium() -> str:
    if not Path(CHROMIUM).exists():
        message = "Debian's chromium is not installed (scripts/test.sh installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM


@dataclass
class StubRasa:
    """Stands in for the Rasa turn: escalates when asked for a person, otherwise answers."""

    engine: object
    received: list[str] = field(default_factory=list)

    async def __call__(self, message: UserMessage) -> None:
        text = message.text or ""
        self.received.append(text)
        output = message.output_channel
        if "persona" in text.lower():
            result = await asyncio.to_thread(
                escalate, self.engine, conversation_id=message.sender_id, channel="whatsapp", language="es", country="MX",
                reason="request_human", summary=[{"who": "person", "text": text}], now=datetime.utcnow(),
            )
            for reply in escalation_messages(result, "es"):
                await output.send_text_with_buttons(message.sender_id, reply["text"], reply["buttons"])
            return
        await output.send_text_message(message.sender_id, BOT_TEXT)


@dataclass
class World:
    whatsapp: Harness
    console: Served
    twilio: FakeTwilio
    bot: StubRasa

    def delivered(self) -> list[str]:
        return self.twilio.bodies_to(PERSON)


async def until(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    url = sqlite_url(tmp_path)
    migrated(url, seed=False)
    engine = channel_engine(url)
    twilio = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    await twilio.start()
    bot = StubRasa(engine)
    whatsapp = await start_harness(engine, twilio, Clock(), bot)  # type: ignore[arg-type]
    console_engine = engine_for(url)
    desk = handoff.upsert_desk(console_engine, code="tapachula", name="Tapachula", timezone="America/Mexico_City",
                               hours=ALL_DAY, countries=["MX"], languages=[])
    state = Console(settings=make_settings(url, poll_interval_ms=1000), engine=console_engine)
    server, console_url = await serve(state)
    served = Served(state, console_url, Clock(), server)
    served.add_staff("ana", desk_id=desk)
    yield World(whatsapp, served, twilio, bot)
    await stop(served)
    await stop_harness(whatsapp)
    await twilio.stop()


async def test_whatsapp_handoff_in_a_real_browser(world: World) -> None:
    from playwright.async_api import async_playwright, expect

    executable = _chromium()
    await world.whatsapp.send(PERSON, "hola")
    await until(lambda: BOT_TEXT in world.delivered())

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        page = await browser.new_page()
        await page.goto(f"{world.console.url}/signin")
        await page.fill("input[name=username]", "ana")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("button[type=submit]")
        await expect(page.locator("h1")).to_have_text("Queue")
        await expect(page.locator("#queue-empty")).to_be_visible()

        # The person asks for a human: the ticket appears in the open console.
        started = time.monotonic()
        await world.whatsapp.send(PERSON, "quiero hablar con una persona")
        row = page.locator("#queue tbody tr")
        await expect(row).to_have_count(1, timeout=5000)
        appeared = time.monotonic() - started
        print(f"\nnew ticket visible in the console {appeared:.2f} s after the webhook (poll every 1 s, as in production)")
        assert appeared < 2.0
        await expect(row).to_contain_text("request_human")
        await expect(row).to_contain_text("whatsapp")
        await expect(row).not_to_contain_text("+52")
        assert "new" in await page.title()  # the arrival alert (sound and notification need a person's gesture)
        await until(lambda: any("ventanilla" in body.lower() for body in world.delivered()))

        # The agent takes the conversation and replies; the reply reaches Twilio's API.
        await row.locator("a").click()
        await expect(page.locator("#summary")).to_contain_text("quiero hablar con una persona")
        await page.click("#take")
        await expect(page.locator("#ticket-state")).to_have_text("with_staff")
        await until(lambda: i18n.text("handoff_taken", "es") in world.delivered())
        await page.fill("#reply-text", "Hola, soy Ana. ¿Dónde estás ahora?")
        await page.click("#send")
        await until(lambda: "Hola, soy Ana. ¿Dónde estás ahora?" in world.delivered())
        await expect(page.locator("#transcript .msg.staff .delivery")).to_have_text("sent", timeout=5000)

        # The person answers: the desk gets it, the bot does not.
        bot_turns = len(world.bot.received)
        await world.whatsapp.send(PERSON, "Estoy en Tapachula, cerca del parque")
        await expect(page.locator("#transcript")).to_contain_text("Estoy en Tapachula, cerca del parque", timeout=5000)
        assert len(world.bot.received) == bot_turns

        # The agent closes: the person is told and asked for a rating; the bot answers again.
        await page.click("#close")
        await expect(page.locator("#ticket-state")).to_have_text("closed")
        await expect(page.locator("#reply-disabled")).to_contain_text("cannot be replied to")
        await until(lambda: i18n.text("handoff_rating_request", "es") in "\n".join(world.delivered()))
        await browser.close()

    replies_before = world.delivered().count(BOT_TEXT)
    await world.whatsapp.send(PERSON, "hola otra vez")
    await until(lambda: world.delivered().count(BOT_TEXT) == replies_before + 1)
    assert world.bot.received[-1] == "hola otra vez"
