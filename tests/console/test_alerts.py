"""Alerts in the console: a supervisor writes, sees who it reaches (small counts suppressed) and which
languages lack a text; only a second supervisor approves; agents never see the pages; all audited."""

from __future__ import annotations

import html
import re

from bot.alerts import store as alerts_store
from bot.console import store
from tests.alerts.factories import person
from tests.console.conftest import Served


def _subscribers(served: Served, count: int, *, language: str, channel: str = "telegram", start: int = 0) -> None:
    for i in range(start, start + count):
        address = str(9000 + i) if channel == "telegram" else f"whatsapp:+5025550{i:04d}"
        person(served.engine, f"{channel[:2]}-{language}-{i}", address=address, channel=channel, language=language,
               country="HT", now=served.clock())


def _cell(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">([^<]*)<', page)
    assert found, f"no #{element_id} in the page"
    return html.unescape(found.group(1))


async def test_a_supervisor_drafts_and_a_second_approves(console: Served) -> None:
    console.add_staff("sofia", role="supervisor")
    console.add_staff("marc", role="supervisor")
    _subscribers(console, 12, language="ht")
    _subscribers(console, 2, language="fr", start=100)  # a small group: never shown as 2
    _subscribers(console, 6, language="es", channel="whatsapp", start=200)
    author = console.browser()
    await author.sign_in("sofia")
    page = await author.get("/alerts")
    assert page.status_code == 200 and "Write an alert" in page.text
    created = await author.post("/alerts", {
        "title": "Hurricane Melissa", "text_ht": "Siklòn Melissa: abri yo louvri nan Jacmel.",
        "text_es": "Huracán Melissa: los albergues de Jacmel están abiertos.", "country": "HT", "topic": "",
        "channel": "", "fallback_language": "", "send_at": "", "timezone": "America/Port-au-Prince",
    })
    assert created.status_code == 302
    alert_page = await author.get(created.headers["location"])
    text = alert_page.text
    assert "Another supervisor must approve this draft." in text and "/approve" not in text
    assert _cell(text, "audience-total") == "20"
    shown = re.findall(r"<td>([^<]*)</td>", text[text.index('id="audience"'):text.index("</table>", text.index('id="audience"'))])
    assert "2" not in shown and "<5" in [html.unescape(cell) for cell in shown]  # the two French speakers
    assert "French" in html.unescape(text[text.index('id="missing-languages"'):][:300])  # no French text: they get nothing
    assert (await author.post(f"/alerts/{created.headers['location'].rsplit('/', 1)[1]}/approve")).status_code == 409

    alert_id = int(created.headers["location"].rsplit("/", 1)[1])
    second = console.browser()
    await second.sign_in("marc")
    approved = await second.post(f"/alerts/{alert_id}/approve")
    assert approved.status_code == 200 and "Approved" in approved.text
    assert alerts_store.get_alert(console.engine, alert_id=alert_id).status == "approved"  # type: ignore[union-attr]
    actions = [entry.action for entry in store.audit_entries(console.engine)]
    assert {"alert_drafted", "alert_viewed", "alert_approved"} <= set(actions)


async def test_agents_and_analysts_cannot_open_or_post_alerts(console: Served) -> None:
    console.add_staff("ana", role="agent")
    console.add_staff("ines", role="analyst")
    for name in ("ana", "ines"):
        browser = console.browser()
        await browser.sign_in(name)
        assert (await browser.get("/alerts")).status_code in (302, 403)
        refused = await browser.post("/alerts", {"title": "x", "text_es": "y"})
        assert refused.status_code in (302, 403)
    assert alerts_store.list_alerts(console.engine) == []


async def test_an_alert_needs_a_text_and_a_valid_fallback(console: Served) -> None:
    console.add_staff("sofia", role="supervisor")
    browser = console.browser()
    await browser.sign_in("sofia")
    empty = await browser.post("/alerts", {"title": "Nothing to say"})
    assert empty.status_code == 400 and "at least one language" in empty.text
    wrong = await browser.post("/alerts", {"title": "t", "text_es": "texto", "fallback_language": "fr"})
    assert wrong.status_code == 400 and "fallback language" in wrong.text
    late = await browser.post("/alerts", {"title": "t", "text_es": "texto", "send_at": "tomorrow"})
    assert late.status_code == 400
    assert alerts_store.list_alerts(console.engine) == []
