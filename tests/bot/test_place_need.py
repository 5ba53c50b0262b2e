"""A message with a place and a need is the need; a programme named alone asks about its topic."""

from __future__ import annotations

from typing import Any

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu import gazetteer
from bot.nlu.country_extractor import _entity
from bot.nlu.place_need import PlaceAndNeed, residue


def parsed(text: str, ranking: list[tuple[str, float]]) -> Message:
    """A message as the classifier leaves it: its ranking, and the gazetteer's entities."""
    entities = [_entity(m) for m in gazetteer.find(gazetteer.default_pipeline(), text)]
    rows: list[dict[str, Any]] = [{"name": n, "confidence": c} for n, c in ranking]
    return Message(data={"text": text, "intent": rows[0], "intent_ranking": rows, "entities": entities})


def intent_after(text: str, ranking: list[tuple[str, float]]) -> dict[str, Any]:
    (message,) = PlaceAndNeed({}).process([parsed(text, ranking)])
    return dict(message.get("intent"))


@pytest.mark.parametrize(
    ("text", "ranking", "expected"),
    [
        ("estoy en guatemala y necesito llamar a la policia",
         [("inform", 0.57), ("ask_emergency_numbers", 0.22), ("greet", 0.1)], "ask_emergency_numbers"),
        ("soy hondureño y quiero trabajar en canada",
         [("inform", 0.98), ("thank", 0.005), ("ask_work_permit", 0.012)], "ask_work_permit"),
        ("mwen nan dominikani, kote m ka jwenn yon doktè",
         [("inform", 0.7), ("greet", 0.2), ("ask_health", 0.05)], "ask_health"),
    ],
)
def test_a_place_and_a_need_is_the_need(text: str, ranking: list[tuple[str, float]], expected: str) -> None:
    intent = intent_after(text, ranking)
    assert intent["name"] == expected
    # It keeps the classifier's certainty, so the fallback classifier does not drop it.
    assert intent["confidence"] == ranking[0][1]


@pytest.mark.parametrize(
    "text",
    ["estoy en guatemala", "hola, estoy en tapachula", "soy de honduras", "je suis haïtien", "Tapachula",
     "estou no méxico com minha família"],
)
def test_a_bare_place_stays_a_detail(text: str) -> None:
    assert intent_after(text, [("inform", 0.9), ("ask_asylum", 0.05)])["name"] == "inform"


def test_a_programme_alone_asks_about_its_topic() -> None:
    assert intent_after("h2a?", [("inform", 0.6), ("greet", 0.3)])["name"] == "ask_work_permit"
    assert intent_after("y la comar", [("out_of_scope", 0.4), ("thank", 0.3)])["name"] == "ask_asylum"


def test_a_clear_question_about_a_programme_keeps_its_intent() -> None:
    text = "I paid a recruiter for an H-2A job, is that legal?"
    assert intent_after(text, [("ask_job_offer_check", 0.89), ("ask_work_permit", 0.1)])["name"] == "ask_job_offer_check"


def test_an_emergency_is_never_rewritten() -> None:
    text = "estoy en mexico y me secuestraron, h2a"
    assert intent_after(text, [("report_emergency", 0.8), ("inform", 0.1)])["name"] == "report_emergency"


def test_residue_leaves_out_places_cues_and_filler_but_keeps_destinations() -> None:
    text = "hola soy hondureño y quiero trabajar en Canadá"
    entities = [_entity(m) for m in gazetteer.find(gazetteer.default_pipeline(), text)]
    assert residue(text, entities) == ["quiero", "trabajar"]


def test_the_displaced_reading_takes_the_needs_confidence_so_there_is_no_tie() -> None:
    (message,) = PlaceAndNeed({}).process([parsed("estoy en guatemala y necesito la policia",
                                                  [("inform", 0.57), ("ask_emergency_numbers", 0.22)])])
    ranking = [(r["name"], r["confidence"]) for r in message.get("intent_ranking")]
    assert ranking[:2] == [("ask_emergency_numbers", 0.57), ("inform", 0.22)]


