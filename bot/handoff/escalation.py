"""Escalation: open (or find) the ticket, route it to a desk, and tell the person where they stand.

``escalate`` does the database work; ``escalation_messages`` turns its result into the person's
messages (texts from ``bot.i18n``). Both are used by ``actions/handoff.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Engine

from bot import i18n
from bot.handoff import hours, policy, store

CANCEL_PAYLOAD = "/handoff_cancel"
SUMMARY_TURNS = 10
SUMMARY_CHARS = 300

Message = dict[str, Any]


@dataclass(frozen=True)
class Escalation:
    """What escalating did: the ticket, whether it is new, its place and the desk's opening."""

    ticket: store.Ticket
    created: bool
    position: int
    desk: store.Desk | None
    opening: hours.Opening | None  # set when the desk is closed now


def summarize(events: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The last turns of a conversation, as staff first see them: who said what (texts shortened)."""
    turns: list[dict[str, str]] = []
    for event in events:
        kind = event.get("event")
        text = (event.get("text") or "").strip()
        if kind == "user" and text:
            turns.append(
                {
                    "who": "person",
                    "text": text[:SUMMARY_CHARS],
                    "intent": str((event.get("parse_data") or {}).get("intent", {}).get("name") or ""),
                }
            )
        elif kind == "bot" and text:
            turns.append({"who": "bot", "text": text[:SUMMARY_CHARS]})
    return turns[-SUMMARY_TURNS:]


def escalate(
    engine: Engine,
    *,
    conversation_id: str,
    channel: str,
    language: str | None,
    country: str | None,
    reason: str,
    summary: list[dict[str, str]],
    now: datetime,
    media: dict[str, str] | None = None,
) -> Escalation:
    """Open the conversation's ticket (or find the open one), routed by country and language."""
    urgent = policy.is_urgent(reason)
    desk = store.route_desk(engine, country=country, language=language)
    ticket, created = store.open_ticket(
        engine,
        conversation_id=conversation_id,
        channel=channel,
        language=language,
        country=country if country and country != "REGIONAL" else None,
        reason=reason,
        urgent=urgent,
        summary=summary,
        desk_id=desk.id if desk else None,
        now=now,
    )
    if media and media.get("url"):
        store.add_message(
            engine,
            ticket_id=ticket.id,
            kind=store.PERSON,
            body=media.get("caption") or None,
            media_url=media["url"],
            media_content_type=media.get("content_type"),
            now=now,
        )
    if ticket.desk_id is not None and (desk is None or desk.id != ticket.desk_id):
        desk = store.get_desk(engine, desk_id=ticket.desk_id)
    opening = None
    if desk is not None and not hours.is_open(desk.hours, desk.timezone, now):
        opening = hours.next_opening(desk.hours, desk.timezone, now)
    position = store.queue_position(engine, ticket_id=ticket.id)
    return Escalation(ticket=ticket, created=created, position=position, desk=desk, opening=opening)


def cancel_button(language: str | None) -> dict[str, str]:
    """The button that cancels a request for a person."""
    return {"title": i18n.text("handoff_cancel_button", language), "payload": CANCEL_PAYLOAD}


def escalation_messages(result: Escalation, language: str | None) -> list[Message]:
    """The person's messages: urgent or their place in the queue, opening hours when closed, what to do if in danger."""
    parts: list[str] = []
    if result.ticket.urgent:
        parts.append(i18n.text("handoff_queued_urgent", language))
    else:
        parts.append(i18n.text("handoff_queued", language, position=max(result.position, 1)))
    if result.opening is not None:
        day = i18n.table("weekday_names", language).get(result.opening.weekday, result.opening.weekday)
        parts.append(
            i18n.text(
                "handoff_desk_closed",
                language,
                day=day,
                time=result.opening.at.strftime("%H:%M"),
                timezone=result.opening.timezone,
            )
        )
    parts.append(i18n.text("handoff_urgent_advice", language))
    if result.ticket.urgent:
        # No one-tap cancel in an emergency, and the country menu sent just before stays the one a
        # numbered reply answers (cancelling is still possible by writing "cancel").
        return [{"text": "\n\n".join(parts)}]
    return [{"text": "\n\n".join(parts), "buttons": [cancel_button(language)]}]
