"""The guard components: bounded input, emergencies first, unsupported languages routed."""

from __future__ import annotations

import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.guards import EmergencyPriority, MessageGuard, UnsupportedLanguageRouter


def message(intent: str, ranking: list[tuple[str, float]], **data: object) -> Message:
    msg = Message(data={"text": "x", **data})
    msg.set("intent", {"name": intent, "confidence": ranking[0][1]})
    msg.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking])
    return msg


def test_emergency_wins_at_the_threshold() -> None:
    msg = message("ask_capabilities", [("ask_capabilities", 0.6), ("report_emergency", 0.2), ("greet", 0.2)])
    (out,) = EmergencyPriority({"threshold": 0.15}).process([msg])
    assert out.get("intent")["name"] == "report_emergency"
    assert out.get("intent_ranking")[0]["name"] == "report_emergency"


def test_emergency_below_the_threshold_changes_nothing() -> None:
    msg = message("ask_health", [("ask_health", 0.9), ("report_emergency", 0.05)])
    (out,) = EmergencyPriority({"threshold": 0.15}).process([msg])
    assert out.get("intent")["name"] == "ask_health"


def test_emergency_also_overrides_the_fallback() -> None:
    msg = message("nlu_fallback", [("nlu_fallback", 0.35), ("report_emergency", 0.3), ("deny", 0.25)])
    (out,) = EmergencyPriority({"threshold": 0.15}).process([msg])
    assert out.get("intent")["name"] == "report_emergency"


def test_long_text_is_cut_for_the_pipeline_only_at_a_word_boundary() -> None:
    msg = Message(data={"text": "palabra " * 1000})
    (out,) = MessageGuard({"max_characters": 100}).process([msg])
    assert len(out.get("text")) <= 100
    assert out.get("text").endswith("palabra")


def test_unsupported_language_becomes_its_own_intent() -> None:
    msg = message("ask_visa", [("ask_visa", 0.7)], language_supported=False)
    (out,) = UnsupportedLanguageRouter({}).process([msg])
    assert out.get("intent") == {"name": "unsupported_language", "confidence": 1.0}


def lexicon_guard(**config: object) -> EmergencyPriority:
    return EmergencyPriority(
        {"lexicon": "nlu/lookups/danger.yml", "lexicon_threshold": 0.05, "threshold": 0.15, "keep_threshold": 0.3, **config}
    )


def test_a_danger_word_makes_a_weak_emergency_win() -> None:
    msg = message(
        "ask_smuggling_risks",
        [("ask_smuggling_risks", 0.85), ("report_emergency", 0.08)],
        text="ME ESTÁN GOLPEANDO en la bodega",
        language="es",
    )
    (out,) = lexicon_guard().process([msg])
    assert out.get("intent")["name"] == "report_emergency"


def test_without_a_danger_word_a_weak_emergency_does_not_win() -> None:
    msg = message(
        "ask_smuggling_risks",
        [("ask_smuggling_risks", 0.85), ("report_emergency", 0.08)],
        text="es peligroso el tren",
        language="es",
    )
    (out,) = lexicon_guard().process([msg])
    assert out.get("intent")["name"] == "ask_smuggling_risks"


def test_an_unsure_first_ranked_emergency_gives_way_to_the_runner_up() -> None:
    msg = message(
        "report_emergency",
        [("report_emergency", 0.26), ("ask_capabilities", 0.24), ("thank", 0.2)],
        text="ajuda pf",
        language="pt",
    )
    (out,) = lexicon_guard().process([msg])
    assert out.get("intent")["name"] == "ask_capabilities"
    assert [r["name"] for r in out.get("intent_ranking")][:2] == ["ask_capabilities", "report_emergency"]


def test_the_keep_threshold_is_per_language() -> None:
    ranking = [("report_emergency", 0.28), ("ask_capabilities", 0.24)]
    guard = lexicon_guard(keep_thresholds={"ht": 0.25})
    (ht,) = guard.process([message("report_emergency", ranking, text="ede m", language="ht")])
    (en,) = guard.process([message("report_emergency", ranking, text="help", language="en")])
    assert ht.get("intent")["name"] == "report_emergency"
    assert en.get("intent")["name"] == "ask_capabilities"


def test_an_unsure_emergency_under_the_fallback_leaves_the_fallback() -> None:
    msg = message(
        "nlu_fallback",
        [("nlu_fallback", 0.3), ("report_emergency", 0.2), ("greet", 0.18)],
        text="bzzz",
        language="ht",
    )
    (out,) = lexicon_guard().process([msg])
    assert out.get("intent")["name"] == "nlu_fallback"


def test_a_confident_emergency_without_a_danger_word_stays() -> None:
    msg = message(
        "report_emergency", [("report_emergency", 0.9), ("ask_health", 0.05)], text="mi esposa no despierta", language="es"
    )
    (out,) = lexicon_guard().process([msg])
    assert out.get("intent")["name"] == "report_emergency"


@pytest.mark.parametrize(
    ("text", "reading", "language"),
    [
        ("alguém me acode", "request_human", "pt"),
        ("socorro socorro", "ask_capabilities", "es"),
        ("anmwe!!", "nlu_fallback", "ht"),
        ("au secours", "greet", "fr"),
    ],
)
def test_a_cry_for_rescue_is_an_emergency_whatever_the_classifier_says(text: str, reading: str, language: str) -> None:
    msg = message(reading, [(reading, 0.9), ("inform", 0.05)], text=text, language=language)
    (out,) = lexicon_guard().process([msg])
    assert out.get("intent")["name"] == "report_emergency"
    assert out.get("intent_ranking")[0]["name"] == "report_emergency"


def test_a_cry_before_a_topic_question_stays_the_question() -> None:
    msg = message("ask_visa", [("ask_visa", 0.9), ("report_emergency", 0.001)], text="socorro, como tiro o visto", language="pt")
    (out,) = lexicon_guard().process([msg])
    assert out.get("intent")["name"] == "ask_visa"


def test_leaving_is_not_a_cry_for_rescue() -> None:
    msg = message("goodbye", [("goodbye", 0.9), ("report_emergency", 0.001)], text="m ap sove kounya, orevwa", language="ht")
    (out,) = lexicon_guard().process([msg])
    assert out.get("intent")["name"] == "goodbye"


def test_two_signs_of_danger_make_an_emergency_whatever_the_classifier_gives_it() -> None:
    text = "Mwen nan yon machin avek kek mesye, yo pa vle kite m desann. Mwen pe anpil."
    msg = message("report_labor_abuse", [("report_labor_abuse", 0.93), ("bot_challenge", 0.03)], text=text, language="ht")
    (out,) = lexicon_guard().process([msg])
    assert out.get("intent")["name"] == "report_emergency"


def test_one_weak_sign_needs_the_classifier_to_give_the_emergency_some_weight() -> None:
    text = "no me dejan salir de la finca"
    abuse = message("report_labor_abuse", [("report_labor_abuse", 0.95), ("report_emergency", 0.014)], text=text, language="es")
    (out,) = lexicon_guard().process([abuse])
    assert out.get("intent")["name"] == "report_labor_abuse"
    weighty = message("report_labor_abuse", [("report_labor_abuse", 0.7), ("report_emergency", 0.25)], text=text, language="es")
    (out,) = lexicon_guard().process([weighty])
    assert out.get("intent")["name"] == "report_emergency"
