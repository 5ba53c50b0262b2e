"""The `evidence` slot event an action adds when a turn's question ends: categories only, for the counts.

The slot is not featurized (domain.yml), so it changes no prediction; the event broker carries it to
``python -m bot.evidence consume``.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from bot.evidence.model import EVIDENCE_SLOT, Marker


def outcome_event(tracker: Tracker, *, outcome: str, topic: str | None, question_country: str | None = None) -> dict[str, Any]:
    """The slot event recording a turn's outcome (no text, no identifier)."""
    marker: Marker = {
        "outcome": outcome,
        "topic": topic or "",
        "question_country": question_country or "",
        "country": str(tracker.get_slot("country") or ""),
        "language": str(tracker.get_slot("language") or ""),
        "channel": tracker.get_latest_input_channel() or "",
    }
    return SlotSet(EVIDENCE_SLOT, dict(marker))
