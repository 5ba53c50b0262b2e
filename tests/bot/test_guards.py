"""The guard components: bounded input, emergencies first, unsupported languages routed."""

from __future__ import annotations

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
