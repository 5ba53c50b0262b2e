"""Try the assistant: the console forwards to the REST channel with a sender id it chose."""

from __future__ import annotations

import json

from tests.console.conftest import Served


async def post(browser, body: dict[str, str], csrf: str | None) -> object:
    headers = {"Content-Type": "application/json"}
    if csrf:
        headers["X-CSRF-Token"] = csrf
    return await browser.http.post("/api/try", content=json.dumps(body), headers=headers)


async def test_each_browser_gets_its_own_conversation_and_buttons_work(console: Served, fake_rasa: list[dict[str, str]]) -> None:
    first, second = console.browser(), console.browser()
    await first.get("/try")
    await second.get("/try")
    answer = await post(first, {"message": "hola"}, first.csrf)
    assert answer.status_code == 200
    buttons = [{"title": "Ayuda", "payload": "/find_help_point"}]
    assert answer.json()["messages"] == [{"text": "¡Hola! ¿Qué necesitas?", "buttons": buttons}]
    assert (await post(first, {"payload": "/find_help_point"}, first.csrf)).status_code == 200
    await post(second, {"message": "hello"}, second.csrf)
    senders = [r["sender"] for r in fake_rasa]
    assert senders[0] == senders[1] != senders[2] and all(s.startswith("try-") for s in senders)
    assert fake_rasa[1]["message"] == "/find_help_point"


async def test_typed_slash_commands_and_unoffered_payloads_are_not_intents(
    console: Served, fake_rasa: list[dict[str, str]]
) -> None:
    browser = console.browser()
    await browser.get("/try")
    await post(browser, {"message": '/restart{"language": "en"}'}, browser.csrf)
    assert not fake_rasa[-1]["message"].startswith("/")
    refused = await post(browser, {"payload": "/request_human"}, browser.csrf)
    assert refused.status_code == 400 and len(fake_rasa) == 1


async def test_the_chat_needs_a_csrf_token(console: Served, fake_rasa: list[dict[str, str]]) -> None:
    browser = console.browser()
    await browser.get("/try")
    assert (await post(browser, {"message": "hola"}, None)).status_code == 403
    assert fake_rasa == []


async def test_rasa_down_is_a_clear_error(console: Served) -> None:
    browser = console.browser()
    await browser.get("/try")
    response = await post(browser, {"message": "hola"}, browser.csrf)
    assert response.status_code == 502 and "not answering" in response.json()["error"]
