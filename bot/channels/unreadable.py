"""Messages the assistant cannot read: which they are, and the key of the reply each gets.

Nothing gets silence. A channel stores and acknowledges these messages like any other, passes
them through the handoff gate, and otherwise answers with a short text in the conversation
language that says what could not be read and what to do (``StoredChannel.answer_unreadable``):

* an empty or blank text (or one that is empty once its slashes are removed);
* a message type the assistant does not read: a sticker, a GIF, a contact card, a poll, a dice,
  a reaction, an interactive message without text... (voice notes, images and documents are
  read by a person instead: see ``media_handoff``);
* a shared location whose coordinates are impossible (not numbers, latitude outside -90..90,
  longitude outside -180..180).
"""

from __future__ import annotations

import math

TEXT = "text"
UNSUPPORTED = "unsupported"  # stored kind: media_content_type names what it was (a MIME type or the provider's type)
BAD_LOCATION = "bad_location"  # stored kind: the coordinates are not kept (they mean nothing)
EMPTY = "empty"  # a text with nothing to read (not a stored kind)
REPLY_KEYS = {
    EMPTY: "unreadable_empty",
    UNSUPPORTED: "unreadable_message_type",
    BAD_LOCATION: "unreadable_location",
}


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def coordinates(latitude: object, longitude: object) -> tuple[float, float] | None:
    """(latitude, longitude) when both are numbers that name a place on Earth; None otherwise."""
    lat, lon = _number(latitude), _number(longitude)
    if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None
    return lat, lon


def reason(kind: str, text: str | None) -> str | None:
    """Why a message cannot be read (a ``REPLY_KEYS`` key), from its stored kind and the text Rasa would read."""
    if kind in (UNSUPPORTED, BAD_LOCATION):
        return kind
    if kind == TEXT and not (text or "").strip():
        return EMPTY
    return None
