"""The console in the staff member's language (Babel catalogues), times in the desk's time zone,
codes as words, quick replies with their meaning in the agent's language."""

from __future__ import annotations

import html
import re
from datetime import datetime

import pytest
from babel.messages.pofile import read_po

from bot import i18n as person_i18n
from bot.console import store
from bot.console.catalogue import extract, po_path
from bot.handoff import store as handoff
from tests.console.conftest import Served

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


@pytest.mark.parametrize("language", ["es", "fr"])
def test_every_message_of_the_console_is_translated(language: str) -> None:
    with po_path(language).open("rb") as po:
        catalogue = read_po(po, locale=language)
    untranslated, broken = [], []
    for message in extract():
        if not message.id:
            continue
        found = catalogue.get(message.id)
        if found is None or not found.string or found.fuzzy:
            untranslated.append(message.id)
        elif sorted(PLACEHOLDER.findall(str(message.id))) != sorted(PLACEHOLDER.findall(str(found.string))):
            broken.append(message.id)
    assert untranslated == [], f"untranslated in {language}: {untranslated}"
    assert broken == [], f"placeholders differ in {language}: {broken}"


def _english_left(page: str, language: str) -> list[str]:
    """English message ids (whole sentences or labels) that appear untranslated in a page."""
    with po_path(language).open("rb") as po:
        catalogue = read_po(po, locale=language)
    text = html.unescape(re.sub(r"<[^>]+>", "\n", page))
    shown = {line.strip() for line in text.splitlines() if line.strip()}
    left = []
    for message in catalogue:
        if message.id and message.string and message.id != message.string and "%(" not in message.id:
            if message.id in shown and len(message.id) > 3:
                left.append(message.id)
    return left


def _desk(served: Served, zone: str = "America/Tegucigalpa") -> int:
    return handoff.upsert_desk(served.engine, code="tegus", name="Tegucigalpa", timezone=zone, hours={},
                               countries=["HN"], languages=[])


def _ticket(served: Served, desk_id: int, *, language: str = "ht", reason: str = "labor_abuse",
            at: datetime = datetime(2026, 12, 3, 15, 0)) -> handoff.Ticket:
    created, _ = handoff.open_ticket(served.engine, conversation_id="tg-0123456789abcdef", channel="telegram",
                                     language=language, country="HN", reason=reason, urgent=False, summary=[],
                                     desk_id=desk_id, now=at)
    return created


async def test_before_sign_in_the_browser_language_is_used(console: Served) -> None:
    browser = console.browser()
    page = await browser.get("/signin", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert '<html lang="es">' in page.text and "Iniciar sesión" in page.text and "Usuario" in page.text
    page = await browser.get("/signin", headers={"Accept-Language": "fr-HT,fr;q=0.9"})
    assert '<html lang="fr">' in page.text and "Se connecter" in page.text
    refused = await browser.post("/signin", {"username": "nobody", "password": "nothing at all"},
                                 headers={"Accept-Language": "es"})
    assert "No se pudo iniciar sesión" in refused.text


async def test_the_chosen_language_is_kept_on_the_account(console: Served) -> None:
    console.add_staff("ana")
    browser = console.browser()
    await browser.sign_in("ana")
    assert '<html lang="en">' in (await browser.get("/queue")).text
    chosen = await browser.post("/language", {"language": "fr", "next": "/queue"})
    assert chosen.status_code == 303 and chosen.headers["location"] == "/queue"
    assert store.credentials(console.engine, username="ana").staff.language == "fr"  # type: ignore[union-attr]
    other = console.browser()  # another browser, whose own language is Spanish: the account's choice wins
    other.http.headers["Accept-Language"] = "es"
    await other.sign_in("ana")
    page = await other.get("/queue")
    assert '<html lang="fr">' in page.text and "File d'attente" in page.text


async def test_spanish_pages_show_words_local_times_and_no_english(console: Served) -> None:
    desk = _desk(console)
    console.add_staff("ana", desk_id=desk)
    console.add_staff("root", role="admin", desk_id=desk)
    opened = _ticket(console, desk)
    browser = console.browser()
    browser.http.headers["Accept-Language"] = "es-HN"
    await browser.sign_in("ana")

    row = (await browser.get("/api/queue")).json()["tickets"][0]
    assert (row["language_name"], row["reason_text"], row["state_text"], row["country_name"]) == (
        "criollo haitiano", "abuso laboral", "en espera", "Honduras")
    queue = await browser.get("/queue")
    assert _english_left(queue.text, "es") == []

    page = await browser.get(f"/tickets/{opened.id}")
    assert "3/12/26, 9:00 (America/Tegucigalpa)" in page.text  # 15:00 UTC is 09:00 in Tegucigalpa
    assert "criollo haitiano" in page.text and "abuso laboral" in page.text and "en espera" in page.text
    assert "labor_abuse" not in page.text.replace('value="labor_abuse"', "")
    assert _english_left(page.text, "es") == []

    await browser.post(f"/tickets/{opened.id}/take")
    page = await browser.get(f"/tickets/{opened.id}")
    assert _english_left(page.text, "es") == []
    # Each quick reply: what the person receives (Kreyòl) and what it means, in Spanish.
    assert person_i18n.text("quick_one_moment", "ht") in html.unescape(page.text)
    assert person_i18n.text("quick_one_moment", "es") in html.unescape(page.text)
    lines = (await browser.get(f"/api/tickets/{opened.id}")).json()["lines"]
    assert any(line["text"] == "en espera → con el personal" for line in lines)
    assert any(line["who"] == "Enviado automáticamente" for line in lines)

    admin = console.browser()
    admin.http.headers["Accept-Language"] = "es"
    await admin.sign_in("root")
    for path in ("/admin/staff", "/admin/desks", "/admin/audit", "/admin/content", "/admin/content/facts", "/try"):
        shown = await admin.get(path)
        assert shown.status_code == 200 and _english_left(shown.text, "es") == [], path


async def test_french_conversation_page(console: Served) -> None:
    desk = _desk(console, "America/Port-au-Prince")
    console.add_staff("jean", desk_id=desk)
    opened = _ticket(console, desk, reason="emergency", at=datetime(2026, 7, 1, 12, 0))
    browser = console.browser()
    browser.http.headers["Accept-Language"] = "fr-HT"
    await browser.sign_in("jean")
    page = await browser.get(f"/tickets/{opened.id}")
    assert "créole haïtien" in page.text and "urgence" in page.text
    assert "01/07/2026 08:00 (America/Port-au-Prince)" in html.unescape(page.text)  # summer time: UTC-4
    assert _english_left(page.text, "fr") == []
