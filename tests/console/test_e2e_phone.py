"""The console in a real headless Chromium, in Spanish, on a 360×740 and a 390×844 phone screen and
on a desktop: the queue as cards, the reply box, send, transfer and close within reach, nothing
wider than the screen; what the agent typed survives an over-long paste and an idle timeout.
Screenshots of the queue and the conversation are saved to results/ for reviewers."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot import i18n as person_i18n
from bot.channels import store as channel_store
from bot.handoff import store as handoff
from tests.console.conftest import PASSWORD, Served
from tests.console.test_e2e_browser import _chromium

RESULTS = Path(__file__).resolve().parents[2] / "results"
SIZES = {"phone360": (360, 740), "phone390": (390, 844), "desktop": (1280, 800)}


def _world(console: Served) -> handoff.Ticket:
    desk = handoff.upsert_desk(console.engine, code="tapachula", name="Tapachula", timezone="America/Mexico_City",
                               hours={}, countries=["MX"], languages=[])
    console.add_staff("ana", desk_id=desk)
    console.add_staff("beto", desk_id=desk)
    handoff.open_ticket(console.engine, conversation_id="tg-00000000urgent", channel="telegram", language="es",
                        country="MX", reason="emergency", urgent=True, summary=[], desk_id=desk, now=datetime.utcnow())
    created, _ = handoff.open_ticket(console.engine, conversation_id="tg-0123456789abcdef", channel="telegram",
                                     language="ht", country="MX", reason="labor_abuse", urgent=False,
                                     summary=[{"who": "person", "text": "Mwen bezwen èd, patwon an pa peye m"}],
                                     desk_id=desk, now=datetime.utcnow())
    handoff.add_message(console.engine, ticket_id=created.id, kind=handoff.PERSON, body="Èske gen yon moun la?",
                        now=datetime.utcnow())
    return created


async def _page(playwright: Any, console: Served, size: tuple[int, int]) -> tuple[Any, Any]:
    browser = await playwright.chromium.launch(executable_path=_chromium(), headless=True, args=["--no-sandbox"])
    context = await browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="es-MX",
                                        extra_http_headers={"Accept-Language": "es-MX,es;q=0.9"})
    page = await context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(f"{console.url}/signin")
    await page.fill("input[name=username]", "ana")
    await page.fill("input[name=password]", PASSWORD)
    await page.click("form.signin button[type=submit]")
    return browser, page


async def _fits(page: Any, selector: str, width: int) -> None:
    """The element is shown, with a size, and wholly within the screen's width once scrolled to."""
    box = await page.evaluate(
        """selector => {
            const element = document.querySelector(selector);
            if (!element) { return null; }
            element.scrollIntoView({block: "center"});
            const rect = element.getBoundingClientRect();
            const style = getComputedStyle(element);
            return {x: rect.left, width: rect.width, height: rect.height, top: rect.top,
                    shown: style.visibility !== "hidden" && style.display !== "none",
                    inView: rect.top >= 0 && rect.bottom <= window.innerHeight};
        }""",
        selector,
    )
    assert box is not None and box["shown"] and box["width"] > 0 and box["height"] > 0, (selector, box)
    assert box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5 and box["inView"], (selector, box)


@pytest.mark.parametrize("size", list(SIZES))
async def test_queue_and_conversation_are_usable_at_every_size_in_spanish(console: Served, size: str) -> None:
    from playwright.async_api import async_playwright, expect

    created = _world(console)
    width, height = SIZES[size]
    RESULTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser, page = await _page(playwright, console, (width, height))
        await expect(page.locator("h1")).to_have_text("Cola")
        row = page.locator(f'#queue tbody tr[data-ticket="{created.id}"]')
        await expect(row).to_contain_text("criollo haitiano")
        await expect(row).to_contain_text("abuso laboral")
        await expect(row).to_contain_text("en espera")
        assert await page.evaluate("document.documentElement.scrollWidth") <= width  # nothing off-screen sideways
        await _fits(page, f'#queue tbody tr[data-ticket="{created.id}"] a', width)
        await page.screenshot(path=str(RESULTS / f"console-queue-es-{size}.png"), full_page=True)

        await row.locator("a").click()
        await page.click("#take")
        await expect(page.locator("#ticket-state")).to_have_text("con el personal")
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        for selector in ("#reply-text", "#send", "#transfer", "#close", "button.quick"):
            await _fits(page, selector, width)
        await expect(page.locator(".quick-replies li").nth(1)).to_contain_text(person_i18n.text("quick_one_moment", "ht"))
        await expect(page.locator(".quick-replies li").nth(1)).to_contain_text(person_i18n.text("quick_one_moment", "es"))
        await page.screenshot(path=str(RESULTS / f"console-conversation-es-{size}.png"), full_page=True)

        await page.fill("#reply-text", "Hola, ¿dónde estás ahora?")
        await page.click("#send")
        await expect(page.locator("#notice")).to_contain_text("Respuesta en cola")
        await expect(page.locator("#transcript .msg.staff").last).to_contain_text("Hola, ¿dónde estás ahora?")
        bodies = [m.body for m in channel_store.outbox_messages(console.engine, conversation_id=created.conversation_id)]
        assert "Hola, ¿dónde estás ahora?" in bodies

        await page.click("#close")  # confirmed in the dialog
        await expect(page.locator("#ticket-state")).to_have_text("cerrada")
        await expect(page.locator("#transcript")).to_contain_text(person_i18n.text("handoff_closed", "ht"))
        await browser.close()


async def test_a_long_paste_and_an_idle_timeout_lose_nothing(console: Served) -> None:
    from playwright.async_api import async_playwright, expect

    created = _world(console)
    async with async_playwright() as playwright:
        browser, page = await _page(playwright, console, SIZES["phone360"])
        await page.goto(f"{console.url}/tickets/{created.id}")
        await page.click("#take")
        await expect(page.locator("#ticket-state")).to_have_text("con el personal")

        # A paste over the limit: the box keeps all of it, the counter says so, the server refuses and keeps it.
        long_text = "Pasos: " + "a" * 4500
        await page.fill("#reply-text", long_text)
        await expect(page.locator("#reply-count")).to_contain_text("el límite es 4000")
        await page.click("#send")
        await expect(page.locator("#error")).to_contain_text("No se envió nada")
        assert await page.input_value("#reply-text") == long_text

        # The idle timeout hits while a reply is typed: after signing in again, back on the ticket, text kept.
        await page.fill("#reply-text", "Te llamo en cinco minutos")
        console.clock.advance(minutes=31)  # the page's next live update finds the session ended
        await expect(page.locator("h1")).to_have_text("Iniciar sesión")
        await expect(page.locator("main")).to_contain_text("Volverá a la conversación")
        await page.fill("input[name=username]", "ana")
        await page.fill("input[name=password]", PASSWORD)
        await page.click("form.signin button[type=submit]")
        await expect(page).to_have_url(f"{console.url}/tickets/{created.id}")
        assert await page.input_value("#reply-text") == "Te llamo en cinco minutos"
        bodies = [m.body for m in channel_store.outbox_messages(console.engine, conversation_id=created.conversation_id)]
        assert "Te llamo en cinco minutos" not in bodies  # nothing sent behind the agent's back
        await page.click("#send")
        await expect(page.locator("#notice")).to_contain_text("Respuesta en cola")
        assert await page.input_value("#reply-text") == ""  # sent: the kept draft is cleared
        await browser.close()
