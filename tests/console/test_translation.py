"""Machine translation on the conversation page, against a local stand-in of LibreTranslate's API:
the person's messages beside their translation, a translated reply checked before it goes and marked
for the person, unsupported pairs and a dead server said plainly with nothing typed lost, off by default."""

from __future__ import annotations

import html
from datetime import datetime

import pytest

from bot import i18n as person_i18n
from bot.channels import store as channel_store
from bot.handoff import store as handoff
from bot.translation.client import LibreTranslate, TranslationUnavailableError
from bot.translation.settings import TranslationSettings, load_translation_settings
from tests.console import translating as fixtures
from tests.console.conftest import Served
from tests.translation_stand_in import StandIn, fake

CONVERSATION = "tg-0123456789abcdef"
stand_in, translating = fixtures.stand_in, fixtures.translating


def _ticket(served: Served, language: str, *messages: str) -> handoff.Ticket:
    desk = handoff.upsert_desk(served.engine, code="tapachula", name="Tapachula", timezone="America/Mexico_City",
                               hours={}, countries=["MX"], languages=[])
    served.add_staff("ana", desk_id=desk)
    created, _ = handoff.open_ticket(served.engine, conversation_id=CONVERSATION, channel="telegram", language=language,
                                     country="MX", reason="request_human", urgent=False, summary=[], desk_id=desk,
                                     now=datetime.utcnow())
    for text in messages:
        handoff.add_message(served.engine, ticket_id=created.id, kind=handoff.PERSON, body=text, now=datetime.utcnow())
    return created


def _outbox(served: Served) -> list[str]:
    return [m.body or "" for m in channel_store.outbox_messages(served.engine, conversation_id=CONVERSATION)]


async def test_the_persons_messages_are_shown_beside_their_translation_and_translated_once(
    translating: Served, stand_in: StandIn
) -> None:
    opened = _ticket(translating, "fr", "Bonjour, mon patron garde mon passeport.")
    browser = translating.browser()
    browser.http.headers["Accept-Language"] = "es"
    await browser.sign_in("ana")
    page = html.unescape((await browser.get(f"/tickets/{opened.id}")).text)
    assert "Bonjour, mon patron garde mon passeport." in page
    assert fake("Bonjour, mon patron garde mon passeport.", "fr", "es") in page
    assert "Traducción automática" in page and 'id="translation-problem" hidden' in page
    asked = len(stand_in.translate_requests)
    assert asked == 1 and stand_in.translate_requests[0]["api_key"] == "desk-key"
    assert stand_in.translate_requests[0]["format"] == "text"
    for _ in range(3):  # the page polls every second: cached, never translated again
        lines = (await browser.get(f"/api/tickets/{opened.id}")).json()["lines"]
        await browser.get(f"/tickets/{opened.id}")
    person = [line for line in lines if line["kind"] == "person"]
    assert person[0]["text"] == "Bonjour, mon patron garde mon passeport."
    assert person[0]["translation"] == fake("Bonjour, mon patron garde mon passeport.", "fr", "es")
    assert len(stand_in.translate_requests) == asked


async def test_a_reply_is_translated_checked_then_sent_with_the_notice(translating: Served, stand_in: StandIn) -> None:
    opened = _ticket(translating, "fr", "Bonjour")
    browser = translating.browser()
    browser.http.headers["Accept-Language"] = "es"
    await browser.sign_in("ana")
    await browser.post(f"/tickets/{opened.id}/take")
    typed = "Hola, ¿tu patrón tiene tu pasaporte?"
    before = _outbox(translating)

    checked = await browser.post(f"/tickets/{opened.id}/reply", {"text": typed, "translate": "1"})
    page = html.unescape(checked.text)
    assert checked.status_code == 200 and 'id="translation-preview"' in page
    assert fake(typed, "es", "fr") in page and person_i18n.text("handoff_machine_translated", "fr") in page
    assert person_i18n.text("handoff_machine_translated", "es") in page  # what the notice means, for the agent
    assert f">{typed}</textarea>" in page  # still in the box
    assert _outbox(translating) == before  # nothing sent yet

    edited = await browser.post(f"/tickets/{opened.id}/reply",
                                {"text": typed + " Responde.", "previewed": typed, "send_translation": "1"})
    assert edited.status_code == 200 and fake(typed + " Responde.", "es", "fr") in html.unescape(edited.text)
    assert _outbox(translating) == before  # an edit after the preview is shown again, not sent unseen

    sent = await browser.post(f"/tickets/{opened.id}/reply", {"text": typed, "previewed": typed, "send_translation": "1"})
    assert sent.status_code == 302 and sent.headers["location"].endswith("done=replied")
    delivered = [body for body in _outbox(translating) if body not in before]
    assert delivered == [f"{fake(typed, 'es', 'fr')}\n\n{person_i18n.text('handoff_machine_translated', 'fr')}"]
    staff = [line for line in (await browser.get(f"/api/tickets/{opened.id}")).json()["lines"] if line["kind"] == "staff"]
    assert staff[-1]["original"] == typed and staff[-1]["text"] == delivered[0]
    page = html.unescape((await browser.get(f"/tickets/{opened.id}")).text)
    assert typed in page and "Enviado con traducción automática" in page

    plain = await browser.post(f"/tickets/{opened.id}/reply", {"text": "Gracias"})  # "Send": as written
    assert plain.status_code == 302 and _outbox(translating)[-1] == "Gracias"


