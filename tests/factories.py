"""Test factories: rasa-sdk trackers and parse results built the way Rasa sends them."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def parse(
    text: str = "hola",
    intent: str = "greet",
    language: str = "es",
    ambiguous: bool = False,
    supported: bool = True,
    entities: list[dict[str, Any]] | None = None,
    other_needs: list[str] | None = None,
) -> dict[str, Any]:
    """Return a parse result with the keys our NLU pipeline adds."""
    return {
        "other_needs": other_needs or [],
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities or [],
        "language": language,
        "language_ambiguous": ambiguous,
        "language_supported": supported,
    }


def make_tracker(
    latest: dict[str, Any] | None = None,
    slots: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
    sender_id: str = "test-user",
) -> Tracker:
    """Build a tracker as the action server receives it."""
    latest = latest or parse()
    return Tracker(
        sender_id=sender_id,
        slots=slots or {},
        latest_message=latest,
        events=events or [{"event": "user", "text": latest["text"], "parse_data": latest}],
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )
