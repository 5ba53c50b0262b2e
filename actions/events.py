"""Small readers over the rasa-sdk tracker's event list."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def latest_intent(tracker: Tracker) -> str | None:
    """Return the intent name of the latest user message."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    name = intent.get("name")
    return str(name) if name else None


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """Return the values of one entity type in the latest user message."""
    entities: list[dict[str, Any]] = (tracker.latest_message or {}).get("entities") or []
    return [str(e["value"]) for e in entities if e.get("entity") == entity and e.get("value")]