@pytest.mark.parametrize("mode", ["down", "slow", "garbage"])
async def test_a_dead_server_is_said_plainly_and_nothing_typed_is_lost(
    translating: Served, stand_in: StandIn, mode: str
) -> None:
    opened = _ticket(translating, "fr", "Bonjour, aidez-moi")
    stand_in.mode = mode
    browser = translating.browser()
    await browser.sign_in("ana")  # English console
    page = html.unescape((await browser.get(f"/tickets/{opened.id}")).text)
    assert "Bonjour, aidez-moi" in page and "The translation server is not answering" in page
    assert "[fr→en]" not in page
    await browser.post(f"/tickets/{opened.id}/take")
    before = _outbox(translating)
    typed = "Where are you now? Are you safe?"
    refused = await browser.post(f"/tickets/{opened.id}/reply", {"text": typed, "translate": "1"})
    assert refused.status_code == 503
    page = html.unescape(refused.text)
    assert "Your reply was not translated" in page and "Nothing was sent" in page and f">{typed}</textarea>" in page
    sent = await browser.post(f"/tickets/{opened.id}/reply", {"text": typed, "previewed": typed, "send_translation": "1"})
    assert sent.status_code == 503 and _outbox(translating) == before  # never sent untranslated or half-translated
    if mode != "garbage":  # after a failure the server is left alone for a while: polling does not wait on it
        calls = len(stand_in.requests)
        json = (await browser.get(f"/api/tickets/{opened.id}")).json()
        assert json["translation_problem"] and len(stand_in.requests) == calls


async def test_a_pair_the_server_lacks_is_named_and_the_original_shown(translating: Served, stand_in: StandIn) -> None:
    opened = _ticket(translating, "ht", "Bonjou, mwen bezwen èd")
    browser = translating.browser()
    browser.http.headers["Accept-Language"] = "es"
    await browser.sign_in("ana")
    page = html.unescape((await browser.get(f"/tickets/{opened.id}")).text)
    assert "Bonjou, mwen bezwen èd" in page
    assert "El servidor de traducción no puede traducir del criollo haitiano al español" in page
    assert stand_in.translate_requests == []  # /languages said so: no text was sent to the server
    await browser.post(f"/tickets/{opened.id}/take")
    refused = await browser.post(f"/tickets/{opened.id}/reply", {"text": "¿Dónde estás?", "translate": "1"})
    assert refused.status_code == 503 and ">¿Dónde estás?</textarea>" in html.unescape(refused.text)
    assert "no puede traducir del español al criollo haitiano" in html.unescape(refused.text)


async def test_off_by_default_no_calls_and_no_translation_controls(console: Served, stand_in: StandIn) -> None:
    assert load_translation_settings({}) is None and console.state.translations is None
    opened = _ticket(console, "fr", "Bonjour")
    browser = console.browser()
    await browser.sign_in("ana")
    await browser.post(f"/tickets/{opened.id}/take")
    page = (await browser.get(f"/tickets/{opened.id}")).text
    assert 'class="translation"' not in page and 'id="translate"' not in page and "[fr→" not in page
    sent = await browser.post(f"/tickets/{opened.id}/reply", {"text": "Hello", "translate": "1"})
    assert sent.status_code == 503 and _outbox(console) == [person_i18n.text("handoff_taken", "fr")]
    assert stand_in.requests == []


async def test_the_same_language_needs_no_translation(translating: Served, stand_in: StandIn) -> None:
    opened = _ticket(translating, "en", "Hello")
    browser = translating.browser()
    await browser.sign_in("ana")  # English console
    page = (await browser.get(f"/tickets/{opened.id}")).text
    assert 'id="translate"' not in page and stand_in.requests == []


async def test_the_client_speaks_libretranslates_api(stand_in: StandIn) -> None:
    client = LibreTranslate(TranslationSettings(url=stand_in.url, api_key="desk-key", timeout_seconds=1.0))
    assert {language.code for language in await client.languages()} == {"en", "es", "fr", "pt"}
    assert await client.translate("Hola", source="es", target="pt") == "[es→pt] Hola"
    wrong = LibreTranslate(TranslationSettings(url=stand_in.url, api_key="wrong", timeout_seconds=1.0))
    with pytest.raises(TranslationUnavailableError):
        await wrong.translate("Hola", source="es", target="pt")
    await client.aclose()
    await wrong.aclose()


def test_settings_refuse_a_url_that_is_not_http() -> None:
    from bot.settings import SettingsError

    with pytest.raises(SettingsError):
        load_translation_settings({"TRANSLATION_URL": "libretranslate:5000"})
    found = load_translation_settings({"TRANSLATION_URL": "http://127.0.0.1:5000/", "TRANSLATION_API_KEY": "k"})
    assert found is not None and found.url == "http://127.0.0.1:5000" and found.api_key == "k"