def test_a_programme_overrides_a_reading_that_is_no_topic_and_is_then_certain() -> None:
    intent = intent_after("pwogram sawp kanada kiyes ki peye tikè avyon an", [("bot_challenge", 0.4), ("greet", 0.3)])
    assert intent == {"name": "ask_work_permit", "confidence": 1.0}


def test_a_request_to_the_assistant_is_never_replaced_by_a_programme() -> None:
    assert intent_after("quiero hablar con alguien de la comar", [("request_human", 0.3)])["name"] == "request_human"


def test_an_unsure_reading_with_a_programme_gets_the_programmes_topic() -> None:
    text = "temporary foreign worker in canada, do i get health insurance?"
    assert intent_after(text, [("nlu_fallback", 0.3), ("ask_labor_rights", 0.28), ("ask_health", 0.26)]) == {
        "name": "ask_work_permit", "confidence": 1.0}


def test_an_unsure_place_and_need_gets_the_need_and_a_plain_unsure_reading_stays_unsure() -> None:
    unsure_place = [("nlu_fallback", 0.3), ("inform", 0.25), ("ask_asylum", 0.2)]
    assert intent_after("je suis a tapachula, quel delai pour demander l'asile", unsure_place)["name"] == "ask_asylum"
    assert intent_after("zzz qqq", [("nlu_fallback", 0.3), ("greet", 0.2)])["name"] == "nlu_fallback"
    unsure_danger = [("nlu_fallback", 0.3), ("report_emergency", 0.25), ("inform", 0.2)]
    assert intent_after("estoy en mexico h2a ayuda", unsure_danger)["name"] == "nlu_fallback"


@pytest.mark.parametrize(
    ("text", "ranking", "expected"),
    [
        # The classifier was unsure (the fallback classifier's reading); the need word settles it.
        ("estou na guatemala e preciso chamar a policia",
         [("nlu_fallback", 0.3), ("ask_documents", 0.21), ("inform", 0.19)], "ask_emergency_numbers"),
        ("je suis au honduras et je veux appeler les pompiers",
         [("nlu_fallback", 0.3), ("inform", 0.25), ("greet", 0.2)], "ask_emergency_numbers"),
        ("mwen nan tapachula, m bezwen yon kote pou m domi",
         [("nlu_fallback", 0.3), ("inform", 0.28), ("ask_asylum", 0.2)], "ask_shelter"),
        # Read as a bare detail, with no need in the ranking at all.
        ("estoy en tapachula y busco un albergue", [("inform", 0.9), ("greet", 0.1)], "ask_shelter"),
    ],
)
def test_a_word_that_names_a_need_settles_an_unsure_reading(
    text: str, ranking: list[tuple[str, float]], expected: str
) -> None:
    assert intent_after(text, ranking)["name"] == expected


def test_a_need_word_never_overrides_a_confident_reading() -> None:
    text = "the police took my passport at work"
    assert intent_after(text, [("report_labor_abuse", 0.8), ("ask_documents", 0.1)])["name"] == "report_labor_abuse"


def test_an_unsure_reading_without_a_need_word_stays_unsure() -> None:
    text = "estou na guatemala e preciso de uma coisa"
    ranking = [("nlu_fallback", 0.3), ("ask_documents", 0.21), ("inform", 0.19)]
    assert intent_after(text, ranking)["name"] == "nlu_fallback"


@pytest.mark.parametrize(
    ("text", "ranking"),
    [
        # Unknown towns and filler words read as danger, a service or a request: still a bare detail.
        ("ahora mismo en reynosa", [("report_emergency", 0.6), ("inform", 0.1)]),
        ("on est a tapachula depuis mardi", [("ask_shelter", 0.8), ("inform", 0.05)]),
        ("moi je suis hondurien", [("ask_capabilities", 0.9), ("inform", 0.02)]),
        ("m nan Tijuana ak zanmi m yo", [("report_emergency", 0.9), ("inform", 0.05)]),
        ("my family is guatemalan", [("nlu_fallback", 0.3), ("inform", 0.46), ("ask_family_reunification", 0.44)]),
    ],
)
def test_a_place_and_filler_is_a_bare_detail_not_an_alarm(text: str, ranking: list[tuple[str, float]]) -> None:
    (message,) = PlaceAndNeed({}).process([parsed(text, ranking)])
    assert message.get("intent")["name"] == "inform"
    # Whatever it displaced is left too weak for the emergency guard to promote it again.
    later = message.get("intent_ranking")[1:]
    assert all(r["confidence"] <= 0.1 for r in later if r["name"] == "report_emergency")


