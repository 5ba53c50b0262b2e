"""Rasa event-broker events as Rasa publishes them, for the evidence tests."""

from __future__ import annotations

import random
from typing import Any

from bot.evidence.model import EVIDENCE_SLOT


def turn(sender: str, at: float, *, intent: str, outcome: str | None, topic: str = "", question_country: str = "",
         country: str = "", language: str = "es", channel: str = "whatsapp", text: str = "una pregunta") -> list[dict[str, Any]]:
    """The events one turn publishes: the user message, the action, its slot events, the bot's reply."""
    events: list[dict[str, Any]] = [
        {"event": "user", "timestamp": at, "sender_id": sender, "text": text, "input_channel": channel,
         "parse_data": {"intent": {"name": intent, "confidence": 0.9}, "entities": [], "text": text},
         "metadata": {}},
        {"event": "action", "timestamp": at + 0.1, "sender_id": sender, "name": "action_answer_topic"},
    ]
    if outcome is not None:
        events.append({"event": "slot", "timestamp": at + 0.2, "sender_id": sender, "name": EVIDENCE_SLOT, "value": {
            "outcome": outcome, "topic": topic, "question_country": question_country, "country": country,
            "language": language, "channel": channel}})
    events.append({"event": "bot", "timestamp": at + 0.3, "sender_id": sender, "text": "la respuesta", "data": {},
                   "metadata": {}})
    return events


COUNTRIES = ("MX", "GT", "HN", "SV", "NI", "CR", "PA", "BZ", "HT", "DO", "CU")
LANGUAGES = ("es", "en", "fr", "ht", "pt")
TOPICS = ("ask_asylum", "ask_work_permit", "ask_visa", "report_labor_abuse", "ask_trafficking", "find_help_point")
CHANNELS = ("whatsapp", "telegram")
OUTCOME_WEIGHTS = (("country_answer", 60), ("regional_fallback", 20), ("not_understood", 12),
                   ("handed_to_staff", 5), ("emergency", 3))


def realistic_week(start: float, conversations: int = 400, seed: int = 18) -> list[dict[str, Any]]:
    """A week of conversations: most in Spanish from a few countries, a long tail of small groups (cells of 1-4)."""
    rng = random.Random(seed)
    published: list[dict[str, Any]] = []
    outcomes, weights = zip(*OUTCOME_WEIGHTS, strict=True)
    for n in range(conversations):
        sender = f"wa-{n:04x}{rng.getrandbits(32):08x}"
        country = rng.choices(COUNTRIES, weights=(40, 25, 15, 8, 3, 2, 2, 1, 6, 1, 1))[0]
        language = "ht" if country == "HT" and rng.random() < 0.7 else rng.choices(LANGUAGES, weights=(80, 8, 5, 4, 3))[0]
        channel = rng.choice(CHANNELS)
        at = start + rng.uniform(0, 6.5 * 86400)
        for turn_index in range(rng.randint(1, 3)):
            outcome = rng.choices(outcomes, weights=weights)[0]
            topic = "" if outcome == "not_understood" else rng.choice(TOPICS)
            question = rng.choice((country, "US", "CA")) if outcome in ("country_answer", "regional_fallback") else ""
            published += turn(sender, at + turn_index * 40, intent=topic or "nlu_fallback", outcome=outcome, topic=topic,
                              question_country=question, country=country, language=language, channel=channel)
    return published
