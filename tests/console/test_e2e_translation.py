"""Machine translation in a real headless Chromium, with the console in Spanish, on a phone and a desktop:
the person's French beside its Spanish translation (also for a message that arrives while the page is
open), a reply translated, checked and sent with the notice; screenshots saved to results/."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot import i18n as person_i18n
from bot.channels import store as channel_store
from bot.handoff import store as handoff
from tests.console import translating as fixtures
from tests.console.conftest import Served
from tests.console.test_e2e_phone import RESULTS, SIZES, _fits, _page
from tests.translation_stand_in import StandIn, fake

stand_in, translating = fixtures.stand_in, fixtures.translating


@pytest.mark.parametrize("size", ["phone390", "desktop"])
async def test_a_spanish_agent_reads_french_and_answers_through_machine_translation(
    translating: Served, stand_in: StandIn, size: str
) -> None:
    from playwright.async_api import async_playwright, expect

    desk = handoff.upsert_desk(translating.engine, code="tapachula", name="Tapachula", timezone="America/Mexico_City",
                               hours={}, countries=["MX"], languages=[])
    translating.add_staff("ana", desk_id=desk)
    created, _ = handoff.open_ticket(translating.engine, conversation_id="tg-0123456789abcdef", channel="telegram",
                                     language="fr", country="MX", reason="labor_abuse", urgent=False, summary=[],
                                     desk_id=desk, now=datetime.utcnow())
    first = "Mon patron garde mon passeport."
    handoff.add_message(translating.engine, ticket_id=created.id, kind=handoff.PERSON, body=first, now=datetime.utcnow())
    width, height = SIZES[size]
    RESULTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser, page = await _page(playwright, translating, (width, height))
        await page.goto(f"{translating.url}/tickets/{created.id}")
        person = page.locator("#transcript .msg.person").first
        await expect(person.locator(".original")).to_have_text(first)
        await expect(person.locator(".translation")).to_contain_text("Traducción automática")
        await expect(person.locator(".translation")).to_contain_text(fake(first, "fr", "es"))

        # A message that arrives while the page is open gets its translation from the live updates.
        later = "Il me doit trois mois de salaire."
        handoff.add_message(translating.engine, ticket_id=created.id, kind=handoff.PERSON, body=later, now=datetime.utcnow())
        await expect(page.locator("#transcript .msg.person").last.locator(".translation")).to_contain_text(
            fake(later, "fr", "es"))

        await page.click("#take")
        await expect(page.locator("#ticket-state")).to_have_text("con el personal")
        typed = "¿Tienes una copia de tu contrato?"
        await page.fill("#reply-text", typed)
        await page.click("#translate")
        preview = page.locator("#translation-preview")
        await expect(preview).to_contain_text("Revisa la traducción automática antes de enviarla.")
        await expect(page.locator("#preview-translation")).to_have_text(fake(typed, "es", "fr"))
        await expect(page.locator("#preview-notice")).to_have_text(person_i18n.text("handoff_machine_translated", "fr"))
        assert await page.input_value("#reply-text") == typed
        assert await page.evaluate("document.documentElement.scrollWidth") <= width
        for selector in ("#send-translation", "#send", "#translate"):
            await _fits(page, selector, width)
        await page.screenshot(path=str(RESULTS / f"console-translation-es-{size}.png"), full_page=True)

        await page.click("#send-translation")
        await expect(page.locator("#notice")).to_contain_text("Respuesta en cola")
        staff = page.locator("#transcript .msg.staff").last
        await expect(staff.locator(".original")).to_have_text(typed)
        await expect(staff.locator(".translation")).to_contain_text("Enviado con traducción automática")
        await expect(staff.locator(".translation")).to_contain_text(fake(typed, "es", "fr"))
        assert await page.input_value("#reply-text") == ""
        bodies = [m.body for m in channel_store.outbox_messages(translating.engine, conversation_id=created.conversation_id)]
        assert f"{fake(typed, 'es', 'fr')}\n\n{person_i18n.text('handoff_machine_translated', 'fr')}" in bodies
        await browser.close()