@pytest.mark.parametrize(
    ("text", "ranking", "expected"),
    [
        ("estoy en mexico y me secuestraron", [("report_emergency", 0.8), ("inform", 0.1)], "report_emergency"),
        # An uncued country after a topic question may be a follow-up about that country.
        ("y en canada?", [("ask_work_permit", 0.8), ("inform", 0.1)], "ask_work_permit"),
        ("soy haitiano pero hablo español", [("change_language", 0.98), ("inform", 0.01)], "change_language"),
        ("hablar con una persona, estoy en guatemala", [("request_human", 0.9), ("inform", 0.05)], "request_human"),
    ],
)
def test_a_place_with_a_need_or_a_request_keeps_it(text: str, ranking: list[tuple[str, float]], expected: str) -> None:
    assert intent_after(text, ranking)["name"] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("dolor de muela fuerte", "ask_health"), ("m gen lafyev depi yè", "ask_health"), ("y el futbol?", "out_of_scope")],
)
def test_an_unsure_short_message_with_a_word_of_its_subject_gets_that_subject(text: str, expected: str) -> None:
    ranking = [("nlu_fallback", 0.3), ("greet", 0.2), ("ask_documents", 0.15)]
    assert intent_after(text, ranking)["name"] == expected


def test_a_programme_confirms_the_unsure_best_guess_that_is_its_topic() -> None:
    # Unsure, but the best guess is the programme's own topic: the programme settles it.
    ranking = [("nlu_fallback", 0.3), ("ask_work_permit", 0.28), ("ask_labor_rights", 0.25)]
    assert intent_after("avec le h2a on est paye combien de fois", ranking) == {"name": "ask_work_permit", "confidence": 1.0}


def test_a_need_word_confirms_the_unsure_best_guess_it_names() -> None:
    ranking = [("nlu_fallback", 0.3), ("ask_health", 0.27), ("ask_labor_rights", 0.26)]
    assert intent_after("dor de dente forte", ranking) == {"name": "ask_health", "confidence": 1.0}


def test_a_topic_word_settles_an_unsure_reading_towards_a_topic_ranked_near_the_top() -> None:
    ranking = [("nlu_fallback", 0.3), ("ask_emergency_numbers", 0.28), ("ask_trafficking", 0.26), ("greet", 0.1)]
    assert intent_after("nimewo pou trafik moun nan jamayik", ranking)["name"] == "ask_trafficking"


def test_a_topic_word_far_down_the_ranking_leaves_the_reading_unsure() -> None:
    ranking = [("nlu_fallback", 0.3), ("greet", 0.28), ("thank", 0.2), ("goodbye", 0.1), ("ask_trafficking", 0.05)]
    assert intent_after("hmm trafik moun", ranking)["name"] == "nlu_fallback"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("mi nena tiene fiebre desde el martes", "ask_health"), ("is there a shelter open tonight", "ask_shelter"),
     ("fok mwen rele lapolis", "ask_emergency_numbers")],
)
def test_a_need_word_settles_a_reading_of_out_of_scope(text: str, expected: str) -> None:
    assert intent_after(text, [("out_of_scope", 0.7), ("greet", 0.1)])["name"] == expected


def test_out_of_scope_without_a_need_word_stays_out_of_scope() -> None:
    assert intent_after("quien gano el partido ayer", [("out_of_scope", 0.7), ("greet", 0.1)])["name"] == "out_of_scope"
