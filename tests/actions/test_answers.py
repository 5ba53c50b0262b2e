"""Answering topics from the information database: country asked once, fallbacks, emergencies first."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerTopic
from actions.search import ActionSearchAnswers
from bot import i18n
from bot.infodb.repository import InfoRepository
from bot.infodb.session import engine_for
from tests.factories import make_tracker, parse
from tests.infodb_fixtures import migrated, sqlite_url


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> InfoRepository:
    return InfoRepository(migrated(sqlite_url(tmp_path_factory.mktemp("answers"))))


async def run(action: Any, text: str, intent: str, slots: dict[str, Any], metadata: dict | None = None):  # type: ignore[no-untyped-def]
    latest = parse(text=text, intent=intent, language=slots.get("language", "es"))
    events = [{"event": "user", "text": text, "parse_data": latest, "metadata": metadata or {}}]
    dispatcher = CollectingDispatcher()
    result = await action.run(dispatcher, make_tracker(latest=latest, slots=slots, events=events), {})
    # The `evidence` slot (counts only, not featurized) is checked in tests/evidence/test_outcomes.py.
    return dispatcher.messages, {e["name"]: e["value"] for e in result if e.get("event") == "slot" and e["name"] != "evidence"}


async def test_asks_for_the_country_once_then_answers_the_waiting_topic(repository: InfoRepository) -> None:
    action = ActionAnswerTopic(repository)
    messages, slots = await run(action, "como pido asilo", "ask_asylum", {"language": "es"})
    assert messages[0]["text"] == i18n.text("ask_country", "es")
    assert {"title": "México", "payload": '/inform{"country": "MX"}'} in messages[0]["buttons"]
    assert slots == {"pending_topic": "ask_asylum", "country_asked": True}

    messages, slots = await run(
        action, "Mexico", "inform", {"language": "es", "country": "MX", "pending_topic": "ask_asylum", "country_asked": True}
    )
    assert slots == {"pending_topic": None}
    assert "Verificado el 28/11/2026" in messages[-1]["text"]
    assert messages[-1]["buttons"][0]["payload"] == "/request_human"


async def test_does_not_ask_twice(repository: InfoRepository) -> None:
    messages, slots = await run(ActionAnswerTopic(repository), "asylum?", "ask_asylum",
                                {"language": "en", "country_asked": True})
    assert slots == {}
    assert "Verified on" in messages[-1]["text"]


async def test_regional_answer_says_it_is_not_country_specific(repository: InfoRepository) -> None:
    messages, _ = await run(ActionAnswerTopic(repository), "visa", "ask_visa", {"language": "fr", "country": "HT"})
    assert messages[0]["text"] == i18n.text("regional_note", "fr", country="Haïti")


async def test_emergency_numbers_come_before_anything_else(repository: InfoRepository) -> None:
    messages, _ = await run(ActionAnswerTopic(repository), "me quieren matar", "report_emergency",
                            {"language": "es", "country": "HN"})
    assert messages[0]["text"].startswith(i18n.text("hotlines_intro", "es", country="Honduras"))
    assert "911" in messages[0]["text"]


async def test_emergency_without_a_country_asks_for_it_and_still_advises(repository: InfoRepository) -> None:
    messages, slots = await run(ActionAnswerTopic(repository), "help they follow me", "report_emergency",
                                {"language": "en"})
    assert messages[0]["text"] == i18n.text("hotlines_ask_country", "en")
    assert len(messages) >= 2
    assert slots["pending_topic"] == "report_emergency"


async def test_help_points_from_a_shared_location(repository: InfoRepository) -> None:
    location = {"location": {"latitude": 14.91, "longitude": -92.26}}
    messages, _ = await run(ActionAnswerTopic(repository), "", "find_help_point",
                            {"language": "pt", "country": "MX"}, metadata=location)
    listing = messages[-1]["text"]
    assert listing.startswith(i18n.text("help_points_intro", "pt"))
    assert "Tapachula" in listing and "km" in listing


async def test_a_shared_location_needs_no_country_question(repository: InfoRepository) -> None:
    location = {"location": {"latitude": 18.2, "longitude": -71.9}}  # near the Haiti-DR border
    messages, slots = await run(ActionAnswerTopic(repository), "", "find_help_point", {"language": "ht"}, metadata=location)
    assert "pending_topic" not in slots
    assert messages[-1]["text"].startswith(i18n.text("help_points_intro", "ht"))


async def test_location_far_from_any_help_point(repository: InfoRepository) -> None:
    location = {"location": {"latitude": 0.0, "longitude": -140.0}}
    messages, _ = await run(ActionAnswerTopic(repository), "", "find_help_point",
                            {"language": "ht", "country": "REGIONAL"}, metadata=location)
    assert messages[-1]["text"].startswith(i18n.text("help_points_none", "ht"))


async def test_empty_database_says_so_and_offers_a_person(tmp_path) -> None:  # type: ignore[no-untyped-def]
    empty = InfoRepository(migrated(sqlite_url(tmp_path), seed=False))
    messages, _ = await run(ActionAnswerTopic(empty), "asilo", "ask_asylum", {"language": "es", "country": "MX"})
    assert messages[-1]["text"].startswith(i18n.text("no_answer", "es"))
    assert messages[-1]["buttons"][0]["payload"] == "/request_human"


async def test_database_down_gets_a_clear_reply(tmp_path) -> None:  # type: ignore[no-untyped-def]
    down = InfoRepository(engine_for("postgresql://nobody@127.0.0.1:9/none?connect_timeout=1"))
    messages, _ = await run(ActionAnswerTopic(down), "asilo", "ask_asylum", {"language": "pt", "country": "MX"})
    assert [(m["text"], m["buttons"]) for m in messages] == [
        (i18n.text("database_unavailable", "pt"),
         [{"title": i18n.text("talk_to_person_button", "pt"), "payload": "/request_human"}])
    ]


async def test_unsure_understanding_offers_matching_topics(repository: InfoRepository) -> None:
    messages, _ = await run(ActionSearchAnswers(repository), "refugio asilo comar", "nlu_fallback", {"language": "es"})
    assert messages[0]["text"] == i18n.text("search_intro", "es")
    assert "/ask_asylum" in [b["payload"] for b in messages[0]["buttons"]]
    assert len(messages[0]["buttons"]) <= 3


async def test_search_with_nothing_found_asks_to_rephrase(repository: InfoRepository) -> None:
    dispatcher = CollectingDispatcher()
    latest = parse(text="zzzz qqqq", intent="nlu_fallback")
    await ActionSearchAnswers(repository).run(dispatcher, make_tracker(latest=latest, slots={"language": "es"}), {})
    assert dispatcher.messages[0]["response"] == "utter_ask_rephrase"


def test_answer_in_another_language_says_so() -> None:
    from datetime import date

    from actions.replies import answer_messages
    from bot.infodb.queries import AnswerView, SourceView

    view = AnswerView("ask_visa/MX", "ask_visa", "MX", "es", "Visa", "Texto", [SourceView("INM", None, "n.d.")],
                      date(2026, 1, 2), "MX", "ht")
    messages = answer_messages(view, "ht")
    assert messages[0]["text"] == i18n.text("language_note", "ht", language="panyòl")
    assert "Verifye 02/01/2026" in messages[1]["text"]


async def test_asked_emergency_numbers_follow_their_introduction(repository: InfoRepository) -> None:
    messages, _ = await run(ActionAnswerTopic(repository), "emergency numbers", "ask_emergency_numbers",
                            {"language": "en", "country": "GT"})
    assert messages[-1]["text"].startswith(i18n.text("hotlines_intro", "en", country="Guatemala"))
    assert "110" in messages[-1]["text"]


async def test_database_errors_do_not_log_the_persons_words(caplog: pytest.LogCaptureFixture) -> None:
    down = InfoRepository(engine_for("postgresql://nobody@127.0.0.1:9/none?connect_timeout=1"))
    with caplog.at_level("DEBUG"):
        await run(ActionSearchAnswers(down), "mi vecino secreto juan perez", "nlu_fallback", {"language": "es"})
    assert caplog.records
    assert "juan" not in caplog.text and "perez" not in caplog.text


def entity(value: str, role: str | None = None, kind: str = "country") -> dict[str, Any]:
    found: dict[str, Any] = {"entity": kind, "value": value, "start": 0, "end": 1}
    if role:
        found["role"] = role
    return found


async def run_with(action: Any, text: str, intent: str, slots: dict[str, Any],
                   entities: list[dict[str, Any]]):  # type: ignore[no-untyped-def]
    latest = parse(text=text, intent=intent, language=slots.get("language", "es"), entities=entities)
    events = [{"event": "user", "text": text, "parse_data": latest, "metadata": {}}]
    dispatcher = CollectingDispatcher()
    result = await action.run(dispatcher, make_tracker(latest=latest, slots=slots, events=events), {})
    return dispatcher.messages, {e["name"]: e["value"] for e in result if e.get("event") == "slot" and e["name"] != "evidence"}


async def test_an_institution_says_which_country_the_question_is_about(repository: InfoRepository) -> None:
    # The person is in Guatemala and asks about Mexico's refugee commission: Mexico's answer, no question.
    messages, slots = await run_with(ActionAnswerTopic(repository), "cuanto tarda la comar", "ask_asylum",
                                     {"language": "es", "country": "GT"}, [entity("MX_COMAR", kind="programme")])
    assert "pending_topic" not in slots and "country" not in slots
    assert all(m["text"] != i18n.text("ask_country", "es") for m in messages)
    assert messages[-1]["text"].startswith("*Pedir refugio en México*")


async def test_the_country_named_in_the_question_wins_over_where_the_person_is(repository: InfoRepository) -> None:
    messages, _ = await run_with(ActionAnswerTopic(repository), "como pido asilo en costa rica", "ask_asylum",
                                 {"language": "en", "country": "MX"}, [entity("CR")])
    assert "Costa Rica" in messages[-1]["text"].split("\n")[0]


async def test_a_named_country_needs_no_question_even_when_nothing_is_known(repository: InfoRepository) -> None:
    messages, slots = await run_with(ActionAnswerTopic(repository), "quiero pedir asilo en panama", "ask_asylum",
                                     {"language": "es"}, [entity("PA", "destination")])
    assert slots == {}
    assert "Panamá" in messages[-1]["text"].split("\n")[0]


async def test_a_destination_without_content_says_so_and_offers_a_person(repository: InfoRepository) -> None:
    messages, slots = await run_with(ActionAnswerTopic(repository), "asilo en chile", "ask_asylum",
                                     {"language": "es", "country": "GT"}, [entity("CL", "destination")])
    assert slots == {}
    assert messages[0]["text"] == i18n.text("regional_note", "es", country="Chile")
    assert messages[-1]["buttons"][0]["payload"] == "/request_human"


async def test_where_the_person_is_answers_a_local_question(repository: InfoRepository) -> None:
    # "estoy en guatemala y necesito llamar a la policia": the slot mapping keeps Guatemala as the place.
    messages, _ = await run_with(ActionAnswerTopic(repository), "estoy en guatemala y necesito la policia",
                                 "ask_emergency_numbers", {"language": "es", "country": "GT"}, [entity("GT", "location")])
    numbers = messages[-1]["text"]
    assert numbers.startswith(i18n.text("hotlines_intro", "es", country="Guatemala"))
    assert "110" in numbers


async def test_a_place_named_in_danger_is_where_the_person_is(repository: InfoRepository) -> None:
    messages, slots = await run_with(ActionAnswerTopic(repository), "en honduras me estan amenazando",
                                     "report_emergency", {"language": "es"}, [entity("HN")])
    assert slots["country"] == "HN"
    assert messages[0]["text"].startswith(i18n.text("hotlines_intro", "es", country="Honduras"))


async def test_origin_adds_the_persons_own_programmes(repository: InfoRepository) -> None:
    # "soy guatemalteco y quiero trabajar en mexico": Mexico's answer, then Guatemala's programme.
    messages, _ = await run_with(ActionAnswerTopic(repository), "soy guatemalteco quiero trabajar en mexico",
                                 "ask_work_permit", {"language": "es", "origin": "GT"},
                                 [entity("GT", "origin"), entity("MX", "destination")])
    titles = [m["text"].split("\n")[0] for m in messages]
    assert "México" in titles[0] and "MINTRAB" in titles[1]


async def test_origin_alone_answers_a_work_question(repository: InfoRepository) -> None:
    messages, slots = await run_with(ActionAnswerTopic(repository), "soy salvadoreño, como trabajo legal afuera",
                                     "ask_work_permit", {"language": "es", "origin": "SV"}, [entity("SV", "origin")])
    assert slots == {}
    assert "MTPS" in messages[-1]["text"].split("\n")[0]


def test_an_answer_nobody_checked_says_so_and_old_sources_are_flagged() -> None:
    from actions.replies import answer_messages
    from bot.infodb.freshness import SourceAge
    from bot.infodb.queries import AnswerView, SourceView

    view = AnswerView("ask_visa/MX", "ask_visa", "MX", "fr", "Visa", "Texte", [SourceView("INM", None, "2015")],
                      None, "MX", "fr", SourceAge.OLD)
    text = answer_messages(view, "fr")[-1]["text"]
    assert i18n.text("source_line_unverified", "fr", sources="INM") in text
    assert i18n.text("sources_old", "fr") in text
    assert "Vérifié le" not in text


async def run_needs(action: Any, text: str, intent: str, slots: dict[str, Any], others: list[str]):  # type: ignore[no-untyped-def]
    latest = parse(text=text, intent=intent, language=slots.get("language", "es"), other_needs=others)
    events = [{"event": "user", "text": text, "parse_data": latest, "metadata": {}}]
    dispatcher = CollectingDispatcher()
    result = await action.run(dispatcher, make_tracker(latest=latest, slots=slots, events=events), {})
    return dispatcher.messages, result


def _title(repository: InfoRepository, topic: str, country: str | None, language: str) -> str:
    answer = repository.answer(topic=topic, country=country, language=language)
    assert answer is not None
    return f"*{answer.title}*"


async def test_every_need_of_a_message_is_answered_in_the_order_written(repository: InfoRepository) -> None:
    text = "estoy en tapachula, necesito albergue y tambien un doctor para mi hija"
    messages, result = await run_needs(ActionAnswerTopic(repository), text, "ask_shelter",
                                       {"language": "es", "country": "MX"}, ["ask_health"])
    answers = [m for m in messages if m["text"].startswith("*")]
    assert [m["text"].split("\n")[0] for m in answers] == [
        _title(repository, "ask_shelter", "MX", "es"), _title(repository, "ask_health", "MX", "es")]
    # One offer of a person, at the end, not one per answer.
    assert [bool(m.get("buttons")) for m in answers] == [False, True]
    counted = [e["value"] for e in result if e.get("event") == "slot" and e["name"] == "evidence"]
    assert counted, "each answer given is counted for the evidence"


async def test_other_needs_wait_with_the_topic_for_the_country(repository: InfoRepository) -> None:
    action = ActionAnswerTopic(repository)
    messages, result = await run_needs(action, "como pido asilo y donde hay escuela para mis hijos", "ask_asylum",
                                       {"language": "es"}, ["ask_education"])
    assert [m["text"] for m in messages] == [i18n.text("ask_country", "es")]
    slots = {e["name"]: e["value"] for e in result if e.get("event") == "slot"}
    assert slots["pending_needs"] == ["ask_education"]

    messages, result = await run(action, "Mexico", "inform", {
        "language": "es", "country": "MX", "pending_topic": "ask_asylum", "country_asked": True,
        "pending_needs": ["ask_education"]})
    titles = [m["text"].split("\n")[0] for m in messages if m["text"].startswith("*")]
    assert titles == [_title(repository, "ask_asylum", "MX", "es"), _title(repository, "ask_education", "MX", "es")]
    assert result["pending_needs"] is None


async def test_an_other_need_never_asks_for_the_country(repository: InfoRepository) -> None:
    # The main answer needs no country (a shared detail is known); the other need takes what is known.
    messages, _ = await run_needs(ActionAnswerTopic(repository), "visa for mexico and a school", "ask_visa",
                                       {"language": "en", "country_asked": True}, ["ask_education"])
    assert all(m["text"] != i18n.text("ask_country", "en") for m in messages)
    assert len([m for m in messages if m["text"].startswith("*")]) == 2
