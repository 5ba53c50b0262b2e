"""End to end in a real headless Chromium: a person on WhatsApp asks for a human, an agent answers
from the console, closes, and the bot answers the next message again.

Runs the real WhatsApp channel (signed webhook, gate, outbox, sender) against the fake Twilio API
and the real console, in one process over one SQLite database. Twice: with a stub turn that does
what the escalation action does (``bot.handoff.escalation``, no model needed), and with the trained
assistant and the live action server (the ``agent`` fixture, as ``make test`` provides it).
Needs Debian's ``chromium`` (scripts/test.sh installs it) and Playwright (requirements.txt).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

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
from tests.services import unavailable

CHROMIUM = "/usr/bin/chromium"
PERSON = "whatsapp:+5215598765432"
BOT_TEXT = "Soy el asistente de la ventanilla. ¿En qué te ayudo?"
# Records when each queue row is first drawn, in the page (Playwright's own waiting polls with back-off).
SEEN_SCRIPT = """
window.__rowSeen = {};
new MutationObserver(() => {
  document.querySelectorAll('#queue tbody tr[data-ticket]').forEach(row => {
    if (!(row.dataset.ticket in window.__rowSeen)) { window.__rowSeen[row.dataset.ticket] = Date.now(); }
  });
}).observe(document, {childList: true, subtree: true});
"""
ALL_DAY = {day: ["00:00-23:59"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def _chromium() -> str:
    if not Path(CHROMIUM).exists():
        unavailable("Debian's chromium is not installed (scripts/test.sh installs it)")
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
class RealRasa:
    """The trained assistant's turn, recording what reached it."""

    agent: Any
    received: list[str] = field(default_factory=list)

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message.text or "")
        await self.agent.handle_message(message)


@dataclass
class World:
    whatsapp: Harness
    console: Served
    twilio: FakeTwilio
    bot: StubRasa | RealRasa
    username: str

    def delivered(self) -> list[str]:
        return self.twilio.bodies_to(PERSON)


async def until(predicate, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.05)


async def until_ticket(world: World, person: str) -> int:
    """The id of the person's open ticket, once the escalation opened it."""
    from bot.channels.config import conversation_id
    from tests.channels.conftest import KEY

    cid = conversation_id(person, KEY)
    found: list[int] = []

    def opened() -> bool:
        ticket = handoff.open_ticket_for(world.console.engine, conversation_id=cid)
        if ticket is not None:
            found.append(ticket.id)
        return ticket is not None

    await until(opened, timeout=30)
    return found[0]


async def _world(url: str, bot_for: Any, tracker_url: str, username: str, role: str = "agent") -> World:
    engine = channel_engine(url)
    twilio = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN)
    await twilio.start()
    bot = bot_for(engine)
    whatsapp = await start_harness(engine, twilio, Clock(), bot)
    console_engine = engine_for(url)
    desk = None
    if role == "agent":
        desk = handoff.upsert_desk(console_engine, code="tapachula", name="Tapachula", timezone="America/Mexico_City",
                                   hours=ALL_DAY, countries=["MX"], languages=[])
    state = Console(settings=make_settings(url, poll_interval_ms=1000, tracker_database_url=tracker_url), engine=console_engine)
    server, console_url = await serve(state)
    served = Served(state, console_url, Clock(), server)
    served.add_staff(username, role=role, desk_id=desk)
    return World(whatsapp, served, twilio, bot, username)


async def _stop(world: World) -> None:
    await stop(world.console)
    await stop_harness(world.whatsapp)
    await world.twilio.stop()


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    url = sqlite_url(tmp_path)
    migrated(url, seed=False)
    running = await _world(url, StubRasa, url, "ana")
    yield running
    await _stop(running)


@pytest.fixture
async def assistant_world(seeded_database_url: str, agent: Any, tracker_store: Any) -> AsyncIterator[World]:
    # The seeded database is shared by the session: a supervisor sees every desk, so no desk is added.
    running = await _world(seeded_database_url, lambda _engine: RealRasa(agent), str(tracker_store.engine.url),
                           f"sup-{uuid.uuid4().hex[:8]}", role="supervisor")
    yield running
    await _stop(running)


async def test_whatsapp_handoff_in_a_real_browser(world: World) -> None:
    await handoff_flow(world, PERSON)


async def test_whatsapp_handoff_with_the_trained_assistant(assistant_world: World) -> None:
    person = f"whatsapp:+52155{uuid.uuid4().int % 10**8:08d}"
    await handoff_flow(assistant_world, person, check_bot_transcript=True)


