"""Nothing the agent typed is lost: over-long replies are refused with the text kept, text typed
beside a quick reply stays, a timed-out agent comes back to the ticket, an oversized form is
called too large."""

from __future__ import annotations

import html
import re

from bot.channels import store as channel_store
from bot.console import store
from bot.handoff import store as handoff
from tests.console.conftest import Served
from tests.console.test_desk import desk, ticket


async def _held(console: Served) -> tuple[handoff.Ticket, object]:
    north = desk(console, "north", ["MX"])
    console.add_staff("ana", desk_id=north)
    opened = ticket(console, north, language="fr")
    browser = console.browser()
    await browser.sign_in("ana")
    await browser.get(f"/tickets/{opened.id}")
    assert (await browser.post(f"/tickets/{opened.id}/take")).status_code == 302
    await browser.get(f"/tickets/{opened.id}")
    return opened, browser


def _box(page: str) -> str:
    found = re.search(r'<textarea name="text" id="reply-text"([^>]*)>(.*?)</textarea>', page, re.S)
    assert found, "no reply box"
    assert "maxlength" not in found.group(1)  # the browser never cuts a paste
    return html.unescape(found.group(2))


def _outbox(console: Served, opened: handoff.Ticket) -> list[str]:
    return [m.body for m in channel_store.outbox_messages(console.engine, conversation_id=opened.conversation_id)]


async def test_an_over_long_reply_is_refused_with_the_limit_and_kept_in_the_box(console: Served) -> None:
    opened, browser = await _held(console)
    long_text = "Bonjour, voici les étapes. " + "x" * 4500
    before = _outbox(console, opened)
    response = await browser.post(f"/tickets/{opened.id}/reply", {"text": long_text})  # type: ignore[attr-defined]
    assert response.status_code == 400
    assert "the limit is 4,000" in response.text and "4,527 characters" in response.text
    assert _box(response.text) == long_text
    assert _outbox(console, opened) == before  # nothing went out, nothing was cut
    exact = "y" * 4000
    assert (await browser.post(f"/tickets/{opened.id}/reply", {"text": exact})).status_code == 302  # type: ignore[attr-defined]
    assert exact in "".join(_outbox(console, opened))


async def test_text_typed_beside_a_quick_reply_is_kept(console: Served) -> None:
    opened, browser = await _held(console)
    response = await browser.post(f"/tickets/{opened.id}/reply",  # type: ignore[attr-defined]
                                  {"quick": "quick_one_moment", "text": "Et votre adresse ?"})
    assert response.status_code == 200
    assert "Un instant, s'il vous plaît : j'examine votre situation." in _outbox(console, opened)
    assert "Et votre adresse ?" not in _outbox(console, opened)
    assert _box(response.text) == "Et votre adresse ?"
    assert "What you typed was not sent" in response.text


async def test_a_reply_sent_after_the_idle_timeout_returns_the_agent_to_the_ticket(console: Served) -> None:
    opened, browser = await _held(console)
    console.clock.advance(minutes=31)
    response = await browser.post(f"/tickets/{opened.id}/reply", {"text": "typed while away"})  # type: ignore[attr-defined]
    assert response.status_code == 303
    assert response.headers["location"] == f"/signin?expired=1&next=/tickets/{opened.id}"
    page = await browser.get(response.headers["location"])  # type: ignore[attr-defined]
    assert "You will be taken back to the conversation" in page.text
    assert f'name="next" value="/tickets/{opened.id}"' in page.text
    signed = await browser.post("/signin", {"username": "ana", "password": "correct horse battery",  # type: ignore[attr-defined]
                                            "next": f"/tickets/{opened.id}"})
    assert signed.status_code == 302 and signed.headers["location"] == f"/tickets/{opened.id}"
    assert "typed while away" not in "".join(_outbox(console, opened))  # not sent behind the agent's back


async def test_a_reply_posted_after_another_tab_noticed_the_timeout_is_not_called_forged(console: Served) -> None:
    opened, browser = await _held(console)
    console.clock.advance(minutes=31)
    assert (await browser.http.get("/api/queue")).status_code == 401  # type: ignore[attr-defined]  # the cookie is gone
    response = await browser.post(f"/tickets/{opened.id}/reply", {"text": "typed while away"})  # type: ignore[attr-defined]
    assert response.status_code == 303
    assert response.headers["location"] == f"/signin?expired=1&next=/tickets/{opened.id}"


async def test_sign_in_never_redirects_to_another_site(console: Served) -> None:
    console.add_staff("ana")
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        browser = console.browser()
        await browser.get("/signin")
        response = await browser.post("/signin", {"username": "ana", "password": "correct horse battery", "next": target})
        assert response.headers["location"] == "/queue"


async def test_an_oversized_form_is_called_too_large_not_forged(console: Served) -> None:
    opened, browser = await _held(console)
    response = await browser.post(f"/tickets/{opened.id}/reply", {"text": "z" * 1_200_000})  # type: ignore[attr-defined]
    assert response.status_code == 413
    assert "too large" in response.text and "forged" not in response.text


async def test_an_agent_cannot_transfer_to_themself(console: Served) -> None:
    opened, browser = await _held(console)
    ana = store.list_staff(console.engine)[0]
    response = await browser.post(f"/tickets/{opened.id}/transfer", {"to": f"agent:{ana.id}"})  # type: ignore[attr-defined]
    assert response.status_code == 400 and "to yourself" in response.text
    assert f'value="agent:{ana.id}"' not in response.text
