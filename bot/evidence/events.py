"""Rasa event-broker events to observations: only the actions' `evidence` slot events count.

Each action that ends a turn's question (an answer, a not-understood search, a handoff) sets the
non-featurized `evidence` slot to a ``Marker`` of categories. The event id is a one-way hash of the
conversation id, the event's timestamp, its type and slot name: stable across redeliveries, never
stored next to anything that could lead back to the conversation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from bot.evidence.model import EVIDENCE_SLOT, OUTCOME, OUTCOMES, Cell, Observation, clean_code, week_of


def event_id(event: Mapping[str, Any]) -> str:
    """The stable id of a broker event (sender, timestamp, type and slot name, hashed)."""
    parts = (str(event.get("sender_id") or ""), repr(float(event.get("timestamp") or 0)), str(event.get("event") or ""),
             str(event.get("name") or ""))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def observe(event: Mapping[str, Any]) -> Observation | None:
    """The observation an event adds, or None (most events count nothing)."""
    if event.get("event") != "slot" or event.get("name") != EVIDENCE_SLOT:
        return None
    marker = event.get("value")
    timestamp = event.get("timestamp")
    if not isinstance(marker, Mapping) or not isinstance(timestamp, (int, float)):
        return None
    outcome = marker.get("outcome")
    if outcome not in OUTCOMES:
        return None
    cell = Cell(
        week=week_of(float(timestamp)),
        country=clean_code(marker.get("country")),
        question_country=clean_code(marker.get("question_country")),
        language=clean_code(marker.get("language")),
        channel=clean_code(marker.get("channel"), 24),
        topic=clean_code(marker.get("topic"), 48),
        kind=OUTCOME,
        value=str(outcome),
    )
    return Observation(event_id(event), cell)