async def handoff_flow(world: World, person: str, check_bot_transcript: bool = False) -> None:
    """The whole handoff, as the person and the agent see it."""
    from playwright.async_api import async_playwright, expect

    executable = _chromium()
    delivered = lambda: world.twilio.bodies_to(person)  # noqa: E731
    await world.whatsapp.send(person, "hola")
    await until(lambda: len(delivered()) >= 1, timeout=30)

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        page = await browser.new_page()
        page.on("dialog", lambda dialog: dialog.accept())  # "Close this conversation?"
        await page.add_init_script(SEEN_SCRIPT)
        await page.goto(f"{world.console.url}/signin")
        await page.fill("input[name=username]", world.username)
        await page.fill("input[name=password]", PASSWORD)
        await page.click("form.signin button[type=submit]")
        await expect(page.locator("h1")).to_have_text("Queue")
        await page.wait_for_selector("#queue-empty", state="attached")

        # The person asks for a human: the ticket appears in the open console.
        started = time.time()
        await world.whatsapp.send(person, "quiero hablar con una persona")
        before = set(await page.locator("#queue tbody tr").evaluate_all("rows => rows.map(r => r.dataset.ticket)"))
        ticket = await until_ticket(world, person)
        row = page.locator(f'#queue tbody tr[data-ticket="{ticket}"]')
        await expect(row).to_have_count(1, timeout=5000)
        assert str(ticket) not in before
        shown = await page.evaluate(f"window.__rowSeen[{ticket}]") / 1000
        opened = handoff.get_ticket(world.console.engine, ticket_id=ticket).created_at.replace(tzinfo=timezone.utc).timestamp()
        print(f"\nnew ticket drawn {shown - opened:.2f} s after it was opened, {shown - started:.2f} s after the webhook")
        assert shown - opened < 2.0
        await expect(row).to_contain_text("asked for a person")  # the reason in words
        await expect(row).to_contain_text("whatsapp")
        await expect(row).not_to_contain_text("+52")
        assert (await page.title()).startswith("(1) ")  # the arrival alert (sound and notification need a person's gesture)
        await until(lambda: any(i18n.text("handoff_urgent_advice", "es")[:30] in body for body in delivered()), timeout=30)

        # The agent takes the conversation and replies; the reply reaches Twilio's API.
        await row.locator("a").click()
        await expect(page.locator("#summary")).to_contain_text("quiero hablar con una persona")
        if check_bot_transcript:  # the bot's turns, from the tracker store
            await expect(page.locator("#transcript .msg.bot").first).to_be_visible()
            await expect(page.locator("#transcript .msg.person").first).to_contain_text("hola")
        await page.click("#take")
        await expect(page.locator("#ticket-state")).to_have_text("with staff")
        await until(lambda: i18n.text("handoff_taken", "es") in delivered())
        await page.fill("#reply-text", "Hola, soy Ana. ¿Dónde estás ahora?")
        await page.click("#send")
        await until(lambda: "Hola, soy Ana. ¿Dónde estás ahora?" in delivered())
        await expect(page.locator("#transcript .msg.staff .delivery")).to_have_text("sent", timeout=5000)
        await expect(page.locator("#transcript .msg.sent").first).to_contain_text(i18n.text("handoff_taken", "es"))

        # The person answers: the desk gets it, the bot does not.
        bot_turns = len(world.bot.received)
        await world.whatsapp.send(person, "Estoy en Tapachula, cerca del parque")
        await expect(page.locator("#transcript")).to_contain_text("Estoy en Tapachula, cerca del parque", timeout=5000)
        assert len(world.bot.received) == bot_turns

        # The agent closes: the person is told and asked for a rating; the bot answers again.
        await page.click("#close")
        await expect(page.locator("#ticket-state")).to_have_text("closed")
        await expect(page.locator("#reply-disabled")).to_contain_text("cannot be replied to")
        await until(lambda: i18n.text("handoff_rating_request", "es") in "\n".join(delivered()))
        await browser.close()

    # Back with the bot: the next message is a bot turn again, and it answers.
    sent_before = len(delivered())
    await world.whatsapp.send(person, "hola otra vez")
    await until(lambda: len(world.bot.received) > bot_turns and len(delivered()) > sent_before, timeout=30)
    assert world.bot.received[-1] == "hola otra vez"


async def test_try_the_assistant_in_a_real_browser(console: Served, fake_rasa: list[dict[str, str]]) -> None:
    from playwright.async_api import async_playwright, expect

    executable = _chromium()
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=executable, headless=True, args=["--no-sandbox"])
        page = await browser.new_page()
        await page.goto(f"{console.url}/try")
        await page.fill("#chat-input", "hola")
        await page.press("#chat-input", "Enter")
        await expect(page.locator("#chat .msg.bot")).to_contain_text("¡Hola! ¿Qué necesitas?")
        await page.click("#chat button.option")
        await expect(page.locator("#chat .msg.bot").nth(1)).to_have_text("ok")
        await browser.close()
    assert [r["message"] for r in fake_rasa] == ["hola", "/find_help_point"]
    assert fake_rasa[0]["sender"] == fake_rasa[1]["sender"]
