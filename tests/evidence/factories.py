"""Rasa event-broker events as Rasa publishes them, for the evidence tests."""

from __future__ import annotations

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
