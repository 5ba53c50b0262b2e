"""Small readers over the rasa-sdk tracker's event list."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker


def latest_intent(tracker: Tracker) -> str | None:
    """Return the intent name of the latest user message."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    name = intent.get("name")
    return str(name) if name else None


def other_needs(tracker: Tracker) -> list[str]:
    """Return the other topics the latest user message asked for (``bot.nlu.other_needs``)."""
    found = (tracker.latest_message or {}).get("other_needs") or []
    return [str(topic) for topic in found if topic]


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """Return the values of one entity type in the latest user message."""
    entities: list[dict[str, Any]] = (tracker.latest_message or {}).get("entities") or []
    return [str(e["value"]) for e in entities if e.get("entity") == entity and e.get("value")]


def latest_user_metadata(tracker: Tracker) -> dict[str, Any]:
    """Return the channel metadata of the latest user message (e.g. a shared location)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return dict(event.get("metadata") or {})
    return {}


def shared_location(tracker: Tracker) -> tuple[float, float] | None:
    """Return (latitude, longitude) if the latest user message shared a valid location."""
    location = latest_user_metadata(tracker).get("location") or {}
    try:
        latitude, longitude = float(location["latitude"]), float(location["longitude"])
    except (KeyError, TypeError, ValueError):
        return None
    if -90 <= latitude <= 90 and -180 <= longitude <= 180:
        return latitude, longitude
    return None
