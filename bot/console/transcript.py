"""The person's conversation as staff read it: the bot's turns from Rasa's tracker store, then the
handoff messages, in time order.

Reads the ``events`` table of Rasa's SQL tracker store (``TRACKER_DATABASE_URL``) read-only: the
person's texts and the bot's replies, nothing else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

_metadata = sa.MetaData()
events = sa.Table(
    "events",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("sender_id", sa.String(255)),
    sa.Column("type_name", sa.String(255)),
    sa.Column("timestamp", sa.Float),
    sa.Column("data", sa.Text),
)

# SENT: what the desk told the person automatically (at take and close), from the handoff messages.
PERSON, BOT, STAFF, NOTE, SYSTEM, SENT = "person", "bot", "staff", "note", "system", "sent"


@dataclass(frozen=True)
class Line:
    """One line of a transcript."""

    at: datetime
    kind: str  # person | bot | staff | note | system | sent
    text: str
    author: str | None = None
    delivery: str | None = None
    media_url: str | None = None
    original: str | None = None  # what the agent wrote, when `text` is its machine translation


def _text(event: dict[str, Any]) -> str:
    text = str(event.get("text") or "")
    buttons = (event.get("data") or {}).get("buttons") or []
    if buttons:
        titles = " | ".join(str(b.get("title", "")) for b in buttons if isinstance(b, dict))
        text = f"{text}\n[{titles}]" if text else f"[{titles}]"
    return text


def tracker_lines(engine: Engine, *, conversation_id: str, limit: int = 400) -> list[Line]:
    """The person's messages and the bot's replies stored by Rasa, oldest first (the newest `limit`)."""
    query = (
        sa.select(events.c.type_name, events.c.timestamp, events.c.data)
        .where(events.c.sender_id == conversation_id, events.c.type_name.in_(("user", "bot")))
        .order_by(events.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as connection:
        if not sa.inspect(connection).has_table("events"):
            return []  # the assistant never saved a conversation in this database
        rows = list(connection.execute(query))
    lines = []
    for row in reversed(rows):
        try:
            data = json.loads(row.data or "{}")
        except ValueError:
            continue
        text = _text(data)
        if not text:
            continue
        at = datetime.fromtimestamp(float(row.timestamp or 0), tz=timezone.utc).replace(tzinfo=None)
        lines.append(Line(at=at, kind=PERSON if row.type_name == "user" else BOT, text=text))
    return lines


def merge(*parts: list[Line]) -> list[Line]:
    """Lines of several sources in time order (stable for equal times)."""
    return sorted((line for part in parts for line in part), key=lambda line: line.at)
